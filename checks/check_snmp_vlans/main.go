package main

import (
	_ "edgecheck/plugins/snmpvlans"
	"edgecheck/shared/runner"
)

func main() { runner.Main("check_snmp_vlans") }
