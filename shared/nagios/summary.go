package nagios

import (
	"slices"
	"strings"
)

// A Summary builds line 1 of a check's output (Result.Summary) from the
// problems the check found, each added with the state it gives the check.
// Line 1 then always names the worst problem first, and never claims less
// than the final state (Result.FinalState): an item of the result worse
// than every problem added is named first with its own text.
//
// The zero value is an empty summary, ready to use:
//
//	var s nagios.Summary
//	s.Add(nagios.Warning, "eth0 5.00 errors/s")
//	s.Add(nagios.Critical, "eth1 admin up, oper down")
//	res.Summary = s.Line(res, "")
//	// "eth1 admin up, oper down; eth0 5.00 errors/s"
type Summary struct {
	parts []summaryPart
}

type summaryPart struct {
	state State
	text  string
}

// Add records one problem for line 1: text is a short phrase (no trailing
// punctuation), state the state it gives the check. Problems of equal
// state keep the order they were added in. A problem added with OK is
// still named, after every worse one.
func (s *Summary) Add(state State, text string) {
	s.parts = append(s.parts, summaryPart{state, text})
}

// Len is the number of problems added.
func (s *Summary) Len() int { return len(s.parts) }

// worse reports whether a is more severe than b, in Worst's order
// (CRITICAL > WARNING > UNKNOWN > OK).
func worse(a, b State) bool { return severity(a) > severity(b) }

// Texts returns the problems' texts, worst state first, the order of
// Add kept within a state. An item of res (nil for none) worse than every
// problem added is a bug of the check, but line 1 must not hide it: such
// items come first, each with its own text. res.State carries no text,
// so a check that raises it names the reason with Add.
func (s *Summary) Texts(res *Result) []string {
	parts := slices.Clone(s.parts)
	slices.SortStableFunc(parts, func(a, b summaryPart) int {
		return severity(b.state) - severity(a.state)
	})
	named := OK
	if len(parts) > 0 {
		named = parts[0].state
	}
	if res != nil {
		for _, it := range res.Items {
			if worse(it.State, named) {
				parts = slices.Insert(parts, 0, summaryPart{it.State, it.Text})
				named = it.State
			}
		}
	}
	texts := make([]string, 0, len(parts))
	for _, p := range parts {
		texts = append(texts, p.text)
	}
	return texts
}

// Line is line 1: the problems as Texts orders them, then allClear (what
// is fine, or counts that always follow; "" for nothing), joined by "; ".
func (s *Summary) Line(res *Result, allClear string) string {
	texts := s.Texts(res)
	if allClear != "" {
		texts = append(texts, allClear)
	}
	return strings.Join(texts, "; ")
}
