//go:build bench

package snmpprocs

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"edgecheck/shared/benchcmp"
	"edgecheck/shared/labtest"
	"edgecheck/shared/snmp/snmpbench"
)

// crowd is how many extra processes the agent's table holds during the
// benchmark, as on a busy dom0.
const crowd = 1000

// BenchmarkSNMPProcsVsSnmpwalk counts the three XenServer daemons among
// 1,000 other processes with check_snmp_procs (GETBULK of three columns,
// one GET for the selected rows) and with snmpwalk + grep/awk over the
// same columns plus status and perf.
func BenchmarkSNMPProcsVsSnmpwalk(b *testing.B) {
	env := labtest.Need(b, "PROCS_SNMP_HOST", "PROCS_SNMP_PORT", "PROCS_V2_CREDENTIALS")
	// The procs agent, in the shape snmpbench builds the argv for.
	lab := snmpbench.Lab{Env: map[string]string{
		"SNMP_HOST": env["PROCS_SNMP_HOST"], "SNMP_PORT": env["PROCS_SNMP_PORT"], "SNMP_V2_CREDENTIALS": env["PROCS_V2_CREDENTIALS"],
	}}
	labtest.Lab(b, "procs", "crowd", strconv.Itoa(crowd))
	b.Cleanup(func() { labtest.Lab(b, "procs", "uncrowd") })
	names := []string{"ovs-xapi-sync", "ovs-vswitchd", "ovsdb-server"}
	var args []string
	for _, n := range names {
		args = append(args, "--process", n)
	}
	ours := lab.Ours(b, "check_snmp_procs", args...)
	peer := lab.Peer(b, names...)
	agent := env["PROCS_SNMP_HOST"] + ":" + env["PROCS_SNMP_PORT"]
	community := lab.Peer(b)[3] // the peer takes the community on its command line
	benchcmp.Run(b, benchcmp.Case{
		Group:    "snmp",
		Workload: "count 3 daemons (name, path or script) with memory and CPU among 1,000 processes, SNMP v2c",
		Ours: benchcmp.Side{
			Label: "check_snmp_procs",
			Argv:  ours,
			OK: func(stdout string, code int) bool {
				return code == 0 && strings.HasPrefix(stdout, "SNMP_PROCS OK - 3 of 3 selections OK: ovs-xapi-sync 1, ovs-vswitchd 1, ovsdb-server 1 |")
			},
		},
		Peer: &benchcmp.Side{
			Label: "snmpwalk + grep/awk",
			Argv:  peer,
			OK:    func(stdout string, code int) bool { return code == 0 && strings.Count(stdout, " count 1 ") == 3 },
		},
		Extra: map[string]float64{
			"processes":          float64(crowd),
			"snmp-requests-ours": requests(b, agent, community, ours),
			"snmp-requests-peer": requests(b, agent, community, peer),
		},
	})
}

// oidSnmpInPkts is SNMPv2-MIB snmpInPkts.0: messages the agent received.
const oidSnmpInPkts = ".1.3.6.1.2.1.11.1.0"

// requests runs argv once and returns how many SNMP messages the agent
// received for it (snmpInPkts after, less before, less the reading itself).
func requests(b *testing.B, agent, community string, argv []string) float64 {
	b.Helper()
	read := func() float64 {
		out, err := exec.Command("snmpget", "-v2c", "-c", community, "-Oqv", agent, oidSnmpInPkts).Output()
		if err != nil {
			b.Fatalf("snmpget snmpInPkts: %v", err)
		}
		n, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
		if err != nil {
			b.Fatalf("snmpInPkts %q: %v", out, err)
		}
		return n
	}
	before := read()
	_ = exec.Command(argv[0], argv[1:]...).Run() // the exit code is checked by benchcmp's OK
	return read() - before - 1
}
