//go:build integration

package lldp

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"edgecheck/shared/labtest"
)

// These tests run the real check_lldp binary in the root namespace against
// the hypervisor lldpd of the lab (lab/lab.sh up lldp), which sits in its
// own network namespace with a real lldpd playing the switch on the other
// end of a veth pair.

type lab struct {
	socket, swSocket, nic, silentNIC, noCarrierNIC string
	// sw is the switch's system name, port its port description (what an
	// inventory names) and portID its port ID (ifname subtype, swp1).
	sw, port, portID string
	bin              string
}

func needLab(t *testing.T) lab {
	t.Helper()
	env := labtest.Need(t, "LLDP_SOCKET", "LLDP_SW_SOCKET", "LLDP_HV_IF", "LLDP_SILENT_IF", "LLDP_NOCARRIER_IF",
		"LLDP_SWITCH_NAME", "LLDP_SWITCH_PORT", "LLDP_SWITCH_IF")
	return lab{
		socket: env["LLDP_SOCKET"], swSocket: env["LLDP_SW_SOCKET"], nic: env["LLDP_HV_IF"],
		silentNIC: env["LLDP_SILENT_IF"], noCarrierNIC: env["LLDP_NOCARRIER_IF"],
		sw: env["LLDP_SWITCH_NAME"], port: env["LLDP_SWITCH_PORT"], portID: env["LLDP_SWITCH_IF"],
		bin: labtest.Binary(t, "check_lldp"),
	}
}

// wantNot fails when line 1 contains any of texts.
func wantNot(t *testing.T, r labtest.Run, texts ...string) {
	t.Helper()
	line1 := strings.SplitN(r.Stdout, "\n", 2)[0]
	for _, s := range texts {
		if strings.Contains(line1, s) {
			t.Errorf("line 1 %q has %q", line1, s)
		}
	}
}

func (l lab) run(t *testing.T, args ...string) labtest.Run {
	t.Helper()
	return labtest.ExecLog(t, l.bin, nil, append([]string{"--socket", l.socket}, args...)...)
}

// runUntil runs the check with args until done says its outcome is the
// one awaited, or within has passed; it returns the last outcome, which
// the caller asserts (the state, never the time it took).
func (l lab) runUntil(t *testing.T, within time.Duration, done func(labtest.Run) bool, args ...string) labtest.Run {
	t.Helper()
	r := l.run(t, args...)
	for deadline := time.Now().Add(within); !done(r) && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
		r = l.run(t, args...)
	}
	return r
}

func TestIntegrationExpectedNeighbor(t *testing.T) {
	l := needLab(t)
	r := l.run(t, "--expect", l.nic+"="+l.sw+":"+l.port)
	// Line 1 names the port ID; the inventory may name the description.
	labtest.WantLine1(t, r, 0, "LLDP OK", l.nic+" "+l.sw+" port "+l.portID, "'"+l.nic+"_rx'=")
	// The short switch name matches the FQDN the switch sends.
	short, _, _ := strings.Cut(l.sw, ".")
	r = l.run(t, "--expect", l.nic+"="+short+":"+l.port, "--max-age", "120")
	labtest.WantLine1(t, r, 0, "LLDP OK")
}

func TestIntegrationWrongPort(t *testing.T) {
	l := needLab(t)
	r := l.run(t, "--expect", l.nic+"="+l.sw+":Ethernet1/2")
	labtest.WantLine1(t, r, 2, "LLDP CRITICAL", "wrong port", "expected "+l.sw+" port Ethernet1/2", "seen "+l.sw+" port "+l.portID)
}

func TestIntegrationPortDescriptionChanged(t *testing.T) {
	l := needLab(t)
	t.Cleanup(func() { labtest.Lab(t, "lldp", "set_port_descr") })
	labtest.Lab(t, "lldp", "set_port_descr", "Ethernet1/9")
	r := l.run(t, "--expect", l.nic+"="+l.sw+":"+l.port)
	labtest.WantLine1(t, r, 2, "LLDP CRITICAL", "expected "+l.sw+" port "+l.port, "seen "+l.sw+" port "+l.portID)
	if !strings.Contains(r.Stdout, `port description "Ethernet1/9"`) {
		t.Errorf("long output lacks the new port description")
	}
}

func TestIntegrationLLDPDStopped(t *testing.T) {
	l := needLab(t)
	t.Cleanup(func() { labtest.Lab(t, "lldp", "start_hv") })
	labtest.Lab(t, "lldp", "stop_hv")
	r := l.run(t, "--expect", l.nic+"="+l.sw+":"+l.port)
	labtest.WantLine1(t, r, 2, "LLDP CRITICAL", "lldpd is not running", l.socket, "No such file or directory",
		"systemctl restart lldpd && systemctl enable lldpd")
}

func TestIntegrationLLDPDKilledStaleSocket(t *testing.T) {
	l := needLab(t)
	t.Cleanup(func() { labtest.Lab(t, "lldp", "start_hv") })
	labtest.Lab(t, "lldp", "kill_hv")
	// SIGKILL leaves the socket file behind; the privsep child of lldpd
	// exits right after its monitor, and until then may still accept.
	r := l.runUntil(t, 20*time.Second, func(r labtest.Run) bool { return r.Code == 2 })
	labtest.WantLine1(t, r, 2, "LLDP CRITICAL", "lldpd is not running", "Connection refused",
		"systemctl restart lldpd && systemctl enable lldpd")
}

// TestIntegrationLLDPDHung: a stopped (SIGSTOP) lldpd still accepts on its
// socket but never answers; --timeout must end the run with UNKNOWN naming
// the stage, and lldpcli must not be left behind.
func TestIntegrationLLDPDHung(t *testing.T) {
	l := needLab(t)
	t.Cleanup(func() { labtest.Lab(t, "lldp", "thaw_hv") })
	labtest.Lab(t, "lldp", "freeze_hv")
	r := l.run(t, "--timeout", "2", "--expect", l.nic+"="+l.sw+":"+l.port)
	labtest.WantLine1(t, r, 3, "LLDP UNKNOWN - timed out after 2s while running lldpcli -u "+l.socket, "no answer from lldpd")
}

func TestIntegrationNoNeighbor(t *testing.T) {
	l := needLab(t)
	r := l.run(t, "--interface", l.silentNIC)
	labtest.WantLine1(t, r, 2, "LLDP CRITICAL", "no LLDP neighbor on "+l.silentNIC,
		"tcpdump -i "+l.silentNIC+" -e ether proto 0x88cc")
	// Without --interface every NIC lldpd manages is checked: the silent
	// one and the one without carrier fail, each with its own diagnosis,
	// the cabled one is listed as fine.
	r = l.run(t)
	labtest.WantLine1(t, r, 2, "no LLDP neighbor on "+l.silentNIC, l.noCarrierNIC+" link down (no carrier")
	if !strings.Contains(r.Stdout, "[OK] "+l.nic+": "+l.sw) {
		t.Errorf("long output lacks the healthy %s", l.nic)
	}
	if !strings.Contains(r.Stdout, "checked the NICs lldpd manages: ") {
		t.Errorf("output does not say which NICs were checked")
	}
}

func TestIntegrationSwitchGoesSilent(t *testing.T) {
	l := needLab(t)
	t.Cleanup(func() { labtest.Lab(t, "lldp", "start_sw") })
	labtest.Lab(t, "lldp", "kill_sw")
	// The switch sent no shutdown frame: lldpd drops it when its TTL
	// expires. Poll for that; the state, not the time, is asserted.
	r := l.runUntil(t, 30*time.Second, func(r labtest.Run) bool { return r.Code != 0 }, "--expect", l.nic+"="+l.sw+":"+l.port)
	labtest.WantLine1(t, r, 2, "no LLDP neighbor on "+l.nic+", expected "+l.sw+" port "+l.port, "(it aged out)",
		"tcpdump -i "+l.nic+" -e ether proto 0x88cc")
}

// TestIntegrationUnprivilegedUser runs the check as a user outside group
// adm: Debian's lldpcli (setuid _lldpd, mode 4750 root:adm) refuses to run,
// which must be UNKNOWN with the fix, not "lldpd is not running".
func TestIntegrationUnprivilegedUser(t *testing.T) {
	l := needLab(t)
	// The lab runs as root and runuser is in util-linux (essential), so
	// under EDGECHECK_REQUIRE_LAB=1 a missing one fails instead of hiding
	// the test.
	skip := t.Skip
	if labtest.Required() {
		skip = t.Fatal
	}
	if os.Geteuid() != 0 {
		skip("needs root to switch to user nobody")
	}
	runuser, err := exec.LookPath("runuser")
	if err != nil {
		skip("runuser not installed")
	}
	// nobody needs to reach the binary.
	bin := filepath.Join(labtest.PublicDir(t, "edgecheck-lldp-nobody-"), "check_lldp")
	data, err := os.ReadFile(l.bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	r := labtest.ExecLog(t, runuser, nil, "-u", "nobody", "--", bin, "--socket", l.socket)
	labtest.WantLine1(t, r, 3, "LLDP UNKNOWN", "permission denied running lldpcli", "usermod -aG adm")
}

// TestIntegrationNICWithoutCarrier: the lab's eth2 is cabled to a switch
// port that is down. The check reads the link state in lldpd's network
// namespace (not the root namespace it runs in) and sends the operator to
// the cable, not to tcpdump or the NIC firmware.
func TestIntegrationNICWithoutCarrier(t *testing.T) {
	l := needLab(t)
	r := l.run(t, "--interface", l.noCarrierNIC)
	labtest.WantLine1(t, r, 2, "LLDP CRITICAL - "+l.noCarrierNIC+" link down (no carrier, operstate down)", "check the cable, transceiver or switch port")
	wantNot(t, r, "tcpdump", "firmware", "shutdown frame", "may not send LLDP")
	if !strings.Contains(r.Stdout, "read over rtnetlink in the network namespace of lldpd pid ") {
		t.Errorf("the link state was not read in lldpd's namespace:\n%s", r.Stdout)
	}
}

// TestIntegrationLinkGoesDown: the switch port facing eth0 is shut. lldpd
// drops the neighbor (delete_cnt +1, as after a shutdown frame); the check
// must say link down, not "withdrew with a shutdown frame".
func TestIntegrationLinkGoesDown(t *testing.T) {
	l := needLab(t)
	t.Cleanup(func() { labtest.Lab(t, "lldp", "link_up") })
	labtest.Lab(t, "lldp", "link_down")
	r := l.runUntil(t, 20*time.Second, func(r labtest.Run) bool { return r.Code != 0 && !strings.Contains(r.Stdout, "_neighbors'=1") }, "--expect", l.nic+"="+l.sw+":"+l.port)
	labtest.WantLine1(t, r, 2, "LLDP CRITICAL - "+l.nic+" link down (no carrier", "expected "+l.sw+" port "+l.port, "check the cable, transceiver or switch port")
	wantNot(t, r, "shutdown frame", "tcpdump", "firmware")
}

// switchChassisMAC asks the lab switch's lldpd for its chassis ID (a MAC).
func switchChassisMAC(t *testing.T, l lab) string {
	t.Helper()
	out, err := exec.Command("lldpcli", "-u", l.swSocket, "-f", "keyvalue", "show", "chassis").Output()
	if err != nil {
		t.Fatalf("lldpcli show chassis on the lab switch: %v", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "local-chassis.chassis.mac="); ok {
			return v
		}
	}
	t.Fatalf("no chassis MAC in:\n%s", out)
	return ""
}

// TestIntegrationExpectByChassisMAC: --expect by the chassis MAC, read whole
// (its colons are not the SWITCH:PORT separator), alone, with the port ID or
// description, and written in another form.
func TestIntegrationExpectByChassisMAC(t *testing.T) {
	l := needLab(t)
	mac := switchChassisMAC(t, l)
	for _, exp := range []string{mac, mac + ":" + l.portID, mac + ":" + l.port, strings.ToUpper(strings.ReplaceAll(mac, ":", "-")) + ":" + l.portID} {
		r := l.run(t, "--expect", l.nic+"="+exp)
		labtest.WantLine1(t, r, 0, "LLDP OK", l.nic+" "+l.sw+" port "+l.portID)
	}
	r := l.run(t, "--expect", l.nic+"="+mac+":swp9")
	labtest.WantLine1(t, r, 2, "LLDP CRITICAL", "wrong port: expected "+mac+" port swp9")
}

// TestIntegrationTwoNeighborsOnOneNIC: a second port of the lab switch
// (leak_start) is heard on eth0, as a bond slave hears its peer's switch
// port. An inventory that names one neighbor is never OK: WARNING when the
// expected port is among them, CRITICAL when not; line 1 names both ports.
func TestIntegrationTwoNeighborsOnOneNIC(t *testing.T) {
	l := needLab(t)
	env := labtest.Need(t, "LLDP_SWITCH_LEAK_IF", "LLDP_SWITCH_LEAK_PORT")
	leakIf, leakPort := env["LLDP_SWITCH_LEAK_IF"], env["LLDP_SWITCH_LEAK_PORT"]
	t.Cleanup(func() { labtest.Lab(t, "lldp", "leak_stop") })
	labtest.Lab(t, "lldp", "leak_start")
	both := []string{l.nic + " sees 2 LLDP neighbors", l.sw + " port " + l.portID, l.sw + " port " + leakIf, "bond or fabric leak"}
	r := l.run(t, "--expect", l.nic+"="+l.sw+":"+l.port)
	labtest.WantLine1(t, r, 1, append([]string{"LLDP WARNING"}, both...)...)
	r = l.run(t, "--expect", l.nic+"="+l.sw+":"+leakPort)
	labtest.WantLine1(t, r, 1, append([]string{"LLDP WARNING"}, both...)...)
	r = l.run(t, "--expect", l.nic+"="+l.sw+":Ethernet1/9")
	labtest.WantLine1(t, r, 2, append([]string{"LLDP CRITICAL", "none is the expected " + l.sw + " port Ethernet1/9"}, both...)...)
	wantNot(t, r, "as expected")
	// Without an inventory, both are listed and it is OK.
	r = l.run(t, "--interface", l.nic)
	labtest.WantLine1(t, r, 0, "LLDP OK", l.nic+" sees 2 neighbors")
}
