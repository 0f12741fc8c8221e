// Command gen writes the inventory's JSON Schemas,
// {defaults,env,cell}.schema.json, into -out, and the settings table of
// nagios-cfg/README.md (run by go generate in nagios-cfg/schema). They live beside the package, not in environments/,
// where every directory is an environment.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"edgecheck/nagios-cfg/schema"
	_ "edgecheck/plugins/all"
	"edgecheck/shared/registry"
)

func main() {
	out := flag.String("out", ".", "directory for the schema files")
	readme := flag.String("readme", "../README.md", "nagios-cfg's README, whose settings table is rewritten")
	flag.Parse()
	if err := updateReadme(*readme); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	for _, k := range []string{schema.KindDefaults, schema.KindEnv, schema.KindCell} {
		b, err := schema.Generate(k, registry.All())
		if err == nil {
			err = os.WriteFile(filepath.Join(*out, k+".schema.json"), b, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
}

func updateReadme(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := schema.UpdateReadme(string(src))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, []byte(out), 0o644)
}
