// Package nagios holds the plugin contract shared by every check: states,
// range thresholds, perfdata, results and their text output.
package nagios

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// A Range is a Nagios range expression as defined by the monitoring-plugins
// development guidelines. A value alerts when it lies outside [Start, End],
// or inside it when Inside is set (the `@` prefix). Both ends are inclusive.
type Range struct {
	Start  float64 // -Inf for `~`
	End    float64 // +Inf when the end is omitted
	Inside bool
	text   string
}

// decimal is deliberately narrower than strconv.ParseFloat: the guidelines
// allow plain decimals only, so "1e3", "inf", "0x10" and "NaN" are typos.
var decimal = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)$`)

// ErrRange is wrapped by every range parsing error.
var ErrRange = errors.New("invalid range")

// ParseRange parses a range expression such as `10`, `10:`, `~:10`,
// `10:20`, `@10:20`, `@~:10` or `-60:7200`.
func ParseRange(s string) (Range, error) {
	fail := func(why string) (Range, error) {
		return Range{}, fmt.Errorf("%w %q: %s (forms: 10, 10:, ~:10, 10:20, @10:20)", ErrRange, s, why)
	}
	r := Range{text: s}
	body := strings.TrimSpace(s)
	if strings.HasPrefix(body, "@") {
		r.Inside = true
		body = body[1:]
	}
	if body == "" {
		return fail("empty")
	}
	startText, endText, hasColon := strings.Cut(body, ":")
	if !hasColon {
		startText, endText = "", body
	}
	if hasColon && startText == "" && endText == "" {
		return fail("both ends are empty")
	}
	switch {
	case startText == "~":
		r.Start = math.Inf(-1)
	case startText == "":
		r.Start = 0
	default:
		v, err := parseDecimal(startText)
		if err != nil {
			return fail("start " + err.Error())
		}
		r.Start = v
	}
	switch {
	case endText == "" && hasColon:
		r.End = math.Inf(1)
	case endText == "~":
		return fail("`~` is only allowed as the start")
	default:
		v, err := parseDecimal(endText)
		if err != nil {
			return fail("end " + err.Error())
		}
		r.End = v
	}
	if r.Start > r.End {
		return fail("start is greater than end")
	}
	return r, nil
}

func parseDecimal(s string) (float64, error) {
	if !decimal.MatchString(s) {
		return 0, fmt.Errorf("%q is not a decimal number", s)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	return v, nil
}

// MustParseRange is ParseRange for constants in code and tests.
func MustParseRange(s string) Range {
	r, err := ParseRange(s)
	if err != nil {
		panic(err)
	}
	return r
}

// Alerts reports whether v triggers this range.
func (r Range) Alerts(v float64) bool {
	inside := v >= r.Start && v <= r.End
	if r.Inside {
		return inside
	}
	return !inside
}

// String returns the expression as the operator wrote it, which is also
// how it appears in perfdata.
func (r Range) String() string {
	if r.text != "" {
		return r.text
	}
	var b strings.Builder
	if r.Inside {
		b.WriteByte('@')
	}
	switch {
	case math.IsInf(r.Start, -1):
		b.WriteString("~:")
	case r.Start != 0:
		b.WriteString(FormatNumber(r.Start) + ":")
	}
	if !math.IsInf(r.End, 1) {
		b.WriteString(FormatNumber(r.End))
	}
	return b.String()
}

// Thresholds is one metric's warning and critical ranges; either may be nil.
type Thresholds struct {
	Warning  *Range
	Critical *Range
}

// Evaluate returns CRITICAL when the critical range alerts, else WARNING when
// the warning range alerts, else OK. Critical is checked first so that a
// value crossing both is never reported as merely WARNING.
func (t Thresholds) Evaluate(v float64) State {
	if t.Critical != nil && t.Critical.Alerts(v) {
		return Critical
	}
	if t.Warning != nil && t.Warning.Alerts(v) {
		return Warning
	}
	return OK
}

// FormatNumber prints a number without exponent or trailing zeros, as
// perfdata parsers expect.
func FormatNumber(v float64) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
