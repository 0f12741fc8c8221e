//go:build integration

package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"edgecheck/shared/labtest"
)

// nodeState lists every file of the node's own Icinga 2 state with its
// modification time: what a validation must not change.
func nodeState(t *testing.T) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, root := range []string{"/var/cache/icinga2", "/var/lib/icinga2"} {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // a root absent or unreadable: nothing to change
			}
			if info, err := d.Info(); err == nil {
				got[p] = info.ModTime().String()
			}
			return nil
		})
	}
	return got
}

// TestIntegrationValidateSandbox: validate runs the real icinga2 daemon -C
// inside its temporary directory, leaving the node's /var/cache/icinga2
// (icinga2.debug, icinga2.vars: what `icinga2 object list` reads) and
// /var/lib/icinga2 untouched, and runs as an unprivileged CI user
// (nobody) too, which icinga2's setgroups() used to refuse.
func TestIntegrationValidateSandbox(t *testing.T) {
	bin, out, env := renderSample(t)
	before := nodeState(t)
	if r := labtest.Exec(t, bin, env, "validate", out); r.Code != 0 {
		t.Fatalf("validate: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if os.Geteuid() == 0 {
		// nobody needs to reach the binary and the tree: a world-readable copy.
		dir, err := os.MkdirTemp("", "nagios-cfg-sandbox-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		if o, err := exec.Command("cp", "-r", bin, out, dir+"/").CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, o)
		}
		if o, err := exec.Command("chmod", "-R", "a+rX", dir).CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, o)
		}
		cmd := exec.Command("runuser", "-u", "nobody", "--", filepath.Join(dir, filepath.Base(bin)), "validate", filepath.Join(dir, filepath.Base(out)))
		cmd.Dir, cmd.Env = "/tmp", append(os.Environ(), env...)
		o, err := cmd.CombinedOutput()
		if err != nil || strings.Contains(string(o), "setgroups") {
			t.Errorf("validate as nobody: %v\n%s", err, o)
		}
	}
	after := nodeState(t)
	for p, m := range after {
		if before[p] != m {
			t.Errorf("validate changed the node's %s (%q -> %q)", p, before[p], m)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			t.Errorf("validate removed the node's %s", p)
		}
	}
}
