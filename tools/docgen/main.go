// Command docgen rewrites the generated blocks of every plugin's README.md
// (see shared/docs; the commands and service blocks come from
// nagios-cfg/readme, rendered by nagios-cfg itself). Run it with
// `go generate ./plugins/all`; with -check it changes nothing and exits 1
// when a README is stale, for make lint.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"edgecheck/nagios-cfg/inventory"
	"edgecheck/nagios-cfg/readme"
	_ "edgecheck/plugins/all"
	"edgecheck/shared/docs"
	"edgecheck/shared/registry"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command with its arguments and output streams; it returns the
// exit status: 0, 1 for a stale README (-check) or a failure, 2 for bad
// arguments.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("docgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	check := fs.Bool("check", false, "only report stale READMEs, exit 1 if any")
	root := fs.String("root", ".", "the module root")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	kinds := readme.Kinds(inventory.Catalogue(registry.All()))
	if *check {
		errs := docs.Stale(registry.All(), *root, kinds...)
		if err := indexStale(*root); err != nil {
			errs = append(errs, err)
		}
		for _, err := range errs {
			fmt.Fprintln(stderr, "docgen:", err)
		}
		if len(errs) > 0 {
			return 1
		}
		return 0
	}
	status := 0
	if err := writeIndex(*root, stdout); err != nil {
		fmt.Fprintln(stderr, "docgen:", err)
		status = 1
	}
	for _, p := range registry.All() {
		path := docs.Readme(p, *root)
		data, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(stderr, "docgen:", err)
			status = 1
			continue
		}
		out, err := docs.Update(p, *root, string(data), kinds...)
		if err != nil {
			fmt.Fprintf(stderr, "docgen: %s: %v\n", path, err)
			status = 1
			continue
		}
		if out != string(data) {
			if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
				fmt.Fprintln(stderr, "docgen:", err)
				status = 1
				continue
			}
			fmt.Fprintln(stdout, "docgen: updated", path)
		}
	}
	return status
}

// indexStale reports a top-level README whose table of checks is not what
// the registry says.
func indexStale(root string) error {
	path := filepath.Join(root, docs.IndexReadme)
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := docs.UpdateIndex(registry.All(), string(data))
	if err != nil {
		return err
	}
	if out != string(data) {
		return fmt.Errorf("%s is stale: run `go generate ./plugins/all`", path)
	}
	return nil
}

// writeIndex rewrites the top-level README's table of checks.
func writeIndex(root string, stdout io.Writer) error {
	path := filepath.Join(root, docs.IndexReadme)
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := docs.UpdateIndex(registry.All(), string(data))
	if err != nil || out == string(data) {
		return err
	}
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "docgen: updated", path)
	return nil
}
