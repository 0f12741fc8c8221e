package nagios

import (
	"strings"
)

// A Perf is one perfdata value: 'label'=value[UOM];warn;crit;min;max.
type Perf struct {
	Label string
	Value float64
	UOM   string // "", "s", "%", "B", "KB", "MB", "TB", "c"
	Warn  *Range
	Crit  *Range
	Min   *float64
	Max   *float64
}

// Float returns a pointer to v, for Perf.Min and Perf.Max.
func Float(v float64) *float64 { return &v }

// String renders the perfdata value following the plugin guidelines. The
// label is always quoted, with embedded quotes doubled; `=` and `|` can then
// never end it early.
func (p Perf) String() string {
	var b strings.Builder
	label := strings.NewReplacer("'", "''", "|", "/", "\n", " ", "=", "_").Replace(p.Label)
	b.WriteString("'" + label + "'=")
	b.WriteString(FormatNumber(p.Value))
	b.WriteString(p.UOM)
	fields := []string{"", "", "", ""}
	if p.Warn != nil {
		fields[0] = p.Warn.String()
	}
	if p.Crit != nil {
		fields[1] = p.Crit.String()
	}
	if p.Min != nil {
		fields[2] = FormatNumber(*p.Min)
	}
	if p.Max != nil {
		fields[3] = FormatNumber(*p.Max)
	}
	last := -1
	for i, f := range fields {
		if f != "" {
			last = i
		}
	}
	for i := 0; i <= last; i++ {
		b.WriteByte(';')
		b.WriteString(fields[i])
	}
	return b.String()
}
