package rabbitmqqueues

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"

	"edgecheck/shared/nagios"
)

// maxNameRegex is the longest name filter (the name parameter with
// use_regex=true) one request carries. RabbitMQ 4.2.6 and later refuse a
// longer one with HTTP 400 invalid_pagination_parameters; every version's
// HTTP listener (cowboy) answers 414 for a request line over about 8,000
// bytes, which a 1,024-character regex stays well inside even fully
// URL-encoded (3 bytes per character).
const maxNameRegex = 1024

// maxChunkRequests is the most paged, name-filtered requests a selection is
// split into. A selection that needs more is read with the unpaged listings
// of fetchTotals instead (three concurrent requests), which is both fewer
// requests and less work for the broker (each filtered page makes it scan
// every queue of the vhost).
const maxChunkRequests = 2

// fetch reads the selection with as few and as cheap requests as the
// management API allows:
//
//   - exactly one queue name: GET /api/queues/VHOST/NAME, which the broker
//     answers from one table lookup (about 1 ms with 10,000 queues);
//   - a name filter that fits in at most maxChunkRequests name regexes of
//     maxNameRegex characters: one paged, filtered, column-filtered listing
//     per regex. When each matches at most --page-size queues that is the
//     whole answer, however many queues the vhost holds;
//   - more exact names than that (an expected-hosts file of a whole cell):
//     the same with one regex covering them all (selection.cover);
//   - a filter matching more than one page: the other pages concurrently,
//     up to maxPagedPages (fetchPaged);
//   - every queue of the vhost, a larger selection, or a filter the broker
//     refuses as too long (HTTP 414, or 400 invalid_pagination_parameters):
//     fetchTotals, because paging through thousands of queues costs the
//     broker a full sort per page (20 pages for 10,000 queues: 3-4 s), and
//     one unpaged listing with statistics makes it join the statistics of
//     every queue (about 1.5 s for 10,000), while the listings without
//     statistics take about 0.4 s.
//
// Whatever the path, a queue row without depth or consumer count makes
// checkStats ask GET /api/overview whether statistics are disabled.
func (f *fetcher) fetch(ctx context.Context) (*listing, error) {
	lst, err := f.fetchPath(ctx)
	if err != nil {
		return nil, err
	}
	if err := f.checkStats(ctx, lst); err != nil {
		return nil, err
	}
	lst.Requests = f.requests()
	return lst, nil
}

func (f *fetcher) fetchPath(ctx context.Context) (*listing, error) {
	if f.single != "" {
		nagios.SetStage(ctx, fmt.Sprintf("querying queue %q in vhost %q at %s", f.single, f.vhost, f.endpoint))
		params := url.Values{"columns": {columns}}
		rateParams(params, f.window)
		qi, err := f.client.GetQueueWithParameters(f.vhost, f.single, params)
		var rme rabbithole.ErrorResponse
		switch {
		case err == nil:
			_, body := f.tr.last()
			qs, err := convertOne(qi, body, f.single)
			if err != nil {
				return nil, unreadable(f.endpoint, err)
			}
			return &listing{Queues: qs, Direct: true, Total: -1}, nil
		case errors.As(err, &rme) && rme.StatusCode == http.StatusNotFound:
			// The queue or its vhost is missing; the API answers 404 for
			// both. The listing below tells them apart (404 only for the
			// vhost), at the cost of a second request in this case only.
		default:
			return nil, f.explain(ctx, f.tr, err)
		}
	}
	chunks := f.chunks
	if len(chunks) > maxChunkRequests && f.cover != "" {
		chunks = []string{f.cover}
		f.regex = f.cover + " (covering the selected names, narrowed here to them)"
	}
	if len(chunks) == 0 || len(chunks) > maxChunkRequests {
		return f.fetchTotals(ctx)
	}
	res, ok, err := f.fetchPaged(ctx, chunks)
	if err != nil || !ok {
		if err == nil {
			return f.fetchTotals(ctx)
		}
		return nil, err
	}
	return res, nil
}

// page reads the first page of the queues matching the name regex rx.
func (f *fetcher) page(rx string, pageSize int) ([]queue, rabbithole.PagedQueueInfo, error) {
	return f.pageOf(f.client, f.tr, rx, 1, pageSize)
}

// pageOf reads page n of the queues matching rx with client cl, whose
// transport is tr.
func (f *fetcher) pageOf(cl *rabbithole.Client, tr *transport, rx string, n, pageSize int) ([]queue, rabbithole.PagedQueueInfo, error) {
	params := url.Values{}
	params.Set("page", strconv.Itoa(n))
	params.Set("page_size", strconv.Itoa(pageSize))
	params.Set("columns", columns)
	rateParams(params, f.window)
	params.Set("name", rx)
	params.Set("use_regex", "true")
	p, err := cl.PagedListQueuesWithParametersIn(f.vhost, params)
	if err != nil {
		return nil, p, err
	}
	_, body := tr.last()
	qs, err := convert(p, body)
	if err != nil {
		return nil, p, unreadable(f.endpoint, err)
	}
	return qs, p, nil
}

// tooLong tells whether the broker (or something in front of it) refused a
// request for the length of its name filter: HTTP 414 URI Too Long, or
// RabbitMQ 4.2.6+'s HTTP 400 invalid_pagination_parameters for a name regex
// over 1,024 characters.
func tooLong(err error) bool {
	var rme rabbithole.ErrorResponse
	if !errors.As(err, &rme) {
		return false
	}
	return rme.StatusCode == http.StatusRequestURITooLong ||
		(rme.StatusCode == http.StatusBadRequest && strings.Contains(rme.Message+" "+rme.Reason, "pagination"))
}

func abbrev(s string) string {
	if len(s) > 80 {
		return fmt.Sprintf("%s... (%d characters)", s[:60], len(s))
	}
	return s
}

// basicParams is the listing without statistics and without queue totals:
// the queue records alone, which name every queue of the vhost, including
// those whose process does not answer (a quorum queue without leader, a
// classic queue on a stopped node), with type, leader, members and online
// (captured from RabbitMQ 3.10.8: testdata/leaderless_basic.json). The
// totals listing leaves such queues out.
func basicParams() url.Values {
	return url.Values{"disable_stats": {"true"}, "columns": {"name,type,state,leader,members,online"}}
}

// fetchTotals reads every queue of the vhost with three concurrent requests
// on three connections: the queue records (basicParams: every queue, with
// its type and quorum leader), the queue totals (totalsParams: depths of the
// queues that answer), and the consumers (one column: the queue name), which
// give each queue's consumer count. The wall time is one round trip of the
// slowest. The name filter is then applied here (the broker ignores name and
// use_regex without paging). Rates are only needed for queues above the
// growth floor; fetchRates reads them for those queues alone.
func (f *fetcher) fetchTotals(ctx context.Context) (*listing, error) {
	nagios.SetStage(ctx, fmt.Sprintf("listing the queues of vhost %q and their consumers at %s", f.vhost, f.endpoint))
	var (
		wg               sync.WaitGroup
		consumers        []rabbithole.ConsumerInfo
		basic            []rabbithole.QueueInfo
		cerr, berr, qerr error
		items            []rabbithole.QueueInfo
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		consumers, cerr = f.cclient.ListConsumersIn(f.vhost)
	}()
	go func() {
		defer wg.Done()
		basic, berr = f.bclient.ListQueuesWithParametersIn(f.vhost, basicParams())
	}()
	items, qerr = f.client.ListQueuesWithParametersIn(f.vhost, totalsParams())
	wg.Wait()
	for _, e := range []struct {
		tr  *transport
		err error
	}{{f.tr, qerr}, {f.btr, berr}} {
		if e.err != nil {
			return nil, f.explain(ctx, e.tr, e.err)
		}
	}
	totals, err := decodeList(f.tr, items)
	if err != nil {
		return nil, unreadable(f.endpoint, err)
	}
	records, err := decodeList(f.btr, basic)
	if err != nil {
		return nil, unreadable(f.endpoint, err)
	}
	perQueue, consumersKnown, err := f.consumerCounts(ctx, consumers, cerr)
	if err != nil {
		return nil, err
	}
	all := mergeTotals(records, totals)
	res := &listing{Totals: true, Total: len(all), ConsumersOff: !consumersKnown}
	for _, q := range all {
		if !f.wants(q.Name) {
			continue
		}
		q.HasConsumers = consumersKnown
		q.Consumer = perQueue[q.Name]
		q.RatesSkipped = true
		res.Queues = append(res.Queues, q)
	}
	if err := f.lookupSilent(ctx, res); err != nil {
		return nil, err
	}
	if err := f.addRates(ctx, res); err != nil {
		return nil, err
	}
	return res, nil
}

// maxSilentLookups bounds the direct lookups of lookupSilent.
const maxSilentLookups = 10

// lookupSilent asks GET /api/queues/VHOST/NAME for each selected queue that
// is in the records but not in the totals (its process did not answer), so
// that its state is the one the other selection modes see (for example
// "down" for a classic queue on a stopped node). A quorum queue without
// leader needs no lookup: its record says so. Beyond maxSilentLookups the
// queues stay "not answering".
func (f *fetcher) lookupSilent(ctx context.Context, res *listing) error {
	var idx []int
	for i, q := range res.Queues {
		if q.NotAnswering && !leaderless(q) {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 || len(idx) > maxSilentLookups {
		return nil
	}
	params := url.Values{"columns": {columns}}
	rateParams(params, f.window)
	for _, i := range idx {
		q := &res.Queues[i]
		nagios.SetStage(ctx, fmt.Sprintf("querying queue %q, which did not answer the totals listing, in vhost %q at %s", q.Name, f.vhost, f.endpoint))
		qi, err := f.client.GetQueueWithParameters(f.vhost, q.Name, params)
		var rme rabbithole.ErrorResponse
		if errors.As(err, &rme) && rme.StatusCode == http.StatusNotFound {
			continue // deleted in the meantime
		}
		if err != nil {
			return f.explain(ctx, f.tr, err)
		}
		_, body := f.tr.last()
		one, err := convertOne(qi, body, q.Name)
		if err != nil {
			return unreadable(f.endpoint, err)
		}
		d := one[0]
		if d.State != "" {
			q.State = d.State
		}
		if d.Type != "" {
			q.Type = d.Type
		}
		if d.HasLeader {
			q.HasLeader, q.Leader, q.Members, q.Online = true, d.Leader, d.Members, d.Online
		}
		if d.HasDepth {
			q.HasDepth, q.Messages, q.Ready, q.Unacked, q.NotAnswering = true, d.Messages, d.Ready, d.Unacked, false
		}
	}
	return nil
}

func decodeList(tr *transport, items []rabbithole.QueueInfo) ([]queue, error) {
	_, body := tr.last()
	var raws []rawItem
	if err := json.Unmarshal(body, &raws); err != nil {
		return nil, fmt.Errorf("malformed JSON: %v", err)
	}
	return convertItems(items, raws)
}

// consumerCounts counts the consumers per queue. A broker with statistics
// disabled answers the consumer listing with HTTP 400 ("Stats in management
// UI are disabled on this node"): the counts are then unknown (known=false),
// not an error and never 0.
func (f *fetcher) consumerCounts(ctx context.Context, consumers []rabbithole.ConsumerInfo, cerr error) (map[string]int64, bool, error) {
	var rme rabbithole.ErrorResponse
	if errors.As(cerr, &rme) && rme.StatusCode == http.StatusBadRequest && strings.Contains(strings.ToLower(rme.Message+" "+rme.Reason), "disabled") {
		return nil, false, nil
	}
	if cerr != nil {
		return nil, false, f.explain(ctx, f.ctr, cerr)
	}
	perQueue := map[string]int64{}
	for i, c := range consumers {
		if c.Queue.Name == "" {
			return nil, false, unreadable(f.endpoint, fmt.Errorf("consumer #%d names no queue", i+1))
		}
		perQueue[c.Queue.Name]++
	}
	return perQueue, true, nil
}

// mergeTotals joins the queue records (every queue) with the totals (the
// queues that answered): depth and state from the totals, type and leader
// from the records. A queue only in the records keeps HasDepth false and
// its record's state; one only in the totals (declared between the two
// listings) is kept as it is.
func mergeTotals(records, totals []queue) []queue {
	byName := make(map[string]int, len(totals))
	for i, q := range totals {
		byName[q.Name] = i
	}
	out := make([]queue, 0, max(len(records), len(totals)))
	used := make([]bool, len(totals))
	for _, r := range records {
		i, ok := byName[r.Name]
		if !ok {
			r.NotAnswering = true
			out = append(out, r)
			continue
		}
		used[i] = true
		t := totals[i]
		t.Type, t.HasLeader, t.Leader, t.Members, t.Online = r.Type, r.HasLeader, r.Leader, r.Members, r.Online
		out = append(out, t)
	}
	for i, t := range totals {
		if !used[i] {
			out = append(out, t)
		}
	}
	return out
}

// addRates reads the rates of the queues above the growth floor.
func (f *fetcher) addRates(ctx context.Context, res *listing) error {
	var over []string
	for _, q := range res.Queues {
		if f.over(q) {
			over = append(over, q.Name)
		}
	}
	if len(over) == 0 {
		return nil
	}
	rates, err := f.fetchRates(ctx, over)
	if err != nil {
		return err
	}
	for i, q := range res.Queues {
		if !f.over(q) {
			continue
		}
		res.Queues[i].RatesSkipped = false
		if r, ok := rates[q.Name]; ok {
			res.Queues[i].HasRates, res.Queues[i].Publish, res.Queues[i].Drain, res.Queues[i].Window = r.HasRates, r.Publish, r.Drain, r.Window
		}
	}
	res.Rates = len(over)
	return nil
}

// checkStats asks GET /api/overview (fields disable_stats and
// enable_queue_totals, RabbitMQ 3.8+) whether the broker has its statistics
// disabled, when any row lacks a depth or a consumer count that a broker
// with statistics sends. It sets lst.StatsOff to the setting in force.
func (f *fetcher) checkStats(ctx context.Context, lst *listing) error {
	need := lst.ConsumersOff
	for _, q := range lst.Queues {
		if q.Type != "stream" && !q.NotAnswering && !leaderless(q) && (!q.HasDepth || !q.HasConsumers) {
			need = true
		}
	}
	if !need {
		return nil
	}
	nagios.SetStage(ctx, fmt.Sprintf("asking %s/api/overview whether statistics are disabled", f.endpoint))
	if _, err := f.client.Overview(); err != nil {
		var rme rabbithole.ErrorResponse
		if errors.As(err, &rme) {
			return nil // an old broker or a restricted user: no verdict on the setting
		}
		return f.explain(ctx, f.tr, err)
	}
	_, body := f.tr.last()
	lst.StatsOff = statsSetting(body, lst)
	return nil
}

// statsSetting names the setting that disables statistics, from the
// overview's disable_stats and enable_queue_totals and from what the
// listings carried; "" when statistics are on.
func statsSetting(overview []byte, lst *listing) string {
	var o struct {
		DisableStats      bool `json:"disable_stats"`
		EnableQueueTotals bool `json:"enable_queue_totals"`
	}
	if err := json.Unmarshal(overview, &o); err != nil {
		return ""
	}
	switch {
	case o.DisableStats && o.EnableQueueTotals:
		return "management.disable_stats = true with management.enable_queue_totals = true"
	case o.DisableStats:
		return "management.disable_stats = true"
	case lst.ConsumersOff:
		// Overview says statistics are on, but the consumer listing
		// answered "Stats in management UI are disabled": the metrics
		// collector is off, or (4.x) the deprecated feature
		// management_metrics_collection is denied. Rows without counts
		// alone are not enough: a queue declared a moment ago has none
		// yet on any broker.
		return "management_agent.disable_metrics_collector = true (RabbitMQ 4.x: deprecated feature management_metrics_collection denied)"
	}
	return ""
}
