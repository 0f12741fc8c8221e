// Package all links every plugin into one binary (nagios-cfg, tests). Each
// plugin package registers itself in init().
package all

import (
	_ "edgecheck/plugins/htbdrift"
	_ "edgecheck/plugins/lldp"
	_ "edgecheck/plugins/ovscontroller"
	_ "edgecheck/plugins/ovskmod"
	_ "edgecheck/plugins/rabbitmqqueues"
	_ "edgecheck/plugins/snmpextend"
	_ "edgecheck/plugins/snmpinterfaces"
	_ "edgecheck/plugins/snmpprocs"
	_ "edgecheck/plugins/snmpvlans"
)

// Each plugin's README.md has blocks generated from the registry and its
// golden files (see shared/docs); TestReadmesAreCurrent fails when they are stale.
//go:generate go run ../../tools/docgen -root ../..
