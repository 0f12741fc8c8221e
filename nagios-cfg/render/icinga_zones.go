package render

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"edgecheck/nagios-cfg/inventory"
)

// The roles of an Icinga 2 node in an environment's cluster, as the
// Icinga 2 documentation ("Distributed Monitoring") names them.
const (
	RoleMaster    = "master"
	RoleSatellite = "satellite"
	RoleAgent     = "agent"
)

// An icingaNode is one Icinga 2 endpoint of an environment: a server
// (master or satellite) or a host running an Icinga 2 agent.
type icingaNode struct {
	Name   string
	Role   string
	Zone   string // its own zone: "master", the cell, or the agent's name
	Parent string // the parent zone; "" for the master
	Host   string // where other nodes dial it; "" when unknown
	Port   int
	Server *inventory.Server // nil for agents
}

// An icingaZone is one non-global zone with its endpoints in order.
type icingaZone struct {
	Name, Parent string
	Endpoints    []*icingaNode
}

// A topology is an environment's Icinga 2 cluster: zones from the master
// down, and every endpoint by name.
type topology struct {
	Zones []*icingaZone
	Nodes map[string]*icingaNode
}

// topologyOf builds the cluster of an environment: the master zone (its
// global servers, else its mixed ones), one satellite zone per cell with
// cell servers, one agent zone per host with icinga-agent services.
func topologyOf(e *inventory.Env) *topology {
	t := &topology{Nodes: map[string]*icingaNode{}}
	byName := map[string]*inventory.Server{}
	for _, s := range e.Servers {
		byName[s.Name] = s
	}
	add := func(z *icingaZone, n *icingaNode) {
		z.Endpoints = append(z.Endpoints, n)
		t.Nodes[n.Name] = n
	}
	server := func(name, role, zone, parent string) *icingaNode {
		s := byName[name]
		return &icingaNode{Name: name, Role: role, Zone: zone, Parent: parent, Host: s.Address, Port: s.Port, Server: s}
	}
	master := &icingaZone{Name: "master"}
	t.Zones = append(t.Zones, master)
	for _, m := range masterEndpoints(e) {
		add(master, server(m, RoleMaster, "master", ""))
	}
	for _, c := range e.Cells {
		if zoneOf(e, c) == "master" {
			continue
		}
		z := &icingaZone{Name: c.Name, Parent: "master"}
		t.Zones = append(t.Zones, z)
		for _, s := range cellEndpoints(e, c.Name) {
			add(z, server(s, RoleSatellite, c.Name, "master"))
		}
	}
	for _, c := range e.Cells {
		for _, h := range c.Hosts {
			if !hasAgent(h) || t.Nodes[h.Name] != nil {
				// A monitoring server listed as a host is already an
				// endpoint: its agent checks run on it (EndpointProblems
				// refuses the placements where that cannot work).
				continue
			}
			z := &icingaZone{Name: h.Name, Parent: zoneOf(e, c)}
			t.Zones = append(t.Zones, z)
			add(z, &icingaNode{Name: h.Name, Role: RoleAgent, Zone: h.Name, Parent: z.Parent, Host: h.Address, Port: inventory.DefaultAPIPort})
		}
	}
	return t
}

// EndpointProblems lists the hosts with icinga-agent services that are
// also a monitoring server of their environment but whose Endpoint the
// two roles would define differently. Icinga 2 allows one Endpoint per
// name, so such a host has no agent zone of its own: its agent checks run
// with command_endpoint set to the server, which Icinga 2 accepts only in
// the zone of the objects' cell; and the two addresses must agree.
func EndpointProblems(f *inventory.Fleet) inventory.Errors {
	var out inventory.Errors
	for _, e := range f.Envs {
		t := topologyOf(e)
		for _, c := range e.Cells {
			for _, h := range c.Hosts {
				n := t.Nodes[h.Name]
				if !hasAgent(h) || n == nil || n.Server == nil {
					continue
				}
				switch {
				case n.Zone != zoneOf(e, c):
					out = append(out, &inventory.Error{Pos: h.Pos, Msg: fmt.Sprintf(
						"host %s has icinga-agent services and is also the Icinga 2 %s %s of zone %s (%s): Icinga 2 allows one Endpoint %s, and the cell %s's objects (zone %s) cannot send checks to an endpoint of zone %s; list the host in a cell that server watches, or run its services in another run mode",
						h.Name, n.Role, n.Name, n.Zone, n.Server.Pos, h.Name, c.Name, zoneOf(e, c), n.Zone)})
				case h.Address != "" && n.Host != "" && h.Address != n.Host:
					out = append(out, &inventory.Error{Pos: h.Pos, Msg: fmt.Sprintf(
						"host %s has icinga-agent services and is also the Icinga 2 %s %s (%s), with another address (%s, not %s): Icinga 2 allows one Endpoint %s; give both the same address",
						h.Name, n.Role, n.Name, n.Server.Pos, h.Address, n.Host, h.Name)})
				}
			}
		}
	}
	return out
}

func hasAgent(h *inventory.Host) bool {
	for _, s := range h.Services {
		if s.RunMode == inventory.ModeIcingaAgent {
			return true
		}
	}
	return false
}

func (t *topology) zone(name string) *icingaZone {
	for _, z := range t.Zones {
		if z.Name == name {
			return z
		}
	}
	return nil
}

// AddressProblem is a connection between two zones that no side can
// dial: neither the child zone's endpoints nor the parent's have an
// address in the inventory.
type AddressProblem struct {
	Pos          inventory.Pos // where the child's server is listed
	Zone, Parent string
	Msg          string
	// Strict is set when the environment gives some server an address:
	// render then refuses the problem instead of warning about it.
	Strict bool
}

func (p AddressProblem) String() string { return p.Pos.String() + ": " + p.Msg }

// AddressProblems lists the parent-child connections of every
// environment that no node can open. Icinga 2 convention: the child
// connects to its parent when the parent's Endpoint has a host, the
// parent to its child when the child's has; one direction is enough.
func AddressProblems(f *inventory.Fleet) []AddressProblem {
	var out []AddressProblem
	for _, e := range f.Envs {
		t := topologyOf(e)
		strict := slices.ContainsFunc(e.Servers, func(s *inventory.Server) bool { return s.Address != "" })
		for _, z := range t.Zones {
			if z.Parent == "" {
				continue
			}
			if dialable(z.Endpoints) || dialable(t.zone(z.Parent).Endpoints) {
				continue
			}
			for _, n := range z.Endpoints {
				if n.Server == nil {
					continue
				}
				out = append(out, AddressProblem{Pos: n.Server.Pos, Zone: z.Name, Parent: z.Parent, Strict: strict, Msg: fmt.Sprintf(
					"Icinga 2 satellite %s (zone %s) and its parent zone %s have no address: no node can connect to the other, so the zone never gets its config or runs a check; write this server as {name: %s, address: IP-OR-DNS-NAME} (or give the master one) in %s",
					n.Name, z.Name, z.Parent, n.Name, f.Source(e.File))})
			}
		}
	}
	return out
}

// dialable reports whether every endpoint has an address.
func dialable(ns []*icingaNode) bool {
	for _, n := range ns {
		if n.Host == "" {
			return false
		}
	}
	return len(ns) > 0
}

// icingaEndpoint writes an Endpoint, with host and port when the node
// has an address: the nodes whose zone is its parent or child dial it.
func icingaEndpoint(b *strings.Builder, n *icingaNode) {
	fmt.Fprintf(b, "object Endpoint %s {\n", istr(n.Name))
	if n.Host != "" {
		fmt.Fprintf(b, "\thost = %s\n", istr(n.Host))
		if n.Port != inventory.DefaultAPIPort {
			fmt.Fprintf(b, "\tport = %s\n", istr(fmt.Sprint(n.Port)))
		}
	}
	b.WriteString("}\n\n")
}

func icingaZoneObj(b *strings.Builder, z *icingaZone) {
	names := make([]string, len(z.Endpoints))
	for i, n := range z.Endpoints {
		names[i] = n.Name
	}
	fmt.Fprintf(b, "object Zone %s {\n\tendpoints = %s\n", istr(z.Name), ilist(names))
	if z.Parent != "" {
		fmt.Fprintf(b, "\tparent = %s\n", istr(z.Parent))
	}
	b.WriteString("}\n\n")
}

// zonesConf renders the zones and endpoints of t that keep is true for,
// servers first (sorted by name), then the global-templates zone, then
// agent zones.
func zonesConf(b *strings.Builder, t *topology, keep func(*icingaZone) bool) {
	var servers []*icingaNode
	for _, z := range t.Zones {
		for _, n := range z.Endpoints {
			if n.Role != RoleAgent && keep(z) {
				servers = append(servers, n)
			}
		}
	}
	sort.Slice(servers, func(i, j int) bool { return servers[i].Name < servers[j].Name })
	for _, n := range servers {
		icingaEndpoint(b, n)
	}
	for _, z := range t.Zones {
		// The master zone is written even without an endpoint (an
		// environment whose servers are all cell servers): the cell
		// zones name it as their parent, and Icinga 2 refuses a parent
		// zone that does not exist.
		server := z.Name == "master" || len(z.Endpoints) > 0 && z.Endpoints[0].Role != RoleAgent
		if server && keep(z) {
			icingaZoneObj(b, z)
		}
	}
	b.WriteString("object Zone \"global-templates\" {\n\tglobal = true\n}\n")
	for _, z := range t.Zones {
		if len(z.Endpoints) > 0 && z.Endpoints[0].Role == RoleAgent && keep(z) {
			n := z.Endpoints[0]
			fmt.Fprintf(b, "\nobject Endpoint %s {\n\thost = %s\n}\n\nobject Zone %s {\n\tendpoints = [ %s ]\n\tparent = %s\n}\n",
				istr(n.Name), istr(n.Host), istr(z.Name), istr(n.Name), istr(z.Parent))
		}
	}
}

func icingaZones(f *inventory.Fleet, e *inventory.Env) string {
	var b strings.Builder
	b.WriteString(header(f.Source(e.File), f.Source(f.DefaultsFile)))
	fmt.Fprintf(&b, "# Distributed monitoring for environment %s: the master zone watches the\n"+
		"# global control plane, one satellite zone per cell watches that cell, and\n"+
		"# hosts with icinga-agent services get an agent zone below their cell.\n"+
		"# An Endpoint with a host is dialled by the nodes of its parent and child\n"+
		"# zones (env.yaml servers: {name, address, port}; an agent at its host's\n"+
		"# address). The master's copy; `nagios-cfg bootstrap` prints each node's.\n\n", e.Name)
	zonesConf(&b, topologyOf(e), func(*icingaZone) bool { return true })
	return b.String()
}
