package main

import (
	_ "edgecheck/plugins/snmpextend"
	"edgecheck/shared/runner"
)

func main() { runner.Main("check_snmp_extend") }
