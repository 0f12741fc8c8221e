// Package baseline learns what is normal for each compute queue at each
// time of the week, and how far a new sample departs from it.
//
// # Model
//
// Time is cut into 48 slots: the 24 hours of the day, separately for
// weekdays (Monday to Friday) and for weekends, in the check's local time
// zone. Nova's load follows people and batch jobs: 09:00 on a Monday looks
// like 09:00 on a Thursday, but not like 09:00 on a Sunday. 48 slots rather
// than the 168 hours of the week let a weekday slot learn from 5 days a week
// instead of 1, so a new queue has a usable baseline after 3 weekdays
// instead of 3 weeks, and the state stays small (about 1.6 KB per fully
// learned queue, see TestSizeFor10000Queues).
//
// Within the current hour every run's sample is accumulated (count, sum,
// sum of squares). When a run first sees a later hour, the finished hour is
// folded into its slot as one observation: the hour's mean depth, publish
// rate and drain rate, and the hour's own variance of the depth. So a slot
// learns one observation per day it is seen, whatever the check interval.
//
// A slot keeps, per metric, an exponentially weighted mean and variance
// (West's incremental form). The weight of a new observation is 1/n for the
// first observations, so the first ones give the plain mean and variance,
// and never less than Alpha (0.25), so a slot forgets with a half-life of
// about 2.4 observations: a change in normal load is learned within a week.
//
// The expected depth for a time is its slot's mean; the spread is
//
//	sigma = sqrt(var_between_days + mean_var_within_hour + MinSigma²)
//
// where MinSigma (2 messages) keeps a slot that was always empty (nights)
// from turning a single message into an infinite departure. The departure
// (deviation) of a depth is (depth - expected) / sigma, in standard
// deviations; only departures above the expected depth are alarming.
//
// The same learner runs on vhost-wide sums (depth, publish and drain
// rates, and the publish-minus-drain balance) for the sweep's vhost-level
// verdict.
package baseline

import (
	"math"
	"time"
)

// Slots is the number of time slots of the week (24 hours × weekday/weekend).
const Slots = 48

// Alpha is the smallest weight of a new observation in a slot's EWMA.
const Alpha = 0.25

// MinSigma is the floor of the spread, in messages (see the package doc).
const MinSigma = 2.0

// SlotOf returns the slot of t (in t's location): hour of day, plus 24 on
// Saturday and Sunday.
func SlotOf(t time.Time) int {
	s := t.Hour()
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		s += Slots / 2
	}
	return s
}

// SlotName describes a slot for operators, e.g. "weekdays 03:00-04:00".
func SlotName(slot int) string {
	days := "weekdays"
	if slot >= Slots/2 {
		days = "weekends"
	}
	h := slot % 24
	return days + " " + twoDigits(h) + ":00-" + twoDigits((h+1)%24) + ":00"
}

func twoDigits(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }

// An EWMA is an exponentially weighted mean and variance.
type EWMA struct {
	Mean float32
	Var  float32
}

// update folds x in with weight alpha (West 1979, incremental form).
func (e *EWMA) update(x, alpha float64) {
	mean, v := float64(e.Mean), float64(e.Var)
	diff := x - mean
	incr := alpha * diff
	mean += incr
	v = (1 - alpha) * (v + diff*incr)
	e.Mean, e.Var = float32(mean), float32(max(v, 0))
}

// A Slot is what one slot of one series has learned.
type Slot struct {
	// N counts the hours folded in (one per day the slot was seen),
	// saturating at 65535.
	N uint16
	// Depth is the EWMA of the hourly mean depth (messages).
	Depth EWMA
	// WithinVar is the EWMA of the depth's variance within an hour.
	WithinVar float32
	// Publish and Drain are EWMAs of the hourly mean rates (messages/s);
	// RateN counts the hours that had rates (rates are unknown, not zero,
	// when the broker gave none).
	Publish, Drain EWMA
	RateN          uint16
}

// An Hour accumulates the samples of the hour being observed.
type Hour struct {
	// Start is the hour's start, Unix seconds (0: nothing accumulated).
	Start int64
	N     uint32
	Sum   float64
	SumSq float64
	// Rates accumulate only samples that had rates.
	RateN      uint32
	PublishSum float64
	DrainSum   float64
}

// A Series is the learned baseline of one queue (or of a vhost's sums).
type Series struct {
	Slots [Slots]Slot
	Cur   Hour
	// Seen is the last sample's time, Unix seconds.
	Seen int64
}

// A Sample is one run's reading of a series. Rates are meaningful only
// when HasRates.
type Sample struct {
	Depth          float64 // messages
	HasRates       bool
	Publish, Drain float64 // messages/s
}

// Observe folds one sample taken at t into the series: into the current
// hour, after folding the previous hour into its slot when t is in a later
// hour. A sample older than the current hour is ignored (clock stepped
// back), so a replayed run cannot count twice.
func (s *Series) Observe(t time.Time, x Sample) {
	if !s.Advance(t) {
		return
	}
	s.Cur.N++
	s.Cur.Sum += x.Depth
	s.Cur.SumSq += x.Depth * x.Depth
	if x.HasRates {
		s.Cur.RateN++
		s.Cur.PublishSum += x.Publish
		s.Cur.DrainSum += x.Drain
	}
	s.Seen = t.Unix()
}

// Advance folds the accumulated hour into its slot when t lies in a later
// hour, so that Expect sees every finished hour. It returns false for a
// time before the current hour (the clock stepped back).
func (s *Series) Advance(t time.Time) bool {
	// Truncate works on absolute time; SlotOf reads the local hour of the
	// hour's start.
	start := t.Truncate(time.Hour).Unix()
	switch {
	case s.Cur.Start != 0 && start < s.Cur.Start:
		return false
	case s.Cur.Start != 0 && start > s.Cur.Start:
		s.fold(time.Unix(s.Cur.Start, 0).In(t.Location()))
		s.Cur = Hour{Start: start}
	case s.Cur.Start == 0:
		s.Cur = Hour{Start: start}
	}
	return true
}

// fold turns the accumulated hour into one observation of its slot.
func (s *Series) fold(hourStart time.Time) {
	h := s.Cur
	if h.N == 0 {
		return
	}
	sl := &s.Slots[SlotOf(hourStart)]
	n := float64(h.N)
	mean := h.Sum / n
	within := max(h.SumSq/n-mean*mean, 0)
	if sl.N < math.MaxUint16 {
		sl.N++
	}
	a := weight(sl.N)
	sl.Depth.update(mean, a)
	sl.WithinVar += float32(a * (within - float64(sl.WithinVar)))
	if h.RateN > 0 {
		if sl.RateN < math.MaxUint16 {
			sl.RateN++
		}
		ra := weight(sl.RateN)
		sl.Publish.update(h.PublishSum/float64(h.RateN), ra)
		sl.Drain.update(h.DrainSum/float64(h.RateN), ra)
	}
}

func weight(n uint16) float64 { return max(1/float64(n), Alpha) }

// An Expectation is what a series expects at a time.
type Expectation struct {
	Slot    int
	Samples int     // observations (days) the slot has learned
	Depth   float64 // expected depth, messages
	Sigma   float64 // spread of the depth, messages (never below MinSigma)
	// HasRates is false until the slot has seen rates.
	HasRates       bool
	Publish, Drain float64 // expected rates, messages/s
	PublishSigma   float64
	DrainSigma     float64
}

// Expect returns what the series expects at t.
func (s *Series) Expect(t time.Time) Expectation {
	slot := SlotOf(t)
	sl := s.Slots[slot]
	e := Expectation{
		Slot:    slot,
		Samples: int(sl.N),
		Depth:   float64(sl.Depth.Mean),
		Sigma:   math.Sqrt(float64(sl.Depth.Var) + float64(sl.WithinVar) + MinSigma*MinSigma),
	}
	if sl.RateN > 0 {
		e.HasRates = true
		e.Publish, e.Drain = float64(sl.Publish.Mean), float64(sl.Drain.Mean)
		e.PublishSigma = math.Sqrt(float64(sl.Publish.Var))
		e.DrainSigma = math.Sqrt(float64(sl.Drain.Var))
	}
	return e
}

// Deviation is how many sigmas depth lies above (positive) or below
// (negative) the expectation.
func (e Expectation) Deviation(depth float64) float64 {
	return (depth - e.Depth) / e.Sigma
}

// BalanceDeviation compares a publish-minus-drain balance (messages/s) with
// the expected one, in sigmas of the balance (the publish and drain
// spreads added, with a floor of MinRateSigma). ok is false until the slot
// has rates.
func (e Expectation) BalanceDeviation(publish, drain float64) (float64, bool) {
	if !e.HasRates {
		return 0, false
	}
	sigma := math.Sqrt(e.PublishSigma*e.PublishSigma + e.DrainSigma*e.DrainSigma + MinRateSigma*MinRateSigma)
	return ((publish - drain) - (e.Publish - e.Drain)) / sigma, true
}

// MinRateSigma is the floor of a balance's spread, in messages/s.
const MinRateSigma = 0.5
