// Package inventory loads the layered YAML inventory of nagios-cfg
// (defaults, environment, cell, host), validates it against the plugin
// catalogue and resolves every host's services, field by field.
package inventory

import (
	"path/filepath"

	"edgecheck/shared/registry"
)

// The run modes: where a check executes and how its result comes back.
const (
	ModeLocal       = "local"        // on the monitoring server
	ModeNRPE        = "nrpe"         // on the host, through check_nrpe
	ModeSNMPExtend  = "snmp-extend"  // on the host, through snmpd extend and check_snmp_extend
	ModeIcingaAgent = "icinga-agent" // on the host's Icinga 2 agent, through command_endpoint
)

// RunModes lists the run modes in documentation order.
var RunModes = []string{ModeLocal, ModeNRPE, ModeSNMPExtend, ModeIcingaAgent}

// The Nagios server classes.
const (
	ClassGlobal = "global"
	ClassCell   = "cell"
	ClassMixed  = "mixed"
)

// Classes lists the server classes.
var Classes = []string{ClassGlobal, ClassCell, ClassMixed}

// GlobalCell is the reserved cell name for an environment's global control
// plane, watched by global (and mixed) servers.
const GlobalCell = "global"

// Sudo is the program an agent runs a check through when sudo is set.
const Sudo = "/usr/bin/sudo"

// SnmpExtendCheck is the relay used by the snmp-extend run mode.
const SnmpExtendCheck = "check_snmp_extend"

// A Catalogue is the set of plugins an inventory may use. The command uses
// registry.All(); tests pass small plugins of their own.
type Catalogue []registry.Plugin

// A Fleet is a resolved inventory: everything the renderers need.
type Fleet struct {
	Name          string // the inventory directory's base name, for headers
	Root          string // the inventory directory as given
	DefaultsFile  string // e.g. environments/defaults.yaml
	Plugins       []*Plugin
	Roles         []string          // sorted
	RoleDesc      map[string]string // role -> description, when given
	Contacts      []Contact
	ContactGroups []ContactGroup
	Secrets       []*Secret // sorted by name
	Envs          []*Env
	Servers       []*Server // every server, sorted by name
}

// A Plugin is a catalogue entry with its declarations read once.
type Plugin struct {
	registry.Plugin
	Decls []*registry.Flag
}

// Decl returns a flag declaration by long name.
func (p *Plugin) Decl(name string) *registry.Flag {
	for _, f := range p.Decls {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// A Contact receives notifications.
type Contact struct {
	Name, Alias, Email string
}

// A ContactGroup is what services notify.
type ContactGroup struct {
	Name, Alias string
	Members     []string
}

// An Env is one environment (prod, test, …).
type Env struct {
	Name    string
	File    string // env.yaml, relative to the inventory's parent
	Servers []*Server
	Cells   []*Cell
}

// A Cell is one cell of an environment; the cell named GlobalCell holds the
// environment's global control plane.
type Cell struct {
	Name  string
	Env   *Env
	File  string // cell.yaml
	Hosts []*Host
}

// Global reports whether this is the environment's global control plane.
func (c *Cell) Global() bool { return c.Name == GlobalCell }

// A Server is a Nagios (and Icinga 2) server.
type Server struct {
	Name  string
	Class string
	Env   string
	Cell  string // empty for global servers
	Pos   Pos
	// Address is where other Icinga 2 nodes reach this server (IP address
	// or DNS name), "" when env.yaml gives none; Port is its ApiListener
	// port (DefaultAPIPort unless given).
	Address    string
	AddressPos Pos
	Port       int
}

// Cells lists the conf.d/<cell> links a server gets, in order.
func (s *Server) Cells(e *Env) []string {
	has := func(name string) bool {
		for _, c := range e.Cells {
			if c.Name == name {
				return true
			}
		}
		return false
	}
	var out []string
	switch s.Class {
	case ClassGlobal:
		if has(GlobalCell) {
			out = append(out, GlobalCell)
		}
	case ClassCell:
		out = append(out, s.Cell)
	case ClassMixed:
		out = append(out, s.Cell)
		if has(GlobalCell) {
			out = append(out, GlobalCell)
		}
	}
	return out
}

// A Host is one monitored machine with its resolved services.
type Host struct {
	Name     string
	Address  string
	Roles    []string
	Cell     *Cell
	Pos      Pos
	Settings Resolved // the host's generic settings (host object fields)
	Services []*Service
}

// Short is the first label of the host name.
func (h *Host) Short() string {
	for i := 0; i < len(h.Name); i++ {
		if h.Name[i] == '.' {
			return h.Name[:i]
		}
	}
	return h.Name
}

// A Service is one check on one host, every layer applied.
type Service struct {
	Name   string // stable, machine-readable: the key in the role
	Role   string
	Plugin *Plugin
	Flags  []FlagValue // in the plugin's declaration order
	Resolved
	// SnmpExtendFlags are the relay's own flags (port, protocol,
	// credentials) in snmp-extend mode, in declaration order.
	SnmpExtendFlags []FlagValue
}

// A Resolved holds the effective generic settings.
type Resolved struct {
	RunMode          string
	CheckInterval    int
	RetryInterval    int
	MaxCheckAttempts int
	CheckPeriod      string
	Notifications    bool
	NotifInterval    int
	NotifPeriod      string
	NotifOptions     string
	ContactGroups    []string
	AgentPluginDir   string
	NRPEPort         int
	NRPETimeout      int
	// Sudo runs the check on the host as /usr/bin/sudo -n <check> (the
	// agent-side run modes only); the rendered sudoers drop-in lets
	// NRPEUser or SNMPDUser do that.
	Sudo      bool
	NRPEUser  string // the user NRPE (and a Debian Icinga 2 agent) runs as
	SNMPDUser string // the user snmpd runs extend commands as
}

// A FlagValue is one flag given to a check.
type FlagValue struct {
	Decl   *registry.Flag
	Values []Value // one, except for repeatable flags
}

// A Value is a literal or a reference to a secret.
type Value struct {
	Lit    string
	Secret *Secret
	Pos    Pos
}

// A Secret is referenced as secret:NAME and rendered as a Nagios $USERn$
// macro, an Icinga 2 constant, or the agent-side value.
type Secret struct {
	Name   string
	Nagios string // USER5
	Icinga string // RabbitmqCredentialsFile
	Agent  string // /etc/edgecheck/rabbitmq.yaml
}

// Source names an inventory file for generated-file headers, relative to
// the inventory's parent so that output does not depend on where the
// inventory was checked out.
func (f *Fleet) Source(file string) string {
	rel, err := filepath.Rel(f.Root, file)
	if err != nil {
		return filepath.ToSlash(file)
	}
	return filepath.ToSlash(filepath.Join(f.Name, rel))
}
