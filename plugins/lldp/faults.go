package lldp

import (
	"edgecheck/shared/faults"
	"edgecheck/shared/nagios"
	"edgecheck/shared/registry"
)

// faultCases are this check's rows of the fault matrix (tests/faultmatrix):
// what it must say when its peers fail.
func faultCases(f *faults.Fixture) []faults.Case {
	lldp := func(extra ...string) []string {
		return append([]string{"--expect", "eth0=sw1:Ethernet1/1"}, extra...)
	}
	return []faults.Case{
		// SPEC: lldpd not running is the component's state, CRITICAL with
		// the restart hint, not UNKNOWN.
		{Name: "lldpd socket missing", Kind: faults.KindMissing, Args: lldp("--socket", f.MissingUnix), Want: nagios.Critical, Mention: []string{"lldpd is not running", "restart"}},
		{Name: "lldpd hangs", Kind: faults.KindHang, Args: lldp("--socket", f.HangUnix), Mention: []string{faults.Stalled}},
		{Name: "lldpd answers junk", Kind: faults.KindGarbage, Args: lldp("--socket", f.GarbageUnix), Mention: []string{f.GarbageUnix}},
		{Name: "lldpcli prints junk", Kind: faults.KindGarbage, Args: lldp("--lldpcli", f.GarbageExec), Mention: []string{f.GarbageExec}},
		{Name: "lldpcli never returns", Kind: faults.KindHang, Args: lldp("--lldpcli", f.HangExec), Mention: []string{faults.Stalled}},
		{Name: "lldpcli not executable", Kind: faults.KindPermission, Args: lldp("--lldpcli", f.NotExec), Mention: []string{f.NotExec}},
		{Name: "lldpd socket in a 0700 directory as nobody", Kind: faults.KindPermission, AsNobody: true, Args: lldp("--socket", f.DeniedUnix), Mention: []string{"permission"}},
		{Name: "malformed --expect", Kind: faults.KindBadValue, Args: []string{"--expect", "eth0"}, Mention: []string{"--expect"}},
	}
}

func init() { registry.RegisterFaults("check_lldp", faultCases) }
