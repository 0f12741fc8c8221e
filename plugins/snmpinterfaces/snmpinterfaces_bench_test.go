//go:build bench

package snmpinterfaces

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"edgecheck/shared/benchcmp"
	"edgecheck/shared/snmp/snmpbench"
)

// BenchmarkSNMPInterfacesVsSnmpget reads status and counters of two
// interfaces and computes rates against the previous run's state, with
// check_snmp_interfaces and with snmpwalk + snmpget + awk.
func BenchmarkSNMPInterfacesVsSnmpget(b *testing.B) {
	lab := snmpbench.Need(b, "SNMP_LINK_IF")
	dir := b.TempDir()
	sel := "^(lo|" + regexp.QuoteMeta(lab.Env["SNMP_LINK_IF"]) + ")$"
	benchcmp.Run(b, benchcmp.Case{
		Group:    "snmp",
		Workload: "status, errors, discards and bandwidth of 2 interfaces with rates from a state file, SNMP v2c",
		Ours: benchcmp.Side{
			Label: "check_snmp_interfaces",
			Argv:  lab.Ours(b, "check_snmp_interfaces", "--interface-regex", sel, "--state-file", filepath.Join(dir, "ours.json")),
			OK: func(stdout string, code int) bool {
				return code == 0 && strings.HasPrefix(stdout, "SNMP_INTERFACES OK - 2 interfaces: 2 up")
			},
		},
		Peer: &benchcmp.Side{
			Label: "snmpwalk + snmpget + awk",
			Argv:  lab.Peer(b, sel, filepath.Join(dir, "peer")),
			OK:    func(stdout string, code int) bool { return code == 0 && strings.Count(stdout, "admin 1 oper 1") == 2 },
		},
	})
}
