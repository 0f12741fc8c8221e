package main

import (
	_ "edgecheck/plugins/snmpinterfaces"
	"edgecheck/shared/runner"
)

func main() { runner.Main("check_snmp_interfaces") }
