package main

import (
	_ "edgecheck/plugins/lldp"
	"edgecheck/shared/runner"
)

func main() { runner.Main("check_lldp") }
