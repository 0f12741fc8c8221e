package main

import (
	_ "edgecheck/plugins/htbdrift"
	"edgecheck/shared/runner"
)

func main() { runner.Main("check_htb_drift") }
