// Command nagios-cfg renders, checks, validates and deploys the Nagios and
// Icinga 2 configuration of a fleet. It links every plugin and reads only
// the registry's declarations.
package main

import (
	"os"

	"edgecheck/nagios-cfg/cli"
	_ "edgecheck/plugins/all"
	"edgecheck/shared/registry"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr, registry.All()))
}
