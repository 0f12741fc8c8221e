package rabbitmqqueues

import (
	"testing"

	"edgecheck/shared/nagios"
)

// Line 1 goes through nagios.Summary: the worst problem first whatever
// part of the check found it, the all-clear count only when no queue
// alerts, and the queues without rate samples always last.
func TestSummaryLine(t *testing.T) {
	c := &Check{URL: "http://rmq:15672", VHost: "nova"}
	missing := verdict{q: queue{Name: "compute.n9"}, missing: true, state: nagios.Critical, kinds: map[string]bool{"missing": true}}
	statsoff := verdict{q: queue{Name: "compute.h1"}, state: nagios.Unknown, kinds: map[string]bool{"statsoff": true}}
	quiet := verdict{q: queue{Name: "compute.n2", Messages: 150, HasDepth: true}, kinds: map[string]bool{"norates": true}}
	type part struct {
		s    nagios.State
		text string
	}
	for _, tc := range []struct {
		name     string
		baseline []part
		vs       []verdict
		counts   map[string]int
		alerting int
		statsOff string
		want     string
	}{
		{name: "a missing queue before a baseline warning added first",
			baseline: []part{{nagios.Warning, "1 of 3 queues (33%) above their baseline for weekday-03"}},
			vs:       []verdict{missing}, counts: map[string]int{"missing": 1}, alerting: 1,
			want: "1 of 1 queue alerting (1 missing); worst compute.n9 missing; 1 of 3 queues (33%) above their baseline for weekday-03"},
		{name: "statistics disabled named before the queues it leaves unknown",
			vs: []verdict{statsoff}, counts: map[string]int{"statsoff": 1}, alerting: 1, statsOff: "management.disable_stats = true",
			want: "RabbitMQ at http://rmq:15672 has management statistics disabled (management.disable_stats = true): no consumer or message counts over the management API, give --amqp-url to read them over AMQP; 1 of 1 queue alerting (1 without message counts); worst compute.h1 (no statistics)"},
		{name: "learning, then the all-clear count, then growth unknown",
			baseline: []part{{nagios.OK, "baseline learning: 1 of 3 days for weekday-03"}},
			vs:       []verdict{quiet}, counts: map[string]int{"norates": 1},
			want: "baseline learning: 1 of 3 days for weekday-03; 1 queue OK in vhost nova; deepest compute.n2=150; growth unknown for 1 queue above the floor (no rate samples)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sum nagios.Summary
			for _, b := range tc.baseline {
				sum.Add(b.s, b.text)
			}
			if got := c.summary(&nagios.Result{}, &sum, tc.vs, tc.counts, tc.alerting, tc.statsOff); got != tc.want {
				t.Errorf("line 1:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}
