package main

import (
	_ "edgecheck/plugins/snmpprocs"
	"edgecheck/shared/runner"
)

func main() { runner.Main("check_snmp_procs") }
