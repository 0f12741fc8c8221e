package main

import (
	_ "edgecheck/plugins/ovskmod"
	"edgecheck/shared/runner"
)

func main() { runner.Main("check_ovs_kmod") }
