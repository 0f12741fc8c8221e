// Command docgen rewrites the generated blocks of every plugin's README.md
// (see shared/docs; the commands and service blocks come from
// nagios-cfg/readme, rendered by nagios-cfg itself). Run it with `go generate ./plugins/all`; with -check it
// changes nothing and exits 1 when a README is stale, for make lint.
package main

import (
	"flag"
	"fmt"
	"os"

	"edgecheck/nagios-cfg/inventory"
	"edgecheck/nagios-cfg/readme"
	_ "edgecheck/plugins/all"
	"edgecheck/shared/docs"
	"edgecheck/shared/registry"
)

func main() {
	check := flag.Bool("check", false, "only report stale READMEs, exit 1 if any")
	root := flag.String("root", ".", "the module root")
	flag.Parse()
	kinds := readme.Kinds(inventory.Catalogue(registry.All()))
	if *check {
		errs := docs.Stale(registry.All(), *root, kinds...)
		for _, err := range errs {
			fmt.Fprintln(os.Stderr, "docgen:", err)
		}
		if len(errs) > 0 {
			os.Exit(1)
		}
		return
	}
	failed := false
	for _, p := range registry.All() {
		path := docs.Readme(p, *root)
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "docgen:", err)
			failed = true
			continue
		}
		out, err := docs.Update(p, *root, string(data), kinds...)
		if err != nil {
			fmt.Fprintf(os.Stderr, "docgen: %s: %v\n", path, err)
			failed = true
			continue
		}
		if out != string(data) {
			if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
				fmt.Fprintln(os.Stderr, "docgen:", err)
				failed = true
				continue
			}
			fmt.Println("docgen: updated", path)
		}
	}
	if failed {
		os.Exit(1)
	}
}
