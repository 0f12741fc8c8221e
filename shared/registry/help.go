package registry

import (
	"fmt"
	"strings"
)

// Help renders --help from the plugin's declarations.
func Help(p Plugin, flags []*Flag, version string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n\n", p.Name, version)
	b.WriteString(wrap(p.Description, 76, ""))
	b.WriteString("\n\nUsage:\n  " + p.Name)
	for _, f := range flags {
		if f.Required {
			fmt.Fprintf(&b, " --%s %s", f.Name, f.Meta)
		}
	}
	b.WriteString(" [options]\n\nOptions:\n")
	for _, f := range flags {
		b.WriteString(flagLine(f))
	}
	if len(p.Examples) > 0 {
		b.WriteString("\nExamples:\n")
		for _, e := range p.Examples {
			fmt.Fprintf(&b, "  %s\n", e.Command)
			if e.Explain != "" {
				b.WriteString(wrap(e.Explain, 72, "      "))
				b.WriteByte('\n')
			}
		}
	}
	b.WriteString("\nThresholds are Nagios ranges: 10 (alert outside 0..10), 10: (below 10),\n" +
		"~:10 (above 10), 10:20 (outside 10..20), @10:20 (inside 10..20).\n" +
		"Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n")
	return b.String()
}

func flagLine(f *Flag) string {
	name := "    --" + f.Name
	if f.Short != "" {
		name = "-" + f.Short + ", --" + f.Name
	}
	if f.Kind != KindBool && f.Kind != KindCount {
		name += " " + f.Meta
	}
	usage := f.Usage
	if f.Required {
		usage += " (required)"
	}
	if f.Repeatable() {
		usage += " (repeatable)"
	}
	if f.Default != "" && f.Kind != KindBool && f.Kind != KindCount {
		usage += fmt.Sprintf(" (default %s)", f.Default)
	}
	return "  " + name + "\n" + wrap(usage, 72, "      ") + "\n"
}

// wrap breaks text into lines of at most width characters, each prefixed.
func wrap(text string, width int, prefix string) string {
	var lines []string
	line := prefix
	for _, word := range strings.Fields(text) {
		if len(line) > len(prefix) && len(line)+1+len(word) > width+len(prefix) {
			lines = append(lines, line)
			line = prefix
		}
		if len(line) > len(prefix) {
			line += " "
		}
		line += word
	}
	lines = append(lines, line)
	return strings.Join(lines, "\n")
}
