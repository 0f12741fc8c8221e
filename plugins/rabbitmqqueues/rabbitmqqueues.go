// Package rabbitmqqueues is check_rabbitmq_queues: depth, consumers and
// drain rate of RabbitMQ queues (typically nova's compute.<host> queues),
// read from the management HTTP API: one direct lookup for one queue, one
// paged, column-filtered and server-side name-filtered request for up to a
// page of queues, and two concurrent unpaged listings without statistics
// (queue totals, consumers) for more.
package rabbitmqqueues

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"

	"edgecheck/shared/credentials"
	"edgecheck/shared/nagios"
	"edgecheck/shared/registry"
)

// Environment variables that carry the credentials when no
// --credentials-file is given.
const (
	EnvUsername = "RABBITMQ_USERNAME"
	EnvPassword = "RABBITMQ_PASSWORD"
)

// maxPageSize is the management API's own limit for page_size.
const maxPageSize = 500

// A Check is one configured run of check_rabbitmq_queues.
type Check struct {
	URL             string
	VHost           string
	CAFile          string
	Insecure        bool
	CredentialsFile string
	AMQPURL         string

	Queues        []string
	QueueRegex    string
	Hosts         []string
	ExpectedHosts string

	Warn, Crit               *nagios.Range
	WarnReady, CritReady     *nagios.Range
	WarnUnacked, CritUnacked *nagios.Range
	MinConsumers             int
	GrowthFloor              int
	RateWindow               time.Duration
	MaxPerfdata              int
	PageSize                 int

	// Baseline settings (see baselineeval.go and package baseline).
	BaselineFile       string
	WarnDev, CritDev   float64
	BaselineMinSamples int
	WarnShare          float64
	CritShare          float64

	// getenv and now are seams for tests.
	getenv func(string) string
}

// New returns a check with its defaults.
func New() *Check {
	return &Check{
		URL:                "http://127.0.0.1:15672",
		VHost:              "/",
		MinConsumers:       1,
		GrowthFloor:        100,
		RateWindow:         60 * time.Second,
		MaxPerfdata:        10,
		PageSize:           maxPageSize,
		WarnDev:            3,
		CritDev:            6,
		BaselineMinSamples: 3,
		WarnShare:          25,
		CritShare:          50,
		getenv:             os.Getenv,
	}
}

// Flags declares every flag once.
func (c *Check) Flags(fs *registry.FlagSet) {
	fs.String(&c.URL, "url", c.URL, "Base URL of the RabbitMQ management API (http:// or https://), without credentials.").WithMeta("URL")
	fs.String(&c.VHost, "vhost", c.VHost, "Virtual host whose queues are checked (nova usually has its own, e.g. nova).").WithMeta("VHOST")
	fs.String(&c.CAFile, "ca-file", "", "PEM file of the CA that signed the broker's HTTPS certificate (default: the system CAs).").WithMeta("FILE")
	fs.Bool(&c.Insecure, "insecure", "Do not verify the broker's HTTPS certificate. Off by default; use only while fixing a certificate.")
	fs.String(&c.CredentialsFile, "credentials-file", "", "YAML file with `username` and `password`, mode 0600 or stricter. Without it the check reads the "+EnvUsername+" and "+EnvPassword+" environment variables.").WithMeta("FILE")
	fs.String(&c.AMQPURL, "amqp-url", "", "AMQP URL of the same broker (amqp://host:5672 or amqps://host:5671, no credentials, no vhost). When the management API sends no message or consumer counts (management.disable_stats, a disabled metrics collector), read them with a passive queue.declare per queue instead, as the user of the credentials file (queue.declare-ok gives ready messages and consumers; unacknowledged stay unknown). TLS uses --ca-file/--insecure.").WithMeta("URL")
	fs.Strings(&c.Queues, "queue", "Check this queue by exact name. A named queue that is missing while other selected queues exist is CRITICAL; when nothing at all matches the result is UNKNOWN.").WithMeta("NAME")
	fs.String(&c.QueueRegex, "queue-regex", "", "Check the queues whose names match this regular expression (unanchored; evaluated by the broker, and by the check when the selection is larger than one page). Combined with --queue/--host as a union. Without any selection every queue of the vhost is checked.").WithMeta("REGEX")
	fs.Strings(&c.Hosts, "host", "Check nova's compute queue of this hypervisor: compute.HOST. Missing queues count as for --queue; use --expected-hosts-file to make a missing compute queue CRITICAL even when it is the only one.").WithMeta("HOST")
	fs.String(&c.ExpectedHosts, "expected-hosts-file", "", "File with one compute host per line (# comments allowed); each host's compute.HOST queue must exist, a missing one is CRITICAL.").WithMeta("FILE")
	fs.Range(&c.Warn, "warning", "Messages per queue (ready + unacked) outside this range are WARNING.").WithShort("w")
	fs.Range(&c.Crit, "critical", "Messages per queue (ready + unacked) outside this range are CRITICAL.").WithShort("c")
	fs.Range(&c.WarnReady, "warning-ready", "Ready messages per queue outside this range are WARNING.")
	fs.Range(&c.CritReady, "critical-ready", "Ready messages per queue outside this range are CRITICAL.")
	fs.Range(&c.WarnUnacked, "warning-unacked", "Unacknowledged messages per queue outside this range are WARNING.")
	fs.Range(&c.CritUnacked, "critical-unacked", "Unacknowledged messages per queue outside this range are CRITICAL.")
	fs.Int(&c.MinConsumers, "min-consumers", c.MinConsumers, "A queue with fewer consumers is CRITICAL (a compute queue without consumer means nova-compute is not consuming). 0 disables.")
	fs.Int(&c.GrowthFloor, "growth-floor", c.GrowthFloor, "A queue holding more than this many messages whose publish rate exceeds its drain rate (acks plus no-ack deliveries), both averaged over --rate-window, is WARNING as a growing backlog. -1 disables.")
	fs.Duration(&c.RateWindow, "rate-window", c.RateWindow, "Publish and drain rates for --growth-floor are averaged over this window, from the broker's own counter samples (5 to 600 seconds, a multiple of 5; the management API keeps 5-second samples for 10 minutes).")
	fs.Int(&c.MaxPerfdata, "max-perfdata", c.MaxPerfdata, "Emit perfdata for at most this many queues, the worst first (state, then depth, then name); totals are always emitted. -1 means every queue.")
	fs.Int(&c.PageSize, "page-size", c.PageSize, "Queues per API page (the management API allows 1 to 500). A selection up to this size costs one request; a larger one costs a request per page (sent at once, up to 8 pages), beyond that the unpaged listings without statistics.")
	c.baselineFlags(fs)
}

// Validate checks the configuration before any I/O.
func (c *Check) Validate() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url %q is not an http:// or https:// URL", c.URL)
	}
	if u.User != nil {
		return fmt.Errorf("--url must not carry credentials (command lines are visible in ps); use --credentials-file or %s/%s", EnvUsername, EnvPassword)
	}
	if c.AMQPURL != "" {
		if err := validateAMQPURL(c.AMQPURL); err != nil {
			return err
		}
	}
	if c.VHost == "" {
		return fmt.Errorf("--vhost is empty (the default vhost is /)")
	}
	if _, err := c.queueRegex(); err != nil {
		return err
	}
	for _, h := range c.Hosts {
		if strings.TrimSpace(h) == "" {
			return fmt.Errorf("--host is empty")
		}
	}
	for _, q := range c.Queues {
		if q == "" {
			return fmt.Errorf("--queue is empty")
		}
	}
	if c.MinConsumers < 0 {
		return fmt.Errorf("--min-consumers must be 0 or more, not %d", c.MinConsumers)
	}
	if c.GrowthFloor < -1 {
		return fmt.Errorf("--growth-floor must be -1 (off) or more, not %d", c.GrowthFloor)
	}
	if c.MaxPerfdata < -1 {
		return fmt.Errorf("--max-perfdata must be -1 (all) or more, not %d", c.MaxPerfdata)
	}
	if w := c.RateWindow; w < 5*time.Second || w > 600*time.Second || w%(5*time.Second) != 0 {
		return fmt.Errorf("--rate-window must be 5 to 600 seconds in steps of 5, not %s", registry.FormatSeconds(w))
	}
	if c.PageSize < 1 || c.PageSize > maxPageSize {
		return fmt.Errorf("--page-size must be between 1 and %d, not %d", maxPageSize, c.PageSize)
	}
	if c.Insecure && c.CAFile != "" {
		return fmt.Errorf("--insecure and --ca-file contradict each other; keep --ca-file")
	}
	return c.validateBaseline()
}

type creds struct {
	Username string `yaml:"username"`
	Password string `yaml:"password"`
}

// credentials returns the username, password and a description of where
// they came from, for 401/403 messages.
func (c *Check) credentials() (creds, string, error) {
	if c.CredentialsFile != "" {
		var cr creds
		if err := credentials.Load(c.CredentialsFile, &cr); err != nil {
			return creds{}, "", err
		}
		if cr.Username == "" || cr.Password == "" {
			return creds{}, "", fmt.Errorf("credentials file %s needs both `username` and `password`", c.CredentialsFile)
		}
		return cr, "credentials file " + c.CredentialsFile, nil
	}
	cr := creds{Username: c.getenv(EnvUsername), Password: c.getenv(EnvPassword)}
	if cr.Username == "" || cr.Password == "" {
		return creds{}, "", fmt.Errorf("no RabbitMQ credentials: give --credentials-file FILE (YAML username/password, mode 0600) or set %s and %s", EnvUsername, EnvPassword)
	}
	return cr, "environment variables " + EnvUsername + "/" + EnvPassword, nil
}

// readExpectedHosts reads one host per line; blank lines and # comments are
// skipped.
func readExpectedHosts(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--expected-hosts-file: %v", err)
	}
	var hosts []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if line = strings.TrimSpace(line); line != "" {
			hosts = append(hosts, line)
		}
	}
	if len(hosts) == 0 {
		return nil, fmt.Errorf("--expected-hosts-file %s lists no host", path)
	}
	return hosts, nil
}

// selection is what the operator asked for.
type selection struct {
	exact    []string        // queue names that must exist, in order
	expected map[string]bool // names that are required (CRITICAL when missing)
	user     *regexp.Regexp
	all      bool
}

// serverRegex is the one name filter sent to the broker: the exact names
// anchored and quoted, in union with the operator's regex. QuoteMeta's
// escapes are valid in Erlang's PCRE-based re module too.
func (s selection) serverRegex() string {
	if s.all {
		return ""
	}
	var parts []string
	if len(s.exact) > 0 {
		quoted := make([]string, len(s.exact))
		for i, n := range s.exact {
			quoted[i] = regexp.QuoteMeta(n)
		}
		parts = append(parts, "^(?:"+strings.Join(quoted, "|")+")$")
	}
	if s.user != nil {
		parts = append(parts, "(?:"+s.user.String()+")")
	}
	return strings.Join(parts, "|")
}

// serverRegexes splits the name filter into the fewest regexes of at most
// maxLen characters, each matching at most perRegex exact names: the exact
// names packed greedily into ^(?:a|b|...)$ groups, and the operator's regex
// on its own. It returns nil when the operator's regex alone is longer than
// maxLen (the selection can then only be filtered here), and nil for every
// queue.
func (s selection) serverRegexes(maxLen, perRegex int) []string {
	if s.all {
		return nil
	}
	var out []string
	const open, closing = "^(?:", ")$"
	var b strings.Builder
	n := 0
	flush := func() {
		if n > 0 {
			out = append(out, b.String()+closing)
			b.Reset()
			n = 0
		}
	}
	for _, name := range s.exact {
		q := regexp.QuoteMeta(name)
		if len(open)+len(q)+len(closing) > maxLen {
			return nil // one name longer than the limit: filter here
		}
		if n > 0 && (b.Len()+1+len(q)+len(closing) > maxLen || n >= perRegex) {
			flush()
		}
		if n == 0 {
			b.WriteString(open)
		} else {
			b.WriteByte('|')
		}
		b.WriteString(q)
		n++
	}
	flush()
	if s.user != nil {
		u := "(?:" + s.user.String() + ")"
		switch {
		case len(u) > maxLen:
			return nil
		case len(out) > 0 && len(out[0])+1+len(u) <= maxLen:
			out[0] += "|" + u // the operator's regex rides along with the first names
		default:
			out = append(out, u)
		}
	}
	return out
}

// wants re-applies the selection client-side, so a broker that ignored the
// filter can never widen it.
func (s selection) wants(name string) bool {
	if s.all {
		return true
	}
	if s.expected[name] || (s.expected == nil && slices.Contains(s.exact, name)) {
		return true
	}
	return s.user != nil && s.user.MatchString(name)
}

// queueRegex compiles --queue-regex (nil when it is not given); Validate
// and the selection each compile it, so Validate changes nothing.
func (c *Check) queueRegex() (*regexp.Regexp, error) {
	if c.QueueRegex == "" {
		return nil, nil
	}
	re, err := regexp.Compile(c.QueueRegex)
	if err != nil {
		return nil, fmt.Errorf("--queue-regex %q: %v", c.QueueRegex, err)
	}
	return re, nil
}

func (c *Check) selection() (selection, error) {
	user, err := c.queueRegex()
	if err != nil {
		return selection{}, err
	}
	sel := selection{expected: map[string]bool{}, user: user}
	add := func(name string) {
		if !sel.expected[name] {
			sel.expected[name] = true
			sel.exact = append(sel.exact, name)
		}
	}
	for _, q := range c.Queues {
		add(q)
	}
	for _, h := range c.Hosts {
		add("compute." + strings.TrimSpace(h))
	}
	if c.ExpectedHosts != "" {
		hosts, err := readExpectedHosts(c.ExpectedHosts)
		if err != nil {
			return sel, err
		}
		for _, h := range hosts {
			add("compute." + h)
		}
	}
	sel.all = len(sel.exact) == 0 && sel.user == nil
	return sel, nil
}

// Run queries the broker and evaluates every selected queue.
func (c *Check) Run(ctx context.Context) (*nagios.Result, error) {
	nagios.SetStage(ctx, "reading the selection and credentials")
	sel, err := c.selection()
	if err != nil {
		return nil, err
	}
	cr, source, err := c.credentials()
	if err != nil {
		return nil, err
	}
	base, err := newHTTPTransport(c.CAFile, c.Insecure)
	if err != nil {
		return nil, err
	}
	defer base.CloseIdleConnections()
	tr := &transport{ctx: ctx, base: base}
	endpoint := strings.TrimRight(c.URL, "/")
	client, err := rabbithole.NewTLSClient(endpoint, cr.Username, cr.Password, tr)
	if err != nil {
		return nil, fmt.Errorf("--url %q: %v", c.URL, err)
	}
	// rabbit-hole's default is no timeout at all. The transport binds each
	// request to ctx, which is what normally fires; this is a backstop a
	// little later, so the timeout message comes from the context.
	// The consumer listing runs concurrently with the queue listing (see
	// fetchTotals), on its own transport that adds the column filter
	// rabbit-hole's ListConsumersIn cannot express: only the queue name of
	// each consumer, 40 bytes instead of 430.
	ctr := &transport{ctx: ctx, base: base, query: url.Values{"columns": {"queue.name"}}}
	cclient, err := rabbithole.NewTLSClient(endpoint, cr.Username, cr.Password, ctr)
	if err != nil {
		return nil, fmt.Errorf("--url %q: %v", c.URL, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		client.SetTimeout(time.Until(dl) + time.Second)
		cclient.SetTimeout(time.Until(dl) + time.Second)
	}
	btr := &transport{ctx: ctx, base: base}
	bclient, err := rabbithole.NewTLSClient(endpoint, cr.Username, cr.Password, btr)
	if err != nil {
		return nil, fmt.Errorf("--url %q: %v", c.URL, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		bclient.SetTimeout(time.Until(dl) + time.Second)
	}
	f := &fetcher{client: client, tr: tr, cclient: cclient, ctr: ctr, bclient: bclient, btr: btr, endpoint: endpoint, vhost: c.VHost, pageSize: c.PageSize, window: c.RateWindow,
		regex: sel.serverRegex(), chunks: sel.serverRegexes(maxNameRegex, c.PageSize), cover: sel.cover(), coverNames: len(sel.exact), wants: sel.wants, floor: c.GrowthFloor, source: source, user: cr.Username}
	f.pageClient = func() (*rabbithole.Client, *transport, error) {
		ptr := &transport{ctx: ctx, base: base}
		pc, err := rabbithole.NewTLSClient(endpoint, cr.Username, cr.Password, ptr)
		if err != nil {
			return nil, nil, fmt.Errorf("--url %q: %v", c.URL, err)
		}
		if dl, ok := ctx.Deadline(); ok {
			pc.SetTimeout(time.Until(dl) + time.Second)
		}
		return pc, ptr, nil
	}
	if len(sel.exact) == 1 && sel.user == nil {
		f.single = sel.exact[0]
	}
	lst, err := f.fetch(ctx)
	if err != nil {
		return nil, err
	}
	if c.AMQPURL != "" {
		if lst.AMQP, err = fillAMQP(ctx, c.AMQPURL, c.VHost, cr, base.TLSClientConfig, lst); err != nil {
			return nil, err
		}
	}
	nagios.SetStage(ctx, "evaluating queues")
	return c.evaluate(ctx, sel, lst, f.regex)
}

func init() {
	registry.Register(registry.Plugin{
		Name:    "check_rabbitmq_queues",
		Service: "RABBITMQ_QUEUES",
		Description: "Checks depth, ready and unacknowledged messages, consumers and growth of RabbitMQ queues " +
			"(nova's compute.<host> queues in particular) through the management HTTP API. A selection of up to 500 queues " +
			"whose names fit in two regexes of 1,024 characters is filtered by the broker (name regex, paging, columns) and costs one request per regex " +
			"however many queues the vhost holds; the whole vhost, or a larger selection, is read with three concurrent listings without statistics " +
			"(queue records, queue totals, consumers; about 0.5 s for 10,000 queues), and rates only for the queues above --growth-floor. " +
			"A quorum queue without leader or a queue in a state other than running/idle/flow is CRITICAL in every selection mode; " +
			"counts a broker with statistics disabled does not send are UNKNOWN, naming the setting (or read over AMQP with --amqp-url), never 0. " +
			"A queue with fewer than --min-consumers consumers is CRITICAL (nova-compute stopped consuming); a " +
			"missing compute.<host> queue of --expected-hosts-file is CRITICAL; no matching queue at all, HTTP " +
			"errors, bad credentials and timeouts are UNKNOWN. Credentials come from --credentials-file or " +
			EnvUsername + "/" + EnvPassword + ", never from the command line.",
		RunsOn:  "rabbitmq-host",
		Catches: "nova `compute.<host>` queues backing up, without consumers, growing; expected compute queues missing",
		Source:  "RabbitMQ management API, filtered server-side",
		Examples: []registry.Example{
			{Command: "check_rabbitmq_queues --vhost nova --credentials-file /etc/nagios/rabbitmq.yaml --queue-regex '^compute\\.' -w 100 -c 1000",
				Explain: "Every nova compute queue: WARNING above 100 messages, CRITICAL above 1000 or without a consumer."},
			{Command: "check_rabbitmq_queues --vhost nova --credentials-file /etc/nagios/rabbitmq.yaml --host n12 -c 500",
				Explain: "Only compute.n12, the queue of hypervisor n12 (one direct API lookup); CRITICAL above 500 messages or without a consumer."},
			{Command: "check_rabbitmq_queues --vhost nova --credentials-file /etc/nagios/rabbitmq.yaml --expected-hosts-file /etc/nagios/compute-hosts --warning-unacked 50",
				Explain: "Each host listed in the file must have its compute queue with a consumer; more than 50 unacknowledged messages is WARNING."},
			{Command: "check_rabbitmq_queues --url https://mq1:15671 --ca-file /etc/ssl/mq-ca.pem --vhost nova --queue conductor --min-consumers 2",
				Explain: "Over HTTPS with a private CA, credentials from RABBITMQ_USERNAME/RABBITMQ_PASSWORD; the conductor queue needs 2 consumers."},
		},
		New: func() registry.Check { return New() },
	})
}
