//go:build integration

package snmpprocs

import (
	"regexp"
	"strings"
	"testing"

	"edgecheck/shared/labtest"
)

// These tests run the real check_snmp_procs binary against the lab's procs
// snmpd (lab/lab.sh up procs): a real net-snmp agent serving the process
// table of its own PID namespace, where stand-ins for the SDN daemons run
// and are killed, restarted and turned into zombies by lab actions.

type lab struct{ labtest.SNMPLab }

func needLab(t *testing.T) lab {
	t.Helper()
	return lab{labtest.NeedSNMP(t, "check_snmp_procs", labtest.ProcsSNMPD, "PROCS_SYSTEMONLY_CREDENTIALS", "PROCS_DAEMONS", "PROCS_ZOMBIE", "PROCS_SCRIPT_DIR")}
}

// restart puts a stand-in back at the end of the test, whatever happened.
func restart(t *testing.T, name string) {
	t.Cleanup(func() { labtest.Lab(t, "procs", "start", name) })
}

// wantField is the hrSWRunTable field each stand-in is found by: the
// Python daemons show as python3 (ovs-xapi-sync) or under a name the
// kernel cut to 15 characters (neutron-openvsw).
var wantField = map[string]string{
	"ovs-vswitchd":              FieldName,
	"ovsdb-server":              FieldName,
	"nova-compute":              FieldName,
	"neutron-openvswitch-agent": FieldParameters,
	"ovs-xapi-sync":             FieldParameters,
}

func TestIntegrationProcsKillAndRestart(t *testing.T) {
	l := needLab(t)
	daemons := strings.Fields(l.Env["PROCS_DAEMONS"])
	if len(daemons) != len(wantField) {
		t.Fatalf("the lab's stand-ins changed: %v", daemons)
	}
	for i, d := range daemons {
		protocol := []string{"2c", "3"}[i%2]
		t.Run(d+"/v"+protocol, func(t *testing.T) {
			restart(t, d)
			line := regexp.MustCompile(`(?m)^\[OK\] ` + regexp.QuoteMeta(d) + `: 1 process, matched ` + wantField[d] + ` "[^"]*` + regexp.QuoteMeta(d) + `[^"]*" \(PID \d+\); \d+ KB memory`)
			r := l.Run(t, protocol, "--process", d)
			if r.Code != 0 || !line.MatchString(r.Stdout) || !strings.Contains(r.Stdout, "'"+d+"_count'=1;;1:;0 '"+d+"_mem'=") {
				t.Fatalf("running: exit %d, want OK with 1 process matched on %s", r.Code, wantField[d])
			}
			labtest.Lab(t, "procs", "kill", d)
			r = l.Run(t, protocol, "--process", d)
			if r.Code != 2 || !strings.HasPrefix(r.Stdout, "SNMP_PROCS CRITICAL - "+d+": 0 processes outside the critical range 1:") ||
				!strings.Contains(r.Stdout, "'"+d+"_count'=0;;1:;0") {
				t.Errorf("killed: exit %d, want CRITICAL with count 0", r.Code)
			}
			labtest.Lab(t, "procs", "start", d)
			r = l.Run(t, protocol, "--process", d)
			if r.Code != 0 || !line.MatchString(r.Stdout) {
				t.Errorf("restarted: exit %d, want OK with 1 process matched on %s", r.Code, wantField[d])
			}
		})
	}
}

// Every stand-in at once, the way a XenServer or KVM service runs it.
func TestIntegrationProcsAllDaemonsOneRun(t *testing.T) {
	l := needLab(t)
	var args []string
	for _, d := range strings.Fields(l.Env["PROCS_DAEMONS"]) {
		args = append(args, "--process", d)
	}
	r := l.Run(t, "3", args...)
	if r.Code != 0 || !strings.HasPrefix(r.Stdout, "SNMP_PROCS OK - 5 of 5 selections OK: ovs-vswitchd 1, ovsdb-server 1, nova-compute 1, neutron-openvswitch-agent 1, ovs-xapi-sync 1 |") {
		t.Errorf("exit %d", r.Code)
	}
}

// A zombie (hrSWRunStatus invalid) does not count in hrSWRunTable, while
// net-snmp's own prCount does count it.
func TestIntegrationProcsZombie(t *testing.T) {
	l := needLab(t)
	t.Run("always-zombie stand-in", func(t *testing.T) {
		z := l.Env["PROCS_ZOMBIE"]
		r := l.Run(t, "2c", "--process", z)
		if r.Code != 2 || !regexp.MustCompile(`not counted: PID \d+ \(hrSWRunStatus invalid, a zombie\)`).MatchString(r.Stdout) {
			t.Errorf("exit %d, want CRITICAL naming the zombie", r.Code)
		}
	})
	t.Run("daemon dies leaving a zombie", func(t *testing.T) {
		restart(t, "ovs-vswitchd")
		labtest.Lab(t, "procs", "zombie", "ovs-vswitchd")
		r := l.Run(t, "2c", "--process", "ovs-vswitchd")
		// Want CRITICAL with the zombie not counted.
		labtest.WantOutput(t, r, 2, "ovs-vswitchd: 0 processes outside the critical range 1:; not counted: PID ")
		r = l.Run(t, "2c", "--source", "ucd", "--process", "ovs-vswitchd")
		// Want the agent's own count, which includes the zombie.
		labtest.WantOutput(t, r, 0, "ovs-vswitchd: 1 process (prCount of `proc ovs-vswitchd`, zombies included)")
	})
}

// --source ucd reads the `proc` lines: the agent's prErrorFlag and
// prErrMessage make a killed daemon CRITICAL.
func TestIntegrationProcsUCD(t *testing.T) {
	l := needLab(t)
	restart(t, "ovsdb-server")
	r := l.Run(t, "3", "--source", "ucd", "--process", "ovsdb-server", "--process", "neutron-openvswitch-agent")
	// Want OK through the 15-character proc line.
	labtest.WantOutput(t, r, 0, "neutron-openvswitch-agent: 1 process (prCount of `proc neutron-openvsw`")
	labtest.Lab(t, "procs", "kill", "ovsdb-server")
	r = l.Run(t, "3", "--source", "ucd", "--process", "ovsdb-server")
	// Want CRITICAL with the agent's prErrMessage.
	labtest.WantOutput(t, r, 2, "ovsdb-server: 0 processes (prCount of `proc ovsdb-server`, zombies included) outside the critical range 1:; the agent flags it (prErrorFlag 1): ")
	r = l.Run(t, "2c", "--source", "ucd", "--process", "ovs-xapi-sync")
	// Want UNKNOWN for a daemon without proc line.
	labtest.WantOutput(t, r, 3, "no `proc` line for it")
}

func TestIntegrationProcsNoHostResources(t *testing.T) {
	l := needLab(t)
	argv := []string{"-H", l.Env["PROCS_SNMP_HOST"], "--port", l.Env["PROCS_SNMP_PORT"], "--credentials-file", l.Env["PROCS_SYSTEMONLY_CREDENTIALS"], "--process", "ovs-vswitchd"}
	r := labtest.ExecLog(t, l.Bin, nil, argv...)
	labtest.WantOutput(t, r, 3, "shows no hrSWRunTable (HOST-RESOURCES-MIB .1.3.6.1.2.1.25.4.2): either the view of this community/user excludes it")
}

func TestIntegrationProcsSilentAgent(t *testing.T) {
	l := needLab(t)
	port := labtest.SilentUDP(t)
	r := labtest.Exec(t, l.Bin, nil, "-H", "127.0.0.1", "--port", port, "--credentials-file", l.Env["PROCS_V2_CREDENTIALS"], "--process", "ovs-vswitchd", "-t", "2")
	labtest.WantOutput(t, r, 3, "SNMP_PROCS UNKNOWN - no SNMP response from 127.0.0.1:"+port+" within 1.7s")
}
