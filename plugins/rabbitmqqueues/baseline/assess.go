package baseline

import (
	"fmt"
	"sort"
	"time"

	"edgecheck/shared/nagios"
)

// Limits are the thresholds against the baseline.
type Limits struct {
	// WarnDev and CritDev are departures above the expected depth, in
	// standard deviations (sigma), that make a queue WARNING or CRITICAL.
	WarnDev, CritDev float64
	// MinSamples is how many observations (days) a slot needs before it
	// judges; until then the fixed thresholds alone apply.
	MinSamples int
	// WarnShare and CritShare are the fractions (0..1) of learned queues
	// above WarnDev that make the whole selection WARNING or CRITICAL:
	// everything is slow, not one queue.
	WarnShare, CritShare float64
}

// A Reading is one queue's numbers from this run. Rates are meaningful
// only when HasRates; rates are unknown, not zero, otherwise.
type Reading struct {
	Name string
	Sample
}

// A QueueVerdict is one queue judged against its baseline.
type QueueVerdict struct {
	Name      string
	State     nagios.State
	Depth     float64
	Expected  Expectation
	Deviation float64 // sigmas above (positive) the expected depth
	Learning  bool    // the slot has fewer than MinSamples observations
}

// An Assessment is the run's verdict against the baselines.
type Assessment struct {
	Queues []QueueVerdict // worst first, then largest deviation
	// Learned counts the queues whose slot had enough samples; Above
	// those at or above WarnDev.
	Learned, Above int
	// Total is the selection's summed depth against its own baseline, for
	// perfdata: the selection's state comes from the share of queues above
	// their baseline and from the balance, since a sum of many queues has
	// a spread too narrow to judge one sample by.
	Total QueueVerdict
	// Balance is the summed publish-minus-drain rate against its baseline
	// (sigmas); HasBalance is false until the slot has rates and this run
	// has rates for every queue.
	Balance    float64
	HasBalance bool
	// State is the selection-level state (share of queues above their
	// baseline, summed depth, balance); Reasons say why, one per cause.
	State   nagios.State
	Reasons []string
	// Slot is the time slot judged; Progress is the smallest number of
	// samples among the selected queues' slots (how far learning is).
	Slot     int
	Progress int
}

// Assess judges each reading against what its queue's series expected at
// now, then learns the readings. The order matters: a backlog must be
// judged against the past, not against itself.
func (st *State) Assess(now time.Time, readings []Reading, lim Limits) Assessment {
	a := Assessment{Slot: SlotOf(now), Progress: -1}
	var total Sample
	total.HasRates = len(readings) > 0
	for _, r := range readings {
		s := st.Series(r.Name)
		s.Advance(now)
		v := judge(r.Name, r.Depth, s.Expect(now), lim)
		if a.Progress < 0 || v.Expected.Samples < a.Progress {
			a.Progress = v.Expected.Samples
		}
		if !v.Learning {
			a.Learned++
			if lim.aboveAt() > 0 && v.Deviation >= lim.aboveAt() {
				a.Above++
			}
		}
		a.Queues = append(a.Queues, v)
		s.Observe(now, r.Sample)
		total.Depth += r.Depth
		total.Publish += r.Publish
		total.Drain += r.Drain
		total.HasRates = total.HasRates && r.HasRates
	}
	a.Progress = max(a.Progress, 0)
	st.Total.Advance(now)
	exp := st.Total.Expect(now)
	a.Total = judge("all selected queues", total.Depth, exp, lim)
	if total.HasRates && exp.Samples >= lim.MinSamples {
		a.Balance, a.HasBalance = exp.BalanceDeviation(total.Publish, total.Drain)
	}
	st.Total.Observe(now, total)
	a.selectionState(lim)
	sort.SliceStable(a.Queues, func(i, j int) bool {
		qi, qj := a.Queues[i], a.Queues[j]
		if qi.State != qj.State {
			return nagios.Worst(qi.State, qj.State) == qi.State
		}
		return qi.Deviation > qj.Deviation
	})
	return a
}

func judge(name string, depth float64, e Expectation, lim Limits) QueueVerdict {
	v := QueueVerdict{Name: name, Depth: depth, Expected: e, Deviation: e.Deviation(depth)}
	v.Learning = e.Samples < lim.MinSamples
	switch {
	case v.Learning:
		v.State = nagios.OK
	case lim.CritDev > 0 && v.Deviation >= lim.CritDev:
		v.State = nagios.Critical
	case lim.WarnDev > 0 && v.Deviation >= lim.WarnDev:
		v.State = nagios.Warning
	}
	return v
}

// selectionState is "everything is slow and getting slower": many queues
// above their baseline at once, or publishing outpacing delivery beyond the
// usual balance for this hour.
func (a *Assessment) selectionState(lim Limits) {
	if a.Learned > 0 {
		share := float64(a.Above) / float64(a.Learned)
		s := nagios.OK
		switch {
		case lim.CritShare > 0 && share >= lim.CritShare:
			s = nagios.Critical
		case lim.WarnShare > 0 && share >= lim.WarnShare:
			s = nagios.Warning
		}
		if s != nagios.OK {
			a.State = nagios.Worst(a.State, s)
			a.Reasons = append(a.Reasons, fmt.Sprintf("%d of %d queues (%.0f%%) above their baseline for %s", a.Above, a.Learned, 100*share, SlotName(a.Slot)))
		}
	}
	if a.HasBalance {
		s := nagios.OK
		switch {
		case lim.CritDev > 0 && a.Balance >= lim.CritDev:
			s = nagios.Critical
		case lim.WarnDev > 0 && a.Balance >= lim.WarnDev:
			s = nagios.Warning
		}
		if s != nagios.OK {
			a.State = nagios.Worst(a.State, s)
			a.Reasons = append(a.Reasons, fmt.Sprintf("publishing outpaces delivery %+.1f sigma beyond the usual balance for %s", a.Balance, SlotName(a.Slot)))
		}
	}
}

// aboveAt is the deviation from which a queue counts as above its
// baseline: WarnDev, or CritDev when warnings are disabled (0); 0 when both
// are, and then no queue counts (a disabled level must not make every
// queue at or above its mean count).
func (l Limits) aboveAt() float64 {
	if l.WarnDev > 0 {
		return l.WarnDev
	}
	return l.CritDev
}
