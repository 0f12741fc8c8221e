//go:build integration

// Package faultmatrix runs every check binary registered in plugins/all
// against each failure that applies to it and holds it to the plugin
// contract: exit 3 (UNKNOWN), a one-line actionable summary that starts with
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
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "edgecheck/plugins/all"
	"edgecheck/shared/labtest"
	"edgecheck/shared/nagios"
	"edgecheck/shared/registry"
)

// The failure kinds every check must survive.
const (
	kindMissing    = "daemon or socket missing"
	kindHang       = "peer accepts and never answers"
	kindGarbage    = "peer answers garbage"
	kindPermission = "permission denied"
	kindBadFlag    = "bad flag"
	kindBadRange   = "bad range"
	kindBadValue   = "bad value"
)

// timeout is the --timeout every case runs with; the contract allows one
// more second for the process to print and exit.
const timeout = 2 * time.Second

// A faultCase is one run of one check against one failure.
type faultCase struct {
	name string
	kind string
	args []string
	// asNobody runs the binary as uid/gid 65534: the tests run as root,
	// which bypasses file permissions, so a permission denial on a socket
	// or a directory needs a user that is really denied.
	asNobody bool
	// want is the expected state, UNKNOWN unless the SPEC makes the
	// failure the monitored component's own state.
	want nagios.State
	// mention are fragments line 1 must contain (case-insensitive), so
	// the summary points at what to fix; "a|b" accepts either.
	mention []string
	// forbid are fragments line 1 must not contain: a peer that answered
	// garbage and closed is not a timeout.
	forbid []string
}

// stalled is how a hang may be described.
const stalled = "timed out|did not answer|no answer|no response|not answer"

// matrix returns the cases per check. A check registered in plugins/all
// without a row here fails the test: every check must be covered.
func matrix(f *fixture) map[string][]faultCase {
	ovsdbCases := func(extra ...string) []faultCase {
		a := func(args ...string) []string { return append(append([]string{}, extra...), args...) }
		return []faultCase{
			{name: "unix socket missing", kind: kindMissing, args: a("--db", "unix:"+f.missingUnix), mention: []string{f.missingUnix}},
			{name: "tcp refused", kind: kindMissing, args: a("--db", "tcp:"+f.closedTCP), mention: []string{f.closedTCP}},
			{name: "unix hang", kind: kindHang, args: a("--db", "unix:"+f.hangUnix), mention: []string{stalled}},
			{name: "tcp hang", kind: kindHang, args: a("--db", "tcp:"+f.hangTCP), mention: []string{stalled}},
			{name: "unix garbage", kind: kindGarbage, args: a("--db", "unix:"+f.garbageUnix), mention: []string{f.garbageUnix}, forbid: []string{"timed out"}},
			{name: "tcp garbage", kind: kindGarbage, args: a("--db", "tcp:"+f.garbageTCP), mention: []string{f.garbageTCP}, forbid: []string{"timed out"}},
			{name: "socket in a 0700 directory as nobody", kind: kindPermission, args: a("--db", "unix:"+f.deniedUnix), asNobody: true, mention: []string{"permission"}},
			{name: "malformed --db", kind: kindBadValue, args: a("--db", "ssl:nowhere"), mention: []string{"--db"}},
		}
	}
	snmp := func(port int, extra ...string) []string {
		return append([]string{"-H", "127.0.0.1", "--port", itoa(port), "--credentials-file", f.snmpCreds}, extra...)
	}
	snmpCases := func(extra ...string) []faultCase {
		return []faultCase{
			{name: "agent not listening (ICMP port unreachable)", kind: kindMissing, args: snmp(f.udpClosed, extra...), mention: []string{"127.0.0.1:" + itoa(f.udpClosed)}},
			{name: "agent never answers", kind: kindHang, args: snmp(f.udpSilent, extra...), mention: []string{"127.0.0.1:" + itoa(f.udpSilent)}},
			{name: "agent answers junk", kind: kindGarbage, args: snmp(f.udpGarbage, extra...), mention: []string{"127.0.0.1:" + itoa(f.udpGarbage)}, forbid: []string{"timed out"}},
			{name: "credentials file mode 0644", kind: kindPermission,
				args:    append([]string{"-H", "127.0.0.1", "--port", itoa(f.udpSilent), "--credentials-file", f.snmpLoose}, extra...),
				mention: []string{f.snmpLoose, "chmod 600"}},
			{name: "credentials file missing", kind: kindMissing,
				args:    append([]string{"-H", "127.0.0.1", "--port", itoa(f.udpSilent), "--credentials-file", f.missingFile}, extra...),
				mention: []string{f.missingFile}},
			{name: "port out of range", kind: kindBadValue, args: append([]string{"-H", "127.0.0.1", "--port", "70000", "--credentials-file", f.snmpCreds}, extra...), mention: []string{"--port"}},
			{name: "unknown protocol", kind: kindBadValue, args: append([]string{"-H", "127.0.0.1", "--protocol", "1", "--credentials-file", f.snmpCreds}, extra...), mention: []string{"--protocol"}},
		}
	}
	rabbit := func(url string, extra ...string) []string {
		return append([]string{"--url", url, "--credentials-file", f.rabbitCreds, "--host", "hv1"}, extra...)
	}
	lldp := func(extra ...string) []string {
		return append([]string{"--expect", "eth0=sw1:Ethernet1/1"}, extra...)
	}

	return map[string][]faultCase{
		"check_ovs_controller": ovsdbCases(),
		"check_htb_drift":      ovsdbCases(),
		"check_ovs_kmod": {
			{name: "root missing", kind: kindMissing, args: []string{"--root", f.missingFile, "--kernel-release", "6.1.0-18-amd64"}, mention: []string{f.missingFile}},
			{name: "root is a file", kind: kindGarbage, args: []string{"--root", f.snmpCreds, "--kernel-release", "6.1.0-18-amd64"}, mention: []string{f.snmpCreds}},
			{name: "OVSDB hangs while reading ovs_version", kind: kindHang,
				args: []string{"--root", f.kmodRoot, "--kernel-release", "6.1.0-18-amd64", "--db", "unix:" + f.hangUnix}, mention: []string{"OVSDB"}},
			{name: "root in a 0700 directory as nobody", kind: kindPermission, asNobody: true,
				args: []string{"--root", f.kmodDenied, "--kernel-release", "6.1.0-18-amd64"}, mention: []string{f.kmodDenied}},
			{name: "unknown mode", kind: kindBadValue, args: []string{"--mode", "solaris"}, mention: []string{"--mode"}},
			{name: "bad kernel release", kind: kindBadValue, args: []string{"--kernel-release", "../../etc"}, mention: []string{"--kernel-release"}},
		},
		"check_rabbitmq_queues": {
			{name: "management API refused", kind: kindMissing, args: rabbit("http://" + f.closedTCP), mention: []string{f.closedTCP}},
			{name: "management API hangs", kind: kindHang, args: rabbit("http://" + f.hangTCP), mention: []string{stalled}},
			{name: "HTTP 200 with HTML", kind: kindGarbage, args: rabbit(f.garbageHTTP), mention: []string{strings.TrimPrefix(f.garbageHTTP, "http://")}, forbid: []string{"timed out"}},
			{name: "not HTTP at all", kind: kindGarbage, args: rabbit("http://" + f.garbageTCP), mention: []string{f.garbageTCP}, forbid: []string{"timed out"}},
			{name: "HTTP 503", kind: kindGarbage, args: rabbit(f.errorHTTP), mention: []string{"503"}},
			{name: "credentials file mode 0644", kind: kindPermission,
				args: []string{"--url", f.garbageHTTP, "--credentials-file", f.rabbitLoose, "--host", "hv1"}, mention: []string{f.rabbitLoose, "chmod 600"}},
			{name: "credentials file missing", kind: kindMissing,
				args: []string{"--url", f.garbageHTTP, "--credentials-file", f.missingFile, "--host", "hv1"}, mention: []string{f.missingFile}},
			{name: "URL without scheme", kind: kindBadValue, args: rabbit("127.0.0.1:15672"), mention: []string{"--url"}},
			{name: "bad queue regex", kind: kindBadValue, args: rabbit(f.garbageHTTP, "--queue-regex", "compute.(["), mention: []string{"--queue-regex"}},
		},
		"check_lldp": {
			// SPEC: lldpd not running is the component's state, CRITICAL
			// with the restart hint, not UNKNOWN.
			{name: "lldpd socket missing", kind: kindMissing, args: lldp("--socket", f.missingUnix), want: nagios.Critical, mention: []string{"lldpd is not running", "restart"}},
			{name: "lldpd hangs", kind: kindHang, args: lldp("--socket", f.hangUnix), mention: []string{stalled}},
			{name: "lldpd answers junk", kind: kindGarbage, args: lldp("--socket", f.garbageUnix), mention: []string{f.garbageUnix}},
			{name: "lldpcli prints junk", kind: kindGarbage, args: lldp("--lldpcli", f.garbageExec), mention: []string{f.garbageExec}},
			{name: "lldpcli never returns", kind: kindHang, args: lldp("--lldpcli", f.hangExec), mention: []string{stalled}},
			{name: "lldpcli not executable", kind: kindPermission, args: lldp("--lldpcli", f.notExec), mention: []string{f.notExec}},
			{name: "lldpd socket in a 0700 directory as nobody", kind: kindPermission, asNobody: true, args: lldp("--socket", f.deniedUnix), mention: []string{"permission"}},
			{name: "malformed --expect", kind: kindBadValue, args: []string{"--expect", "eth0"}, mention: []string{"--expect"}},
		},
		"check_snmp_extend":     snmpCases("--name", "edgecheck"),
		"check_snmp_vlans":      snmpCases("--port-name", "Ethernet1/1", "--expect-vlans", "100,200"),
		"check_snmp_interfaces": snmpCases(),
		"check_snmp_procs":      snmpCases("--process", "ovs-vswitchd"),
	}
}

// generated adds the cases every check gets from its own flag declarations:
// an unknown flag, each range flag with a reversed range, each numeric or
// duration flag with a word, and a missing value.
func generated(p registry.Plugin) []faultCase {
	// Required flags get a plausible value, so each case fails on the flag
	// it is about and not on a missing one.
	var required []string
	for _, fl := range p.Flags() {
		if fl.Required {
			required = append(required, "--"+fl.Name, "127.0.0.1")
		}
	}
	a := func(args ...string) []string { return append(append([]string{}, required...), args...) }
	cases := []faultCase{
		{name: "unknown flag", kind: kindBadFlag, args: a("--no-such-flag"), mention: []string{"no-such-flag"}},
		{name: "stray argument", kind: kindBadFlag, args: a("stray"), mention: []string{"stray"}},
		{name: "timeout zero", kind: kindBadValue, args: a("--timeout", "0"), mention: []string{"--timeout"}},
	}
	for _, fl := range p.Flags() {
		switch fl.Kind {
		case registry.KindRange:
			for _, bad := range []string{"2:1", "foo", "1-10", ":"} {
				cases = append(cases, faultCase{name: "--" + fl.Name + "=" + bad, kind: kindBadRange,
					args: a("--" + fl.Name + "=" + bad), mention: []string{"--" + fl.Name}})
			}
		case registry.KindInt, registry.KindFloat, registry.KindDuration:
			if fl.Standard {
				continue
			}
			cases = append(cases, faultCase{name: "--" + fl.Name + "=many", kind: kindBadValue,
				args: a("--" + fl.Name + "=many"), mention: []string{"--" + fl.Name}})
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
	rows := matrix(f)
	registered := map[string]bool{}
	nobodyDir := nobodyBinDir(t)
	for _, p := range plugins {
		registered[p.Name] = true
		cases, ok := rows[p.Name]
		if !ok {
			t.Errorf("%s is registered in plugins/all but has no row in the fault matrix: add its cases to matrix() in tests/faultmatrix", p.Name)
			continue
		}
		kinds := map[string]bool{}
		for _, c := range cases {
			kinds[c.kind] = true
		}
		for _, k := range []string{kindMissing, kindGarbage, kindPermission} {
			if !kinds[k] {
				t.Errorf("%s: the fault matrix has no %q case", p.Name, k)
			}
		}
		cases = append(cases, generated(p)...)
		bin := labtest.Binary(t, p.Name)
		t.Run(p.Name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.kind+"/"+c.name, func(t *testing.T) {
					ran.Add(1)
					b := bin
					if c.asNobody {
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
	var stale []string
	for name := range rows {
		if !registered[name] {
			stale = append(stale, name)
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Logf("rows for checks not registered (yet): %s", strings.Join(stale, ", "))
	}
	t.Logf("fault matrix: %d cases run, %d passed", ran.Load(), passed.Load())
}

func runCase(t *testing.T, p registry.Plugin, bin string, c faultCase) {
	args := append([]string{}, c.args...)
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
	if c.asNobody {
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

	want := c.want
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
	for _, m := range c.mention {
		found := false
		for _, alt := range strings.Split(m, "|") {
			found = found || strings.Contains(strings.ToLower(line1), strings.ToLower(alt))
		}
		if !found {
			t.Errorf("line 1 does not mention %q\n%s", m, show)
		}
	}
	for _, m := range c.forbid {
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
	dir, err := os.MkdirTemp("", "faultmatrix-bin-")
	must(t, err)
	must(t, os.Chmod(dir, 0o755))
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
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
