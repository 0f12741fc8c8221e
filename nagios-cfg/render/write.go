package render

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"edgecheck/nagios-cfg/fsutil"
	"edgecheck/nagios-cfg/inventory"
)

// Owned lists the top-level entries of an output directory that render
// writes and replaces: everything else there (.git, a README, a
// .gitattributes) is the operator's and is never touched.
var Owned = []string{"agents", "common", "environments", "icinga2", ServersIndex}

func owned(name string) bool { return slices.Contains(Owned, name) }

// Write renders the fleet into dir. The files are streamed into a sibling
// staging directory; then each entry of Owned is swapped in (an atomic
// exchange per entry) and an owned entry this render no longer produces is
// removed. Nothing else in dir changes, so dir may be the operator's git
// clone. Nothing changes when rendering fails. It refuses a directory that
// holds an owned name but no servers.conf from an earlier render, which
// protects a mistyped --out. A staging directory left behind by an
// interrupted run is removed. It returns the number of files written.
func Write(f *inventory.Fleet, dir string) (int, error) {
	if err := checkOut(dir); err != nil {
		return 0, err
	}
	if err := fsutil.RemoveStale(dir); err != nil {
		return 0, err
	}
	staged, err := fsutil.TempSibling(dir)
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(staged)
	if err := os.Chmod(staged, 0o755); err != nil {
		return 0, err
	}
	n := 0
	made := map[string]bool{}
	err = RenderTo(f, func(path, data string) error {
		full := filepath.Join(staged, filepath.FromSlash(path))
		if d := filepath.Dir(full); !made[d] {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
			made[d] = true
		}
		n++
		return writeString(full, data)
	})
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	// servers.conf last: deploy reads it first, so a server never finds
	// an index naming cells whose files are not in place yet.
	order := append(slices.Clone(Owned[:len(Owned)-1]), ServersIndex)
	for _, name := range order {
		if err := fsutil.SwapEntry(filepath.Join(staged, name), filepath.Join(dir, name)); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// checkOut refuses an output directory that holds an owned name without
// the servers.conf of an earlier render.
func checkOut(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, ServersIndex)); err == nil {
		return nil
	}
	for _, e := range entries {
		if owned(e.Name()) {
			return fmt.Errorf("%s holds %s but no %s from an earlier render; refusing to replace it (render owns only %s there)", dir, e.Name(), ServersIndex, strings.Join(Owned, ", "))
		}
	}
	return nil
}

func writeString(path, data string) error {
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := fh.WriteString(data); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

// Compare reports how dir differs from what the fleet renders to: a
// unified diff per changed file and a line per missing or extra file.
// Empty means up to date. It also returns the number of rendered files.
func Compare(f *inventory.Fleet, dir string) (string, int, error) {
	have := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if filepath.Dir(p) == filepath.Clean(dir) && !owned(d.Name()) {
			// The operator's own files (.git, README.md) are not render's.
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			have[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	if err != nil {
		return "", 0, err
	}
	diffs := map[string]string{}
	n := 0
	err = RenderTo(f, func(path, data string) error {
		n++
		if !have[path] {
			diffs[path] = fmt.Sprintf("missing: %s (render would create it)\n", path)
			return nil
		}
		delete(have, path)
		old, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(path)))
		if err != nil {
			return err
		}
		if string(old) == data {
			return nil
		}
		d, err := unifiedDiff(path, old, []byte(data))
		diffs[path] = d
		return err
	})
	if err != nil {
		return "", 0, err
	}
	for p := range have {
		diffs[p] = fmt.Sprintf("extra: %s (render would remove it)\n", p)
	}
	paths := make([]string, 0, len(diffs))
	for p := range diffs {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var b strings.Builder
	for _, p := range paths {
		b.WriteString(diffs[p])
	}
	return b.String(), n, nil
}

// unifiedDiff is the unified diff (3 lines of context) of the committed
// file and the rendered one.
func unifiedDiff(name string, old, cur []byte) (string, error) {
	d, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        difflib.SplitLines(string(old)),
		B:        difflib.SplitLines(string(cur)),
		FromFile: "a/" + name,
		ToFile:   "b/" + name,
		Context:  3,
	})
	if err != nil {
		return "", fmt.Errorf("diff of %s: %w", name, err)
	}
	if d == "" {
		return fmt.Sprintf("changed: %s\n", name), nil
	}
	return d, nil
}
