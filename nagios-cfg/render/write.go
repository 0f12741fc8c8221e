package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"edgecheck/nagios-cfg/fsutil"
)

// Write puts the tree at dir, atomically: it is written to a sibling
// temporary directory and swapped in, so dir is never half-written. It
// refuses to replace a non-empty directory that is not a previous render
// (no servers.conf), which protects a mistyped --out.
func Write(t Tree, dir string) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(dir, ServersIndex)); err != nil {
			return fmt.Errorf("%s is not empty and holds no %s from an earlier render; refusing to replace it", dir, ServersIndex)
		}
	}
	staged, err := fsutil.TempSibling(dir)
	if err != nil {
		return err
	}
	if err := os.Chmod(staged, 0o755); err != nil {
		os.RemoveAll(staged)
		return err
	}
	if err := fsutil.WriteFiles(staged, t); err != nil {
		os.RemoveAll(staged)
		return err
	}
	if err := fsutil.Swap(staged, dir); err != nil {
		os.RemoveAll(staged)
		return err
	}
	return nil
}

// Compare reports how dir differs from the tree: a unified diff per
// changed file and a line per missing or extra file. Empty means
// up to date.
func Compare(t Tree, dir string) (string, error) {
	have, err := fsutil.ReadFiles(dir)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	seen := map[string]bool{}
	for _, p := range t.Paths() {
		seen[p] = true
		old, ok := have[p]
		if !ok {
			fmt.Fprintf(&b, "missing: %s (render would create it)\n", p)
			continue
		}
		if !bytes.Equal(old, t[p]) {
			d, err := unifiedDiff(p, old, t[p])
			if err != nil {
				return "", err
			}
			b.WriteString(d)
		}
	}
	var extra []string
	for p := range have {
		if !seen[p] {
			extra = append(extra, p)
		}
	}
	for _, p := range sortStrings(extra) {
		fmt.Fprintf(&b, "extra: %s (render would remove it)\n", p)
	}
	return b.String(), nil
}

func sortStrings(xs []string) []string {
	t := Tree{}
	for _, x := range xs {
		t[x] = nil
	}
	return t.Paths()
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
	return string(out), nil
}
