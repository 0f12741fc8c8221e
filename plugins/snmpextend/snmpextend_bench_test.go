//go:build bench

package snmpextend

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"edgecheck/shared/benchcmp"
	"edgecheck/shared/labtest"
)

// community reads the lab's v2c community for the peer, which takes it on
// the command line (only the benchmark peer does that).
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

// BenchmarkSNMPExtendVsSnmpget relays the lab's CRITICAL extend (multi-line
// output with perfdata) with check_snmp_extend and with snmpget + sed.
func BenchmarkSNMPExtendVsSnmpget(b *testing.B) {
	env := labtest.Need(b, "SNMP_HOST", "SNMP_PORT", "SNMP_V2_CREDENTIALS", "SNMP_EXTEND_CRITICAL", "SNMP_EXTEND_SCRIPT")
	want, _ := exec.Command(env["SNMP_EXTEND_SCRIPT"], "2").Output()
	same := func(stdout string, code int) bool { return code == 2 && stdout == string(want) }
	name := env["SNMP_EXTEND_CRITICAL"]
	benchcmp.Run(b, benchcmp.Case{
		Group:    "snmp",
		Workload: "relay one net-snmp extend (result + full output), SNMP v2c",
		Ours: benchcmp.Side{
			Label: "check_snmp_extend",
			Argv:  []string{labtest.Binary(b, "check_snmp_extend"), "-H", env["SNMP_HOST"], "--port", env["SNMP_PORT"], "--credentials-file", env["SNMP_V2_CREDENTIALS"], "--name", name},
			OK:    same,
		},
		Peer: &benchcmp.Side{
			Label: "snmpget + sed",
			Argv:  []string{"sh", "testdata/bench_peer.sh", env["SNMP_HOST"] + ":" + env["SNMP_PORT"], community(b, env["SNMP_V2_CREDENTIALS"]), NameIndex(name)},
			OK:    same,
		},
	})
}
