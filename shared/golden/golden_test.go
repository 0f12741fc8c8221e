package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestFirstDiff(t *testing.T) {
	for _, tt := range []struct{ got, want, diff string }{
		{"a\nb\n", "a\nb\n", ""},
		{"a\nb\n", "a\nc\n", "first difference at line 2:\n  got  \"b\\n\"\n  want \"c\\n\"\n"},
		{"a\n", "a\nb\n", "first difference at line 2:\n  got  (end of output)\n  want \"b\\n\"\n"},
		{"a \n", "a\n", "first difference at line 1:\n  got  \"a \\n\"\n  want \"a\\n\"\n"},
		{"a", "a\n", "first difference at line 1:\n  got  \"a\"\n  want \"a\\n\"\n"},
		{"", "", ""},
	} {
		if d := firstDiff(tt.got, tt.want); d != tt.diff {
			t.Errorf("firstDiff(%q, %q) = %q, want %q", tt.got, tt.want, d, tt.diff)
		}
	}
}

func TestCheckUpdateWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "x.txt")
	old := *update
	*update = true
	t.Cleanup(func() { *update = old })
	Check(t, path, "hello\n")
	*update = false
	data, err := os.ReadFile(path)
	if err != nil || string(data) != "hello\n" {
		t.Fatalf("wrote %q, %v", data, err)
	}
	Check(t, path, "hello\n")
}

func TestPath(t *testing.T) {
	if p := Path("ok"); p != filepath.Join("testdata", "golden", "ok.txt") {
		t.Errorf("Path = %q", p)
	}
}

// recorder keeps what Check reports instead of failing the test.
type recorder struct {
	testing.TB
	msgs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func TestCheckReportsDifference(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.txt")
	if err := os.WriteFile(path, []byte("a\nb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := *update
	*update = false // compare even under go test -update
	t.Cleanup(func() { *update = old })
	r := &recorder{TB: t}
	Check(r, path, "a\nB\n")
	want := "output differs from " + path + " (run go test -update after checking):\n" +
		"first difference at line 2:\n  got  \"B\\n\"\n  want \"b\\n\"\n--- got\na\nB\n--- want\na\nb\n"
	if len(r.msgs) != 1 || r.msgs[0] != want {
		t.Errorf("reported %q, want %q", r.msgs, want)
	}
}
