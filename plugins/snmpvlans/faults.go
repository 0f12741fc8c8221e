package snmpvlans

import (
	"edgecheck/shared/faults"
	"edgecheck/shared/registry"
)

// faultCases are this check's rows of the fault matrix (tests/faultmatrix):
// what it must say when its peers fail.
func faultCases(f *faults.Fixture) []faults.Case {
	return faults.SNMP(f, "--port-name", "Ethernet1/1", "--expect-vlans", "100,200")
}

func init() { registry.RegisterFaults("check_snmp_vlans", faultCases) }
