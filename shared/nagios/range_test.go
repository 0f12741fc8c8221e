package nagios

import (
	"errors"
	"math"
	"testing"
)

// The cases follow the monitoring-plugins development guidelines' range
// table and the edge cases named in the foundation issue.
func TestParseRangeAlerts(t *testing.T) {
	tests := []struct {
		name   string
		expr   string
		alerts []float64
		quiet  []float64
	}{
		{name: "bare number is 0..N", expr: "6", alerts: []float64{-0.1, 6.01, 100}, quiet: []float64{0, 3, 6}},
		{name: "open end", expr: "10:", alerts: []float64{9.99, 0, -5}, quiet: []float64{10, 11, 1e12}},
		{name: "negative infinity start", expr: "~:10", alerts: []float64{10.01, 11}, quiet: []float64{10, 0, -1e12}},
		{name: "closed range", expr: "10:20", alerts: []float64{9.9, 20.1}, quiet: []float64{10, 15, 20}},
		{name: "inverted inclusive", expr: "@10:20", alerts: []float64{10, 15, 20}, quiet: []float64{9.99, 20.01}},
		{name: "inverted from -inf", expr: "@~:5", alerts: []float64{5, 0, -100}, quiet: []float64{5.01, 100}},
		{name: "negative start", expr: "-7:23", alerts: []float64{-7.1, 23.1}, quiet: []float64{-7, 0, 23}},
		{name: "empty start is zero", expr: ":5.75", alerts: []float64{-0.01, 5.76}, quiet: []float64{0, 5.75}},
		{name: "up to zero", expr: "~:0", alerts: []float64{0.5, 1}, quiet: []float64{0, -10}},
		{name: "single point", expr: "1:1", alerts: []float64{0.99, 1.01}, quiet: []float64{1}},
		{name: "never alerts", expr: "~:", alerts: nil, quiet: []float64{-1e300, 0, 1e300}},
		{name: "huge start parses", expr: "12345678901234567890:", alerts: []float64{1}, quiet: []float64{1.2345678901234567890e19, 1e20}},
		{name: "decimals", expr: "0.5:1.5", alerts: []float64{0.49, 1.51}, quiet: []float64{0.5, 1, 1.5}},
		{name: "negative pair for --critical=-60:7200", expr: "-60:7200", alerts: []float64{-61, 7201}, quiet: []float64{-60, 0, 7200}},
		{name: "inverted closed negative", expr: "@-1:1", alerts: []float64{-1, 0, 1}, quiet: []float64{-1.1, 1.1}},
		{name: "leading dot decimal", expr: ".5", alerts: []float64{0.6}, quiet: []float64{0, 0.5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseRange(tc.expr)
			if err != nil {
				t.Fatalf("ParseRange(%q): %v", tc.expr, err)
			}
			for _, v := range tc.alerts {
				if !r.Alerts(v) {
					t.Errorf("%q: %v should alert", tc.expr, v)
				}
			}
			for _, v := range tc.quiet {
				if r.Alerts(v) {
					t.Errorf("%q: %v should not alert", tc.expr, v)
				}
			}
			if got := r.String(); got != tc.expr {
				t.Errorf("String() = %q, want the expression as written %q", got, tc.expr)
			}
		})
	}
}

func TestParseRangeRejects(t *testing.T) {
	for _, expr := range []string{"2:1", "foo", "1-10", ":", "10:~", "", "@", "@:", "~", "1e3", "inf", "NaN", "0x10", "1:2:3", "5:-5", "-5", "1 0", "@@1:2"} {
		t.Run(expr, func(t *testing.T) {
			_, err := ParseRange(expr)
			if err == nil {
				t.Fatalf("ParseRange(%q) accepted an invalid range", expr)
			}
			if !errors.Is(err, ErrRange) {
				t.Errorf("error %v does not wrap ErrRange", err)
			}
		})
	}
}

func TestRangeBounds(t *testing.T) {
	r := MustParseRange("~:10")
	if !math.IsInf(r.Start, -1) || r.End != 10 || r.Inside {
		t.Errorf("~:10 parsed as %+v", r)
	}
	r = MustParseRange("@10:")
	if r.Start != 10 || !math.IsInf(r.End, 1) || !r.Inside {
		t.Errorf("@10: parsed as %+v", r)
	}
}

func TestThresholdsCriticalWinsOverWarning(t *testing.T) {
	w, c := MustParseRange("10"), MustParseRange("20")
	th := Thresholds{Warning: &w, Critical: &c}
	tests := []struct {
		v    float64
		want State
	}{{5, OK}, {10, OK}, {15, Warning}, {25, Critical}, {-1, Critical}}
	for _, tc := range tests {
		if got := th.Evaluate(tc.v); got != tc.want {
			t.Errorf("Evaluate(%v) = %v, want %v", tc.v, got, tc.want)
		}
	}
	if got := (Thresholds{}).Evaluate(1e9); got != OK {
		t.Errorf("no thresholds: %v, want OK", got)
	}
}

// FuzzParseRange checks that the parser never panics and that every range
// it accepts is consistent: its text round-trips and its ends are ordered.
func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"6", "10:", "~:10", "10:20", "@10:20", "@~:5", "-7:23", ":5.75", "~:0", "1:1", "2:1", "foo", "1-10", ":", "10:~", "12345678901234567890:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRange(s)
		if err != nil {
			return
		}
		if r.Start > r.End || math.IsNaN(r.Start) || math.IsNaN(r.End) {
			t.Fatalf("%q accepted with bad bounds %+v", s, r)
		}
		again, err := ParseRange(r.String())
		if err != nil {
			t.Fatalf("%q: String() %q does not parse again: %v", s, r.String(), err)
		}
		if again.Start != r.Start || again.End != r.End || again.Inside != r.Inside {
			t.Fatalf("%q: round trip changed %+v to %+v", s, r, again)
		}
		// Endpoints are inclusive: the start alerts exactly when inverted.
		if !math.IsInf(r.Start, 0) && r.Alerts(r.Start) != r.Inside {
			t.Fatalf("%q: start %v inclusive semantics broken", s, r.Start)
		}
	})
}
