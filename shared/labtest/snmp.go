package labtest

import (
	"net"
	"strconv"
	"testing"
)

// SNMPKeys names the lab values of one lab snmpd: its address and its
// SNMPv2c and SNMPv3 credentials files (shared/credentials YAML).
type SNMPKeys struct {
	Host, Port, V2Credentials, V3Credentials string
}

// The lab's snmpds: the switch-like one of `lab/lab.sh up snmpd` and the
// one of `lab/lab.sh up procs`, serving its own PID namespace.
var (
	SNMPD      = SNMPKeys{"SNMP_HOST", "SNMP_PORT", "SNMP_V2_CREDENTIALS", "SNMP_V3_CREDENTIALS"}
	ProcsSNMPD = SNMPKeys{"PROCS_SNMP_HOST", "PROCS_SNMP_PORT", "PROCS_V2_CREDENTIALS", "PROCS_V3_CREDENTIALS"}
)

// An SNMPLab is a check binary run against a lab snmpd.
type SNMPLab struct {
	Env   map[string]string // the agent's lab values and the others asked for
	Bin   string            // the check binary
	Agent SNMPKeys
}

// NeedSNMP asks for the agent's lab values and more (see Need), and
// builds the check binary of checks/NAME (see Binary).
func NeedSNMP(t testing.TB, name string, agent SNMPKeys, more ...string) SNMPLab {
	t.Helper()
	env := Need(t, append([]string{agent.Host, agent.Port, agent.V2Credentials, agent.V3Credentials}, more...)...)
	return SNMPLab{Env: env, Bin: Binary(t, name), Agent: agent}
}

// Flags are -H, --port, --protocol and --credentials-file for the agent
// over protocol "2c" or "3".
func (l SNMPLab) Flags(protocol string) []string {
	creds := l.Env[l.Agent.V2Credentials]
	if protocol == "3" {
		creds = l.Env[l.Agent.V3Credentials]
	}
	return []string{"-H", l.Env[l.Agent.Host], "--port", l.Env[l.Agent.Port], "--protocol", protocol, "--credentials-file", creds}
}

// Run runs the check against the agent over protocol, then args, and
// logs the outcome (ExecLog).
func (l SNMPLab) Run(t testing.TB, protocol string, args ...string) Run {
	t.Helper()
	return ExecLog(t, l.Bin, nil, append(l.Flags(protocol), args...)...)
}

// SilentUDP returns the port of a loopback UDP socket that swallows every
// request, as a firewall that drops them would: a check asking it must
// give up by itself inside --timeout. The socket closes when the test ends.
func SilentUDP(t testing.TB) string {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return strconv.Itoa(pc.LocalAddr().(*net.UDPAddr).Port)
}
