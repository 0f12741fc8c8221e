package snmpvlans

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"edgecheck/shared/golden"
	"edgecheck/shared/runner"
	"edgecheck/shared/snmp"
	"edgecheck/shared/snmp/snmptest"
)

func execute(t *testing.T, agent *snmptest.Agent, args ...string) string {
	t.Helper()
	t.Setenv("SNMP_COMMUNITY", "public")
	old := dial
	dial = agent.Dialer()
	t.Cleanup(func() { dial = old })
	var out, errOut bytes.Buffer
	code := runner.Execute("check_snmp_vlans", append([]string{"-H", "sw1"}, args...), &out, &errOut)
	return fmt.Sprintf("exit %d\n%s", code, out.String())
}

// testdata/switch.walk is the lab switch: Ethernet1/1 (bridge port 1,
// ifIndex 10101) carries 1,10,100,200-210 (static adds 220); Ethernet1/2
// carries 10,100,1023-1025,2047,2048,4094; Ethernet1/3 carries 300.
func TestGolden(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
	}{
		{"ok", []string{"--port-name", "Ethernet1/1", "--expect-vlans", "1,10,100,200-210"}, 0},
		{"ok_list_only", []string{"--port-name", "10102"}, 0},
		{"ok_vtp_boundaries", []string{"--source", "cisco-vtp", "--port-name", "Ethernet1/2", "--expect-vlans", "10,100,1023-1025,2047,2048,4094"}, 0},
		{"warning_extra", []string{"--port-name", "Ethernet1/1", "--expect-vlans", "10,100,200-210"}, 1},
		{"warning_static_extra", []string{"--source", "qbridge-static", "--port-name", "Ethernet1/1", "--expect-vlans", "1,10,100,200-210"}, 1},
		{"critical_missing", []string{"--port-name", "Ethernet1/1", "--expect-vlans", "1,10,100,200-211"}, 2},
		{"critical_missing_and_extra_vtp", []string{"--source", "cisco-vtp", "--port-name", "10102", "--expect-vlans", "10,100,1023,2047,2049"}, 2},
		{"critical_extra_threshold", []string{"--port-name", "Ethernet1/1", "--expect-vlans", "1,10,100,200-209", "--critical-extra", "0"}, 2},
		// Ethernet1/3 sends its only VLAN, 300, untagged (Q-BRIDGE), and its
		// vlanTrunkPortDynamicStatus is notTrunking with vmVlan 300.
		{"critical_not_trunking_qbridge", []string{"--port-name", "Ethernet1/3", "--expect-vlans", "10,300"}, 2},
		{"critical_not_trunking_vtp_port3", []string{"--source", "cisco-vtp", "--port-name", "Ethernet1/3", "--expect-vlans", "300,301"}, 2},
		{"ok_access_port_as_expected", []string{"--port-name", "Ethernet1/3", "--expect-vlans", "300"}, 0},
		// Ethernet2/1 is only in CISCO-VTP-MIB: notTrunking, vmVlan 10, its
		// stale allowed list 10,20 still configured.
		{"critical_not_trunking_auto_vtp", []string{"-v", "--port-name", "Ethernet2/1", "--expect-vlans", "10,20"}, 2},
		{"ok_list_not_trunking", []string{"--port-name", "Ethernet2/1"}, 0},
		{"ok_thresholds_tolerate", []string{"--port-name", "Ethernet1/1", "--expect-vlans", "10,100,200-212", "--critical-missing", "2", "--warning-extra", "1"}, 0},
		{"unknown_no_such_port", []string{"--port-name", "Ethernet9/9", "--expect-vlans", "10"}, 3},
		{"unknown_not_bridge_port", []string{"--port-name", "eth0", "--expect-vlans", "10"}, 3},
		{"unknown_bad_list", []string{"--port-name", "Ethernet1/1", "--expect-vlans", "10-5"}, 3},
		{"unknown_bad_range", []string{"--port-name", "Ethernet1/1", "--expect-vlans", "10", "--warning-extra", "2:1"}, 3},
		{"unknown_bad_source", []string{"--port-name", "Ethernet1/1", "--source", "lldp"}, 3},
		{"unknown_bad_ifindex", []string{"--port-name", "99999999999", "--expect-vlans", "10"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := execute(t, snmptest.Load(t, "testdata/switch.walk"), tt.args...)
			if !strings.HasPrefix(got, fmt.Sprintf("exit %d\n", tt.wantCode)) {
				t.Errorf("exit code: %q", got)
			}
			golden.Text(t, tt.name, got)
		})
	}
}

func TestGoldenAgentProblems(t *testing.T) {
	t.Run("unknown_dead_agent", func(t *testing.T) {
		agent := snmptest.New()
		agent.Err = errors.New("no SNMP response from sw1:161 within 9.7s: check the agent, the community and any firewall")
		golden.Text(t, "unknown_dead_agent", execute(t, agent, "--port-name", "Ethernet1/1", "--expect-vlans", "10"))
	})
	t.Run("unknown_no_qbridge", func(t *testing.T) {
		agent := snmptest.Load(t, "testdata/switch.walk")
		agent.Delete(oidVlanCurrentEgress)
		golden.Text(t, "unknown_no_qbridge", execute(t, agent, "--source", "qbridge-current", "--port-name", "Ethernet1/1", "--expect-vlans", "10"))
	})
	t.Run("auto_falls_back_to_vtp", func(t *testing.T) {
		// A Cisco switch answers no Q-BRIDGE-MIB: auto reads CISCO-VTP-MIB.
		agent := snmptest.Load(t, "testdata/switch.walk")
		agent.Delete(oidVlanCurrentEgress)
		got := execute(t, agent, "-v", "--port-name", "Ethernet1/1", "--expect-vlans", "1,10,100,200-210")
		if !strings.Contains(got, "read cisco-vtp from") {
			t.Errorf("auto did not read cisco-vtp: %s", got)
		}
		golden.Text(t, "auto_falls_back_to_vtp", got)
	})
	t.Run("unknown_auto_neither", func(t *testing.T) {
		agent := snmptest.Load(t, "testdata/switch.walk")
		agent.Delete(oidVlanCurrentEgress)
		agent.Delete(oidVtpTrunkVlansEnabled)
		golden.Text(t, "unknown_auto_neither", execute(t, agent, "--port-name", "Ethernet1/1", "--expect-vlans", "10"))
	})
	t.Run("unknown_not_a_trunk", func(t *testing.T) {
		agent := snmptest.Load(t, "testdata/switch.walk")
		agent.Delete(oidVtpTrunkVlansEnabled + ".10103")
		golden.Text(t, "unknown_not_a_trunk", execute(t, agent, "--source", "cisco-vtp", "--port-name", "Ethernet1/3", "--expect-vlans", "300"))
	})
	t.Run("ok_vtp_without_companions", func(t *testing.T) {
		// Older Cisco switches have only vlanTrunkPortVlansEnabled (VLANs 0-1023).
		agent := snmptest.Load(t, "testdata/switch.walk")
		for _, col := range []string{oidVtpTrunkVlans2k, oidVtpTrunkVlans3k, oidVtpTrunkVlans4k} {
			agent.Delete(col)
		}
		golden.Text(t, "ok_vtp_without_companions", execute(t, agent, "--source", "cisco-vtp", "--port-name", "Ethernet1/2", "--expect-vlans", "10,100,1023"))
	})
}

// The bridge port, not the ifIndex, indexes the Q-BRIDGE port lists.
func TestBridgePortMapping(t *testing.T) {
	agent := snmptest.New(
		snmptest.OctetString(oidIfName+".7", []byte("xe-0/0/7")),
		snmptest.Integer(oidBasePortIfIndex+".3", 7),                  // bridge port 3 is ifIndex 7
		snmptest.OctetString(oidVlanStaticEgress+".10", []byte{0x20}), // port 3
		snmptest.OctetString(oidVlanStaticEgress+".20", []byte{0x01}), // port 8 (ifIndex 7 would be wrong)
	)
	got := execute(t, agent, "--source", "qbridge-static", "--port-name", "xe-0/0/7", "--expect-vlans", "10")
	if !strings.HasPrefix(got, "exit 0\n") || !strings.Contains(got, "carries exactly the 1 expected VLANs") {
		t.Fatalf("got %s", got)
	}
}

// PortVLANs reads the last index part as the VLAN and only 1-4094.
func TestPortVLANs(t *testing.T) {
	vars := []snmp.Var{
		snmptest.OctetString(oidVlanCurrentUntagged+".0.1", []byte{0x80, 0x00}),
		snmptest.OctetString(oidVlanCurrentUntagged+".0.300", []byte{0x20, 0x00}),
		snmptest.OctetString(oidVlanCurrentUntagged+".0.4095", []byte{0xff}),
		snmptest.OctetString(oidVlanCurrentUntagged+".0.x", []byte{0xff}),
	}
	if got := fmt.Sprint(PortVLANs(vars, oidVlanCurrentUntagged, 3)); got != "[300]" {
		t.Errorf("bridge port 3: %s", got)
	}
	if got := fmt.Sprint(PortVLANs(vars, oidVlanCurrentUntagged, 1)); got != "[1]" {
		t.Errorf("bridge port 1: %s", got)
	}
}

func FuzzPortVLANs(f *testing.F) {
	f.Add("0.300", []byte{0x20, 0x00}, 3)
	f.Add("10", []byte{0xff}, 8)
	f.Fuzz(func(t *testing.T, index string, list []byte, port int) {
		vars := []snmp.Var{snmptest.OctetString(oidVlanStaticUntagged+"."+index, list)}
		for _, v := range PortVLANs(vars, oidVlanStaticUntagged, port) {
			if v < 1 || v > 4094 {
				t.Fatalf("VLAN %d from index %q", v, index)
			}
		}
	})
}
