//go:build integration

// Package faultmatrix runs every check binary registered in plugins/all
// against the failure cases the plugin declares in its own folder
// (plugins/<name>/faults.go) plus those its flag declarations imply, and
// holds it to the plugin contract: exit 3 (UNKNOWN), a one-line actionable summary that starts with
// the service name, no stack trace, and an exit within --timeout + 1 s.
package faultmatrix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "edgecheck/plugins/all"
	"edgecheck/shared/faults"
	"edgecheck/shared/labtest"
	"edgecheck/shared/nagios"
	"edgecheck/shared/registry"
)

// timeout is the --timeout every case runs with; the contract allows one
// more second for the process to print and exit.
const timeout = 2 * time.Second

// generated adds the cases every check gets from its own flag declarations:
// an unknown flag, each range flag with a reversed range, each numeric or
// duration flag with a word, and a missing value.
func generated(p registry.Plugin) []faults.Case {
	// Required flags get a plausible value, so each case fails on the flag
	// it is about and not on a missing one.
	var required []string
	for _, fl := range p.Flags() {
		if fl.Required {
			required = append(required, "--"+fl.Name, "127.0.0.1")
		}
	}
	a := func(args ...string) []string { return append(append([]string{}, required...), args...) }
	cases := []faults.Case{
		{Name: "unknown flag", Kind: faults.KindBadFlag, Args: a("--no-such-flag"), Mention: []string{"no-such-flag"}},
		{Name: "stray argument", Kind: faults.KindBadFlag, Args: a("stray"), Mention: []string{"stray"}},
		{Name: "timeout zero", Kind: faults.KindBadValue, Args: a("--timeout", "0"), Mention: []string{"--timeout"}},
	}
	for _, fl := range p.Flags() {
		switch fl.Kind {
		case registry.KindRange:
			for _, bad := range []string{"2:1", "foo", "1-10", ":"} {
				cases = append(cases, faults.Case{Name: "--" + fl.Name + "=" + bad, Kind: faults.KindBadRange,
					Args: a("--" + fl.Name + "=" + bad), Mention: []string{"--" + fl.Name}})
			}
		case registry.KindInt, registry.KindFloat, registry.KindDuration:
			if fl.Standard {
				continue
			}
			cases = append(cases, faults.Case{Name: "--" + fl.Name + "=many", Kind: faults.KindBadValue,
				Args: a("--" + fl.Name + "=many"), Mention: []string{"--" + fl.Name}})
		}
	}
	return cases
}

var ran, passed atomic.Int64

func TestFaultMatrixIntegration(t *testing.T) {
	plugins := registry.All()
	if len(plugins) == 0 {
		t.Fatal("no check is registered in plugins/all")
	}
	f := newFixture(t)
	nobodyDir := nobodyBinDir(t)
	for _, p := range plugins {
		declare := registry.Faults(p.Name)
		if declare == nil {
			t.Errorf("%s is registered in plugins/all but declares no fault cases: add plugins/<name>/faults.go calling registry.RegisterFaults", p.Name)
			continue
		}
		cases := declare(&f.Fixture)
		kinds := map[string]bool{}
		for _, c := range cases {
			kinds[c.Kind] = true
		}
		for _, k := range []string{faults.KindMissing, faults.KindGarbage, faults.KindPermission} {
			if !kinds[k] {
				t.Errorf("%s: its fault cases have no %q case", p.Name, k)
			}
		}
		cases = append(cases, generated(p)...)
		bin := labtest.Binary(t, p.Name)
		t.Run(p.Name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.Kind+"/"+c.Name, func(t *testing.T) {
					ran.Add(1)
					b := bin
					if c.AsNobody {
						b = copyForNobody(t, bin, nobodyDir)
					}
					runCase(t, p, b, c)
					if !t.Failed() {
						passed.Add(1)
					}
				})
			}
		})
	}
	t.Logf("fault matrix: %d cases run, %d passed", ran.Load(), passed.Load())
}

func runCase(t *testing.T, p registry.Plugin, bin string, c faults.Case) {
	args := append([]string{}, c.Args...)
	if !hasFlag(args, "--timeout") {
		args = append(args, "--timeout", registry.FormatSeconds(timeout))
	}
	// A hard stop far beyond the contract, so a hung check fails the case
	// instead of the whole test binary.
	ctx, cancel := context.WithTimeout(context.Background(), timeout+10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	cmd.Stdin = nil
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if c.AsNobody {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: 65534, Gid: 65534}
		cmd.Dir = "/"
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	// Children (lldpcli, sleep) must not outlive the check.
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	code := 0
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	default:
		t.Fatalf("running %s: %v", bin, err)
	}
	out := stdout.String()
	line1, _, _ := strings.Cut(out, "\n")
	show := fmt.Sprintf("%s %s\nexit %d after %s\nstdout:\n%s\nstderr:\n%s", filepath.Base(bin), strings.Join(args, " "), code, elapsed.Round(time.Millisecond), out, stderr.String())

	want := c.Want
	if want == nagios.OK {
		want = nagios.Unknown
	}
	if code != int(want) {
		t.Errorf("exit %d, want %d (%s)\n%s", code, want, want, show)
	}
	prefix := p.Service + " " + want.String() + " - "
	if !strings.HasPrefix(line1, prefix) {
		t.Errorf("line 1 does not start with %q\n%s", prefix, show)
	}
	if len(strings.TrimSpace(strings.TrimPrefix(line1, prefix))) < 10 {
		t.Errorf("line 1 has no actionable summary\n%s", show)
	}
	for _, m := range c.Mention {
		found := false
		for _, alt := range strings.Split(m, "|") {
			found = found || strings.Contains(strings.ToLower(line1), strings.ToLower(alt))
		}
		if !found {
			t.Errorf("line 1 does not mention %q\n%s", m, show)
		}
	}
	for _, m := range c.Forbid {
		if strings.Contains(strings.ToLower(line1), strings.ToLower(m)) {
			t.Errorf("line 1 says %q, which misleads the operator\n%s", m, show)
		}
	}
	for _, bad := range []string{"goroutine ", "panic:", "runtime error", "[recovered]"} {
		if strings.Contains(out, bad) || strings.Contains(stderr.String(), bad) {
			t.Errorf("output contains %q: a stack trace or a crash\n%s", bad, show)
		}
	}
	if elapsed > timeout+time.Second {
		t.Errorf("took %s, beyond --timeout %s + 1s\n%s", elapsed.Round(time.Millisecond), timeout, show)
	}
	if testing.Verbose() {
		t.Logf("exit %d in %s: %s", code, elapsed.Round(time.Millisecond), line1)
	}
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

// nobodyBinDir is a world-readable directory for binaries run as nobody;
// labtest builds into a 0700 temporary directory that nobody cannot enter.
func nobodyBinDir(t *testing.T) string {
	return labtest.PublicDir(t, "faultmatrix-bin-")
}

func copyForNobody(t *testing.T, bin, dir string) string {
	t.Helper()
	dst := filepath.Join(dir, filepath.Base(bin))
	if _, err := os.Stat(dst); err == nil {
		return dst
	}
	src, err := os.Open(bin)
	must(t, err)
	defer src.Close()
	out, err := os.OpenFile(dst+".tmp", os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	must(t, err)
	if _, err := io.Copy(out, src); err != nil {
		t.Fatal(err)
	}
	must(t, out.Close())
	must(t, os.Rename(dst+".tmp", dst))
	return dst
}

// TestMain prints the count as a plain line, so `make test` shows it
// without -v.
func TestMain(m *testing.M) {
	code := m.Run()
	if n := ran.Load(); n > 0 {
		fmt.Printf("fault matrix: %d cases run, %d passed\n", n, passed.Load())
	}
	os.Exit(code)
}
