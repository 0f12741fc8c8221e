package docs

import (
	"fmt"
	"path/filepath"
	"strings"

	"edgecheck/shared/registry"
)

// IndexReadme is the top-level README, whose table of checks is the block
// "checks", one row per registered plugin (Name, RunsOn, Catches, Source),
// linking to the plugin's own README.
const IndexReadme = "README.md"

// ChecksTable is the Markdown table of every plugin, in registry order.
func ChecksTable(plugins []registry.Plugin) string {
	var b strings.Builder
	b.WriteString("| binary | runs on | catches | source of truth |\n|---|---|---|---|\n")
	for _, p := range plugins {
		link := filepath.ToSlash(filepath.Join(Dir(p), "README.md"))
		fmt.Fprintf(&b, "| [`%s`](%s) | %s | %s | %s |\n", p.Name, link, strings.ReplaceAll(p.RunsOn, "-", " "),
			strings.ReplaceAll(p.Catches, "|", `\|`), strings.ReplaceAll(p.Source, "|", `\|`))
	}
	return b.String()
}

// UpdateIndex rewrites the "checks" block of the top-level README; it fails
// when the README has no such block or another generated block.
func UpdateIndex(plugins []registry.Plugin, readme string) (string, error) {
	var err error
	seen := false
	out := block.ReplaceAllStringFunc(readme, func(m string) string {
		g := block.FindStringSubmatch(m)
		if g[2] != "checks" || g[5] != "checks" {
			err = fmt.Errorf("%s: block %q: only a checks block is generated here", IndexReadme, g[2])
			return m
		}
		seen = true
		return g[1] + ChecksTable(plugins) + g[4]
	})
	if err == nil && !seen {
		err = fmt.Errorf("%s: no <!-- BEGIN generated:checks --> block for the table of checks", IndexReadme)
	}
	return out, err
}
