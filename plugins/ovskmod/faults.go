package ovskmod

import (
	"edgecheck/shared/faults"
	"edgecheck/shared/registry"
)

// faultCases are this check's rows of the fault matrix (tests/faultmatrix):
// what it must say when its peers fail.
func faultCases(f *faults.Fixture) []faults.Case {
	const rel = "6.1.0-18-amd64"
	return []faults.Case{
		{Name: "root missing", Kind: faults.KindMissing, Args: []string{"--root", f.MissingFile, "--kernel-release", rel}, Mention: []string{f.MissingFile}},
		{Name: "root is a file", Kind: faults.KindGarbage, Args: []string{"--root", f.SNMPCreds, "--kernel-release", rel}, Mention: []string{f.SNMPCreds}},
		{Name: "OVSDB hangs while reading ovs_version", Kind: faults.KindHang,
			Args: []string{"--root", f.KmodRoot, "--kernel-release", rel, "--db", "unix:" + f.HangUnix}, Mention: []string{"OVSDB"}},
		{Name: "root in a 0700 directory as nobody", Kind: faults.KindPermission, AsNobody: true,
			Args: []string{"--root", f.KmodDenied, "--kernel-release", rel}, Mention: []string{f.KmodDenied}},
		{Name: "unknown mode", Kind: faults.KindBadValue, Args: []string{"--mode", "solaris"}, Mention: []string{"--mode"}},
		{Name: "bad kernel release", Kind: faults.KindBadValue, Args: []string{"--kernel-release", "../../etc"}, Mention: []string{"--kernel-release"}},
	}
}

func init() { registry.RegisterFaults("check_ovs_kmod", faultCases) }
