//go:build bench

package snmpvlans

import (
	"os"
	"strings"
	"testing"

	"edgecheck/shared/benchcmp"
	"edgecheck/shared/labtest"
)

func community(b *testing.B, path string) string {
	b.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "community: "); ok {
			return strings.TrimSpace(v)
		}
	}
	b.Fatalf("no community in %s", path)
	return ""
}

// BenchmarkSNMPVLANsVsSnmpwalk checks a port's VLANs (ifName lookup, bridge
// port mapping, Q-BRIDGE egress bitmaps) with check_snmp_vlans and with
// snmpwalk + awk doing the same reads and decoding.
func BenchmarkSNMPVLANsVsSnmpwalk(b *testing.B) {
	env := labtest.Need(b, "SNMP_HOST", "SNMP_PORT", "SNMP_V2_CREDENTIALS", "SNMP_VLAN_PORT", "SNMP_VLAN_PORT_VLANS")
	expect := strings.TrimPrefix(env["SNMP_VLAN_PORT_VLANS"], "1,") + ",999" // one missing, one extra
	benchcmp.Run(b, benchcmp.Case{
		Group:    "snmp",
		Workload: "VLANs of one switch port from Q-BRIDGE-MIB, 1 missing + 1 extra, SNMP v2c",
		Ours: benchcmp.Side{
			Label: "check_snmp_vlans",
			Argv: []string{labtest.Binary(b, "check_snmp_vlans"), "-H", env["SNMP_HOST"], "--port", env["SNMP_PORT"], "--credentials-file", env["SNMP_V2_CREDENTIALS"],
				"--port-name", env["SNMP_VLAN_PORT"], "--expect-vlans", expect},
			OK: func(stdout string, code int) bool {
				return code == 2 && strings.Contains(stdout, "1 missing (999), 1 extra (1)")
			},
		},
		Peer: &benchcmp.Side{
			Label: "snmpwalk + awk",
			Argv:  []string{"sh", "testdata/bench_peer.sh", env["SNMP_HOST"] + ":" + env["SNMP_PORT"], community(b, env["SNMP_V2_CREDENTIALS"]), env["SNMP_VLAN_PORT"], expect},
			OK: func(stdout string, code int) bool {
				return code == 2 && strings.Contains(stdout, "missing: 999 extra: 1")
			},
		},
	})
}
