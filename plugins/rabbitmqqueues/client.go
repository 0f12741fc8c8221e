package rabbitmqqueues

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"

	"edgecheck/shared/nagios"
)

// maxBody bounds one API response. A page of 500 queues with our columns is
// about 150 KB; anything near this limit is not the management API.
const maxBody = 32 << 20

// maxPages stops a broker (or impostor) that reports an absurd page_count
// from turning one check into thousands of requests.
const maxPages = 200

// columns are the only fields the check reads. The management API prunes
// every other field server-side, which is most of the response size. The
// message counters come as samples over the rate window (see rateParams):
// two samples per counter, now and one window ago.
var columns = strings.Join([]string{
	"name", "type", "state", "leader", "members", "online",
	"messages", "messages_ready", "messages_unacknowledged", "consumers",
	"message_stats.publish_details.samples",
	"message_stats.ack_details.samples",
	"message_stats.deliver_no_ack_details.samples",
	"message_stats.get_no_ack_details.samples",
}, ",")

// rateParams asks for counter samples one window apart. The instantaneous
// `rate` the API reports by default covers only the last statistics
// interval and flaps between 0 and the real rate on a busy broker (seen in
// the lab: 0.0, 0.0, 20.0, 0.0 for a queue taking 20 msg/s), so growth is
// judged on the average over the window instead.
func rateParams(v url.Values, window time.Duration) {
	secs := strconv.Itoa(int(window / time.Second))
	v.Set("msg_rates_age", secs)
	v.Set("msg_rates_incr", secs)
}

// A transport gives rabbit-hole, which has no context support and no default
// timeout, a real deadline: every request it sends is bound to the check's
// context, so --timeout interrupts dialing, TLS and a server that never
// answers. It also counts requests (for -v and the benchmark) and keeps the
// last response body, which the check needs to tell "0 messages" from "no
// statistics yet": rabbit-hole decodes both to 0.
type transport struct {
	ctx  context.Context
	base http.RoundTripper
	// query is added to every request's query string. rabbit-hole's
	// ListConsumersIn takes no parameters; this is how the consumer
	// listing gets its column filter (see newConsumerTransport).
	query url.Values

	mu       sync.Mutex
	requests int
	status   int
	body     []byte
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.mu.Lock()
	t.requests++
	t.status = 0
	t.body = nil
	t.mu.Unlock()
	req = req.WithContext(t.ctx)
	if len(t.query) > 0 {
		u := *req.URL
		q := u.Query()
		for k, vs := range t.query {
			q[k] = vs
		}
		u.RawQuery = q.Encode()
		req.URL = &u
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	data, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	resp.Body.Close()
	t.mu.Lock()
	t.status = resp.StatusCode
	t.body = data
	t.mu.Unlock()
	if rerr != nil {
		return nil, fmt.Errorf("reading the response: %w", rerr)
	}
	if len(data) > maxBody {
		return nil, fmt.Errorf("response larger than %d MiB", maxBody>>20)
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return resp, nil
}

func (t *transport) last() (int, []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.status, t.body
}

func (t *transport) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.requests
}

// newHTTPTransport builds the TLS and dial settings. The context deadline
// bounds everything; the explicit timeouts only matter if it is missing.
func newHTTPTransport(caFile string, insecure bool) (*http.Transport, error) {
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: insecure} //nolint:gosec // --insecure is an explicit operator choice
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("--ca-file: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca-file %s holds no PEM certificate", caFile)
		}
		tlsConf.RootCAs = pool
	}
	return &http.Transport{
		// No proxy from the environment: the check talks to one broker, and
		// a stray http_proxy in a monitoring agent's environment must not
		// reroute (or leak the credentials of) that request.
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second}).DialContext,
		TLSClientConfig:       tlsConf,
		TLSHandshakeTimeout:   30 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		DisableCompression:    false,
		MaxIdleConns:          1,
	}, nil
}

// A queue is one queue's row as the check uses it. HasDepth is false when
// the broker has not emitted statistics for the queue yet (just declared,
// or the stats database lags); HasRates is false when message_stats is
// absent (no traffic since the stats were reset, or rates disabled).
type queue struct {
	Name     string
	Type     string // "classic", "quorum", "stream" (RabbitMQ API field type; "" when not sent)
	State    string
	HasDepth bool
	Messages int64
	Ready    int64
	Unacked  int64
	// HasConsumers is false when the broker sent no consumer count (the
	// field is absent with management.disable_stats or a disabled metrics
	// collector): Consumer is then unknown, never 0.
	HasConsumers bool
	Consumer     int64
	// HasLeader is true when the answer carried the quorum queue field
	// leader; Leader is "" when it was null (no leader: the majority of
	// Members is not Online, and the queue cannot deliver).
	HasLeader bool
	Leader    string
	Members   []string
	Online    []string
	// DepthFrom names where the numbers came from when not from the
	// management API ("AMQP queue.declare": ready messages only).
	DepthFrom string
	// NotAnswering: the queue is in the records but not in the totals
	// listing: its process did not answer (leaderless, down, crashed).
	NotAnswering bool

	// HasRates is false when message_stats is absent or holds no
	// publish/drain samples spanning time. RatesSkipped: the rates were
	// not read at all (the whole-vhost path reads them only above the
	// growth floor).
	HasRates     bool
	RatesSkipped bool
	Publish      float64 // messages/s published over the rate window
	Drain        float64 // ack + deliver_no_ack + get_no_ack per second: messages leaving the queue
	Window       time.Duration
}

// windowRate is the average rate between the newest and the oldest sample.
// ok is false when the samples do not span any time.
func windowRate(d rabbithole.RateDetails) (rate float64, span time.Duration, ok bool) {
	if len(d.Samples) < 2 {
		return 0, 0, false
	}
	newest, oldest := d.Samples[0], d.Samples[0]
	for _, s := range d.Samples {
		if s.Timestamp > newest.Timestamp {
			newest = s
		}
		if s.Timestamp < oldest.Timestamp {
			oldest = s
		}
	}
	ms := newest.Timestamp - oldest.Timestamp
	if ms <= 0 || newest.Sample < oldest.Sample {
		return 0, 0, false
	}
	return float64(newest.Sample-oldest.Sample) / (float64(ms) / 1000), time.Duration(ms) * time.Millisecond, true
}

// A listing is what one fetch returned.
type listing struct {
	Queues   []queue
	Direct   bool // read with GET /api/queues/VHOST/NAME
	Totals   bool // read with the unpaged listing without statistics (see fetchTotals)
	Total    int  // queues in the vhost, before the name filter (-1: not known)
	Pages    int
	Rates    int // queues whose rates were fetched after the totals listing
	Requests int
	// ConsumersOff: the consumer listing answered "Stats in management
	// UI are disabled": no consumer counts at all.
	ConsumersOff bool
	// StatsOff names the broker setting that disables statistics, as
	// GET /api/overview tells (see statsSetting); "" when they are on.
	StatsOff string
	AMQP     int // queues whose counts came from an AMQP passive queue.declare
}

// A rawItem is decoded from the same bytes as rabbit-hole's QueueInfo, to
// learn which fields the broker really sent.
type rawItem struct {
	Name      string          `json:"name"`
	Messages  json.RawMessage `json:"messages"`
	Consumers json.RawMessage `json:"consumers"`
	Leader    json.RawMessage `json:"leader"`
}

func present(raw json.RawMessage) bool { return len(raw) > 0 && string(raw) != "null" }

// convert turns one decoded page into queues, refusing what cannot be a
// management API answer so that garbage is UNKNOWN, never OK.
func convert(page rabbithole.PagedQueueInfo, body []byte) ([]queue, error) {
	var pres struct {
		Items []rawItem `json:"items"`
	}
	if err := json.Unmarshal(body, &pres); err != nil {
		return nil, fmt.Errorf("malformed JSON: %v", err)
	}
	if page.PageCount < 0 || page.PageCount > maxPages || page.TotalCount < 0 || page.FilteredCount < 0 {
		return nil, fmt.Errorf("implausible paging fields (page_count=%d total_count=%d filtered_count=%d)", page.PageCount, page.TotalCount, page.FilteredCount)
	}
	return convertItems(page.Items, pres.Items)
}

// convertOne is convert for the answer of GET /api/queues/VHOST/NAME.
func convertOne(qi *rabbithole.DetailedQueueInfo, body []byte, want string) ([]queue, error) {
	if qi == nil {
		return nil, fmt.Errorf("empty answer (JSON null)")
	}
	var raw rawItem
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("malformed JSON: %v", err)
	}
	if qi.Name != want {
		return nil, fmt.Errorf("asked for queue %q, got %q", want, qi.Name)
	}
	return convertItems([]rabbithole.QueueInfo{rabbithole.QueueInfo(*qi)}, []rawItem{raw})
}

func convertItems(items []rabbithole.QueueInfo, raws []rawItem) ([]queue, error) {
	if len(raws) != len(items) {
		return nil, fmt.Errorf("inconsistent answer: %d items vs %d", len(raws), len(items))
	}
	out := make([]queue, 0, len(items))
	for i, it := range items {
		if it.Name == "" || raws[i].Name != it.Name {
			return nil, fmt.Errorf("queue #%d has no name", i+1)
		}
		if it.Messages < 0 || it.MessagesReady < 0 || it.MessagesUnacknowledged < 0 || it.Consumers < 0 {
			return nil, fmt.Errorf("queue %q has negative counters", it.Name)
		}
		q := queue{
			Name:         it.Name,
			Type:         it.Type,
			State:        it.Status,
			HasDepth:     present(raws[i].Messages),
			Messages:     int64(it.Messages),
			Ready:        int64(it.MessagesReady),
			Unacked:      int64(it.MessagesUnacknowledged),
			HasConsumers: present(raws[i].Consumers),
			Consumer:     int64(it.Consumers),
			HasLeader:    len(raws[i].Leader) > 0,
			Leader:       it.Leader,
			Members:      it.Members,
			Online:       it.Online,
		}
		if ms := it.MessageStats; ms != nil {
			// A counter the broker leaves out never moved (no publish, or
			// no ack, ever): its rate is 0. The queue's rates are known
			// when at least one counter has samples spanning time.
			for _, c := range []struct {
				d   rabbithole.RateDetails
				dst *float64
			}{
				{ms.PublishDetails, &q.Publish}, {ms.AckDetails, &q.Drain},
				{ms.DeliverNoAckDetails, &q.Drain}, {ms.GetNoAckDetails, &q.Drain},
			} {
				if r, span, ok := windowRate(c.d); ok {
					*c.dst += r
					q.HasRates = true
					q.Window = max(q.Window, span)
				}
			}
		}
		out = append(out, q)
	}
	return out, nil
}

// fetcher issues the requests through rabbit-hole.
type fetcher struct {
	client   *rabbithole.Client
	tr       *transport
	cclient  *rabbithole.Client // for the consumer listing, on its own transport
	ctr      *transport
	endpoint string
	vhost    string
	pageSize int
	window   time.Duration      // rate window
	regex    string             // server-side name filter, for messages; empty for every queue
	chunks   []string           // the name filter split into regexes of at most maxNameRegex characters
	bclient  *rabbithole.Client // for the queue records listing, on its own transport
	btr      *transport
	single   string // the one exact queue name, when that is the whole selection
	wants    func(string) bool
	floor    int    // --growth-floor: rates are needed above it; -1: never
	source   string // where the credentials came from, for 401/403
	user     string
	// cover is one name regex covering a selection of exact names too
	// large for maxChunkRequests regexes (see selection.cover).
	cover      string
	coverNames int // how many exact names cover stands for
	// pageClient makes a client on a transport of its own, for the pages
	// read concurrently (restPages); extra are their transports.
	pageClient func() (*rabbithole.Client, *transport, error)
	mu         sync.Mutex
	extra      []*transport
}

func (f *fetcher) requests() int {
	n := f.tr.count() + f.ctr.count() + f.btr.count()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, tr := range f.extra {
		n += tr.count()
	}
	return n
}

func unreadable(endpoint string, err error) error {
	return fmt.Errorf("unreadable answer from the RabbitMQ management API at %s: %v (is --url the management API, e.g. http://host:15672?)", endpoint, err)
}

// totalsParams is the listing without statistics: disable_stats skips the
// statistics database, enable_queue_totals still adds messages,
// messages_ready and messages_unacknowledged from the queues' own counters
// (verified on the lab's RabbitMQ 3.10.8). It carries no consumers and no
// message_stats. A broker that ignored enable_queue_totals would send no
// depth: every queue would be reported without statistics (UNKNOWN), never
// as empty.
func totalsParams() url.Values {
	return url.Values{
		"disable_stats":       {"true"},
		"enable_queue_totals": {"true"},
		"columns":             {"name,state,messages,messages_ready,messages_unacknowledged"},
	}
}

// over tells whether the growth check needs q's rates.
func (f *fetcher) over(q queue) bool {
	return f.floor >= 0 && q.HasDepth && q.Messages > int64(f.floor)
}

// fetchRates reads the message rates of the named queues: a direct lookup
// for one, paged listings filtered by anchored name regexes when the names
// fit in maxChunkRequests of them, one unpaged listing with statistics
// beyond. A queue deleted
// in the meantime is left without rates (reported as such, not guessed).
func (f *fetcher) fetchRates(ctx context.Context, names []string) (map[string]queue, error) {
	nagios.SetStage(ctx, fmt.Sprintf("querying the message rates of %d %s above the growth floor in vhost %q at %s", len(names), plural(len(names), "queue", "queues"), f.vhost, f.endpoint))
	params := url.Values{"columns": {columns}}
	rateParams(params, f.window)
	var qs []queue
	chunks := selection{exact: names}.serverRegexes(maxNameRegex, maxPageSize)
	switch {
	case len(names) == 1:
		qi, err := f.client.GetQueueWithParameters(f.vhost, names[0], params)
		var rme rabbithole.ErrorResponse
		if errors.As(err, &rme) && rme.StatusCode == http.StatusNotFound {
			return nil, nil
		}
		if err != nil {
			return nil, f.explain(ctx, f.tr, err)
		}
		_, body := f.tr.last()
		if qs, err = convertOne(qi, body, names[0]); err != nil {
			return nil, unreadable(f.endpoint, err)
		}
	case len(chunks) > 0 && len(chunks) <= maxChunkRequests:
		for _, rx := range chunks {
			part, _, err := f.page(rx, maxPageSize)
			if err != nil {
				return nil, f.explain(ctx, f.tr, err)
			}
			qs = append(qs, part...)
		}
	default:
		items, err := f.client.ListQueuesWithParametersIn(f.vhost, params)
		if err != nil {
			return nil, f.explain(ctx, f.tr, err)
		}
		_, body := f.tr.last()
		var raws []rawItem
		if err := json.Unmarshal(body, &raws); err != nil {
			return nil, unreadable(f.endpoint, fmt.Errorf("malformed JSON: %v", err))
		}
		if qs, err = convertItems(items, raws); err != nil {
			return nil, unreadable(f.endpoint, err)
		}
	}
	out := make(map[string]queue, len(qs))
	for _, q := range qs {
		out[q.Name] = q
	}
	return out, nil
}

// explain turns a transport or API error into a line a first responder can
// act on.
func (f *fetcher) explain(ctx context.Context, tr *transport, err error) error {
	status, body := tr.last()
	var rme rabbithole.ErrorResponse
	if errors.As(err, &rme) {
		status = rme.StatusCode
	}
	var ue *url.Error
	isURLErr := errors.As(err, &ue)
	switch {
	case ctx.Err() != nil || (isURLErr && ue.Timeout()):
		// The runner reports the stage and the --timeout value.
		return fmt.Errorf("no answer from the RabbitMQ management API at %s: %w", f.endpoint, context.DeadlineExceeded)
	case status == http.StatusUnauthorized:
		return f.explain401(ctx, body)
	case status == http.StatusForbidden:
		return fmt.Errorf("RabbitMQ at %s denied user %q (from %s) access to vhost %q (HTTP 403): give it the monitoring tag and permissions on the vhost (rabbitmqctl set_permissions -p %s %s '^$' '^$' '^$')", f.endpoint, f.user, f.source, f.vhost, f.vhost, f.user)
	case status == http.StatusNotFound:
		return fmt.Errorf("vhost %q does not exist at %s (HTTP 404): check --vhost (rabbitmqctl list_vhosts), and --url if the API is under a path prefix", f.vhost, f.endpoint)
	case status >= 400 && !isAPIError(body):
		return fmt.Errorf("%s answered HTTP %d with %s, not the RabbitMQ management API's JSON error: the answer comes from something in front of the broker (a proxy or load balancer), not from RabbitMQ; check it and --url", f.endpoint, status, describeBody(body))
	case status >= 400:
		return fmt.Errorf("RabbitMQ management API at %s answered HTTP %d: %s", f.endpoint, status, snippet(rme, body))
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return fmt.Errorf("truncated answer from the RabbitMQ management API at %s (HTTP %d, %d bytes): retry; if it persists check a proxy or load balancer in front of the broker", f.endpoint, status, len(body))
	case errors.As(err, &syn) || errors.As(err, &typ):
		return fmt.Errorf("unreadable answer from %s (HTTP %d): not the management API's JSON (%v); is --url the management API, e.g. http://host:15672?", f.endpoint, status, err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("cannot connect to the RabbitMQ management API at %s: connection refused (is rabbitmq-server running with the rabbitmq_management plugin? check --url)", f.endpoint)
	}
	var certErr *tls.CertificateVerificationError
	var hostErr x509.HostnameError
	if errors.As(err, &hostErr) && hostErr.Certificate != nil && cnOnly(hostErr.Certificate) {
		return fmt.Errorf("the HTTPS certificate of %s names its host only in the subject CN (%q) and has no subjectAltName; Go clients require a SAN (Go 1.15+): reissue it with subjectAltName=%s", f.endpoint, hostErr.Certificate.Subject.CommonName, sanFor(hostErr.Host))
	}
	if errors.As(err, &certErr) && errors.As(certErr.Err, &hostErr) {
		return fmt.Errorf("the HTTPS certificate of %s is for other names (%v): %v; use a --url host the certificate names, or reissue it with subjectAltName=%s", f.endpoint, append(hostErr.Certificate.DNSNames, ipStrings(hostErr.Certificate.IPAddresses)...), certErr.Err, sanFor(hostErr.Host))
	}
	if errors.As(err, &certErr) {
		return fmt.Errorf("the HTTPS certificate of %s is not trusted: %v (give the CA with --ca-file; --insecure only while fixing it)", f.endpoint, certErr.Err)
	}
	if isURLErr {
		return fmt.Errorf("cannot reach the RabbitMQ management API at %s: %v", f.endpoint, ue.Err)
	}
	return fmt.Errorf("RabbitMQ management API at %s: %v", f.endpoint, err)
}

func snippet(rme rabbithole.ErrorResponse, body []byte) string {
	if rme.Message != "" || rme.Reason != "" {
		return strings.TrimSpace(rme.Message + " " + rme.Reason)
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}
