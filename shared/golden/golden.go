// Package golden compares test output with golden files under testdata/.
//
// It owns the single -update flag of every test binary that imports it:
//
//	go test ./plugins/lldp -update
//
// rewrites the package's golden files from the current output instead of
// comparing. Packages using it must not register their own "update" flag.
package golden

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Updating reports whether the test binary was run with -update.
func Updating() bool { return *update }

// Path is the conventional golden file of a case: testdata/golden/NAME.txt.
func Path(name string) string { return filepath.Join("testdata", "golden", name+".txt") }

// Text checks got against Path(name).
func Text(t testing.TB, name, got string) {
	t.Helper()
	Check(t, Path(name), got)
}

// Check compares got with the file at path. With -update it writes got to
// path (creating its directory) instead of comparing.
func Check(t testing.TB, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run go test -update after checking):\n%s--- got\n%s--- want\n%s",
			path, firstDiff(got, string(want)), got, want)
	}
}

// firstDiff names the first line where got and want differ, quoted so that
// whitespace and line-ending differences show.
func firstDiff(got, want string) string {
	g, w := lines(got), lines(want)
	for i := 0; i < len(g) || i < len(w); i++ {
		gl, wl := line(g, i), line(w, i)
		if gl != wl {
			return fmt.Sprintf("first difference at line %d:\n  got  %s\n  want %s\n", i+1, gl, wl)
		}
	}
	return ""
}

// lines splits s after each newline, keeping a last unterminated line.
func lines(s string) []string {
	l := strings.SplitAfter(s, "\n")
	if l[len(l)-1] == "" {
		l = l[:len(l)-1]
	}
	return l
}

func line(l []string, i int) string {
	if i >= len(l) {
		return "(end of output)"
	}
	return strconv.Quote(l[i])
}
