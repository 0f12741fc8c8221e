// Package fsutil writes whole directory trees so that readers never see a
// half-written one: build next to the target, then swap it in with one
// rename.
package fsutil

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// TempSibling creates an empty directory next to target, on the same
// file system, so that a rename can move it into place.
func TempSibling(target string) (string, error) {
	parent := filepath.Dir(filepath.Clean(target))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	return os.MkdirTemp(parent, stagingPrefix(target))
}

// stagingPrefix is how TempSibling names its directories: ".<base>.new-".
func stagingPrefix(target string) string {
	return "." + filepath.Base(filepath.Clean(target)) + ".new-"
}

// RemoveStale removes the staging directories (and their ".old" halves)
// that an interrupted run left next to target.
func RemoveStale(target string) error {
	parent := filepath.Dir(filepath.Clean(target))
	entries, err := os.ReadDir(parent)
	if err != nil {
		return nil // no parent yet: nothing left behind
	}
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), stagingPrefix(target)) {
			if err := os.RemoveAll(filepath.Join(parent, e.Name())); err != nil {
				return fmt.Errorf("removing the leftover staging directory %s: %w", e.Name(), err)
			}
		}
	}
	return nil
}

// SwapEntry puts the file or directory staged in place of target, with
// Swap; when staged does not exist, target is removed.
func SwapEntry(staged, target string) error {
	if _, err := os.Lstat(staged); errors.Is(err, os.ErrNotExist) {
		return os.RemoveAll(target)
	}
	return Swap(staged, target)
}

// Swap puts the directory built at staged in place of target. When target
// exists the two are exchanged atomically (renameat2 RENAME_EXCHANGE), so
// that at every instant target is either the whole old tree or the whole
// new one; the old tree is then removed. Where the file system cannot
// exchange, it falls back to two renames.
func Swap(staged, target string) error {
	target = filepath.Clean(target)
	if _, err := os.Lstat(target); errors.Is(err, os.ErrNotExist) {
		return os.Rename(staged, target)
	}
	err := unix.Renameat2(unix.AT_FDCWD, staged, unix.AT_FDCWD, target, unix.RENAME_EXCHANGE)
	if err == nil {
		return os.RemoveAll(staged) // staged now holds the old tree
	}
	if !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EOPNOTSUPP) {
		return fmt.Errorf("swapping %s into place: %w", target, err)
	}
	old := staged + ".old"
	if err := os.Rename(target, old); err != nil {
		return err
	}
	if err := os.Rename(staged, target); err != nil {
		_ = os.Rename(old, target)
		return err
	}
	return os.RemoveAll(old)
}

// WriteFiles writes files (slash-separated relative path to contents)
// under dir, creating directories as needed.
func WriteFiles(dir string, files map[string][]byte) error {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, files[p], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// ReadFiles reads every regular file under dir, keyed by slash-separated
// relative path. Hidden entries (such as .git) are skipped.
func ReadFiles(dir string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = data
		return nil
	})
	return out, err
}
