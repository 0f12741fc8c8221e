// Package snmpprocs is check_snmp_procs: it counts the processes of a
// host that are selected by name (or regex) in the agent's HOST-RESOURCES-MIB
// hrSWRunTable, or in net-snmp's UCD-SNMP-MIB prTable, and judges each
// count against a Nagios range. It is meant for the integration daemons of
// a hypervisor (ovs-xapi-sync, ovs-vswitchd, ovsdb-server, nova-compute)
// on hosts where snmpd is the only agent.
package snmpprocs

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"edgecheck/shared/nagios"
	"edgecheck/shared/registry"
	"edgecheck/shared/snmp"
)

const service = "SNMP_PROCS"

// The --source values.
const (
	SourceAuto          = "auto"
	SourceHostResources = "host-resources"
	SourceUCD           = "ucd"
)

// defaultCritical is CRITICAL below one process.
const defaultCritical = "1:"

// dial opens the agent; unit tests swap it for a fake.
var dial snmp.Dialer = snmp.Dial

// Check is one configured run.
type Check struct {
	snmp.Config
	Processes []string
	Regexes   []string
	Source    string
	Warn      *nagios.Range
	Crit      *nagios.Range
}

func init() {
	registry.Register(registry.Plugin{
		Name:    "check_snmp_procs",
		Service: service,
		Description: "Counts the processes selected by --process NAME or --process-regex on an SNMP agent and judges each count against -w/-c " +
			"(default: CRITICAL below 1). It reads HOST-RESOURCES-MIB hrSWRunTable (hrSWRunName, hrSWRunPath, hrSWRunParameters, so that " +
			"an interpreted daemon such as ovs-xapi-sync, shown as python, is found by its script), where an invalid(4) entry (a zombie) does not " +
			"count, with memory (hrSWRunPerfMem, KB) and CPU (hrSWRunPerfCPU, centi-seconds, a counter) as perfdata; or net-snmp's own " +
			"UCD-SNMP-MIB prTable (`proc` lines). The agent not answering, a missing table or a table that keeps changing during the walk is UNKNOWN.",
		RunsOn:  "monitoring-server",
		Catches: "an SDN integration daemon (ovs-xapi-sync, ovs-vswitchd, ovsdb-server, nova-compute, Neutron OVS agent) not running, or only as a zombie; process counts, memory and CPU",
		Source:  "HOST-RESOURCES-MIB hrSWRunTable/hrSWRunPerfTable, or UCD-SNMP-MIB prTable",
		Examples: []registry.Example{
			{Command: "check_snmp_procs -H xs0001 --credentials-file /etc/nagios/snmp-v2c.yaml --process ovs-xapi-sync --process ovs-vswitchd --process ovsdb-server",
				Explain: "A XenServer dom0: each of the three daemons must run at least once (ovs-xapi-sync is found as `python ... ovs-xapi-sync`)."},
			{Command: "check_snmp_procs -H kvm0001 --protocol 3 --credentials-file /etc/nagios/snmp-v3.yaml --process nova-compute --process neutron-openvswitch-agent -c 1:1",
				Explain: "A KVM host over SNMPv3: exactly one nova-compute and one Neutron OVS agent."},
			{Command: "check_snmp_procs -H xs0001 --credentials-file /etc/nagios/snmp-v2c.yaml --source ucd --process ovs-vswitchd",
				Explain: "Read snmpd's own `proc ovs-vswitchd` line (prTable) instead of the process table."},
		},
		New: func() registry.Check { return &Check{} },
	})
}

// Flags declares the check's flags and sets their defaults.
func (c *Check) Flags(fs *registry.FlagSet) {
	c.Config.Declare(fs)
	fs.Strings(&c.Processes, "process", "A process to count: hrSWRunName equal to NAME, else the base name of hrSWRunPath, "+
		"else the base name of the script (first non-option word) in hrSWRunParameters. With --source ucd: the prNames of a `proc` line.").WithMeta("NAME")
	fs.Strings(&c.Regexes, "process-regex", "A regular expression (Go RE2) counted like --process, matched against hrSWRunName, "+
		"hrSWRunPath, then hrSWRunParameters (prNames with --source ucd).").WithMeta("REGEX")
	fs.String(&c.Source, "source", SourceAuto, "Where to count: host-resources (HOST-RESOURCES-MIB hrSWRunTable), ucd (UCD-SNMP-MIB prTable, "+
		"net-snmp's `proc` lines) or auto (hrSWRunTable, else prTable when the agent shows no hrSWRunTable).").WithMeta("SOURCE")
	fs.Range(&c.Warn, "warning", "WARNING when a selection's process count is outside this range.").WithShort("w")
	crit := nagios.MustParseRange(defaultCritical)
	c.Crit = &crit
	f := fs.Range(&c.Crit, "critical", "CRITICAL when a selection's process count is outside this range.").WithShort("c")
	f.Default = defaultCritical
}

// Validate checks the flags before any I/O; it changes nothing.
func (c *Check) Validate() error {
	if err := c.Config.Validate(); err != nil {
		return err
	}
	if err := registry.OneOf("source", c.Source, SourceAuto, SourceHostResources, SourceUCD); err != nil {
		return err
	}
	_, err := c.selectors()
	return err
}

// selectors compiles --process and --process-regex in the order given.
func (c *Check) selectors() ([]Selector, error) {
	var out []Selector
	for _, n := range c.Processes {
		if strings.TrimSpace(n) == "" {
			return nil, errors.New("--process is empty")
		}
		out = append(out, Selector{Label: n, Name: n})
	}
	for _, r := range c.Regexes {
		re, err := regexp.Compile(r)
		if err != nil {
			return nil, fmt.Errorf("--process-regex %q: %v", r, err)
		}
		out = append(out, Selector{Label: r, Re: re})
	}
	if len(out) == 0 {
		return nil, errors.New("give at least one --process NAME or --process-regex REGEX")
	}
	seen := map[string]bool{}
	for _, s := range out {
		if seen[s.Label] {
			return nil, fmt.Errorf("%q is selected twice: each selection gives its own perfdata labels", s.Label)
		}
		seen[s.Label] = true
	}
	return out, nil
}

// Run reads the chosen source and judges every selection.
func (c *Check) Run(ctx context.Context) (*nagios.Result, error) {
	sels, err := c.selectors()
	if err != nil {
		return nil, err
	}
	g, err := dial.Open(ctx, &c.Config)
	if err != nil {
		return nil, err
	}
	defer g.Close()
	addr := c.Address()
	if c.Source != SourceUCD {
		procs, err := readHostResources(ctx, g, addr, sels)
		switch {
		case err == nil:
			return c.judgeHostResources(ctx, sels, procs), nil
		case !errors.Is(err, errNoHostResources):
			return nil, err
		case c.Source == SourceHostResources:
			return nil, noHostResources(addr)
		}
		// auto: fall back to prTable, or name both missing tables.
		pr, err := walkPrTable(ctx, g, addr)
		if errors.Is(err, errNoPrTable) {
			return nil, noHostResources(addr)
		}
		if err != nil {
			return nil, err
		}
		res := c.judgeUCD(sels, pr)
		res.Summary += " (from prTable: the agent shows no hrSWRunTable)"
		return res, nil
	}
	pr, err := walkPrTable(ctx, g, addr)
	if errors.Is(err, errNoPrTable) {
		return nil, noPrTable(addr)
	}
	if err != nil {
		return nil, err
	}
	return c.judgeUCD(sels, pr), nil
}

// readHostResources walks the process table, selects the rows and reads
// their status and perf values. A table that changed during the read is
// read once more; a second change is an error.
func readHostResources(ctx context.Context, g snmp.Getter, addr string, sels []Selector) ([]*Process, error) {
	var last error
	for attempt := 0; attempt < 2; attempt++ {
		rows, err := walkRunTable(ctx, g, addr)
		if errors.Is(err, errChanged) {
			last = err
			continue
		}
		if err != nil {
			return nil, err
		}
		var picked []*Process
		for i := range rows {
			if slices.ContainsFunc(sels, func(s Selector) bool { return s.Match(rows[i]) != "" }) {
				picked = append(picked, &rows[i])
			}
		}
		err = readStatus(ctx, g, addr, picked)
		if errors.Is(err, errChanged) {
			last = err
			continue
		}
		return picked, err
	}
	return nil, fmt.Errorf("SNMP agent %s: %v, twice in a row: processes start and exit faster than the walk; run the check again, "+
		"and if it persists look for a crash loop on the host", addr, last)
}
