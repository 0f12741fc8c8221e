package registry

import (
	"fmt"
	"strings"
)

// MarkdownFlags renders the plugin's flag declarations as the Markdown table
// of its README: the same declarations drive the binary, --help and the
// generated Nagios and Icinga 2 commands, so the table cannot drift.
func MarkdownFlags(p Plugin) string {
	var b strings.Builder
	b.WriteString("| flag | value | default | what it does |\n|---|---|---|---|\n")
	for _, f := range p.Flags() {
		name := "`--" + f.Name + "`"
		if f.Short != "" {
			name = "`-" + f.Short + "`, " + name
		}
		value := f.Meta
		switch f.Kind {
		case KindBool:
			value = "switch"
		case KindCount:
			value = "count (repeat)"
		case KindRange:
			value = "Nagios range"
		}
		if f.Repeatable() {
			value += " (repeatable)"
		}
		def := f.Default
		if def == "" || f.Kind == KindBool || f.Kind == KindCount {
			def = "–"
		} else {
			def = "`" + def + "`"
		}
		usage := f.Usage
		if f.Required {
			usage = "**Required.** " + usage
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", name, mdCell(value), def, mdCell(usage))
	}
	return b.String()
}

// mdCell keeps a table cell on one row: a '|' would end the cell.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// MarkdownExamples renders the plugin's --help examples as a Markdown list.
func MarkdownExamples(p Plugin) string {
	var b strings.Builder
	for _, e := range p.Examples {
		fmt.Fprintf(&b, "```sh\n%s\n```\n", e.Command)
		if e.Explain != "" {
			b.WriteString(e.Explain + "\n\n")
		}
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}
