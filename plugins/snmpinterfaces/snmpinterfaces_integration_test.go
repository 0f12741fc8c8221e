//go:build integration

package snmpinterfaces

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"edgecheck/shared/labtest"
	"edgecheck/shared/snmp"
)

// These tests run the real check_snmp_interfaces binary against the lab's
// real snmpd and its real IF-MIB: the loopback, whose counters move with
// the SNMP traffic itself, and the veth esnmp0 whose far end the lab can
// take down.

type lab struct{ labtest.SNMPLab }

func needLab(t *testing.T) lab {
	t.Helper()
	return lab{labtest.NeedSNMP(t, "check_snmp_interfaces", labtest.SNMPD, "SNMP_LINK_IF")}
}

func (l lab) run(t *testing.T, protocol, state string, args ...string) labtest.Run {
	t.Helper()
	return l.Run(t, protocol, append([]string{"--state-file", state}, args...)...)
}

// waitCounterMoves waits until the agent shows lo's ifHCInOctets above the
// value the check stored: snmpd caches IF-MIB for a few seconds.
func (l lab) waitCounterMoves(t *testing.T, state string) {
	t.Helper()
	data, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	prev := st.Interfaces["1"]
	if prev == nil || prev.Name != "lo" {
		t.Fatalf("state file has no lo at ifIndex 1: %s", data)
	}
	port, _ := strconv.Atoi(l.Env["SNMP_PORT"])
	cfg := &snmp.Config{Host: l.Env["SNMP_HOST"], Port: port, Protocol: "2c", CredentialsFile: l.Env["SNMP_V2_CREDENTIALS"]}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	g, err := snmp.Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	for ctx.Err() == nil {
		vars, err := g.Get(ctx, oidIfHCInOctets+".1")
		if err != nil {
			t.Fatal(err)
		}
		if n, ok := vars[0].Uint(); ok && n > prev.InOctets {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatal("lo's ifHCInOctets never moved on the agent")
}

// waitUptime waits until the agent has been up for at least d, so that a
// restart right after is seen as sysUpTime going back.
func (l lab) waitUptime(t *testing.T, d time.Duration) {
	t.Helper()
	port, _ := strconv.Atoi(l.Env["SNMP_PORT"])
	cfg := &snmp.Config{Host: l.Env["SNMP_HOST"], Port: port, Protocol: "2c", CredentialsFile: l.Env["SNMP_V2_CREDENTIALS"]}
	ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
	defer cancel()
	g, err := snmp.Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	for ctx.Err() == nil {
		vars, err := g.Get(ctx, oidSysUpTime)
		if err != nil {
			t.Fatal(err)
		}
		if n, ok := vars[0].Uint(); ok && time.Duration(n)*10*time.Millisecond >= d {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatal("the agent's sysUpTime never reached", d)
}

var loInBps = regexp.MustCompile(`'lo_in_bps'=([0-9.]+);`)

func TestIntegrationInterfacesFirstRunThenRates(t *testing.T) {
	l := needLab(t)
	for _, protocol := range []string{"2c", "3"} {
		t.Run("v"+protocol, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "ifstate.json")
			sel := "^(lo|" + regexp.QuoteMeta(l.Env["SNMP_LINK_IF"]) + ")$"
			r := l.run(t, protocol, state, "--interface-regex", sel)
			if r.Code != 0 || !strings.HasPrefix(r.Stdout, "SNMP_INTERFACES OK - 2 interfaces: 2 up; initialising counters in "+state+", rates from the next run") {
				t.Fatalf("first run: exit %d %q", r.Code, r.Stdout)
			}
			l.waitCounterMoves(t, state)
			r = l.run(t, protocol, state, "--interface-regex", sel, "--warning-utilisation", "99")
			if r.Code != 0 || strings.Contains(r.Stdout, "initialising") {
				t.Fatalf("second run: exit %d %q", r.Code, r.Stdout)
			}
			m := loInBps.FindStringSubmatch(r.Stdout)
			if m == nil {
				t.Fatalf("no lo_in_bps perfdata: %q", r.Stdout)
			}
			if v, _ := strconv.ParseFloat(m[1], 64); v <= 0 {
				t.Errorf("lo_in_bps = %s, want > 0 (the counter moved)", m[1])
			}
			for _, want := range []string{"'lo_utilisation'=", "'" + l.Env["SNMP_LINK_IF"] + "_out_bps'=", "[OK] lo (ifIndex 1) up; in "} {
				if !strings.Contains(r.Stdout, want) {
					t.Errorf("second run lacks %q", want)
				}
			}
		})
	}
}

func TestIntegrationInterfacesLinkDown(t *testing.T) {
	l := needLab(t)
	state := filepath.Join(t.TempDir(), "ifstate.json")
	link := l.Env["SNMP_LINK_IF"]
	labtest.Lab(t, "snmpd", "link_down")
	t.Cleanup(func() { labtest.Lab(t, "snmpd", "link_up") })
	r := l.run(t, "2c", state, "--interface-regex", "^"+regexp.QuoteMeta(link)+"$")
	if r.Code != 2 || !strings.HasPrefix(r.Stdout, "SNMP_INTERFACES CRITICAL - "+link+" admin up, oper ") {
		t.Errorf("exit %d: %q", r.Code, r.Stdout)
	}
	labtest.Lab(t, "snmpd", "link_up")
	r = l.run(t, "2c", state, "--interface-regex", "^"+regexp.QuoteMeta(link)+"$")
	if r.Code != 0 || !strings.HasPrefix(r.Stdout, "SNMP_INTERFACES OK - 1 interface: 1 up") {
		t.Errorf("after link_up: exit %d: %q", r.Code, r.Stdout)
	}
}

func TestIntegrationInterfacesSwitchRowsAndAgentRestart(t *testing.T) {
	l := needLab(t)
	state := filepath.Join(t.TempDir(), "ifstate.json")
	l.waitUptime(t, 3*time.Second)
	r := l.run(t, "2c", state, "--interface-regex", "^Ethernet1/")
	if r.Code != 0 || !strings.HasPrefix(r.Stdout, "SNMP_INTERFACES OK - 3 interfaces: 2 up, 1 admin down; initialising") {
		t.Fatalf("exit %d: %q", r.Code, r.Stdout)
	}
	labtest.Lab(t, "snmpd", "restart")
	r = l.run(t, "2c", state, "--interface-regex", "^Ethernet1/")
	labtest.WantOutput(t, r, 0, "agent restarted (sysUpTime went back)")
}

func TestIntegrationInterfacesNoMatch(t *testing.T) {
	l := needLab(t)
	r := l.run(t, "2c", filepath.Join(t.TempDir(), "s.json"), "--interface-regex", "^no-such-if$")
	labtest.WantOutput(t, r, 3, `matches --interface-regex "^no-such-if$" (it has: lo,`)
}

// The lab switch's Ethernet1/1-1/2 have only 32-bit counters (override)
// and ifHighSpeed 10000: a 10 Gb/s link wraps a 32-bit octet counter every
// 3.4 s. Samples further apart than that give no rate: UNKNOWN, saying why.
func TestIntegrationInterfaces32BitMultipleWrapsUnknown(t *testing.T) {
	l := needLab(t)
	state := filepath.Join(t.TempDir(), "ifstate.json")
	args := []string{"--interface-regex", "^Ethernet1/[12]$"}
	if r := l.run(t, "2c", state, args...); r.Code != 0 {
		t.Fatalf("first run: exit %d", r.Code)
	}
	// Let more than one 10 Gb/s wrap time pass between the two samples.
	time.Sleep(4 * time.Second)
	r := l.run(t, "2c", state, args...)
	if r.Code != 3 || !strings.HasPrefix(r.Stdout, "SNMP_INTERFACES UNKNOWN - Ethernet1/1 rates unknown: 32-bit octet counters can wrap more than once in ") ||
		!strings.Contains(r.Stdout, "at 10.0 Gb/s") || strings.Contains(r.Stdout, "_in_bps") {
		t.Errorf("exit %d: %q", r.Code, r.Stdout)
	}
}
