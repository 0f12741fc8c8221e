package render

import (
	"fmt"
	"strings"

	"edgecheck/nagios-cfg/inventory"
)

// ProcsCheck is the check whose --source ucd (and auto, on an agent
// without HOST-RESOURCES-MIB) reads net-snmp's UCD-SNMP-MIB prTable, which
// has one row per `proc NAME [MAX [MIN]]` line of snmpd.conf.
const ProcsCheck = "check_snmp_procs"

// commLen is the length the Linux kernel cuts a process name (comm,
// TASK_COMM_LEN - 1) to; net-snmp's `proc` directive compares NAME with it.
const commLen = 15

// procLine is the snmpd.conf `proc` line of one --process value: `proc
// NAME` with no MAX or MIN, so that net-snmp sets prErrorFlag when no
// process runs (snmpd.conf(5): MAX defaults to infinity, MIN to 1); the
// count range is check_snmp_procs' own -w/-c. A name longer than the
// kernel's 15 characters is written as its first 15, which is what
// net-snmp compares and what check_snmp_procs matches a longer --process
// against (plugins/snmpprocs/README.md, "With ucd").
func procLine(name string) string {
	if len(name) > commLen {
		name = name[:commLen]
	}
	return "proc " + name
}

// procNameProblem says why a --process value cannot be a `proc` line, ""
// when it can: snmpd.conf splits a line on blanks, reads '#' as a
// comment and quotes and backslashes as quoting.
func procNameProblem(name string) string {
	switch {
	case strings.TrimSpace(name) == "":
		return "a blank --process name cannot be an snmpd `proc` line (UCD-SNMP-MIB prTable); give the process name as the kernel shows it"
	case strings.ContainsAny(name, " \t\r\n#\\\"'"):
		return fmt.Sprintf("--process %q cannot be an snmpd `proc` line: snmpd.conf splits a line on blanks, reads '#' as a comment and quotes as quoting; use the name as `ps -o comm` shows it, or --process-regex", name)
	}
	return ""
}

// procTarget reports whether a check_snmp_procs service polls the snmpd
// of its own host: its -H is the host's address or name (or, run on the
// host, the loopback). The proc lines go in that host's role snippet.
// A --source host-resources service needs none.
func procTarget(h *inventory.Host, s *inventory.Service) bool {
	if s.Plugin == nil || s.Plugin.Name != ProcsCheck {
		return false
	}
	target, source := "", "auto"
	for _, fv := range s.Flags {
		if len(fv.Values) == 0 || fv.Values[0].Secret != nil {
			continue
		}
		switch fv.Decl.Name {
		case "hostname":
			target = fv.Values[0].Lit
		case "source":
			source = fv.Values[0].Lit
		}
	}
	if source == "host-resources" {
		return false
	}
	switch target {
	case h.Address, h.Name:
		return target != ""
	case "localhost", "127.0.0.1", "::1":
		return kindOf(s) != agentNone
	}
	return false
}

// procLines returns the `proc` lines of a check_snmp_procs service that
// polls its own host, keyed by line.
func procLines(h *inventory.Host, s *inventory.Service) map[string]string {
	out := map[string]string{}
	if !procTarget(h, s) {
		return out
	}
	for _, fv := range s.Flags {
		if fv.Decl.Name != "process" {
			continue
		}
		for _, v := range fv.Values {
			if v.Secret == nil && procNameProblem(v.Lit) == "" {
				l := procLine(v.Lit)
				out[l] = l
			}
		}
	}
	return out
}

// ProcProblems lists, with the inventory position, every --process value
// of a check_snmp_procs service polling its own host's snmpd that cannot
// be rendered as a `proc` line. Render refuses them.
func ProcProblems(f *inventory.Fleet) inventory.Errors {
	var out inventory.Errors
	for _, e := range f.Envs {
		for _, c := range e.Cells {
			for _, h := range c.Hosts {
				for _, s := range h.Services {
					if !procTarget(h, s) {
						continue
					}
					for _, fv := range s.Flags {
						if fv.Decl.Name != "process" {
							continue
						}
						for _, v := range fv.Values {
							if msg := procNameProblem(v.Lit); msg != "" && v.Secret == nil {
								out = append(out, &inventory.Error{Pos: v.Pos, Msg: fmt.Sprintf("host %s, service %s: %s", h.Name, s.Name, msg)})
							}
						}
					}
				}
			}
		}
	}
	return out
}
