package render

import (
	"fmt"
	"sort"
	"strings"

	"edgecheck/nagios-cfg/inventory"
)

// agentsCell writes the cell's agent snippets: per role, the NRPE command
// lines and snmpd extend lines of the services that run on the host, and
// the snmpd proc lines of the check_snmp_procs services that poll it.
func agentsCell(t sink, f *inventory.Fleet, e *inventory.Env, c *inventory.Cell, a *agentNames) {
	nrpe := map[string]map[string]string{} // role -> name -> line
	snmp := map[string]map[string]string{}
	sudoers := map[string]map[string]string{} // role -> line -> line
	add := func(dst map[string]map[string]string, role, key, line string) {
		if dst[role] == nil {
			dst[role] = map[string]string{}
		}
		dst[role][key] = line
	}
	for _, h := range c.Hosts {
		for _, s := range h.Services {
			for _, l := range procLines(h, s) {
				add(snmp, s.Role, "~"+l, l) // after the extend lines
			}
			switch kindOf(s) {
			case agentNRPE:
				add(nrpe, s.Role, a.names[s], "command["+a.names[s]+"]="+a.cmds[s])
			case agentSNMP:
				add(snmp, s.Role, a.names[s], "extend "+a.names[s]+" "+a.cmds[s])
			default:
				continue
			}
			if s.Sudo {
				line := sudoersLine(agentUser(s), agentBinary(s))
				add(sudoers, s.Role, line, line)
			}
		}
	}
	base := "agents/" + e.Name + "/" + c.Name + "/"
	src := header(cellSources(f, c)...)
	for _, role := range sortedKeys(nrpe) {
		t.put(base+"nrpe/"+role+".cfg", src+fmt.Sprintf("# NRPE commands for role %s: include this file in nrpe.cfg on its hosts.\n", role)+sortedLines(nrpe[role]))
	}
	for _, role := range sortedKeys(snmp) {
		t.put(base+"snmpd/"+role+".conf", src+snmpdComment(role, snmp[role])+sortedLines(snmp[role]))
	}
	for _, role := range sortedKeys(sudoers) {
		t.put(base+"sudoers/"+role, src+fmt.Sprintf("# sudoers drop-in for role %s: install it as /etc/sudoers.d/edgecheck-%s (mode 0440)\n# on its hosts, so that the agents may run the checks set to sudo as root.\n", role, sudoersFileName(role))+sortedLines(sudoers[role]))
	}
}

// snmpdComment says what an snmpd role snippet holds: extend lines, proc
// lines (keys starting with "~"), or both.
func snmpdComment(role string, lines map[string]string) string {
	var extends, procs bool
	for k := range lines {
		if strings.HasPrefix(k, "~") {
			procs = true
		} else {
			extends = true
		}
	}
	var b strings.Builder
	if extends {
		fmt.Fprintf(&b, "# snmpd extend lines for role %s: include this file in snmpd.conf on its hosts;\n# check_snmp_extend reads them through NET-SNMP-EXTEND-MIB.\n", role)
	}
	if procs {
		fmt.Fprintf(&b, "# snmpd proc lines for role %s (include this file in snmpd.conf on its hosts):\n"+
			"# check_snmp_procs --source ucd/auto reads them through UCD-SNMP-MIB prTable. net-snmp\n"+
			"# compares the kernel's process name, cut to 15 characters, so a longer --process\n"+
			"# is written as its first 15 characters (check_snmp_procs matches it so).\n", role)
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sortedLines(m map[string]string) string {
	var b strings.Builder
	for _, k := range sortedKeys(m) {
		b.WriteString(m[k])
		b.WriteByte('\n')
	}
	return b.String()
}

// sudoersLine lets an agent user run one check as root, with any
// arguments (the command lines themselves are in the NRPE and snmpd
// snippets). The inventory restricts both names to characters sudoers
// takes literally.
func sudoersLine(user, binary string) string {
	return user + " ALL=(root) NOPASSWD: " + binary + " *"
}

// sudoersFileName is a role name as sudo's @includedir reads it: it skips
// names containing a dot.
func sudoersFileName(role string) string {
	return strings.ReplaceAll(role, ".", "_")
}

// AgentNames returns the NRPE command or snmpd extend name of every
// service that runs on its host (nrpe, snmp-extend, icinga-agent): the
// names the agent snippets define and the servers ask for.
func AgentNames(f *inventory.Fleet) map[*inventory.Service]string {
	return newAgentNames(f).names
}
