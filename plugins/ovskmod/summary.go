package ovskmod

import (
	"slices"
	"strings"

	"edgecheck/shared/nagios"
)

// summary collects the problems line 1 names, each with its state, so that
// line 1 always names the worst problem first.
type summary []summaryPart

type summaryPart struct {
	state nagios.State
	text  string
}

func (s *summary) add(state nagios.State, text string) {
	*s = append(*s, summaryPart{state, text})
}

// worse reports whether a is more severe than b, in nagios.Worst's order.
func worse(a, b nagios.State) bool { return a != b && nagios.Worst(a, b) == a }

// line is line 1: the problems, worst first, then allClear (what is fine,
// if anything). An item of res worse than every problem named is a bug of
// the check, but line 1 must never claim less than the final state: such
// an item is named first.
func (s summary) line(res *nagios.Result, allClear string) string {
	parts := slices.Clone(s)
	slices.SortStableFunc(parts, func(a, b summaryPart) int {
		switch {
		case worse(a.state, b.state):
			return -1
		case worse(b.state, a.state):
			return 1
		}
		return 0
	})
	named := nagios.OK
	if len(parts) > 0 {
		named = parts[0].state
	}
	for _, it := range res.Items {
		if worse(it.State, named) {
			parts = slices.Insert(parts, 0, summaryPart{it.State, it.Text})
			named = it.State
		}
	}
	texts := make([]string, 0, len(parts)+1)
	for _, p := range parts {
		texts = append(texts, p.text)
	}
	if allClear != "" {
		texts = append(texts, allClear)
	}
	return strings.Join(texts, "; ")
}
