// Package snmpbench holds the setup the SNMP plugins' benchmarks
// (*_bench_test.go, build tag bench) share: the lab agent's address and v2c
// credentials, and the command lines of our binary and of the shell peer.
package snmpbench

import (
	"os"
	"strings"
	"testing"

	"edgecheck/shared/labtest"
)

// Lab is the lab's SNMP agent as published by lab/components (SNMP_HOST,
// SNMP_PORT, SNMP_V2_CREDENTIALS) plus the extra keys a benchmark needs.
type Lab struct {
	Env map[string]string
}

// Need skips (or fails, under EDGECHECK_REQUIRE_LAB) unless the lab agent
// and the extra keys are published.
func Need(b *testing.B, keys ...string) Lab {
	b.Helper()
	return Lab{Env: labtest.Need(b, append([]string{"SNMP_HOST", "SNMP_PORT", "SNMP_V2_CREDENTIALS"}, keys...)...)}
}

// Ours is the argv of our check against the lab agent over v2c:
// the built binary, -H, --port, --credentials-file, then args.
func (l Lab) Ours(b *testing.B, check string, args ...string) []string {
	b.Helper()
	return append([]string{labtest.Binary(b, check), "-H", l.Env["SNMP_HOST"], "--port", l.Env["SNMP_PORT"], "--credentials-file", l.Env["SNMP_V2_CREDENTIALS"]}, args...)
}

// Peer is the argv of the package's testdata/bench_peer.sh, which takes
// HOST:PORT and the community on its command line, then args.
func (l Lab) Peer(b *testing.B, args ...string) []string {
	b.Helper()
	return append([]string{"sh", "testdata/bench_peer.sh", l.Env["SNMP_HOST"] + ":" + l.Env["SNMP_PORT"], community(b, l.Env["SNMP_V2_CREDENTIALS"])}, args...)
}

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
