package render

import (
	"fmt"
	"sort"
	"strings"

	"edgecheck/nagios-cfg/inventory"
)

// agentsCell writes the cell's agent snippets: per role, the NRPE command
// lines and snmpd extend lines of the services that run on the host.
func agentsCell(t sink, f *inventory.Fleet, e *inventory.Env, c *inventory.Cell, a *agentNames) {
	nrpe := map[string]map[string]string{} // role -> name -> line
	snmp := map[string]map[string]string{}
	for _, h := range c.Hosts {
		for _, s := range h.Services {
			var dst map[string]map[string]string
			var line string
			switch kindOf(s) {
			case agentNRPE:
				dst, line = nrpe, "command["+a.names[s]+"]="+a.cmds[s]
			case agentSNMP:
				dst, line = snmp, "extend "+a.names[s]+" "+a.cmds[s]
			default:
				continue
			}
			if dst[s.Role] == nil {
				dst[s.Role] = map[string]string{}
			}
			dst[s.Role][a.names[s]] = line
		}
	}
	base := "agents/" + e.Name + "/" + c.Name + "/"
	src := header(cellSources(f, c)...)
	for _, role := range sortedKeys(nrpe) {
		t.put(base+"nrpe/"+role+".cfg", src+fmt.Sprintf("# NRPE commands for role %s: include this file in nrpe.cfg on its hosts.\n", role)+sortedLines(nrpe[role]))
	}
	for _, role := range sortedKeys(snmp) {
		t.put(base+"snmpd/"+role+".conf", src+fmt.Sprintf("# snmpd extend lines for role %s: include this file in snmpd.conf on its hosts;\n# check_snmp_extend reads them through NET-SNMP-EXTEND-MIB.\n", role)+sortedLines(snmp[role]))
	}
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
