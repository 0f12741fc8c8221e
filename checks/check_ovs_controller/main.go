package main

import (
	_ "edgecheck/plugins/ovscontroller"
	"edgecheck/shared/runner"
)

func main() { runner.Main("check_ovs_controller") }
