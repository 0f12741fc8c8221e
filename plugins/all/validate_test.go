package all

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"edgecheck/shared/registry"
)

// TestValidateChangesNothing holds every registered plugin to the rule of
// registry.Validator: Validate only checks. Each --help example configures
// a check as the runner does, and Validate must leave that config as it
// was, field for field and through pointers (a default filled in, a regex
// compiled, a threshold rewritten all show). Each example runs again with
// every file flag (metavariable FILE or PATH) naming a path in an empty
// directory; that directory is also the working directory, HOME and
// TMPDIR, and Validate must leave it empty. Each plugin with a Validate
// must accept at least one of its examples, so the rule is not met by
// rejecting everything.
func TestValidateChangesNothing(t *testing.T) {
	for _, p := range registry.All() {
		t.Run(p.Name, func(t *testing.T) {
			if _, ok := p.New().(registry.Validator); !ok {
				return
			}
			accepted := 0
			for _, e := range p.Examples {
				if validateExample(t, p, e.Command, false) {
					accepted++
				}
				validateExample(t, p, e.Command, true)
			}
			if accepted == 0 {
				t.Errorf("Validate rejected every --help example, so nothing showed it changes nothing")
			}
		})
	}
}

// validateExample validates the check of one example command line (with
// its file flags in an empty directory when probeFiles), reporting whether
// Validate accepted it.
func validateExample(t *testing.T, p registry.Plugin, command string, probeFiles bool) bool {
	t.Helper()
	probe := t.TempDir()
	for _, env := range []string{"HOME", "TMPDIR", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR"} {
		t.Setenv(env, probe)
	}
	t.Chdir(probe)
	args, err := registry.ShellWords(command)
	if err != nil {
		t.Fatalf("example %q: %v", command, err)
	}
	c := configure(t, p, args[1:], probe, probeFiles)
	before := flatten(reflect.ValueOf(c), "Check", 0)
	err = c.(registry.Validator).Validate()
	if diff := lineDiff(before, flatten(reflect.ValueOf(c), "Check", 0)); diff != "" {
		t.Errorf("%s: Validate changed the config (err %v):\n%s", command, err, diff)
	}
	if left, _ := os.ReadDir(probe); len(left) > 0 {
		t.Errorf("%s: Validate wrote %v in the working, home, temporary or file flags' directory", command, left)
	}
	return err == nil
}

// configure parses args as the runner does; with probeFiles, every FILE
// or PATH flag then names a path under dir that does not exist.
func configure(t *testing.T, p registry.Plugin, args []string, dir string, probeFiles bool) registry.Check {
	t.Helper()
	c, fs, _ := p.Configure()
	for _, f := range fs.Declared() {
		if probeFiles && f.Kind == registry.KindString && (f.Meta == "FILE" || f.Meta == "PATH") {
			args = append(args, "--"+f.Name, filepath.Join(dir, "flag-"+f.Name, "x"))
		}
	}
	if err := fs.PFlags().Parse(args); err != nil {
		t.Fatalf("%s %s: %v", p.Name, strings.Join(args, " "), err)
	}
	return c
}

// flatten lists every value reachable from v, one "path: value" line
// each, following pointers and interfaces (a value shared with another
// check still shows when changed); a func is the function it points to.
func flatten(v reflect.Value, path string, depth int) []string {
	if depth > 32 {
		return nil
	}
	switch v.Kind() {
	case reflect.Invalid:
		return []string{path + ": invalid"}
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return []string{fmt.Sprintf("%s: %s %#x", path, v.Type(), v.Pointer())}
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return []string{path + ": nil"}
		}
		return flatten(v.Elem(), path, depth+1)
	case reflect.Struct:
		var lines []string
		for i := range v.NumField() {
			lines = append(lines, flatten(v.Field(i), path+"."+v.Type().Field(i).Name, depth+1)...)
		}
		return lines
	case reflect.Slice, reflect.Array:
		lines := []string{fmt.Sprintf("%s: len %d nil %t", path, v.Len(), v.Kind() == reflect.Slice && v.IsNil())}
		for i := range v.Len() {
			lines = append(lines, flatten(v.Index(i), fmt.Sprintf("%s[%d]", path, i), depth+1)...)
		}
		return lines
	case reflect.Map:
		lines := []string{fmt.Sprintf("%s: len %d nil %t", path, v.Len(), v.IsNil())}
		for it := v.MapRange(); it.Next(); {
			lines = append(lines, flatten(it.Value(), fmt.Sprintf("%s[%v]", path, it.Key()), depth+1)...)
		}
		sort.Strings(lines[1:])
		return lines
	}
	return []string{fmt.Sprintf("%s: %v", path, v)}
}

// lineDiff lists the lines of before and after that differ, "" for none.
func lineDiff(before, after []string) string {
	var diff []string
	for i := range max(len(before), len(after)) {
		switch {
		case i >= len(before):
			diff = append(diff, "+ "+after[i])
		case i >= len(after):
			diff = append(diff, "- "+before[i])
		case before[i] != after[i]:
			diff = append(diff, "- "+before[i], "+ "+after[i])
		}
	}
	return strings.Join(diff, "\n")
}

// TestFlagDefaultsAreWhatRuns: the default --help shows for each flag is
// the value the check runs with when the flag is not given, so a default
// comes from Flags alone (not from Validate or Run).
func TestFlagDefaultsAreWhatRuns(t *testing.T) {
	for _, p := range registry.All() {
		t.Run(p.Name, func(t *testing.T) {
			_, fs, _ := p.Configure()
			for _, f := range fs.Declared() {
				if got := fs.PFlags().Lookup(f.Name).Value.String(); f.Default != "" && got != f.Default {
					t.Errorf("--%s: --help shows the default %q, the check runs with %q", f.Name, f.Default, got)
				}
			}
		})
	}
}
