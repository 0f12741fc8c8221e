package snmpprocs

import (
	"edgecheck/shared/faults"
	"edgecheck/shared/registry"
)

// faultCases are this check's rows of the fault matrix (tests/faultmatrix):
// what it must say when its agent fails.
func faultCases(f *faults.Fixture) []faults.Case {
	return faults.SNMP(f, "--process", "ovs-vswitchd")
}

func init() { registry.RegisterFaults("check_snmp_procs", faultCases) }
