package all

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"edgecheck/nagios-cfg/inventory"
	"edgecheck/nagios-cfg/readme"
	"edgecheck/shared/docs"
	"edgecheck/shared/registry"
)

// TestEveryPluginIsComplete keeps the catalogue honest: each registered
// plugin has a description, examples, documented flags and a binary under
// checks/, and each binary under checks/ is a registered plugin.
func TestEveryPluginIsComplete(t *testing.T) {
	plugins := registry.All()
	if len(plugins) == 0 {
		t.Fatal("no plugins registered")
	}
	names := map[string]bool{}
	for _, p := range plugins {
		names[p.Name] = true
		t.Run(p.Name, func(t *testing.T) {
			if len(p.Description) < 40 {
				t.Errorf("description too short: %q", p.Description)
			}
			if len(p.Examples) == 0 {
				t.Error("no --help examples")
			}
			if p.Catches == "" || p.Source == "" || p.RunsOn == "" {
				t.Error("Catches, Source or RunsOn empty: the top-level README's table of checks is generated from them")
			}
			for _, e := range p.Examples {
				if !strings.HasPrefix(e.Command, p.Name+" ") {
					t.Errorf("example %q does not start with %s", e.Command, p.Name)
				}
			}
			flags := p.Flags()
			seen := map[string]bool{}
			for _, f := range flags {
				if f.Usage == "" {
					t.Errorf("flag --%s has no help text", f.Name)
				}
				if seen[f.Name] {
					t.Errorf("flag --%s declared twice", f.Name)
				}
				seen[f.Name] = true
			}
			for _, std := range []string{"help", "version", "timeout", "verbose"} {
				if !seen[std] {
					t.Errorf("standard flag --%s missing", std)
				}
			}
			if registry.Faults(p.Name) == nil {
				t.Error("no fault cases: add faults.go to the plugin's folder, calling registry.RegisterFaults")
			}
			main := filepath.Join("..", "..", "checks", p.Name, "main.go")
			if _, err := os.Stat(main); err != nil {
				t.Errorf("no binary: %v", err)
			}
		})
	}
	dirs, err := os.ReadDir(filepath.Join("..", "..", "checks"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !names[d.Name()] {
			t.Errorf("checks/%s is not a registered plugin (missing import in plugins/all?)", d.Name())
		}
	}
}

// TestReadmesAreCurrent fails when a registered plugin has no README.md in
// its folder, when the top-level README's table of checks is not the
// registry's, or when a generated block (flag table, examples, golden
// output, the Nagios/NRPE/Icinga 2 snippets nagios-cfg renders) differs
// from what `go generate ./plugins/all` writes.
func TestReadmesAreCurrent(t *testing.T) {
	kinds := readme.Kinds(inventory.Catalogue(registry.All()))
	for _, err := range docs.Stale(registry.All(), filepath.Join("..", ".."), kinds...) {
		t.Error(err)
	}
	index, err := os.ReadFile(filepath.Join("..", "..", docs.IndexReadme))
	if err != nil {
		t.Fatal(err)
	}
	if want, err := docs.UpdateIndex(registry.All(), string(index)); err != nil || want != string(index) {
		t.Errorf("the table of checks in %s is stale (%v): run go generate ./plugins/all", docs.IndexReadme, err)
	}
}
