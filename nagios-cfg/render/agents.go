package render

import (
	"fmt"
	"sort"
	"strings"

	"edgecheck/nagios-cfg/inventory"
)

// renderAgents writes, per environment, cell and role, the NRPE command
// lines and snmpd extend lines of the services that run on the host.
func renderAgents(t sink, f *inventory.Fleet, a *agentNames) error {
	for _, e := range f.Envs {
		for _, c := range e.Cells {
			nrpe := map[string]map[string]string{} // role -> name -> line
			snmp := map[string]map[string]string{}
			for _, h := range c.Hosts {
				for _, s := range h.Services {
					var dst map[string]map[string]string
					var line string
					switch kindOf(s) {
					case agentNRPE:
						dst, line = nrpe, fmt.Sprintf("command[%s]=%s", a.names[s], a.cmds[s])
					case agentSNMP:
						dst, line = snmp, fmt.Sprintf("extend %s %s", a.names[s], a.cmds[s])
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
			for role, lines := range nrpe {
				t.put(base+"nrpe/"+role+".cfg", src+fmt.Sprintf("# NRPE commands for role %s: include this file in nrpe.cfg on its hosts.\n", role)+sortedLines(lines))
			}
			for role, lines := range snmp {
				t.put(base+"snmpd/"+role+".conf", src+fmt.Sprintf("# snmpd extend lines for role %s: include this file in snmpd.conf on its hosts;\n# check_snmp_extend reads them through NET-SNMP-EXTEND-MIB.\n", role)+sortedLines(lines))
			}
		}
	}
	return nil
}

func sortedLines(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(m[k])
		b.WriteByte('\n')
	}
	return b.String()
}
