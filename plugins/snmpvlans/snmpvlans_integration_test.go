//go:build integration

package snmpvlans

import (
	"strings"
	"testing"

	"edgecheck/shared/labtest"
)

// These tests run the real check_snmp_vlans binary against the lab's real
// snmpd, whose override lines present a switch (lab/components/40-snmpd.sh).

type lab struct{ labtest.SNMPLab }

func needLab(t *testing.T) lab {
	t.Helper()
	return lab{labtest.NeedSNMP(t, "check_snmp_vlans", labtest.SNMPD, "SNMP_VLAN_PORT", "SNMP_VLAN_PORT_IFINDEX", "SNMP_VLAN_PORT_VLANS", "SNMP_VLAN_PORT_STATIC_ONLY", "SNMP_VLAN_PORT2", "SNMP_VLAN_PORT2_VLANS")}
}

func TestIntegrationVLANsExpected(t *testing.T) {
	l := needLab(t)
	for _, protocol := range []string{"2c", "3"} {
		for _, source := range []string{SourceCurrent, SourceVTP} {
			t.Run("v"+protocol+"/"+source, func(t *testing.T) {
				r := l.Run(t, protocol, "--source", source, "--port-name", l.Env["SNMP_VLAN_PORT"], "--expect-vlans", l.Env["SNMP_VLAN_PORT_VLANS"])
				labtest.WantLine1(t, r, 0, "SNMP_VLANS OK - "+l.Env["SNMP_VLAN_PORT"]+" (ifIndex "+l.Env["SNMP_VLAN_PORT_IFINDEX"]+") carries exactly the")
			})
		}
	}
	t.Run("by ifIndex across the 1k/2k/3k/4k blocks", func(t *testing.T) {
		r := l.Run(t, "2c", "--source", SourceVTP, "--port-name", l.Env["SNMP_VLAN_PORT2"], "--expect-vlans", l.Env["SNMP_VLAN_PORT2_VLANS"])
		labtest.WantLine1(t, r, 0, "carries exactly the 8 expected VLANs")
		if !strings.Contains(r.Stdout, "1023-1025,2047,2048,4094") {
			t.Errorf("boundary VLANs not listed:\n%s", r.Stdout)
		}
	})
}

func TestIntegrationVLANsMissingAndExtra(t *testing.T) {
	l := needLab(t)
	// Expect one VLAN the port lacks (999) and leave out one it carries (1).
	expect := strings.TrimPrefix(l.Env["SNMP_VLAN_PORT_VLANS"], "1,") + ",999"
	for _, source := range []string{SourceCurrent, SourceVTP} {
		r := l.Run(t, "2c", "--source", source, "--port-name", l.Env["SNMP_VLAN_PORT"], "--expect-vlans", expect)
		labtest.WantLine1(t, r, 2, "SNMP_VLANS CRITICAL", "1 missing (999)", "1 extra (1)")
		if !strings.Contains(r.Stdout, "[CRITICAL] missing VLANs (expected, not carried): 999\n[WARNING] extra VLANs (carried, not expected): 1\n") {
			t.Errorf("long output:\n%s", r.Stdout)
		}
	}
	// Static egress has a VLAN configured that is not active.
	r := l.Run(t, "2c", "--source", SourceStatic, "--port-name", l.Env["SNMP_VLAN_PORT"], "--expect-vlans", l.Env["SNMP_VLAN_PORT_VLANS"])
	labtest.WantLine1(t, r, 1, "SNMP_VLANS WARNING", "1 extra ("+l.Env["SNMP_VLAN_PORT_STATIC_ONLY"]+")")
}

func TestIntegrationVLANsRemovedOnTheSwitch(t *testing.T) {
	l := needLab(t)
	labtest.Lab(t, "snmpd", "remove_vlan", "205", l.Env["SNMP_VLAN_PORT_IFINDEX"])
	t.Cleanup(func() { labtest.Lab(t, "snmpd", "restore_vlans") })
	for _, source := range []string{SourceCurrent, SourceStatic, SourceVTP} {
		r := l.Run(t, "3", "--source", source, "--port-name", l.Env["SNMP_VLAN_PORT"], "--expect-vlans", l.Env["SNMP_VLAN_PORT_VLANS"])
		labtest.WantLine1(t, r, 2, "SNMP_VLANS CRITICAL", "1 missing (205)")
	}
}

func TestIntegrationVLANsUnknownPort(t *testing.T) {
	l := needLab(t)
	r := l.Run(t, "2c", "--port-name", "Ethernet9/99", "--expect-vlans", "10")
	labtest.WantLine1(t, r, 3, `SNMP_VLANS UNKNOWN - SNMP agent`, `has no interface named "Ethernet9/99"`)
	r = l.Run(t, "2c", "--port-name", "lo", "--expect-vlans", "10")
	labtest.WantLine1(t, r, 3, "is not a bridge port")
}

// A port that is not trunking carries no tagged VLAN, whatever its allowed
// list says: Ethernet2/1 is a VTP-only switchport with
// vlanTrunkPortDynamicStatus notTrunking (access VLAN 10, allowed list
// 10,20 still configured); Ethernet1/3 sends its only VLAN untagged in
// Q-BRIDGE-MIB and is notTrunking in CISCO-VTP-MIB.
func TestIntegrationVLANsNotTrunking(t *testing.T) {
	l := needLab(t)
	env := labtest.Need(t, "SNMP_VLAN_NOTRUNK_PORT", "SNMP_VLAN_NOTRUNK_PORT_ALLOWED", "SNMP_VLAN_NOTRUNK_PORT_ACCESS",
		"SNMP_VLAN_ACCESS_PORT", "SNMP_VLAN_ACCESS_PORT_VLAN")
	notrunk, access := env["SNMP_VLAN_NOTRUNK_PORT"], env["SNMP_VLAN_ACCESS_PORT"]
	for _, source := range []string{SourceAuto, SourceVTP} {
		r := l.Run(t, "2c", "--source", source, "--port-name", notrunk, "--expect-vlans", env["SNMP_VLAN_NOTRUNK_PORT_ALLOWED"])
		labtest.WantLine1(t, r, 2, "SNMP_VLANS CRITICAL - "+notrunk, "is not trunking (vlanTrunkPortDynamicStatus notTrunking)",
			"access port in VLAN "+env["SNMP_VLAN_NOTRUNK_PORT_ACCESS"])
	}
	for _, source := range []string{SourceAuto, SourceCurrent, SourceStatic, SourceVTP} {
		r := l.Run(t, "2c", "--source", source, "--port-name", access, "--expect-vlans", env["SNMP_VLAN_ACCESS_PORT_VLAN"]+",10")
		labtest.WantLine1(t, r, 2, "SNMP_VLANS CRITICAL - "+access, "is not trunking", "access port in VLAN "+env["SNMP_VLAN_ACCESS_PORT_VLAN"])
		// The access VLAN alone is what the port should carry: OK.
		r = l.Run(t, "2c", "--source", source, "--port-name", access, "--expect-vlans", env["SNMP_VLAN_ACCESS_PORT_VLAN"])
		labtest.WantLine1(t, r, 0, "SNMP_VLANS OK - "+access)
	}
	// Trunking ports stay trunks under auto.
	r := l.Run(t, "2c", "-v", "--port-name", l.Env["SNMP_VLAN_PORT"], "--expect-vlans", l.Env["SNMP_VLAN_PORT_VLANS"])
	labtest.WantLine1(t, r, 0, "carries exactly")
	if !strings.Contains(r.Stdout, "read qbridge-current from") {
		t.Errorf("auto did not read Q-BRIDGE-MIB on a bridge port: %q", r.Stdout)
	}
}
