package nagios

import (
	"testing"
)

func TestWorst(t *testing.T) {
	tests := []struct {
		name string
		in   []State
		want State
	}{
		{"none is OK", nil, OK},
		{"all OK", []State{OK, OK}, OK},
		{"unknown beats OK", []State{OK, Unknown}, Unknown},
		{"warning beats unknown", []State{Unknown, Warning}, Warning},
		{"critical beats all", []State{Warning, Critical, Unknown, OK}, Critical},
		{"later critical after warning is not missed", []State{OK, Warning, OK, Critical}, Critical},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Worst(tc.in...); got != tc.want {
				t.Errorf("Worst(%v) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestFormatWorstFirstAndEscaped(t *testing.T) {
	w := MustParseRange("10")
	r := &Result{Summary: "2 of 3 targets | failing"}
	r.Add(OK, "br0 tcp:1.2.3.4:6653 connected")
	r.Add(Critical, "br1 tcp:5.6.7.8:6653 disconnected | last_error=Connection refused")
	r.Add(Warning, "br2 tcp:9.9.9.9:6653 disconnected 5s")
	r.AddPerf(Perf{Label: "br1 it's", Value: 12.5, UOM: "s", Warn: &w, Min: Float(0)})
	r.AddPerf(Perf{Label: "a=b|c", Value: 1})
	got := r.Format("OVS_CONTROLLER")
	want := "OVS_CONTROLLER CRITICAL - 2 of 3 targets / failing | 'br1 it''s'=12.5s;10;;0 'a_b/c'=1\n" +
		"[CRITICAL] br1 tcp:5.6.7.8:6653 disconnected / last_error=Connection refused\n" +
		"[WARNING] br2 tcp:9.9.9.9:6653 disconnected 5s\n" +
		"[OK] br0 tcp:1.2.3.4:6653 connected\n"
	if got != want {
		t.Errorf("Format:\n got %q\nwant %q", got, want)
	}
	if r.FinalState() != Critical {
		t.Errorf("FinalState = %v", r.FinalState())
	}
}

func TestFormatMultilineSummaryStaysOnLineOne(t *testing.T) {
	r := &Result{State: Unknown, Summary: "first\nsecond"}
	if got, want := r.Format("X"), "X UNKNOWN - first; second\n"; got != want {
		t.Errorf("got %q want %q", got, want)
	}
}

func TestPerfString(t *testing.T) {
	c := MustParseRange("@~:5")
	tests := []struct {
		name string
		p    Perf
		want string
	}{
		{"plain", Perf{Label: "q", Value: 3}, "'q'=3"},
		{"full", Perf{Label: "q", Value: 3, UOM: "c", Warn: &c, Crit: &c, Min: Float(0), Max: Float(10)}, "'q'=3c;@~:5;@~:5;0;10"},
		{"max only", Perf{Label: "q", Value: 0.25, UOM: "%", Max: Float(100)}, "'q'=0.25%;;;;100"},
		{"large value without exponent", Perf{Label: "bytes", Value: 1.5e12, UOM: "B"}, "'bytes'=1500000000000B"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.String(); got != tc.want {
				t.Errorf("got %q want %q", got, tc.want)
			}
		})
	}
}
