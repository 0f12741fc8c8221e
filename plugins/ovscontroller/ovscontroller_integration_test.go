//go:build integration

package ovscontroller

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"edgecheck/shared/labtest"
)

// These tests run the real check_ovs_controller binary against the lab's
// ovsdb-server and ovs-vswitchd (lab/lab.sh up ovs). OVS applies changes
// asynchronously, so a test polls the check until it reaches the state it
// waits for, and fails with the last output when it never does.

type ovsLab struct {
	db, dir string
	bin     string
	// state is the test's own --state-file.
	state string
}

func needOVS(t *testing.T) ovsLab {
	t.Helper()
	env := labtest.Need(t, "OVS_DB", "OVS_DIR", "OVS_BRIDGE", "OVS_MANAGER_TARGET")
	return ovsLab{db: env["OVS_DB"], dir: env["OVS_DIR"], bin: labtest.Binary(t, "check_ovs_controller"),
		state: filepath.Join(t.TempDir(), "state.json")}
}

func (l ovsLab) vsctl(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ovs-vsctl", append([]string{"--db=" + l.db, "--timeout=20"}, args...)...)
	cmd.Env = append(os.Environ(), "OVS_RUNDIR="+l.dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ovs-vsctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// check runs the binary once against the lab.
func (l ovsLab) check(t *testing.T, args ...string) labtest.Run {
	t.Helper()
	return labtest.Exec(t, l.bin, nil, append([]string{"--db", l.db, "--state-file", l.state}, args...)...)
}

// waitFor runs the check until it exits with code (any code when code < 0)
// and its output contains every wanted string, for at most 30 seconds.
func (l ovsLab) waitFor(t *testing.T, code int, want []string, args ...string) labtest.Run {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := l.check(t, args...)
		ok := code < 0 || r.Code == code
		for _, w := range want {
			ok = ok && strings.Contains(r.Stdout, w)
		}
		if ok {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("check_ovs_controller %s never exited %d with %q; last exit %d:\n%s%s", strings.Join(args, " "), code, want, r.Code, r.Stdout, r.Stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// testBridge creates a netdev bridge for one test and deletes it after.
func (l ovsLab) testBridge(t *testing.T, name string) {
	t.Helper()
	l.vsctl(t, "--may-exist", "add-br", name, "--", "set", "bridge", name, "datapath_type=netdev")
	t.Cleanup(func() { l.vsctl(t, "--if-exists", "del-br", name) })
}

// freePort returns a loopback TCP port nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func TestIntegrationConnectedControllerOK(t *testing.T) {
	l := needOVS(t)
	r := l.waitFor(t, 0, []string{"OVS_CONTROLLER OK", "connected for"}, "--bridge", "br-lab")
	if !strings.Contains(r.Stdout, "'br-lab tcp:127.0.0.1:") || !strings.Contains(r.Stdout, " connected'=1;;;0;1") {
		t.Errorf("no per-target perfdata:\n%s", r.Stdout)
	}
}

func TestIntegrationPassiveManagerIsNotAFailure(t *testing.T) {
	l := needOVS(t)
	manager := labtest.Env()["OVS_MANAGER_TARGET"]
	if !strings.HasPrefix(manager, "ptcp:") {
		t.Fatalf("the lab's manager is %q, want a ptcp: listener", manager)
	}
	r := l.check(t)
	if !strings.Contains(r.Stdout, "[OK] manager "+manager+": listening, bound to port "+strings.Split(manager, ":")[1]+" (bound_port)") {
		t.Errorf("the ptcp manager is not an OK listener:\n%s", r.Stdout)
	}
	for _, line := range strings.Split(r.Stdout, "\n") {
		if strings.Contains(line, "manager "+manager) && !strings.HasPrefix(line, "[OK]") && !strings.HasPrefix(line, "OVS_CONTROLLER") {
			t.Errorf("manager reported as a problem: %s", line)
		}
	}
	first := strings.SplitN(r.Stdout, "|", 2)[0]
	if strings.Contains(first, "manager "+manager) {
		t.Errorf("the summary names the passive manager as a problem: %s", first)
	}
}

// An active target that nothing answers: inside a huge grace it is
// WARNING, with --grace 0 it is CRITICAL. It never connected, so the
// check measures from ovs-vswitchd's start (its pidfile in the lab's run
// directory, next to db.sock).
func TestIntegrationUnreachableTargetGrace(t *testing.T) {
	l := needOVS(t)
	l.testBridge(t, "br-ecit1")
	target := "tcp:127.0.0.1:" + strconv.Itoa(freePort(t))
	l.vsctl(t, "set-controller", "br-ecit1", target)
	l.waitFor(t, 1, []string{"OVS_CONTROLLER WARNING", "bridge br-ecit1 controller " + target + ": never connected since ovs-vswitchd started", "within --grace 100000s", "Connection refused"},
		"--bridge", "br-ecit1", "--grace", "100000")
	l.waitFor(t, 2, []string{"OVS_CONTROLLER CRITICAL", "bridge br-ecit1 controller " + target + ": never connected", "longer than --grace 0s"},
		"--bridge", "br-ecit1", "--grace", "0")
}

// A controller that was connected and whose controller process died: the
// status has sec_since_disconnect, which --grace is measured against.
func TestIntegrationDisconnectedControllerGrace(t *testing.T) {
	l := needOVS(t)
	port := freePort(t)
	dir := t.TempDir()
	ctl := exec.Command("ovs-testcontroller", "ptcp:"+strconv.Itoa(port)+":127.0.0.1",
		"--unixctl="+filepath.Join(dir, "ctl"), "-vconsole:off", "--log-file="+filepath.Join(dir, "log"))
	if err := ctl.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = ctl.Process.Kill()
			_ = ctl.Wait()
		}
	}
	t.Cleanup(stop)
	l.testBridge(t, "br-ecit2")
	target := "tcp:127.0.0.1:" + strconv.Itoa(port)
	l.vsctl(t, "set-controller", "br-ecit2", target)
	l.waitFor(t, 0, []string{"bridge br-ecit2 controller " + target + ": connected"}, "--bridge", "br-ecit2")

	stop()
	// How the outage is dated (this check's last connected sighting, or
	// OVS's own counters) depends on when ovs-vswitchd refreshes the
	// status relative to the polls; the states and the grace do not.
	l.waitFor(t, 1, []string{"bridge br-ecit2 controller " + target + ": not connected", "within --grace 100000s"},
		"--bridge", "br-ecit2", "--grace", "100000")
	time.Sleep(2 * time.Second) // let the disconnection outlast --grace 1
	l.waitFor(t, 2, []string{"bridge br-ecit2 controller " + target + ": not connected", "longer than --grace 1s"},
		"--bridge", "br-ecit2", "--grace", "1")
}

func TestIntegrationRequireMaster(t *testing.T) {
	l := needOVS(t)
	// ovs-testcontroller sends no role request, so its role is "other".
	l.waitFor(t, 2, []string{"[CRITICAL] bridge br-lab: no connected controller in role master (--require-master); roles: other"},
		"--bridge", "br-lab", "--require-master")
}

func TestIntegrationNoSuchBridgeIsUnknown(t *testing.T) {
	l := needOVS(t)
	r := l.check(t, "--bridge", "br-does-not-exist")
	labtest.WantOutput(t, r, 3, "OVS_CONTROLLER UNKNOWN - --bridge br-does-not-exist: no such bridge in OVSDB at "+l.db+" (bridges: ")
}

// Killed ovs-vswitchd leaves its last controller status in OVSDB; the
// check must see through it.
func TestIntegrationKilledVswitchdIsStale(t *testing.T) {
	l := needOVS(t)
	l.waitFor(t, 0, []string{"OVS_CONTROLLER OK"}, "--bridge", "br-lab")
	labtest.Lab(t, "ovs", "kill_vswitchd")
	t.Cleanup(func() { labtest.Lab(t, "ovs", "restart") })
	r := l.waitFor(t, 2, []string{"OVS_CONTROLLER CRITICAL - ovs-vswitchd is not running (nobody holds its OVSDB lock)", "STALE: ovs-vswitchd is not running; its last report was"},
		"--bridge", "br-lab")
	// OVSDB itself still claims the controller is connected: that is the
	// stale status the check must not trust.
	if got := strings.TrimSpace(l.vsctl(t, "--bare", "--columns=is_connected", "find", "controller", "target=\""+labtest.Env()["OVS_CONTROLLER_TARGET"]+"\"")); got != "true" {
		t.Logf("OVSDB says is_connected=%q (expected the stale true)", got)
	}
	if !strings.Contains(r.Stdout, "its last report was connected") {
		t.Errorf("the stale item should show the last reported state:\n%s", r.Stdout)
	}
}

func TestIntegrationMissingSocketIsUnknown(t *testing.T) {
	l := needOVS(t)
	db := "unix:" + filepath.Join(t.TempDir(), "db.sock")
	r := labtest.Exec(t, l.bin, nil, "--db", db)
	want := "OVS_CONTROLLER UNKNOWN - cannot connect to OVSDB at " + db + ": no such file (is ovsdb-server running?)\n"
	if r.Code != 3 || r.Stdout != want {
		t.Errorf("exit %d, output:\n%s\nwant:\n%s", r.Code, r.Stdout, want)
	}
}

// A server that accepts and never answers gives UNKNOWN when --timeout
// runs out, naming the stage.
func TestIntegrationSilentServerIsUnknownWithinTimeout(t *testing.T) {
	l := needOVS(t)
	sock := filepath.Join(t.TempDir(), "silent.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	// Accept and hold every connection open without a word, until the
	// listener is closed.
	done := make(chan struct{})
	go func() {
		defer close(done)
		var held []net.Conn
		for {
			c, err := ln.Accept()
			if err != nil {
				for _, c := range held {
					c.Close()
				}
				return
			}
			held = append(held, c)
		}
	}()
	defer func() { ln.Close(); <-done }()
	r := labtest.Exec(t, l.bin, nil, "--db", "unix:"+sock, "--timeout", "1")
	if r.Code != 3 {
		t.Errorf("exit %d, want 3:\n%s", r.Code, r.Stdout)
	}
	// Within the timeout: 1s, plus process start and the runner's grace,
	// with room for a loaded machine.
	if r.Elapsed > 3*time.Second {
		t.Errorf("took %s with --timeout 1", r.Elapsed)
	}
	want := "OVS_CONTROLLER UNKNOWN - timed out after 1s while asking OVSDB at unix:" + sock + " whether ovs-vswitchd holds its lock"
	if !strings.HasPrefix(r.Stdout, want) {
		t.Errorf("output:\n%s\nwant it to start with:\n%s", r.Stdout, want)
	}
}
