package nagios

import (
	"slices"
	"testing"
)

func TestSummaryLine(t *testing.T) {
	type add struct {
		state State
		text  string
	}
	tests := []struct {
		name     string
		adds     []add
		items    []Item
		allClear string
		want     string
	}{
		{"nothing", nil, nil, "", ""},
		{"all clear only", nil, []Item{{OK, "fine"}}, "all fine", "all fine"},
		{"worst first, order kept within a state",
			[]add{{Unknown, "cannot tell a"}, {Warning, "b drifted"}, {Critical, "c missing"}, {Warning, "d drifted"}, {OK, "e noted"}},
			nil, "", "c missing; b drifted; d drifted; cannot tell a; e noted"},
		{"warning before unknown, as Worst ranks them",
			[]add{{Unknown, "cannot tell a"}, {Warning, "b drifted"}}, nil, "", "b drifted; cannot tell a"},
		{"all clear follows the problems",
			[]add{{Warning, "loaded module differs"}}, nil, "kernels match", "loaded module differs; kernels match"},
		{"item worse than every problem is named first",
			[]add{{Unknown, "cannot tell z"}},
			[]Item{{OK, "fine"}, {Unknown, "cannot read x"}, {Critical, "y is broken"}}, "",
			"y is broken; cannot tell z"},
		{"item worse than no problem at all is named before the all clear",
			nil, []Item{{Warning, "queue 61440 not programmed"}}, "classes match",
			"queue 61440 not programmed; classes match"},
		{"items no worse than the named problems are left to long output",
			[]add{{Critical, "w is broken"}, {Unknown, "cannot tell z"}},
			[]Item{{Critical, "y is broken"}, {Warning, "v drifted"}}, "all else fine",
			"w is broken; cannot tell z; all else fine"},
		{"escalating items each come first",
			nil, []Item{{Unknown, "u"}, {Warning, "v"}, {Critical, "w"}}, "",
			"w; v; u"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s Summary
			for _, a := range tc.adds {
				s.Add(a.state, a.text)
			}
			res := &Result{Items: tc.items}
			if got := s.Line(res, tc.allClear); got != tc.want {
				t.Errorf("Line = %q, want %q", got, tc.want)
			}
			if s.Len() != len(tc.adds) {
				t.Errorf("Len = %d, want %d", s.Len(), len(tc.adds))
			}
		})
	}
}

func TestSummaryNeverClaimsLessThanFinalState(t *testing.T) {
	states := []State{OK, Warning, Critical, Unknown}
	for _, added := range states {
		for _, item := range states {
			var s Summary
			s.Add(added, "added "+added.String())
			res := &Result{}
			res.Add(item, "item %s", item)
			texts := s.Texts(res)
			want := "item " + res.FinalState().String()
			if worse(item, added) && texts[0] != want {
				t.Errorf("added %v, item %v: line 1 starts %q, want %q", added, item, texts[0], want)
			}
			if !worse(item, added) && !slices.Equal(texts, []string{"added " + added.String()}) {
				t.Errorf("added %v, item %v: texts %q, want only the added problem", added, item, texts)
			}
		}
	}
}

func TestSummaryTextsNilResultAndNoAliasing(t *testing.T) {
	var s Summary
	s.Add(OK, "b")
	s.Add(Critical, "a")
	if got := s.Texts(nil); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Texts(nil) = %q", got)
	}
	// Sorting for line 1 must not reorder what was added.
	s.Add(Warning, "c")
	if got := s.Line(nil, ""); got != "a; c; b" {
		t.Errorf("Line after a later Add = %q, want %q", got, "a; c; b")
	}
}
