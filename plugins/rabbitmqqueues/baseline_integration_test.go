//go:build integration

package rabbitmqqueues

import (
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"edgecheck/plugins/rabbitmqqueues/baseline"
	"edgecheck/shared/labtest"
)

// TestIntegrationBaselineBacklogLeavesTheBand runs the real binary against
// the lab broker over a compressed clock (EnvBaselineNow, test-only): four
// simulated nights at 03:00 with the real, empty compute queues teach the
// baseline, then a real backlog published over AMQP leaves the band.
func TestIntegrationBaselineBacklogLeavesTheBand(t *testing.T) {
	l := newLab(t)
	var qs []string
	for _, n := range []string{"b1", "b2", "b3"} {
		q := "compute." + l.host(n)
		l.declare(q)
		l.waitFor(q, 0, 0, 0)
		qs = append(qs, q)
	}
	file := filepath.Join(t.TempDir(), "rabbitmq.baseline")
	args := []string{"--queue-regex", "^" + regexp.QuoteMeta("compute."+l.prefix+"-"), "--min-consumers", "0",
		"--baseline-file", file, "--max-perfdata", "-1"}
	at := func(now time.Time, extra ...string) labtest.Run {
		t.Helper()
		base := []string{"--url", l.env["RABBITMQ_URL"], "--vhost", l.env["RABBITMQ_VHOST"], "--credentials-file", l.env["RABBITMQ_CREDENTIALS_FILE"]}
		return labtest.Exec(t, l.bin, []string{EnvBaselineNow + "=" + now.Format(time.RFC3339)}, append(append(base, args...), extra...)...)
	}
	start := time.Date(2026, 11, 2, 3, 5, 0, 0, time.UTC) // Monday 03:05 UTC
	slot := baseline.SlotName(baseline.SlotOf(start.Local()))
	for day := range 3 {
		for _, m := range []time.Duration{0, 30 * time.Minute} {
			labtest.WantOutput(t, at(start.AddDate(0, 0, day).Add(m)), 0, "baseline learning: "+string(rune('0'+day))+" of 3 days for "+slot)
		}
	}
	now := start.AddDate(0, 0, 3)
	labtest.WantOutput(t, at(now), 0, "RABBITMQ_QUEUES OK - 3 queues OK", "'"+qs[0]+" expected'=0;;;0", "'queues_above_baseline'=0;;;0")

	// A real backlog: 40 messages nobody consumes, 20 sigma above an
	// always-empty night slot; the fixed thresholds (-c 1000) do not see it.
	l.publish(qs[1], 40)
	l.waitFor(qs[1], 40, 0, 0)
	labtest.WantOutput(t, at(now.Add(10*time.Minute), "-w", "100", "-c", "1000"), 2,
		"[CRITICAL] "+qs[1]+": 40 messages, +20.0 sigma from its baseline 0.0±2.0 for "+slot,
		"1 of 3 queues (33%) above their baseline", "'"+qs[1]+" deviation'=20", "'queues_above_baseline'=1;;;0")
	labtest.WantOutput(t, at(now.Add(20*time.Minute), "-v"), 2, "baseline: "+file+", ")
}
