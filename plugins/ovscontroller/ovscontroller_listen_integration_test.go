//go:build integration

package ovscontroller

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"edgecheck/shared/labtest"
)

// holdPort listens on a loopback port and never accepts: the kernel
// completes TCP handshakes, nothing ever answers (a port taken by another
// process, or a hung controller).
func holdPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

// addManager adds one Manager row next to the lab's and removes it after.
func (l ovsLab) addManager(t *testing.T, target string) {
	t.Helper()
	l.vsctl(t, "--", "--id=@m", "create", "Manager", "target=\""+target+"\"", "--", "add", "Open_vSwitch", ".", "manager_options", "@m")
	t.Cleanup(func() {
		id := strings.TrimSpace(l.vsctl(t, "--bare", "--columns=_uuid", "find", "Manager", "target=\""+target+"\""))
		if id != "" {
			l.vsctl(t, "remove", "Open_vSwitch", ".", "manager_options", id)
		}
	})
}

// A ptcp: manager whose port is taken: ovsdb-server logs "listen failed:
// Address already in use" and its Manager.status has no bound_port. Once
// the port is free, ovsdb-server's retry binds it.
func TestIntegrationManagerListenFailed(t *testing.T) {
	l := needOVS(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	target := "ptcp:" + port + ":127.0.0.1"
	l.addManager(t, target)
	r := l.waitFor(t, 2, []string{"[CRITICAL] manager " + target + ": NOT LISTENING: ovsdb-server reports no bound_port"})
	if !strings.Contains(strings.SplitN(r.Stdout, "|", 2)[0], "manager "+target+" is not listening") {
		t.Errorf("line 1 does not name the manager that is not listening:\n%s", r.Stdout)
	}
	ln.Close()
	l.waitFor(t, -1, []string{"[OK] manager " + target + ": listening, bound to port " + port + " (bound_port)"})
}

// Passive controllers: OVS reports role [] and status {} whether or not
// ovs-vswitchd could bind, so the check probes the listener on this host.
func TestIntegrationPassiveControllerListener(t *testing.T) {
	l := needOVS(t)
	l.testBridge(t, "br-ecit5")
	free := "ptcp:" + strconv.Itoa(freePort(t)) + ":127.0.0.1"
	l.vsctl(t, "set-controller", "br-ecit5", free)
	r := l.waitFor(t, 0, []string{"[OK] bridge br-ecit5 controller " + free + ": listening, answers OpenFlow on tcp 127.0.0.1:",
		"[OK] bridge br-ecit5: only passive controllers, --require-master does not apply"},
		"--bridge", "br-ecit5", "--require-master")
	if strings.Contains(r.Stdout, "no connected master") {
		t.Errorf("a passive-only bridge is missing a master:\n%s", r.Stdout)
	}

	held := "ptcp:" + strconv.Itoa(holdPort(t)) + ":127.0.0.1"
	l.vsctl(t, "set-controller", "br-ecit5", held)
	l.waitFor(t, 2, []string{"[CRITICAL] bridge br-ecit5 controller " + held + ": NOT LISTENING: ", "sends no OpenFlow hello"}, "--bridge", "br-ecit5")

	sock := "punix:" + t.TempDir() + "/missing/ctl.sock"
	l.vsctl(t, "set-controller", "br-ecit5", sock)
	l.waitFor(t, 2, []string{"[CRITICAL] bridge br-ecit5 controller " + sock + ": NOT LISTENING: nothing listens on unix "}, "--bridge", "br-ecit5")
}

// The down-time memory: over a tcp: --db the check cannot see the daemon's
// start, so a never-connected controller (an unroutable TEST-NET-1
// address) is first WARNING, and CRITICAL on a later run once the
// remembered spell outlasts --grace. A fresh state file starts over.
func TestIntegrationOutageRememberedAcrossRuns(t *testing.T) {
	l := needOVS(t)
	manager := labtest.Env()["OVS_MANAGER_TARGET"] // ptcp:PORT:127.0.0.1
	parts := strings.Split(manager, ":")
	if len(parts) != 3 {
		t.Fatalf("lab manager %q is not ptcp:PORT:IP", manager)
	}
	tcpDB := "tcp:" + parts[2] + ":" + parts[1]
	l.testBridge(t, "br-ecit4")
	target := "tcp:192.0.2.1:" + strconv.Itoa(freePort(t))
	l.vsctl(t, "set-controller", "br-ecit4", target)
	name := "bridge br-ecit4 controller " + target
	run := func(state string) labtest.Run {
		return labtest.Exec(t, l.bin, nil, "--db", tcpDB, "--state-file", state, "--bridge", "br-ecit4", "--grace", "1")
	}
	r := run(l.state)
	if r.Code != 1 || !strings.Contains(r.Stdout, "[WARNING] "+name+": ") || !strings.Contains(r.Stdout, "first found unconnected by this check now") {
		t.Fatalf("first run: exit %d, want WARNING on the first sighting:\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	data, err := os.ReadFile(l.state)
	if err != nil || !strings.Contains(string(data), `"`+name+`"`) || !strings.Contains(string(data), `"down_since"`) {
		t.Fatalf("state file %s does not remember %s: %v\n%s", l.state, name, err, data)
	}
	time.Sleep(2 * time.Second) // let the remembered spell outlast --grace 1
	r = run(l.state)
	// ovs-vswitchd may not have written a status yet (then the item also
	// says so): either way the remembered spell is what escalates.
	// The second run: CRITICAL from the memory.
	labtest.WantOutput(t, r, 2, "[CRITICAL] "+name+": ", "this check's memory), longer than --grace 1s")
	if r := run(l.state + ".fresh"); r.Code != 1 {
		t.Errorf("a fresh state file: exit %d, want WARNING:\n%s", r.Code, r.Stdout)
	}
	if err := os.WriteFile(l.state, []byte("{half a file"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := run(l.state); r.Code != 3 || !strings.Contains(r.Stdout, "OVS_CONTROLLER UNKNOWN - state file is corrupt: "+l.state) || !strings.Contains(r.Stdout, "remove "+l.state) {
		t.Errorf("corrupt state file: exit %d, want UNKNOWN naming it:\n%s", r.Code, r.Stdout)
	}
}
