package ovskmod

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// installedKernels returns the bootable kernel releases under root, newest
// first: every /boot/vmlinuz-REL. A /lib/modules/REL without a kernel image
// is a leftover of a removed kernel (DKMS often leaves one) and cannot be
// booted, so it is no rollback target. Only when /boot has no image at all
// (a container image, a chroot) do /lib/modules directories count.
func installedKernels(root string) ([]string, error) {
	seen := map[string]bool{}
	entries, err := os.ReadDir(filepath.Join(root, "boot"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("cannot list /boot: %v", err)
	}
	for _, e := range entries {
		name := e.Name()
		rel, ok := strings.CutPrefix(name, "vmlinuz-")
		if !ok || rel == "" || e.IsDir() {
			continue
		}
		if e.Type()&fs.ModeSymlink != 0 {
			continue // vmlinuz-2.6-xen and similar aliases
		}
		seen[rel] = true
	}
	if len(seen) == 0 {
		mods, err := os.ReadDir(filepath.Join(root, "lib", "modules"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("cannot list /lib/modules: %v", err)
		}
		for _, e := range mods {
			if e.IsDir() {
				seen[e.Name()] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sortNewestFirst(out)
	return out, nil
}

// sortNewestFirst orders kernel releases by version, newest first.
func sortNewestFirst(rels []string) {
	sort.SliceStable(rels, func(i, j int) bool { return compareVersions(rels[i], rels[j]) > 0 })
}

// compareVersions compares kernel release strings the way rpm and dpkg
// roughly do: digit runs numerically, other runs lexically.
func compareVersions(a, b string) int {
	as, bs := versionParts(a), versionParts(b)
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, y := as[i], bs[i]
		xn, xerr := strconv.ParseUint(x, 10, 64)
		yn, yerr := strconv.ParseUint(y, 10, 64)
		switch {
		case xerr == nil && yerr == nil:
			if xn != yn {
				if xn < yn {
					return -1
				}
				return 1
			}
		case xerr == nil: // numbers sort after words: 5.10 > 5.rc
			return 1
		case yerr == nil:
			return -1
		default:
			if c := strings.Compare(x, y); c != 0 {
				return c
			}
		}
	}
	switch {
	case len(as) < len(bs):
		return -1
	case len(as) > len(bs):
		return 1
	}
	return strings.Compare(a, b)
}

func versionParts(s string) []string {
	var parts []string
	cur := []rune{}
	digit := false
	flush := func() {
		if len(cur) > 0 {
			parts = append(parts, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range s {
		switch {
		case unicode.IsDigit(r):
			if !digit {
				flush()
			}
			digit = true
			cur = append(cur, r)
		case unicode.IsLetter(r):
			if digit {
				flush()
			}
			digit = false
			cur = append(cur, r)
		default:
			flush()
			digit = false
		}
	}
	flush()
	return parts
}

// kernelInEntry finds which installed release a grub entry names. Entries
// come as a BLS id (RHEL: "<machine-id>-5.14.0-362.el9.x86_64"), a menu id
// ("gnulinux-advanced-UUID>gnulinux-6.1.0-18-amd64-advanced-UUID") or a title
// ("Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux
// 6.1.0-18-amd64"). The longest installed release the entry contains as a
// whole token wins, so 6.1.0-1 never matches inside 6.1.0-18.
func kernelInEntry(entry string, installed []string) string {
	best := ""
	for _, rel := range installed {
		if len(rel) <= len(best) {
			continue
		}
		for i := 0; ; {
			j := strings.Index(entry[i:], rel)
			if j < 0 {
				break
			}
			start, end := i+j, i+j+len(rel)
			if tokenEdge(entry, start-1) && tokenEdge(entry, end) {
				best = rel
				break
			}
			i = start + 1
		}
	}
	return best
}

// tokenEdge reports whether position i (just outside a match) ends a token.
func tokenEdge(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return true
	}
	c := s[i]
	return !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '_' || c == '+')
}

// parseGrubenv parses grub's environment block: "# GRUB Environment Block"
// then key=value lines, padded with '#' to 1024 bytes. Values may contain
// escaped newlines and backslashes ("\\n", "\\\\").
func parseGrubenv(data []byte) map[string]string {
	env := map[string]string{}
	for line := range lines(data) {
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			continue
		}
		env[k] = unescapeGrubenv(v)
	}
	return env
}

func unescapeGrubenv(v string) string {
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
			if v[i] == 'n' {
				b.WriteByte('\n')
				continue
			}
		}
		b.WriteByte(v[i])
	}
	return b.String()
}
