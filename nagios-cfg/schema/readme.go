package schema

import (
	"fmt"
	"strings"

	"edgecheck/nagios-cfg/inventory"
)

// The settings table of nagios-cfg/README.md sits between these markers and
// is written by `go generate ./nagios-cfg/schema` from the inventory's
// declaration of its settings, like the schemas.
const (
	readmeBegin = "<!-- BEGIN generated: settings (go generate ./nagios-cfg/schema) -->"
	readmeEnd   = "<!-- END generated: settings -->"
)

// SettingsTable is the Markdown table of every inventory setting: key,
// meaning (with the unit) and built-in default.
func SettingsTable() string {
	var b strings.Builder
	b.WriteString("| key | meaning | built-in default |\n|---|---|---|\n")
	for _, d := range inventory.SettingDocs() {
		doc := d.Doc
		if d.Unit != "" {
			doc += " (" + d.Unit + ")"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", d.Key, strings.ReplaceAll(doc, "|", `\|`), d.Default)
	}
	return b.String()
}

// UpdateReadme returns readme with its settings block rewritten; an error
// when the markers are missing or out of order.
func UpdateReadme(readme string) (string, error) {
	i := strings.Index(readme, readmeBegin)
	j := strings.Index(readme, readmeEnd)
	if i < 0 || j < i {
		return "", fmt.Errorf("no %q … %q block", readmeBegin, readmeEnd)
	}
	return readme[:i] + readmeBegin + "\n" + SettingsTable() + readme[j:], nil
}
