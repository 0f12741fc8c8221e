// Package docs keeps each plugin's README.md in step with what the code
// knows: the blocks between
//
//	<!-- BEGIN generated:NAME -->
//	<!-- END generated:NAME -->
//
// are rewritten from the registry (NAME "flags", "examples"), from a
// golden file of the plugin's tests (NAME "golden:FILE", the check's real
// output in testdata/golden/FILE.txt), or by a Kind the caller passes
// (NAME "KIND" or "KIND:ARG"; nagios-cfg/readme gives the Nagios, NRPE and
// Icinga 2 snippets), so the flag tables, the example outputs and the
// configuration snippets cannot drift. Everything outside the blocks is
// written by hand.
package docs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"

	"edgecheck/shared/registry"
)

// ModulePath is the module's import path; a plugin's folder is its package
// path with this prefix removed.
const ModulePath = "edgecheck"

// Dir returns the plugin's folder relative to the module root, from the
// package that declares its Check type.
func Dir(p registry.Plugin) string {
	t := reflect.TypeOf(p.New())
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return filepath.FromSlash(strings.TrimPrefix(t.PkgPath(), ModulePath+"/"))
}

// A Kind renders the blocks of one more name: Name alone, or Name:ARG
// with arg the text after the colon ("" for the bare name). It keeps this
// package free of what it renders (nagios-cfg imports the plugins).
type Kind struct {
	Name   string
	Render func(p registry.Plugin, arg string) (string, error)
}

var block = regexp.MustCompile(`(?s)(<!-- BEGIN generated:([^ >]+) -->\n)(.*?)(<!-- END generated:([^ >]+) -->)`)

// Update rewrites every generated block of readme. root is the module root
// (for golden files); kinds are the block names beyond the built-in ones.
// It fails on an unknown block name, a block whose END names another
// block, or a README without any flags block.
func Update(p registry.Plugin, root, readme string, kinds ...Kind) (string, error) {
	var errs []error
	seenFlags := false
	out := block.ReplaceAllStringFunc(readme, func(m string) string {
		g := block.FindStringSubmatch(m)
		name, end := g[2], g[5]
		if name != end {
			errs = append(errs, fmt.Errorf("block %q ends with END generated:%s", name, end))
			return m
		}
		body, err := generate(p, root, name, kinds)
		if err != nil {
			errs = append(errs, err)
			return m
		}
		if name == "flags" {
			seenFlags = true
		}
		return g[1] + body + g[4]
	})
	if !seenFlags {
		errs = append(errs, errors.New("no <!-- BEGIN generated:flags --> block: the flag table must be generated"))
	}
	return out, errors.Join(errs...)
}

func generate(p registry.Plugin, root, name string, kinds []Kind) (string, error) {
	known := []string{"flags", "examples", "golden:FILE"}
	for _, k := range kinds {
		kind, arg, _ := strings.Cut(name, ":")
		if kind == k.Name {
			body, err := k.Render(p, arg)
			if err != nil {
				return "", fmt.Errorf("block %s: %w", name, err)
			}
			return body, nil
		}
		known = append(known, k.Name)
	}
	switch {
	case name == "flags":
		return registry.MarkdownFlags(p), nil
	case name == "examples":
		return registry.MarkdownExamples(p), nil
	case strings.HasPrefix(name, "golden:"):
		file := filepath.Join(root, Dir(p), "testdata", "golden", strings.TrimPrefix(name, "golden:")+".txt")
		data, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("block %s: %v", name, err)
		}
		return "```\n" + strings.TrimRight(string(data), "\n") + "\n```\n", nil
	}
	return "", fmt.Errorf("unknown generated block %q (known: %s)", name, strings.Join(known, ", "))
}

// Readme returns the path of the plugin's README.md under root.
func Readme(p registry.Plugin, root string) string {
	return filepath.Join(root, Dir(p), "README.md")
}

// Stale reports, for each plugin, an error when its README is missing,
// has a broken block or differs from what Update (with kinds) would write.
func Stale(plugins []registry.Plugin, root string, kinds ...Kind) []error {
	var errs []error
	for _, p := range plugins {
		path := Readme(p, root)
		data, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %v (every plugin documents itself in its folder)", p.Name, err))
			continue
		}
		got, err := Update(p, root, string(data), kinds...)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %v", path, err))
		case got != string(data):
			errs = append(errs, fmt.Errorf("%s is stale: run `go generate ./plugins/all`", path))
		}
	}
	return errs
}
