package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"edgecheck/nagios-cfg/fsutil"
	"edgecheck/nagios-cfg/inventory"
)

// Write renders the fleet into dir, atomically: files are streamed into a
// sibling temporary directory which is then swapped in, so dir is never
// half-written and nothing changes when rendering fails. It refuses to
// replace a non-empty directory that is not a previous render (no
// servers.conf), which protects a mistyped --out. It returns the number
// of files written.
func Write(f *inventory.Fleet, dir string) (int, error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(dir, ServersIndex)); err != nil {
			return 0, fmt.Errorf("%s is not empty and holds no %s from an earlier render; refusing to replace it", dir, ServersIndex)
		}
	}
	staged, err := fsutil.TempSibling(dir)
	if err != nil {
		return 0, err
	}
	fail := func(err error) (int, error) {
		os.RemoveAll(staged)
		return 0, err
	}
	if err := os.Chmod(staged, 0o755); err != nil {
		return fail(err)
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
		return fail(err)
	}
	if err := fsutil.Swap(staged, dir); err != nil {
		return fail(err)
	}
	return n, nil
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
		if p != dir && strings.HasPrefix(d.Name(), ".") {
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

// unifiedDiff runs diff -u (no shell) on the committed file and the
// rendered one.
func unifiedDiff(name string, old, cur []byte) (string, error) {
	dir, err := os.MkdirTemp("", "nagios-cfg-diff-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if err := os.WriteFile(a, old, 0o600); err != nil {
		return "", err
	}
	if err := os.WriteFile(b, cur, 0o600); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "diff", "-u", "--label", "a/"+name, "--label", "b/"+name, a, b).Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 {
		return string(out), nil
	}
	if err != nil {
		return "", fmt.Errorf("diff -u %s: %v", name, err)
	}
	if len(out) == 0 || !bytes.Contains(out, []byte("@@")) {
		return fmt.Sprintf("changed: %s\n", name), nil
	}
	return string(out), nil
}
