package snmpprocs

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"edgecheck/shared/nagios"
)

// A verdict is one selection's outcome, for line 1.
type verdict struct {
	label string
	count int64
	state nagios.State
	note  string // why it is not OK, for line 1
}

func (c *Check) thresholds() nagios.Thresholds {
	return nagios.Thresholds{Warning: c.Warn, Critical: c.Crit}
}

// judgeCount applies -w/-c to a count and says which range it left.
func (c *Check) judgeCount(n int64) (nagios.State, string) {
	st := c.thresholds().Evaluate(float64(n))
	switch st {
	case nagios.Critical:
		return st, "outside the critical range " + c.Crit.String()
	case nagios.Warning:
		return st, "outside the warning range " + c.Warn.String()
	}
	return st, ""
}

func plural(n int64) string {
	if n == 1 {
		return "1 process"
	}
	return strconv.FormatInt(n, 10) + " processes"
}

// judgeHostResources judges each selection over the hrSWRunTable rows.
func (c *Check) judgeHostResources(ctx context.Context, sels []Selector, procs []*Process) *nagios.Result {
	res := &nagios.Result{}
	var verdicts []verdict
	for _, s := range sels {
		var alive, dead []*Process
		fields := map[string]int{}
		var first *Process
		var firstField string
		for _, p := range procs {
			f := s.Match(*p)
			if f == "" {
				continue
			}
			if !p.Alive() {
				dead = append(dead, p)
				continue
			}
			alive = append(alive, p)
			fields[f]++
			if first == nil {
				first, firstField = p, f
			}
		}
		n := int64(len(alive))
		st, why := c.judgeCount(n)
		text := s.Label + ": " + plural(n)
		if first != nil {
			text += ", " + matchedText(fields, first, firstField) + pidList(alive)
		}
		if why != "" {
			text += " " + why
		}
		text += notCounted(dead) + notRunnable(alive)
		text += c.addPerf(res, s.Label, n, alive)
		res.Add(st, "%s", text)
		verdicts = append(verdicts, verdict{label: s.Label, count: n, state: st, note: why})
		if nagios.Verbosity(ctx) > 0 {
			for _, p := range append(alive, dead...) {
				res.Add(nagios.OK, "%s: PID %d hrSWRunName %q hrSWRunPath %q hrSWRunParameters %q hrSWRunStatus %s",
					s.Label, p.Index, p.Name, p.Path, p.Parameters, StatusName(p.Status))
			}
		}
	}
	res.Summary = summary(res, verdicts)
	return res
}

// matchedText names the field that matched, with the first row's value.
func matchedText(fields map[string]int, first *Process, firstField string) string {
	value := map[string]string{FieldName: first.Name, FieldPath: first.Path, FieldParameters: first.Parameters}[firstField]
	text := fmt.Sprintf("matched %s %q", firstField, value)
	if len(fields) > 1 {
		var parts []string
		for _, f := range []string{FieldName, FieldPath, FieldParameters} {
			if fields[f] > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", f, fields[f]))
			}
		}
		text += " (by field: " + strings.Join(parts, ", ") + ")"
	}
	return text
}

// pidList lists up to five hrSWRunIndex values (PIDs).
func pidList(ps []*Process) string {
	var ids []string
	for i, p := range ps {
		if i == 5 {
			ids = append(ids, "...")
			break
		}
		ids = append(ids, strconv.FormatInt(p.Index, 10))
	}
	return " (PID " + strings.Join(ids, ", ") + ")"
}

func notCounted(dead []*Process) string {
	if len(dead) == 0 {
		return ""
	}
	var parts []string
	for _, p := range dead {
		what := "hrSWRunStatus " + StatusName(p.Status)
		if p.Status == statusInvalid {
			what = "hrSWRunStatus invalid, a zombie"
		}
		parts = append(parts, fmt.Sprintf("PID %d (%s)", p.Index, what))
	}
	return "; not counted: " + strings.Join(parts, ", ")
}

func notRunnable(alive []*Process) string {
	var n int
	for _, p := range alive {
		if p.Status == statusNotRunnable {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("; %d of them notRunnable (stopped, or in uninterruptible sleep)", n)
}

// addPerf adds the count, and memory and CPU when every counted process
// has them; it returns the memory and CPU text for the item line.
func (c *Check) addPerf(res *nagios.Result, label string, n int64, alive []*Process) string {
	res.AddPerf(nagios.Perf{Label: label + "_count", Value: float64(n), Warn: c.Warn, Crit: c.Crit, Min: nagios.Float(0)})
	if n == 0 {
		return ""
	}
	var mem, cpu int64
	for _, p := range alive {
		if !p.HavePerf {
			return "; memory and CPU unknown (the agent shows no hrSWRunPerfTable row for PID " + strconv.FormatInt(p.Index, 10) + ")"
		}
		mem += p.Mem
		cpu += p.CPU
	}
	res.AddPerf(
		nagios.Perf{Label: label + "_mem", Value: float64(mem), UOM: "KB", Min: nagios.Float(0)},
		nagios.Perf{Label: label + "_cpu", Value: float64(cpu), UOM: "c", Min: nagios.Float(0)},
	)
	return fmt.Sprintf("; %d KB memory, %s s CPU", mem, nagios.FormatNumber(float64(cpu)/100))
}

// summary is line 1, built with nagios.Summary: the selections that are
// not OK, worst first, then how many are OK (with every count when all
// are).
func summary(res *nagios.Result, vs []verdict) string {
	var sum nagios.Summary
	var all []string
	for _, v := range vs {
		all = append(all, fmt.Sprintf("%s %d", v.label, v.count))
		switch {
		case v.state == nagios.Unknown:
			sum.Add(v.state, v.label+": "+v.note)
		case v.state != nagios.OK:
			sum.Add(v.state, fmt.Sprintf("%s: %s %s", v.label, plural(v.count), v.note))
		}
	}
	if sum.Len() == 0 {
		return sum.Line(res, fmt.Sprintf("%d of %d selections OK: %s", len(vs), len(vs), strings.Join(all, ", ")))
	}
	return sum.Line(res, fmt.Sprintf("%d of %d selections OK", len(vs)-sum.Len(), len(vs)))
}

// judgeUCD judges each selection over the prTable rows: prCount against
// -w/-c, and the agent's own prErrorFlag (CRITICAL with prErrMessage).
func (c *Check) judgeUCD(sels []Selector, rows []PrEntry) *nagios.Result {
	res := &nagios.Result{}
	var verdicts []verdict
	var names []string
	for _, r := range rows {
		names = append(names, r.Name)
	}
	for _, s := range sels {
		found := false
		for _, r := range rows {
			if !s.MatchPr(r) {
				continue
			}
			found = true
			label := s.Label
			if s.Re != nil {
				label = r.Name // a regex may pick several rows
			}
			st, why := c.judgeCount(r.Count)
			text := fmt.Sprintf("%s: %s (prCount of `proc %s`, zombies included)", label, plural(r.Count), r.Name)
			if why != "" {
				text += " " + why
			}
			if r.ErrorFlag != 0 {
				st = nagios.Worst(st, nagios.Critical)
				if why != "" {
					why += "; "
				}
				why += "the agent says: " + r.ErrMessage
				text += "; the agent flags it (prErrorFlag 1): " + r.ErrMessage
			}
			res.Add(st, "%s", text)
			res.AddPerf(nagios.Perf{Label: label + "_count", Value: float64(r.Count), Warn: c.Warn, Crit: c.Crit, Min: nagios.Float(0)})
			verdicts = append(verdicts, verdict{label: label, count: r.Count, state: st, note: why})
		}
		switch {
		case !found && s.Re != nil:
			res.Add(nagios.Unknown, "%s: no prNames matches it (prTable has: %s)", s.Label, strings.Join(names, ", "))
			verdicts = append(verdicts, verdict{label: s.Label, state: nagios.Unknown, note: "no prTable row"})
		case !found:
			res.Add(nagios.Unknown, "%s: no `proc` line for it in the agent's snmpd.conf (prTable has: %s); add `proc %s`, "+
				"or --source host-resources: net-snmp counts a proc line by the kernel's process name (hrSWRunName, cut to 15 characters), "+
				"under which an interpreted daemon shows as its interpreter", s.Label, strings.Join(names, ", "), cut(s.Label))
			verdicts = append(verdicts, verdict{label: s.Label, state: nagios.Unknown, note: "no prTable row"})
		}
	}
	res.Summary = summary(res, verdicts)
	return res
}

// cut shortens a name as the kernel does for a process name.
func cut(name string) string {
	if len(name) > commLen {
		return name[:commLen]
	}
	return name
}
