package render

import (
	"fmt"
	"sort"
	"strings"

	"edgecheck/nagios-cfg/inventory"
)

// A Bootstrap is what one Icinga 2 node needs, beside its packages, to
// join its environment's cluster: files relative to /etc/icinga2 (the
// Debian ConfigDir) and the shell steps that install them, enable the
// api feature and give the node its certificate.
type Bootstrap struct {
	Node, Role, Zone, Parent, Env string
	Master                        string // the master endpoint holding the CA
	Files                         Tree   // path relative to /etc/icinga2 -> content
	Steps                         string
}

// NodeBootstrap renders the bootstrap of node (a server of the inventory
// or a host with icinga-agent services). It fails with the file:line:col
// of each connection of the node that no side can dial (AddressProblems).
func NodeBootstrap(f *inventory.Fleet, node string) (*Bootstrap, error) {
	for _, e := range f.Envs {
		t := topologyOf(e)
		n := t.Nodes[node]
		if n == nil {
			continue
		}
		if len(t.Zones[0].Endpoints) == 0 {
			return nil, fmt.Errorf("%s: environment %s has no global or mixed server, so its Icinga 2 cluster has no master for %s to join: list one under servers", f.Source(e.File), e.Name, node)
		}
		if err := nodeAddressErrors(f, n); err != nil {
			return nil, err
		}
		bs := &Bootstrap{Node: n.Name, Role: n.Role, Zone: n.Zone, Parent: n.Parent, Env: e.Name, Master: t.Zones[0].Endpoints[0].Name, Files: Tree{}}
		bs.Files.put("icinga2.conf", bootstrapMain(f, e, n))
		bs.Files.put("constants.conf", bootstrapConstants(f, e, n))
		bs.Files.put("zones.conf", bootstrapZones(f, e, t, n))
		bs.Files.put("features-available/api.conf", bootstrapAPI(f, e, n))
		if n.Role == RoleMaster {
			// icinga2.conf includes api-users.d/*.conf, and a glob over a
			// missing directory is an error: the directory ships with a note.
			bs.Files.put("api-users.d/README", "REST API users of this master: ApiUser objects in files named *.conf here.\n")
			if err := masterZonesD(f, e, bs.Files); err != nil {
				return nil, err
			}
		}
		bs.Steps = bootstrapSteps(bs)
		return bs, nil
	}
	return nil, fmt.Errorf("no Icinga 2 node %q in inventory %s: a node is a server listed in an env.yaml or a host with icinga-agent services", node, f.Root)
}

func nodeAddressErrors(f *inventory.Fleet, n *icingaNode) error {
	var es inventory.Errors
	for _, p := range AddressProblems(f) {
		if p.Zone == n.Zone || p.Parent == n.Zone {
			es = append(es, &inventory.Error{Pos: p.Pos, Msg: p.Msg})
		}
	}
	if len(es) == 0 {
		return nil
	}
	return es
}

// masterZonesD copies the environment's zones.d and the global-templates
// zone from the render into files, as /etc/icinga2/zones.d of the master.
func masterZonesD(f *inventory.Fleet, e *inventory.Env, files Tree) error {
	envDir := "icinga2/" + e.Name + "/zones.d/"
	return RenderTo(f, func(path, data string) error {
		switch {
		case strings.HasPrefix(path, envDir):
			files.put("zones.d/"+strings.TrimPrefix(path, envDir), data)
		case strings.HasPrefix(path, GlobalTemplatesDir+"/"):
			files.put("zones.d/global-templates/"+strings.TrimPrefix(path, GlobalTemplatesDir+"/"), data)
		}
		return nil
	})
}

// bootstrapMain is Debian's icinga2.conf without conf.d (as `icinga2 node
// setup --disable-confd` leaves it: its example objects do not belong on
// a cluster node); the master also reads the REST API users of
// api-users.d/.
func bootstrapMain(f *inventory.Fleet, e *inventory.Env, n *icingaNode) string {
	var b strings.Builder
	b.WriteString(strings.ReplaceAll(header(f.Source(e.File), f.Source(f.DefaultsFile)), "# ", "// "))
	fmt.Fprintf(&b, "// /etc/icinga2/icinga2.conf of %s (%s, zone %s).\n\n", n.Name, n.Role, n.Zone)
	b.WriteString(`include "constants.conf"
include "zones.conf"
include <itl>
include <plugins>
include <plugins-contrib>
include <manubulon>
include <windows-plugins>
include <nscp>
include "features-enabled/*.conf"
`)
	if n.Role == RoleMaster {
		b.WriteString("include \"api-users.d/*.conf\"\n")
	}
	return b.String()
}

// bootstrapConstants is constants.conf: Debian's paths, the node's
// NodeName and ZoneName, and the secrets' constants with the paths of
// secrets.conf.example (the credentials files the checks read).
func bootstrapConstants(f *inventory.Fleet, e *inventory.Env, n *icingaNode) string {
	var b strings.Builder
	b.WriteString(strings.ReplaceAll(header(f.Source(e.File), f.Source(f.DefaultsFile)), "# ", "// "))
	fmt.Fprintf(&b, "// /etc/icinga2/constants.conf of %s.\n\n", n.Name)
	b.WriteString("const PluginDir = \"/usr/lib/nagios/plugins\"\nconst ManubulonPluginDir = \"/usr/lib/nagios/plugins\"\nconst PluginContribDir = \"/usr/lib/nagios/plugins\"\n")
	fmt.Fprintf(&b, "const NodeName = %s\nconst ZoneName = %s\nconst TicketSalt = \"\"\n", istr(n.Name), istr(n.Zone))
	for _, s := range f.Secrets {
		fmt.Fprintf(&b, "const %s = %s // secret %s\n", s.Icinga, istr(s.Agent), s.Name)
	}
	return b.String()
}

// bootstrapZones is the node's zones.conf: the master gets every zone;
// a satellite the master, its own zone and its agents' zones; an agent
// its parent chain and its own zone.
func bootstrapZones(f *inventory.Fleet, e *inventory.Env, t *topology, n *icingaNode) string {
	var b strings.Builder
	b.WriteString(header(f.Source(e.File), f.Source(f.DefaultsFile)))
	fmt.Fprintf(&b, "# /etc/icinga2/zones.conf of %s (%s, zone %s).\n\n", n.Name, n.Role, n.Zone)
	keep := map[string]bool{n.Zone: true}
	for z := t.zone(n.Zone); z != nil && z.Parent != ""; z = t.zone(z.Parent) {
		keep[z.Parent] = true
	}
	zonesConf(&b, t, func(z *icingaZone) bool {
		return n.Role == RoleMaster || keep[z.Name] || z.Parent == n.Zone
	})
	return b.String()
}

// bootstrapAPI is the api feature: a master accepts neither config nor
// commands from elsewhere; a satellite and an agent take their zone's
// config (accept_config) and the checks their parent sends
// (accept_commands, which command_endpoint needs).
func bootstrapAPI(f *inventory.Fleet, e *inventory.Env, n *icingaNode) string {
	child := n.Role != RoleMaster
	var b strings.Builder
	b.WriteString(strings.ReplaceAll(header(f.Source(e.File), f.Source(f.DefaultsFile)), "# ", "// "))
	fmt.Fprintf(&b, "// /etc/icinga2/features-available/api.conf of %s.\n\nobject ApiListener \"api\" {\n", n.Name)
	if n.Port != inventory.DefaultAPIPort {
		fmt.Fprintf(&b, "\tbind_port = %d\n", n.Port)
	}
	fmt.Fprintf(&b, "\taccept_config = %t\n\taccept_commands = %t\n\tticket_salt = TicketSalt\n}\n", child, child)
	return b.String()
}

func bootstrapSteps(bs *Bootstrap) string {
	paths := make([]string, 0, len(bs.Files))
	for p := range bs.Files {
		if !strings.HasPrefix(p, "zones.d/") {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	var b strings.Builder
	fmt.Fprintf(&b, "# Icinga 2 node %s: %s of environment %s, zone %s", bs.Node, bs.Role, bs.Env, bs.Zone)
	if bs.Parent != "" {
		fmt.Fprintf(&b, ", parent zone %s", bs.Parent)
	}
	b.WriteString(".\n# Run as root on that node, from the directory bootstrap wrote (OUT).\n\n# 1. Configuration: OUT/<file> becomes /etc/icinga2/<file>.\n")
	for _, p := range paths {
		fmt.Fprintf(&b, "install -D -o nagios -g nagios -m 0640 OUT/%s /etc/icinga2/%s\n", p, p)
	}
	if bs.Role == RoleMaster {
		b.WriteString("rm -rf /etc/icinga2/zones.d && cp -r OUT/zones.d /etc/icinga2/zones.d && chown -R nagios:nagios /etc/icinga2/zones.d\n" +
			"# REST API users (for Icinga Web or curl): ApiUser objects in /etc/icinga2/api-users.d/*.conf\n")
	}
	b.WriteString("\n# 2. Features: the cluster listener on")
	if bs.Role == RoleMaster {
		b.WriteString(".\nicinga2 feature enable api\n")
	} else {
		b.WriteString("; only the master notifies.\nicinga2 feature enable api\nicinga2 feature disable notification\n")
	}
	fmt.Fprintf(&b, "\n# 3. Certificate, signed by the environment's CA on the master %s (/var/lib/icinga2/ca).\n", bs.Master)
	if bs.Role == RoleMaster {
		b.WriteString("icinga2 pki new-ca    # once per environment\n")
	}
	b.WriteString("install -d -o nagios -g nagios -m 0750 /var/lib/icinga2/certs\n")
	fmt.Fprintf(&b, "icinga2 pki new-cert --cn %[1]s --key /var/lib/icinga2/certs/%[1]s.key --csr /var/lib/icinga2/certs/%[1]s.csr\n", bs.Node)
	if bs.Role == RoleMaster {
		fmt.Fprintf(&b, "icinga2 pki sign-csr --csr /var/lib/icinga2/certs/%[1]s.csr --cert /var/lib/icinga2/certs/%[1]s.crt\n", bs.Node)
		b.WriteString("cp /var/lib/icinga2/ca/ca.crt /var/lib/icinga2/certs/ca.crt\n")
	} else {
		fmt.Fprintf(&b, "# copy %[1]s.csr to the master %[2]s and sign it there:\n#   icinga2 pki sign-csr --csr %[1]s.csr --cert %[1]s.crt\n"+
			"# then put the signed %[1]s.crt and the master's /var/lib/icinga2/ca/ca.crt into /var/lib/icinga2/certs/ here.\n", bs.Node, bs.Master)
	}
	b.WriteString(
		"chown -R nagios:nagios /var/lib/icinga2/certs\n\n# 4. Check and start.\nicinga2 daemon -C && systemctl restart icinga2\n")
	return b.String()
}
