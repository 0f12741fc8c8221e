//go:build bench

package snmpinterfaces

import (
	"os"
	"path/filepath"
	"regexp"
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

// BenchmarkSNMPInterfacesVsSnmpget reads status and counters of two
// interfaces and computes rates against the previous run's state, with
// check_snmp_interfaces and with snmpwalk + snmpget + awk.
func BenchmarkSNMPInterfacesVsSnmpget(b *testing.B) {
	env := labtest.Need(b, "SNMP_HOST", "SNMP_PORT", "SNMP_V2_CREDENTIALS", "SNMP_LINK_IF")
	dir := b.TempDir()
	sel := "^(lo|" + regexp.QuoteMeta(env["SNMP_LINK_IF"]) + ")$"
	benchcmp.Run(b, benchcmp.Case{
		Group:    "snmp",
		Workload: "status, errors, discards and bandwidth of 2 interfaces with rates from a state file, SNMP v2c",
		Ours: benchcmp.Side{
			Label: "check_snmp_interfaces",
			Argv: []string{labtest.Binary(b, "check_snmp_interfaces"), "-H", env["SNMP_HOST"], "--port", env["SNMP_PORT"], "--credentials-file", env["SNMP_V2_CREDENTIALS"],
				"--interface-regex", sel, "--state-file", filepath.Join(dir, "ours.json")},
			OK: func(stdout string, code int) bool {
				return code == 0 && strings.HasPrefix(stdout, "SNMP_INTERFACES OK - 2 interfaces: 2 up")
			},
		},
		Peer: &benchcmp.Side{
			Label: "snmpwalk + snmpget + awk",
			Argv:  []string{"sh", "testdata/bench_peer.sh", env["SNMP_HOST"] + ":" + env["SNMP_PORT"], community(b, env["SNMP_V2_CREDENTIALS"]), sel, filepath.Join(dir, "peer")},
			OK:    func(stdout string, code int) bool { return code == 0 && strings.Count(stdout, "admin 1 oper 1") == 2 },
		},
	})
}
