package baseline

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"edgecheck/shared/nagios"
)

// The simulated fleet: compute queues sampled every 10 minutes. Weekday
// mornings (08:00-11:00) bring bursts of boots, 20-50 messages per queue;
// weekday business hours hold a few; nights and weekends are near empty.
const simQueues = 20

var simStart = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC) // a Monday

var defaultLimits = Limits{WarnDev: 3, CritDev: 6, MinSamples: 3, WarnShare: 0.25, CritShare: 0.5}

func normalDepth(rng *rand.Rand, t time.Time) float64 {
	weekend := t.Weekday() == time.Saturday || t.Weekday() == time.Sunday
	h := t.Hour()
	switch {
	case !weekend && h >= 8 && h < 11:
		return float64(20 + rng.IntN(31))
	case !weekend && h >= 11 && h < 18:
		return float64(rng.IntN(5))
	case weekend:
		return float64(rng.IntN(3))
	default:
		return float64(rng.IntN(2))
	}
}

func normalReadings(rng *rand.Rand, t time.Time) []Reading {
	rs := make([]Reading, simQueues)
	for i := range rs {
		d := normalDepth(rng, t)
		drain := d/10 + rng.Float64()*0.2
		rs[i] = Reading{Name: fmt.Sprintf("compute.hv%02d", i), Sample: Sample{Depth: d, HasRates: true, Publish: drain + (rng.Float64()-0.5)*0.2, Drain: drain}}
	}
	return rs
}

// learnedState runs the normal pattern for weeks and returns the state
// and the time after.
func learnedState(t *testing.T, weeks int, rng *rand.Rand) (*State, time.Time) {
	t.Helper()
	st := &State{Version: Version, Queues: map[string]*Series{}}
	now := simStart
	for end := simStart.AddDate(0, 0, 7*weeks); now.Before(end); now = now.Add(10 * time.Minute) {
		st.Assess(now, normalReadings(rng, now), defaultLimits)
	}
	return st, now
}

// fixed judges like the check's fixed -w/-c on messages per queue.
func fixed(warn, crit float64, rs []Reading) nagios.State {
	w, c := nagios.MustParseRange(nagios.FormatNumber(warn)), nagios.MustParseRange(nagios.FormatNumber(crit))
	s := nagios.OK
	for _, r := range rs {
		s = nagios.Worst(s, nagios.Thresholds{Warning: &w, Critical: &c}.Evaluate(r.Depth))
	}
	return s
}

func worst(a Assessment) nagios.State {
	s := a.State
	for _, q := range a.Queues {
		s = nagios.Worst(s, q.State)
	}
	return s
}

func TestBaselineStaysOKThroughNormalWeekWhereNightTunedFixedThresholdsPage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	st, now := learnedState(t, 4, rng)
	var baselineAlerts, fixedAlerts int
	var firstAlert string
	for end := now.AddDate(0, 0, 7); now.Before(end); now = now.Add(10 * time.Minute) {
		rs := normalReadings(rng, now)
		if fixed(5, 10, rs) != nagios.OK {
			fixedAlerts++
		}
		if a := st.Assess(now, rs, defaultLimits); worst(a) != nagios.OK {
			baselineAlerts++
			if firstAlert == "" {
				firstAlert = fmt.Sprintf("%s: %s %v (queue %s %.1f sigma)", now, worst(a), a.Reasons, a.Queues[0].Name, a.Queues[0].Deviation)
			}
		}
	}
	if baselineAlerts != 0 {
		t.Errorf("the baseline alerted %d times through a normal week; first: %s", baselineAlerts, firstAlert)
	}
	if fixedAlerts == 0 {
		t.Errorf("fixed thresholds tuned for nights (-w 5 -c 10) never paged during the morning boots: the comparison proves nothing")
	}
	t.Logf("normal week: baseline alerts %d, night-tuned fixed thresholds %d of %d runs", baselineAlerts, fixedAlerts, 7*24*6)
}

func TestBaselineCatchesStuckQueueAtNightThatMorningTunedFixedThresholdsMiss(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	st, now := learnedState(t, 4, rng)
	// Sunday 03:00 of the fifth week: compute.hv07's consumer is stuck.
	night := now.AddDate(0, 0, 6).Add(3 * time.Hour)
	if night.Weekday() != time.Sunday {
		t.Fatalf("test setup: %s is not a Sunday", night)
	}
	rs := normalReadings(rng, night)
	rs[7].Depth = 40
	if got := fixed(60, 100, rs); got != nagios.OK {
		t.Fatalf("test setup: fixed thresholds tuned for mornings (-w 60 -c 100) give %s, want OK (they miss it)", got)
	}
	a := st.Assess(night, rs, defaultLimits)
	if a.Queues[0].Name != "compute.hv07" || a.Queues[0].State != nagios.Critical {
		t.Fatalf("worst queue = %s %s (%.1f sigma), want compute.hv07 CRITICAL", a.Queues[0].Name, a.Queues[0].State, a.Queues[0].Deviation)
	}
	if a.Queues[1].State != nagios.OK {
		t.Errorf("an idle queue is %s at night, want OK", a.Queues[1].State)
	}
	if e := a.Queues[0].Expected; e.Depth > 2 || e.Samples < 3 {
		t.Errorf("expected depth for %s = %.1f from %d samples, want a near-empty learned night", SlotName(e.Slot), e.Depth, e.Samples)
	}
}

func TestBaselineCatchesSlowDrainingVhostThatMorningTunedFixedThresholdsMiss(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	st, now := learnedState(t, 4, rng)
	// Wednesday 14:00-15:00 of the fifth week: every queue drains slowly.
	at := now.AddDate(0, 0, 2).Add(14 * time.Hour)
	var a Assessment
	for i := 0; i < 6; i++ {
		rs := normalReadings(rng, at)
		for j := range rs {
			rs[j].Depth = float64(12 + 2*i + rng.IntN(3))
			rs[j].Publish, rs[j].Drain = 2, 0.5
		}
		if got := fixed(60, 100, rs); got != nagios.OK {
			t.Fatalf("test setup: fixed thresholds tuned for mornings give %s, want OK (they miss it)", got)
		}
		a = st.Assess(at, rs, defaultLimits)
		at = at.Add(10 * time.Minute)
	}
	if a.State != nagios.Critical {
		t.Fatalf("selection state = %s (%v), want CRITICAL", a.State, a.Reasons)
	}
	text := strings.Join(a.Reasons, "; ")
	for _, want := range []string{"20 of 20 queues", "weekdays 14:00-15:00", "publishing outpaces delivery"} {
		if !strings.Contains(text, want) {
			t.Errorf("reasons %q lack %q", text, want)
		}
	}
}

func TestLearningUntilMinSamples(t *testing.T) {
	st := &State{Version: Version, Queues: map[string]*Series{}}
	now := simStart.Add(3 * time.Hour)
	for day := 0; day < 3; day++ {
		a := st.Assess(now, []Reading{{Name: "q", Sample: Sample{Depth: 100}}}, defaultLimits)
		if !a.Queues[0].Learning || a.Queues[0].State != nagios.OK || a.Progress != day {
			t.Fatalf("day %d: learning=%v state=%s progress=%d, want learning OK progress %d", day, a.Queues[0].Learning, a.Queues[0].State, a.Progress, day)
		}
		now = now.Add(24 * time.Hour)
	}
	a := st.Assess(now, []Reading{{Name: "q", Sample: Sample{Depth: 100}}}, defaultLimits)
	if a.Queues[0].Learning || a.Progress != 3 || a.Queues[0].Expected.Depth != 100 {
		t.Fatalf("after 3 days: learning=%v progress=%d expected=%.1f, want learned, 3, 100", a.Queues[0].Learning, a.Progress, a.Queues[0].Expected.Depth)
	}
}

func TestRatesUnknownAreNotZero(t *testing.T) {
	var s Series
	s.Observe(simStart, Sample{Depth: 1})
	s.Observe(simStart.Add(24*time.Hour), Sample{Depth: 1})
	if e := s.Expect(simStart); e.HasRates || e.Samples != 1 {
		t.Fatalf("a slot fed only samples without rates has HasRates=%v samples=%d", e.HasRates, e.Samples)
	}
}

func TestClockSteppedBackIsIgnored(t *testing.T) {
	var s Series
	s.Observe(simStart.Add(2*time.Hour), Sample{Depth: 5})
	s.Observe(simStart.Add(time.Hour), Sample{Depth: 500})
	if s.Cur.N != 1 || s.Cur.Sum != 5 {
		t.Fatalf("a sample from an earlier hour was counted: %+v", s.Cur)
	}
}

func TestFileRoundTripAndRefusals(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "b.state")
	ctx := context.Background()
	s, err := Open(ctx, path, "scope-a")
	if err != nil {
		t.Fatal(err)
	}
	s.State.Assess(simStart, []Reading{{Name: "compute.a", Sample: Sample{Depth: 3}}}, defaultLimits)
	if _, err := s.Save(simStart); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(ctx, path, "scope-a")
	if err != nil {
		t.Fatal(err)
	}
	if s.State.Queues["compute.a"].Cur.Sum != 3 {
		t.Fatalf("reloaded state lost the sample: %+v", s.State.Queues["compute.a"].Cur)
	}
	s.Close()

	if _, err := Open(ctx, path, "scope-b"); !errors.Is(err, ErrForeign) || !strings.Contains(err.Error(), path) {
		t.Errorf("another scope: err = %v, want ErrForeign naming the path", err)
	}
	foreign := filepath.Join(dir, "foreign")
	if err := os.WriteFile(foreign, []byte(`{"version":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, foreign, "scope-a"); !errors.Is(err, ErrForeign) {
		t.Errorf("a JSON file: err = %v, want ErrForeign", err)
	}
	corrupt := filepath.Join(dir, "corrupt")
	if err := os.WriteFile(corrupt, []byte(Magic+"garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, corrupt, "scope-a")
	if err == nil || !strings.Contains(err.Error(), "corrupt") || !strings.Contains(err.Error(), corrupt) {
		t.Errorf("a corrupt file: err = %v, want 'corrupt' naming the path", err)
	}
	if data, _ := os.ReadFile(corrupt); string(data) != Magic+"garbage" {
		t.Errorf("the corrupt file was changed: history must never be reset silently")
	}
	newer, _ := Encode(&State{Version: Version + 1, Scope: "scope-a"})
	if _, err := Decode(newer, "x", "scope-a"); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("a newer version: err = %v, want 'newer'", err)
	}
}

// TestSizeFor10000Queues bounds the file for the SPEC's 10,000 queues after
// every slot has learned.
func TestSizeFor10000Queues(t *testing.T) {
	st := &State{Version: Version, Scope: "s", Queues: map[string]*Series{}}
	for i := 0; i < 10000; i++ {
		s := st.Series(fmt.Sprintf("compute.hv%05d.example.org", i))
		for j := range s.Slots {
			s.Slots[j] = Slot{N: 20, Depth: EWMA{Mean: 12.5, Var: 3.25}, WithinVar: 1.5, Publish: EWMA{Mean: 0.3, Var: 0.01}, Drain: EWMA{Mean: 0.3, Var: 0.01}, RateN: 20}
		}
		s.Seen = simStart.Unix()
	}
	data, err := Encode(st)
	if err != nil {
		t.Fatal(err)
	}
	const limit = 20 << 20
	if len(data) > limit {
		t.Fatalf("a fully learned baseline of 10,000 queues takes %d bytes, over %d", len(data), limit)
	}
	t.Logf("10,000 fully learned queues: %d bytes (%.0f per queue)", len(data), float64(len(data))/10000)
}

func TestExpiredQueuesArePruned(t *testing.T) {
	st := &State{Version: Version, Queues: map[string]*Series{}}
	st.Series("old").Seen = simStart.Unix()
	st.Series("new").Seen = simStart.Add(Expiry).Unix()
	st.Prune(simStart.Add(Expiry + time.Hour))
	if _, ok := st.Queues["old"]; ok {
		t.Errorf("a queue not seen for longer than %s was kept", Expiry)
	}
	if _, ok := st.Queues["new"]; !ok {
		t.Errorf("a recent queue was pruned")
	}
}

func FuzzDecode(f *testing.F) {
	good, _ := Encode(&State{Version: Version, Scope: "s", Queues: map[string]*Series{"q": {}}})
	f.Add(good)
	f.Add([]byte(Magic))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := Decode(data, "fuzz", "s")
		if err == nil && (st.Queues == nil || st.Version != Version) {
			t.Fatalf("Decode accepted a state without queues or version: %+v", st)
		}
	})
}

// TestDisabledWarningDeviationDoesNotCountQueuesAtTheirMean: with
// --warning-deviation 0 (off) a queue exactly at its baseline is not
// "above" it, so the selection stays OK.
func TestDisabledWarningDeviationDoesNotCountQueuesAtTheirMean(t *testing.T) {
	st := &State{Version: Version, Queues: map[string]*Series{}}
	lim := Limits{WarnDev: 0, CritDev: 6, MinSamples: 3, WarnShare: 0.25, CritShare: 0.5}
	now := simStart.Add(3 * time.Hour)
	var a Assessment
	for day := 0; day < 4; day++ {
		a = st.Assess(now, []Reading{{Name: "q", Sample: Sample{Depth: 5}}}, lim)
		now = now.Add(24 * time.Hour)
	}
	if a.Learned != 1 || a.Above != 0 || a.State != nagios.OK {
		t.Fatalf("learned %d above %d state %s, want 1, 0, OK: %v", a.Learned, a.Above, a.State, a.Reasons)
	}
	a = st.Assess(now, []Reading{{Name: "q", Sample: Sample{Depth: 5 + 7*MinSigma}}}, lim)
	if a.Above != 1 || a.State != nagios.Critical {
		t.Fatalf("7 sigma: above %d state %s, want 1 and CRITICAL", a.Above, a.State)
	}
}
