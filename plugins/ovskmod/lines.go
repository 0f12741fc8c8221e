package ovskmod

import (
	"bytes"
	"iter"
	"strings"
)

// lines yields the lines of a file or command output read whole, without
// their "\n" or "\r\n" ending, as bufio.ScanLines splits them but with no
// limit on a line's length. Every text this check parses goes through it.
func lines(data []byte) iter.Seq[string] {
	return func(yield func(string) bool) {
		for l := range bytes.Lines(data) {
			if !yield(strings.TrimSuffix(strings.TrimSuffix(string(l), "\n"), "\r")) {
				return
			}
		}
	}
}
