package nagios

import (
	"fmt"
	"sort"
	"strings"
)

// A State is a plugin exit state; its value is the exit code.
type State int

// The four states of the plugin contract.
const (
	OK       State = 0
	Warning  State = 1
	Critical State = 2
	Unknown  State = 3
)

func (s State) String() string {
	switch s {
	case OK:
		return "OK"
	case Warning:
		return "WARNING"
	case Critical:
		return "CRITICAL"
	default:
		return "UNKNOWN"
	}
}

// severity orders states for aggregation and for sorting long output:
// CRITICAL > WARNING > UNKNOWN > OK. UNKNOWN ranks below WARNING so that one
// unreadable item never hides a real warning on another, and above OK so
// that it is never lost (monitoring-plugins' max_state_alt).
func severity(s State) int {
	switch s {
	case Critical:
		return 3
	case Warning:
		return 2
	case Unknown:
		return 1
	default:
		return 0
	}
}

// Worst returns the most severe of the given states (OK for none).
func Worst(states ...State) State {
	w := OK
	for _, s := range states {
		if severity(s) > severity(w) {
			w = s
		}
	}
	return w
}

// An Item is one line of long output: one controller, one queue, one NIC.
type Item struct {
	State State
	Text  string
}

// A Result is what a check found. The final state is the worst of State and
// every item's state, so checks add items and need not track the maximum.
type Result struct {
	State   State
	Summary string
	Items   []Item
	Perf    []Perf

	// Raw, when set, is printed verbatim instead of the formatted output.
	// Only relays (check_snmp_extend) use it, to keep a remote plugin's
	// output byte for byte.
	Raw *string
}

// Add appends an item line.
func (r *Result) Add(s State, format string, args ...any) {
	r.Items = append(r.Items, Item{State: s, Text: fmt.Sprintf(format, args...)})
}

// AddPerf appends perfdata.
func (r *Result) AddPerf(p ...Perf) { r.Perf = append(r.Perf, p...) }

// FinalState is the worst of the result's own state and its items.
func (r *Result) FinalState() State {
	s := r.State
	for _, it := range r.Items {
		s = Worst(s, it.State)
	}
	return s
}

// Counts returns how many items are in each state.
func (r *Result) Counts() map[State]int {
	c := map[State]int{}
	for _, it := range r.Items {
		c[it.State]++
	}
	return c
}

// Sanitize makes plugin text safe for the Nagios output line: a `|` would
// start perfdata, so it becomes `/`.
func Sanitize(s string) string {
	return strings.ReplaceAll(s, "|", "/")
}

// OneLine sanitizes s and folds it onto a single line.
func OneLine(s string) string {
	s = strings.TrimSpace(s)
	s = strings.NewReplacer("\r\n", "; ", "\n", "; ", "\r", "; ").Replace(s)
	return Sanitize(s)
}

// Format renders the result as plugin output: line 1 is
// `SERVICE STATE - summary | perfdata`, then one line per item, worst first.
func (r *Result) Format(service string) string {
	if r.Raw != nil {
		return *r.Raw
	}
	state := r.FinalState()
	var b strings.Builder
	b.WriteString(OneLine(service))
	b.WriteByte(' ')
	b.WriteString(state.String())
	summary := OneLine(r.Summary)
	if summary != "" {
		b.WriteString(" - ")
		b.WriteString(summary)
	}
	if len(r.Perf) > 0 {
		b.WriteString(" |")
		for _, p := range r.Perf {
			b.WriteByte(' ')
			b.WriteString(p.String())
		}
	}
	b.WriteByte('\n')
	items := make([]Item, len(r.Items))
	copy(items, r.Items)
	sort.SliceStable(items, func(i, j int) bool {
		return severity(items[i].State) > severity(items[j].State)
	})
	for _, it := range items {
		fmt.Fprintf(&b, "[%s] %s\n", it.State, OneLine(it.Text))
	}
	return b.String()
}
