// Package testplugins declares small plugins for the generator's tests, so
// that golden trees do not change whenever a real check gains a flag. One
// test (cmd/nagios-cfg) renders the sample inventory with the real
// registry.
package testplugins

import (
	"context"
	"time"

	"edgecheck/nagios-cfg/inventory"
	"edgecheck/shared/nagios"
	"edgecheck/shared/registry"
)

type vswitch struct {
	db, kernel string
	grace      time.Duration
	bridges    []string
	master     bool
	warn, crit *nagios.Range
}

func (c *vswitch) Flags(fs *registry.FlagSet) {
	fs.String(&c.db, "db", "unix:/var/run/openvswitch/db.sock", "OVSDB to read.")
	fs.Duration(&c.grace, "grace", 30*time.Second, "Seconds a target may be disconnected before CRITICAL.")
	fs.Strings(&c.bridges, "bridge", "Bridge to check; repeatable.")
	fs.Bool(&c.master, "require-master", "Require a controller in role master.")
	fs.Range(&c.warn, "warning", "Warning range for drift in percent.").WithShort("w")
	fs.Range(&c.crit, "critical", "Critical range for drift in percent.").WithShort("c")
	fs.String(&c.kernel, "kernel-release", "", "Kernel release to compare, instead of uname -r.")
}

func (c *vswitch) Run(context.Context) (*nagios.Result, error) { return &nagios.Result{}, nil }

type queue struct {
	url, creds string
	queues     []string
	consumers  int
}

func (c *queue) Flags(fs *registry.FlagSet) {
	fs.String(&c.url, "url", "", "Management API URL.").MarkRequired()
	fs.String(&c.creds, "credentials-file", "", "YAML credentials file.")
	fs.Strings(&c.queues, "queue", "Queue name; repeatable.")
	fs.Int(&c.consumers, "min-consumers", 1, "Minimum consumers per queue.")
}

func (c *queue) Run(context.Context) (*nagios.Result, error) { return &nagios.Result{}, nil }

type relay struct {
	host, name, creds, proto string
	port                     int
}

func (c *relay) Flags(fs *registry.FlagSet) {
	fs.String(&c.host, "hostname", "", "SNMP agent address.").WithShort("H").MarkRequired()
	fs.Int(&c.port, "port", 161, "SNMP port.")
	fs.String(&c.proto, "protocol", "2c", "SNMP version: 2c or 3.")
	fs.String(&c.creds, "credentials-file", "", "YAML credentials file.")
	fs.String(&c.name, "name", "", "The extend's name.").MarkRequired()
}

func (c *relay) Run(context.Context) (*nagios.Result, error) { return &nagios.Result{}, nil }

// Catalogue returns the test plugins: check_vswitch (every flag kind),
// check_queue (a required flag) and check_snmp_extend (the relay).
func Catalogue() inventory.Catalogue {
	return inventory.Catalogue{
		{Name: "check_vswitch", Service: "VSWITCH", Description: "Test plugin with every flag kind.", RunsOn: "hypervisor",
			New: func() registry.Check { return &vswitch{} }},
		{Name: "check_queue", Service: "QUEUE", Description: "Test plugin with a required flag.", RunsOn: "monitoring-server",
			New: func() registry.Check { return &queue{} }},
		{Name: "check_snmp_extend", Service: "SNMP_EXTEND", Description: "Test relay for the snmp-extend run mode.", RunsOn: "monitoring-server",
			New: func() registry.Check { return &relay{} }},
	}
}
