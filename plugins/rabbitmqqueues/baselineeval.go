package rabbitmqqueues

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"edgecheck/plugins/rabbitmqqueues/baseline"
	"edgecheck/shared/nagios"
	"edgecheck/shared/registry"
)

// EnvBaselineNow is a clock seam for tests only: an RFC 3339 time the
// baseline uses instead of the system clock, so a test can compress days
// into seconds. It is read only when --baseline-file is set; production
// configurations must not set it.
const EnvBaselineNow = "EDGECHECK_BASELINE_NOW"

// maxBaselineItems bounds the long-output lines naming queues above their
// baseline (the worst first); the count is always in line 1.
const maxBaselineItems = 20

func (c *Check) baselineFlags(fs *registry.FlagSet) {
	fs.String(&c.BaselineFile, "baseline-file", "", "Learn each selected queue's normal depth (and publish/drain rates) per hour of the day, weekdays and weekends apart, in this state file, and alert on departures from it (see --warning-deviation). One file per selection; the directory must be writable by the check's user (e.g. /var/lib/edgecheck).").WithMeta("FILE")
	fs.Float(&c.WarnDev, "warning-deviation", c.WarnDev, "With --baseline-file: a queue this many standard deviations above its expected depth for the hour is WARNING; the same for the selection's publish-minus-drain balance. 0 disables.")
	fs.Float(&c.CritDev, "critical-deviation", c.CritDev, "With --baseline-file: a queue this many standard deviations above its expected depth for the hour is CRITICAL; the same for the selection's publish-minus-drain balance. 0 disables.")
	fs.Int(&c.BaselineMinSamples, "baseline-min-samples", c.BaselineMinSamples, "With --baseline-file: days (hourly observations) an hour slot must have learned before its baseline is applied; until then only the fixed thresholds apply and the output says how far learning is.")
	fs.Float(&c.WarnShare, "warning-share", c.WarnShare, "With --baseline-file: the selection is WARNING when at least this percentage of the queues with a learned baseline are above it (--warning-deviation). 0 disables.")
	fs.Float(&c.CritShare, "critical-share", c.CritShare, "With --baseline-file: the selection is CRITICAL when at least this percentage of the queues with a learned baseline are above it. 0 disables.")
}

func (c *Check) validateBaseline() error {
	switch {
	case c.WarnDev < 0 || c.CritDev < 0:
		return fmt.Errorf("--warning-deviation and --critical-deviation must be 0 (off) or more, not %g and %g", c.WarnDev, c.CritDev)
	case c.CritDev > 0 && c.WarnDev > c.CritDev:
		return fmt.Errorf("--warning-deviation %g is above --critical-deviation %g", c.WarnDev, c.CritDev)
	case c.BaselineMinSamples < 1:
		return fmt.Errorf("--baseline-min-samples must be 1 or more, not %d", c.BaselineMinSamples)
	case c.WarnShare < 0 || c.WarnShare > 100 || c.CritShare < 0 || c.CritShare > 100:
		return fmt.Errorf("--warning-share and --critical-share are percentages (0 to 100), not %g and %g", c.WarnShare, c.CritShare)
	case c.CritShare > 0 && c.WarnShare > c.CritShare:
		return fmt.Errorf("--warning-share %g is above --critical-share %g", c.WarnShare, c.CritShare)
	}
	return nil
}

// baselineScope names what a baseline file learned: the broker, the vhost
// and the selection, so one file is never shared by two selections.
func (c *Check) baselineScope() string {
	return fmt.Sprintf("url=%s vhost=%s queue=%s queue-regex=%s host=%s expected-hosts-file=%s",
		strings.TrimRight(c.URL, "/"), c.VHost, strings.Join(c.Queues, ","), c.QueueRegex, strings.Join(c.Hosts, ","), c.ExpectedHosts)
}

// baselineNow is the system clock, or EnvBaselineNow in tests.
func (c *Check) baselineNow() (time.Time, error) {
	v := c.getenv(EnvBaselineNow)
	if v == "" {
		return time.Now(), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s=%q is not an RFC 3339 time (it is a test-only clock; unset it): %v", EnvBaselineNow, v, err)
	}
	return t.Local(), nil
}

// A baselineRun is one run's assessment, for perfdata; nil without
// --baseline-file.
type baselineRun struct {
	a      baseline.Assessment
	byName map[string]baseline.QueueVerdict
}

// applyBaseline judges the queues with a depth against their learned
// baseline, adds the result to res, learns the samples and saves the file.
// Errors (locked, unreadable, corrupt, foreign file) name the path.
func (c *Check) applyBaseline(ctx context.Context, res *nagios.Result, vs []verdict, sum *nagios.Summary) (*baselineRun, error) {
	if c.BaselineFile == "" {
		return nil, nil
	}
	nagios.SetStage(ctx, "reading the baseline file "+c.BaselineFile)
	now, err := c.baselineNow()
	if err != nil {
		return nil, err
	}
	store, err := baseline.Open(ctx, c.BaselineFile, c.baselineScope())
	if err != nil {
		return nil, err
	}
	defer store.Close()
	var rs []baseline.Reading
	for _, v := range vs {
		q := v.q
		// Only the management API's own totals: an AMQP depth is ready
		// messages only, and a stream's depth is retention, not backlog.
		if v.missing || !q.HasDepth || q.DepthFrom != "" || q.Type == "stream" {
			continue
		}
		r := baseline.Reading{Name: q.Name, Sample: baseline.Sample{Depth: float64(q.Messages)}}
		if q.HasRates {
			r.HasRates, r.Publish, r.Drain = true, q.Publish, q.Drain
		}
		rs = append(rs, r)
	}
	lim := baseline.Limits{WarnDev: c.WarnDev, CritDev: c.CritDev, MinSamples: c.BaselineMinSamples,
		WarnShare: c.WarnShare / 100, CritShare: c.CritShare / 100}
	a := store.State.Assess(now, rs, lim)
	c.reportBaseline(ctx, res, sum, a, len(rs))
	nagios.SetStage(ctx, "writing the baseline file "+c.BaselineFile)
	size, err := store.Save(now)
	if err != nil {
		return nil, err
	}
	if nagios.Verbosity(ctx) > 0 {
		res.Add(nagios.OK, "baseline: %s, %d bytes, %d queues learned, slot %s", c.BaselineFile, size, len(store.State.Queues), baseline.SlotName(a.Slot))
	}
	run := &baselineRun{a: a, byName: make(map[string]baseline.QueueVerdict, len(a.Queues))}
	for _, q := range a.Queues {
		run.byName[q.Name] = q
	}
	return run, nil
}

// reportBaseline adds the queues above their baseline as items, and to
// sum (line 1) the selection-level state and reasons, the queues above
// their baseline (with the worst of their states) and the learning
// progress (OK).
func (c *Check) reportBaseline(ctx context.Context, res *nagios.Result, sum *nagios.Summary, a baseline.Assessment, n int) {
	shown := 0
	for _, q := range a.Queues {
		if q.State == nagios.OK && nagios.Verbosity(ctx) == 0 {
			continue
		}
		if q.Learning || shown >= maxBaselineItems {
			continue
		}
		shown++
		res.Add(q.State, "%s: %.0f messages, %+.1f sigma from its baseline %.1f±%.1f for %s",
			q.Name, q.Depth, q.Deviation, q.Expected.Depth, q.Expected.Sigma, baseline.SlotName(a.Slot))
	}
	if a.State != nagios.OK {
		res.State = nagios.Worst(res.State, a.State)
		sum.Add(a.State, strings.Join(a.Reasons, "; "))
	}
	var above []string
	aboveState := nagios.OK
	for _, q := range a.Queues {
		if !q.Learning && q.State != nagios.OK && len(above) < 3 {
			above = append(above, fmt.Sprintf("%s %+.1f sigma", q.Name, q.Deviation))
			aboveState = nagios.Worst(aboveState, q.State)
		}
	}
	if len(above) > 0 {
		sum.Add(aboveState, fmt.Sprintf("%d %s above baseline (worst %s)", countAbove(a), plural(countAbove(a), "queue", "queues"), strings.Join(above, ", ")))
	}
	if n > 0 && a.Progress < c.BaselineMinSamples {
		sum.Add(nagios.OK, fmt.Sprintf("baseline learning: %d of %d days for %s", a.Progress, c.BaselineMinSamples, baseline.SlotName(a.Slot)))
	}
}

func countAbove(a baseline.Assessment) int {
	n := 0
	for _, q := range a.Queues {
		if !q.Learning && q.State != nagios.OK {
			n++
		}
	}
	return n
}

// perf adds a queue's expected depth and deviation next to its depth, so a
// grapher draws the band; nothing while its slot is still learning.
func (b *baselineRun) perf(res *nagios.Result, name string) {
	if b == nil {
		return
	}
	q, ok := b.byName[name]
	if !ok || q.Learning {
		return
	}
	res.AddPerf(
		nagios.Perf{Label: name + " expected", Value: round1(q.Expected.Depth), Min: nagios.Float(0)},
		nagios.Perf{Label: name + " deviation", Value: round1(q.Deviation)},
	)
}

// selectionPerf adds the number of queues above their baseline.
func (b *baselineRun) selectionPerf(res *nagios.Result) {
	if b == nil {
		return
	}
	res.AddPerf(nagios.Perf{Label: "queues_above_baseline", Value: float64(b.a.Above), Min: nagios.Float(0)})
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
