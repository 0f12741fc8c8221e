// Package faults is the shape of the fault matrix: the misbehaving peers a
// check is pointed at (a Fixture, built by tests/faultmatrix from real
// sockets) and the cases each plugin declares in its own folder
// (plugins/<name>/faults.go, registered with registry.RegisterFaults).
// tests/faultmatrix runs every registered plugin's cases and holds each run
// to the plugin contract.
package faults

import (
	"strconv"

	"edgecheck/shared/nagios"
)

// The failure kinds every check must survive. Each plugin declares at
// least one case of KindMissing, KindGarbage and KindPermission.
const (
	KindMissing    = "daemon or socket missing"
	KindHang       = "peer accepts and never answers"
	KindGarbage    = "peer answers garbage"
	KindPermission = "permission denied"
	KindBadFlag    = "bad flag"
	KindBadRange   = "bad range"
	KindBadValue   = "bad value"
)

// Stalled is how line 1 may describe a peer that never answered.
const Stalled = "timed out|did not answer|no answer|no response|not answer"

// A Fixture holds the misbehaving peers. Each is a real socket or file of
// the test process: the checks see real kernel errors and real stalls.
type Fixture struct {
	MissingUnix string // a path where no socket exists
	HangUnix    string // accepts, never answers
	GarbageUnix string // answers junk, then closes
	DeniedUnix  string // a live socket in a 0700 directory (for the nobody user)
	ClosedTCP   string // host:port that refuses connections
	HangTCP     string // accepts, never answers
	GarbageTCP  string // answers junk, then closes
	GarbageHTTP string // URL of an HTTP server answering 200 with non-JSON
	ErrorHTTP   string // URL of an HTTP server answering 503
	UDPSilent   int    // UDP port that swallows every datagram
	UDPGarbage  int    // UDP port that answers every datagram with junk
	UDPClosed   int    // UDP port nobody listens on (ICMP port unreachable)
	RabbitCreds string // 0600 username/password
	RabbitLoose string // 0644: refused
	SNMPCreds   string // 0600 community
	SNMPLoose   string // 0644: refused
	MissingFile string
	NotExec     string // a "program" without any execute bit: EACCES even for root
	GarbageExec string // a program that prints junk and exits 0
	HangExec    string // a program that never finishes
	DeniedDir   string // a 0700 directory (for the nobody user)
	KmodRoot    string // a check_ovs_kmod root whose loaded module reports a version (so OVSDB is asked)
	KmodDenied  string // the same root inside DeniedDir
}

// A Case is one run of one check against one failure.
type Case struct {
	Name string
	Kind string
	Args []string
	// AsNobody runs the binary as uid/gid 65534: the tests run as root,
	// which bypasses file permissions.
	AsNobody bool
	// Want is the expected state; the zero value (OK) means UNKNOWN, the
	// contract for a failure of the check itself. Set it only where the
	// SPEC makes the failure the monitored component's own state.
	Want nagios.State
	// Mention are fragments line 1 must contain (case-insensitive), so the
	// summary points at what to fix; "a|b" accepts either.
	Mention []string
	// Forbid are fragments line 1 must not contain.
	Forbid []string
}

// OVSDB returns the cases of a check that reads OVSDB through --db;
// extra arguments go before each case's own.
func OVSDB(f *Fixture, extra ...string) []Case {
	a := func(args ...string) []string { return append(append([]string{}, extra...), args...) }
	return []Case{
		{Name: "unix socket missing", Kind: KindMissing, Args: a("--db", "unix:"+f.MissingUnix), Mention: []string{f.MissingUnix}},
		{Name: "tcp refused", Kind: KindMissing, Args: a("--db", "tcp:"+f.ClosedTCP), Mention: []string{f.ClosedTCP}},
		{Name: "unix hang", Kind: KindHang, Args: a("--db", "unix:"+f.HangUnix), Mention: []string{Stalled}},
		{Name: "tcp hang", Kind: KindHang, Args: a("--db", "tcp:"+f.HangTCP), Mention: []string{Stalled}},
		{Name: "unix garbage", Kind: KindGarbage, Args: a("--db", "unix:"+f.GarbageUnix), Mention: []string{f.GarbageUnix}, Forbid: []string{"timed out"}},
		{Name: "tcp garbage", Kind: KindGarbage, Args: a("--db", "tcp:"+f.GarbageTCP), Mention: []string{f.GarbageTCP}, Forbid: []string{"timed out"}},
		{Name: "socket in a 0700 directory as nobody", Kind: KindPermission, Args: a("--db", "unix:"+f.DeniedUnix), AsNobody: true, Mention: []string{"permission"}},
		{Name: "malformed --db", Kind: KindBadValue, Args: a("--db", "ssl:nowhere"), Mention: []string{"--db"}},
	}
}

// SNMP returns the cases of a check that asks an SNMP agent with the
// shared SNMP flags; extra arguments follow each case's own.
func SNMP(f *Fixture, extra ...string) []Case {
	itoa := strconv.Itoa
	agent := func(port int, creds string) []string {
		return append([]string{"-H", "127.0.0.1", "--port", itoa(port), "--credentials-file", creds}, extra...)
	}
	return []Case{
		{Name: "agent not listening (ICMP port unreachable)", Kind: KindMissing, Args: agent(f.UDPClosed, f.SNMPCreds), Mention: []string{"127.0.0.1:" + itoa(f.UDPClosed)}},
		{Name: "agent never answers", Kind: KindHang, Args: agent(f.UDPSilent, f.SNMPCreds), Mention: []string{"127.0.0.1:" + itoa(f.UDPSilent)}},
		{Name: "agent answers junk", Kind: KindGarbage, Args: agent(f.UDPGarbage, f.SNMPCreds), Mention: []string{"127.0.0.1:" + itoa(f.UDPGarbage)}, Forbid: []string{"timed out"}},
		{Name: "credentials file mode 0644", Kind: KindPermission, Args: agent(f.UDPSilent, f.SNMPLoose), Mention: []string{f.SNMPLoose, "chmod 600"}},
		{Name: "credentials file missing", Kind: KindMissing, Args: agent(f.UDPSilent, f.MissingFile), Mention: []string{f.MissingFile}},
		{Name: "port out of range", Kind: KindBadValue, Args: append([]string{"-H", "127.0.0.1", "--port", "70000", "--credentials-file", f.SNMPCreds}, extra...), Mention: []string{"--port"}},
		{Name: "unknown protocol", Kind: KindBadValue, Args: append([]string{"-H", "127.0.0.1", "--protocol", "1", "--credentials-file", f.SNMPCreds}, extra...), Mention: []string{"--protocol"}},
	}
}
