package rabbitmqqueues

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"edgecheck/shared/nagios"
	"edgecheck/shared/registry"
)

// goodStates are the queue states (RabbitMQ API field state) of a queue
// that can deliver: running, idle and flow with statistics; live in the
// queue record sent without statistics. Every other state ("down",
// "crashed", "stopped", "terminated", "minority", and any state a later
// RabbitMQ adds) is CRITICAL: the check never guesses a new state is fine.
var goodStates = map[string]bool{"running": true, "idle": true, "flow": true, "live": true}

// leaderless tells whether q is a quorum queue whose answer carried the
// field leader as null: no member holds the leadership (the majority of its
// members is offline) and the queue can neither accept nor deliver.
func leaderless(q queue) bool {
	return q.HasLeader && q.Leader == "" && (q.Type == "quorum" || len(q.Members) > 0)
}

// A verdict is one queue's evaluation.
type verdict struct {
	q       queue
	missing bool
	state   nagios.State
	reasons []string
	kinds   map[string]bool
}

func (v *verdict) flag(s nagios.State, kind, reason string) {
	v.state = nagios.Worst(v.state, s)
	v.reasons = append(v.reasons, reason)
	if v.kinds == nil {
		v.kinds = map[string]bool{}
	}
	v.kinds[kind] = true
}

func (c *Check) threshold(v *verdict, name string, value int64, t nagios.Thresholds) {
	switch s := t.Evaluate(float64(value)); s {
	case nagios.Critical:
		v.flag(s, "threshold", fmt.Sprintf("%s %d outside critical %s", name, value, t.Critical))
	case nagios.Warning:
		v.flag(s, "threshold", fmt.Sprintf("%s %d outside warning %s", name, value, t.Warning))
	}
}

// judge evaluates one queue. statsOff names the broker setting that
// disables statistics ("" when they are on): numbers the broker did not
// send are then unknown because of it, never 0.
func (c *Check) judge(q queue, statsOff string) verdict {
	v := verdict{q: q}
	switch {
	case leaderless(q):
		v.flag(nagios.Critical, "state", fmt.Sprintf("quorum queue without leader: %d of %d members online (%s), no majority: it cannot deliver", len(q.Online), len(q.Members), strings.Join(q.Online, ",")))
		return v
	case q.State != "" && !goodStates[q.State]:
		v.flag(nagios.Critical, "state", fmt.Sprintf("queue state %s: it cannot deliver", q.State))
		return v
	case q.Type == "stream":
		// A stream keeps its messages after delivery: depth, ready,
		// unacked and growth do not apply, only its state and readers.
		c.consumers(&v, q, statsOff)
		return v
	case q.NotAnswering:
		v.flag(nagios.Unknown, "noanswer", "listed by the broker, but its process did not report its message counts (node down or overloaded?); not evaluated")
		return v
	case !q.HasDepth && statsOff != "":
		v.flag(nagios.Unknown, "statsoff", "no message counts: statistics disabled on the broker ("+statsOff+"); not evaluated")
		c.consumers(&v, q, statsOff)
		return v
	case !q.HasDepth:
		v.flag(nagios.Unknown, "nostats", "no depth statistics from the broker yet (queue just declared, or the management stats database lags); not evaluated")
		return v
	}
	c.threshold(&v, "messages", q.Messages, nagios.Thresholds{Warning: c.Warn, Critical: c.Crit})
	c.threshold(&v, "ready", q.Ready, nagios.Thresholds{Warning: c.WarnReady, Critical: c.CritReady})
	if q.DepthFrom == "" {
		c.threshold(&v, "unacked", q.Unacked, nagios.Thresholds{Warning: c.WarnUnacked, Critical: c.CritUnacked})
	}
	c.consumers(&v, q, statsOff)
	if c.GrowthFloor >= 0 && q.Messages > int64(c.GrowthFloor) {
		switch {
		case !q.HasRates:
			v.flag(nagios.OK, "norates", fmt.Sprintf("growth not evaluated: no message rate samples (no traffic in the last %s, statistics just reset, or rates disabled) while above the growth floor %d", registry.FormatSeconds(c.RateWindow)+"s", c.GrowthFloor))
		case q.Publish > q.Drain:
			v.flag(nagios.Warning, "growth", fmt.Sprintf("growing backlog: publish %s/s > drain %s/s over %s, above the growth floor %d", rate(q.Publish), rate(q.Drain), registry.FormatSeconds(q.Window)+"s", c.GrowthFloor))
		}
	}
	return v
}

// consumers checks --min-consumers when the broker sent a consumer count;
// without one the queue is UNKNOWN for consumers, never "0 consumers".
func (c *Check) consumers(v *verdict, q queue, statsOff string) {
	switch {
	case c.MinConsumers == 0:
	case !q.HasConsumers:
		why := "the broker sent no consumer count"
		if statsOff != "" && !v.kinds["statsoff"] {
			why += " (statistics disabled: " + statsOff + ")"
		}
		v.flag(nagios.Unknown, "noconsumers", why+"; consumers not evaluated")
	case q.Consumer < int64(c.MinConsumers):
		v.flag(nagios.Critical, "consumers", fmt.Sprintf("%d consumers, fewer than %d (nobody is consuming: is the service, e.g. nova-compute, running and connected?)", q.Consumer, c.MinConsumers))
	}
}

func rate(r float64) string { return fmt.Sprintf("%.1f", r) }

// order sorts worst first: state, then depth, then name.
func order(vs []verdict) {
	rank := map[nagios.State]int{nagios.Critical: 3, nagios.Warning: 2, nagios.Unknown: 1, nagios.OK: 0}
	sort.SliceStable(vs, func(i, j int) bool {
		a, b := vs[i], vs[j]
		if rank[a.state] != rank[b.state] {
			return rank[a.state] > rank[b.state]
		}
		if a.missing != b.missing {
			return a.missing
		}
		if a.q.Messages != b.q.Messages {
			return a.q.Messages > b.q.Messages
		}
		return a.q.Name < b.q.Name
	})
}

func (v verdict) text() string {
	q := v.q
	if v.missing {
		return q.Name + ": " + strings.Join(v.reasons, "; ")
	}
	var b strings.Builder
	b.WriteString(q.Name + ": ")
	if len(v.reasons) > 0 {
		b.WriteString(strings.Join(v.reasons, "; ") + " -- ")
	}
	consumers := "consumers=unknown"
	if q.HasConsumers {
		consumers = fmt.Sprintf("consumers=%d", q.Consumer)
	}
	switch {
	case q.HasDepth && q.DepthFrom != "":
		fmt.Fprintf(&b, "ready=%d unacked=unknown (from %s) %s", q.Ready, q.DepthFrom, consumers)
	case q.HasDepth:
		fmt.Fprintf(&b, "messages=%d ready=%d unacked=%d %s", q.Messages, q.Ready, q.Unacked, consumers)
	default:
		b.WriteString(consumers)
	}
	if q.Type != "" && q.Type != "classic" {
		b.WriteString(" type=" + q.Type)
	}
	if q.HasRates {
		fmt.Fprintf(&b, " publish=%s/s drain=%s/s (over %ss)", rate(q.Publish), rate(q.Drain), registry.FormatSeconds(q.Window))
	} else if q.RatesSkipped {
		b.WriteString(" rates=not read (not needed for growth)")
	} else {
		b.WriteString(" rates=n/a")
	}
	if q.State != "" && q.State != "running" {
		b.WriteString(" state=" + q.State)
	}
	return b.String()
}

// evaluate builds the result: one item per offending queue (every queue at
// -v), perfdata for the worst --max-perfdata queues, and counts.
func (c *Check) evaluate(ctx context.Context, sel selection, lst *listing, regex string) (*nagios.Result, error) {
	var vs []verdict
	found := map[string]bool{}
	for _, q := range lst.Queues {
		if !sel.wants(q.Name) {
			continue
		}
		found[q.Name] = true
		vs = append(vs, c.judge(q, lst.StatsOff))
	}
	matched := len(vs)
	var missing []string
	for _, name := range sel.exact {
		if !found[name] {
			missing = append(missing, name)
		}
	}
	if matched == 0 && c.ExpectedHosts == "" {
		if sel.all {
			return nil, fmt.Errorf("vhost %q has no queues: check --vhost (nova usually has its own vhost)", c.VHost)
		}
		return nil, fmt.Errorf("no queue in vhost %q (%d queues) matched the selection (server-side filter %s): check --vhost, --queue, --host and --queue-regex", c.VHost, lst.Total, regex)
	}
	for _, name := range missing {
		vs = append(vs, verdict{q: queue{Name: name}, missing: true, state: nagios.Critical,
			reasons: []string{"queue missing: " + missingHint(name)}, kinds: map[string]bool{"missing": true}})
	}
	order(vs)

	res := &nagios.Result{}
	counts := map[string]int{}
	alerting := 0
	for _, v := range vs {
		for k := range v.kinds {
			counts[k]++
		}
		if v.state != nagios.OK {
			alerting++
		}
		if v.state != nagios.OK || v.kinds["norates"] || nagios.Verbosity(ctx) > 0 {
			res.Add(v.state, "%s", v.text())
		}
	}
	total := len(vs)
	if nagios.Verbosity(ctx) > 0 {
		c.apiLine(res, lst, vs, matched, regex)
	}
	if lst.AMQP > 0 {
		res.Add(nagios.OK, "AMQP: ready messages and consumers of %d %s from a passive queue.declare at %s", lst.AMQP, plural(lst.AMQP, "queue", "queues"), c.AMQPURL)
	}
	var sum nagios.Summary
	bl, err := c.applyBaseline(ctx, res, vs, &sum)
	if err != nil {
		return nil, err
	}
	res.Summary = c.summary(res, &sum, vs, counts, alerting, lst.StatsOff)
	c.perfdata(res, vs, total, alerting, bl)
	return res, nil
}

// summary is line 1, built with nagios.Summary on what the baseline added
// to sum: why the broker sent no counts (statistics disabled, UNKNOWN),
// then the alerting queues by kind with the worst one (its state), worst
// first; when none alerts, how many are OK and the deepest. The queues
// whose growth could not be judged (no rate samples) always follow.
func (c *Check) summary(res *nagios.Result, sum *nagios.Summary, vs []verdict, counts map[string]int, alerting int, statsOff string) string {
	total := len(vs)
	if n := counts["statsoff"] + counts["noconsumers"]; n > 0 && statsOff != "" {
		hint := "give --amqp-url to read them over AMQP"
		if c.AMQPURL != "" {
			hint = "AMQP did not fill them in"
		}
		sum.Add(nagios.Unknown, fmt.Sprintf("RabbitMQ at %s has management statistics disabled (%s): no consumer or message counts over the management API, %s", c.URL, statsOff, hint))
	}
	var trailer []string
	if alerting == 0 {
		ok := fmt.Sprintf("%d %s OK in vhost %s", total, plural(total, "queue", "queues"), c.VHost)
		if total > 0 {
			ok += fmt.Sprintf("; deepest %s=%d", vs[0].q.Name, vs[0].q.Messages)
		}
		trailer = append(trailer, ok)
	} else {
		sum.Add(vs[0].state, fmt.Sprintf("%d of %d %s alerting (%s); worst %s", alerting, total, plural(total, "queue", "queues"), alertingKinds(counts), worstQueue(vs[0])))
	}
	if n := counts["norates"]; n > 0 {
		trailer = append(trailer, fmt.Sprintf("growth unknown for %d %s above the floor (no rate samples)", n, plural(n, "queue", "queues")))
	}
	return sum.Line(res, strings.Join(trailer, "; "))
}

// alertingKinds counts the alerting queues by kind of problem, for line 1.
func alertingKinds(counts map[string]int) string {
	var parts []string
	for _, k := range []struct{ key, label string }{
		{"threshold", "over threshold"}, {"consumers", "short of consumers"}, {"growth", "growing"},
		{"missing", "missing"}, {"state", "not running"}, {"noanswer", "not answering"}, {"nostats", "without statistics"},
		{"statsoff", "without message counts"}, {"noconsumers", "without consumer counts"},
	} {
		if n := counts[k.key]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k.label))
		}
	}
	return strings.Join(parts, ", ")
}

// worstQueue names the worst queue for line 1: its depth, or what keeps
// it from having one.
func worstQueue(w verdict) string {
	switch {
	case w.missing:
		return w.q.Name + " missing"
	case w.kinds["state"] && leaderless(w.q):
		return w.q.Name + " without leader"
	case w.kinds["state"]:
		return w.q.Name + " not running"
	case !w.q.HasDepth:
		return w.q.Name + " (no statistics)"
	}
	return fmt.Sprintf("%s=%d", w.q.Name, w.q.Messages)
}

// apiLine adds the -v line that says which requests were made.
func (c *Check) apiLine(res *nagios.Result, lst *listing, vs []verdict, matched int, regex string) {
	filter := regex
	if filter == "" {
		filter = "(none: every queue)"
	}
	switch {
	case lst.Totals:
		rates := "no rates needed (no queue above the growth floor)"
		if c.GrowthFloor < 0 {
			rates = "no rates needed (--growth-floor -1)"
		} else if lst.Rates > 0 {
			rates = fmt.Sprintf("rates read for the %d %s above the growth floor", lst.Rates, plural(lst.Rates, "queue", "queues"))
		}
		res.Add(nagios.OK, "API: %d HTTP %s, unpaged listings of all %d queues in vhost %s (queue records, queue totals without statistics, consumers), concurrently; %s; %d matched name filter %s",
			lst.Requests, plural(lst.Requests, "request", "requests"), lst.Total, c.VHost, rates, matched, filter)
	case lst.Direct:
		res.Add(nagios.OK, "API: %d HTTP %s, direct lookup of queue %s in vhost %s",
			lst.Requests, plural(lst.Requests, "request", "requests"), vs[0].q.Name, c.VHost)
	default:
		res.Add(nagios.OK, "API: %d HTTP %s, %d name-filtered %s of up to %d, %d of %d queues in vhost %s matched server-side name filter %s",
			lst.Requests, plural(lst.Requests, "request", "requests"), lst.Pages, plural(lst.Pages, "page", "pages"), c.PageSize,
			len(lst.Queues), lst.Total, c.VHost, filter)
	}
}

// perfdata adds the totals and, for at most --max-perfdata queues, the
// numbers the broker sent (never a 0 for one it did not).
func (c *Check) perfdata(res *nagios.Result, vs []verdict, total, alerting int, bl *baselineRun) {
	res.AddPerf(
		nagios.Perf{Label: "queues", Value: float64(total), Min: nagios.Float(0)},
		nagios.Perf{Label: "queues_alerting", Value: float64(alerting), Min: nagios.Float(0)},
	)
	bl.selectionPerf(res)
	limit := c.MaxPerfdata
	if limit < 0 || limit > len(vs) {
		limit = len(vs)
	}
	for _, v := range vs[:limit] {
		if v.missing {
			continue
		}
		q := v.q
		if q.HasDepth && q.DepthFrom == "" && q.Type != "stream" {
			res.AddPerf(
				nagios.Perf{Label: q.Name + " messages", Value: float64(q.Messages), Warn: c.Warn, Crit: c.Crit, Min: nagios.Float(0)},
				nagios.Perf{Label: q.Name + " ready", Value: float64(q.Ready), Warn: c.WarnReady, Crit: c.CritReady, Min: nagios.Float(0)},
				nagios.Perf{Label: q.Name + " unacked", Value: float64(q.Unacked), Warn: c.WarnUnacked, Crit: c.CritUnacked, Min: nagios.Float(0)},
			)
			bl.perf(res, q.Name)
		} else if q.HasDepth && q.Type != "stream" {
			res.AddPerf(nagios.Perf{Label: q.Name + " ready", Value: float64(q.Ready), Warn: c.WarnReady, Crit: c.CritReady, Min: nagios.Float(0)})
		}
		if q.HasConsumers {
			res.AddPerf(nagios.Perf{Label: q.Name + " consumers", Value: float64(q.Consumer), Min: nagios.Float(0)})
		}
	}
}

func missingHint(name string) string {
	if host, ok := strings.CutPrefix(name, "compute."); ok {
		return fmt.Sprintf("nova-compute on %s has not declared it (service never started, host renamed, or wrong --vhost)", host)
	}
	return "no such queue in the vhost (its consumer never declared it, or wrong --vhost)"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
