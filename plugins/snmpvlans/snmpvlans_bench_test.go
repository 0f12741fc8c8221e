//go:build bench

package snmpvlans

import (
	"strings"
	"testing"

	"edgecheck/shared/benchcmp"
	"edgecheck/shared/snmp/snmpbench"
)

// BenchmarkSNMPVLANsVsSnmpwalk checks a port's VLANs (ifName lookup, bridge
// port mapping, Q-BRIDGE egress bitmaps) with check_snmp_vlans and with
// snmpwalk + awk doing the same reads and decoding.
func BenchmarkSNMPVLANsVsSnmpwalk(b *testing.B) {
	lab := snmpbench.Need(b, "SNMP_VLAN_PORT", "SNMP_VLAN_PORT_VLANS")
	port := lab.Env["SNMP_VLAN_PORT"]
	expect := strings.TrimPrefix(lab.Env["SNMP_VLAN_PORT_VLANS"], "1,") + ",999" // one missing, one extra
	benchcmp.Run(b, benchcmp.Case{
		Group:    "snmp",
		Workload: "VLANs of one switch port from Q-BRIDGE-MIB, 1 missing + 1 extra, SNMP v2c",
		Ours: benchcmp.Side{
			Label: "check_snmp_vlans",
			Argv:  lab.Ours(b, "check_snmp_vlans", "--port-name", port, "--expect-vlans", expect),
			OK: func(stdout string, code int) bool {
				return code == 2 && strings.Contains(stdout, "1 missing (999), 1 extra (1)")
			},
		},
		Peer: &benchcmp.Side{
			Label: "snmpwalk + awk",
			Argv:  lab.Peer(b, port, expect),
			OK: func(stdout string, code int) bool {
				return code == 2 && strings.Contains(stdout, "missing: 999 extra: 1")
			},
		},
	})
}
