package ovskmod

import (
	"slices"
	"strings"
	"testing"
)

// TestLines: "\n" and "\r\n" endings go, a last line without an ending
// counts, and a line over bufio.Scanner's 1 MiB buffer does not end the
// input (GRUB_DEFAULT after a long comment is still read).
func TestLines(t *testing.T) {
	long := "# " + strings.Repeat("x", 2<<20)
	got := slices.Collect(lines([]byte("a\r\nb\n\n" + long + "\nc")))
	if want := []string{"a", "b", "", long, "c"}; !slices.Equal(got, want) {
		t.Errorf("lines: %d lines %.20q, want %d", len(got), got, len(want))
	}
	if v, ok := parseDefaultGrub([]byte(long + "\nGRUB_DEFAULT=saved\n")); !ok || v != "saved" {
		t.Errorf("GRUB_DEFAULT after a long line: %q %v, want saved", v, ok)
	}
}
