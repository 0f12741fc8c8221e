//go:build bench

package snmpextend

import (
	"os/exec"
	"testing"

	"edgecheck/shared/benchcmp"
	"edgecheck/shared/snmp/snmpbench"
)

// BenchmarkSNMPExtendVsSnmpget relays the lab's CRITICAL extend (multi-line
// output with perfdata) with check_snmp_extend and with snmpget + sed.
func BenchmarkSNMPExtendVsSnmpget(b *testing.B) {
	lab := snmpbench.Need(b, "SNMP_EXTEND_CRITICAL", "SNMP_EXTEND_SCRIPT")
	want, _ := exec.Command(lab.Env["SNMP_EXTEND_SCRIPT"], "2").Output()
	same := func(stdout string, code int) bool { return code == 2 && stdout == string(want) }
	name := lab.Env["SNMP_EXTEND_CRITICAL"]
	benchcmp.Run(b, benchcmp.Case{
		Group:    "snmp",
		Workload: "relay one net-snmp extend (result + full output), SNMP v2c",
		Ours: benchcmp.Side{
			Label: "check_snmp_extend",
			Argv:  lab.Ours(b, "check_snmp_extend", "--name", name),
			OK:    same,
		},
		Peer: &benchcmp.Side{
			Label: "snmpget + sed",
			Argv:  lab.Peer(b, NameIndex(name)),
			OK:    same,
		},
	})
}
