package registry

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzShellWords: the splitter never panics, and words without quotes or
// backslashes come back split on blanks (space, tab), as /bin/sh does.
func FuzzShellWords(f *testing.F) {
	for _, s := range []string{"a b", `'a b' "c\"d" e\ f`, "'", `"`, `\`, "--x='^a\\.'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, err := ShellWords(s)
		if strings.ContainsAny(s, `'"\`) {
			return
		}
		want := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' })
		if err != nil || len(words) != len(want) || (len(want) > 0 && !reflect.DeepEqual(words, want)) {
			t.Errorf("ShellWords(%q) = %q, %v; want %q", s, words, err, want)
		}
	})
}
