// Package snmpinterfaces is check_snmp_interfaces: link status, error and
// discard rates and bandwidth of switch or host interfaces from IF-MIB,
// with rates computed against the previous run's counters kept in a state
// file.
package snmpinterfaces

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"edgecheck/shared/nagios"
	"edgecheck/shared/registry"
	"edgecheck/shared/snmp"
)

// IF-MIB and SNMPv2-MIB objects.
const (
	oidSysUpTime     = ".1.3.6.1.2.1.1.3.0"
	oidIfDescr       = ".1.3.6.1.2.1.2.2.1.2"
	oidIfSpeed       = ".1.3.6.1.2.1.2.2.1.5"
	oidIfAdminStatus = ".1.3.6.1.2.1.2.2.1.7"
	oidIfOperStatus  = ".1.3.6.1.2.1.2.2.1.8"
	oidIfInOctets    = ".1.3.6.1.2.1.2.2.1.10"
	oidIfInDiscards  = ".1.3.6.1.2.1.2.2.1.13"
	oidIfInErrors    = ".1.3.6.1.2.1.2.2.1.14"
	oidIfOutOctets   = ".1.3.6.1.2.1.2.2.1.16"
	oidIfOutDiscards = ".1.3.6.1.2.1.2.2.1.19"
	oidIfOutErrors   = ".1.3.6.1.2.1.2.2.1.20"
	oidIfName        = ".1.3.6.1.2.1.31.1.1.1.1"
	oidIfHCInOctets  = ".1.3.6.1.2.1.31.1.1.1.6"
	oidIfHCOutOctets = ".1.3.6.1.2.1.31.1.1.1.10"
	oidIfHighSpeed   = ".1.3.6.1.2.1.31.1.1.1.15"
)

// columns are read for each selected interface, in this order.
var columns = []string{
	oidIfAdminStatus, oidIfOperStatus,
	oidIfHCInOctets, oidIfHCOutOctets, oidIfHighSpeed,
	oidIfInOctets, oidIfOutOctets, oidIfSpeed,
	oidIfInErrors, oidIfOutErrors, oidIfInDiscards, oidIfOutDiscards,
}

// maxOIDsPerGet keeps each request within gosnmp's and most agents' limits.
const maxOIDsPerGet = 48

const service = "SNMP_INTERFACES"

// dial opens the agent; unit tests swap it for a fake.
var dial snmp.Dialer = snmp.Dial

// now is the clock; unit tests fix it.
var now = time.Now

// Check is one configured run.
type Check struct {
	snmp.Config
	InterfaceRegex string
	StateFile      string
	WarnErrors     *nagios.Range
	CritErrors     *nagios.Range
	WarnDiscards   *nagios.Range
	CritDiscards   *nagios.Range
	WarnUtil       *nagios.Range
	CritUtil       *nagios.Range
}

func init() {
	registry.Register(registry.Plugin{
		Name:    "check_snmp_interfaces",
		Service: service,
		Description: "Checks switch or host interfaces over SNMP (IF-MIB): an interface that is administratively up but operationally down is CRITICAL; " +
			"error and discard rates and bandwidth utilisation (64-bit ifHC* counters, 32-bit fallback) have thresholds; " +
			"a 32-bit octet counter that may have wrapped more than once between two runs (interval x speed >= 2^32 bytes, e.g. over 34 s at 1 Gb/s) gives no rate: UNKNOWN, saying to poll faster or use ifHC*. " +
			"Perfdata labels are unique per interface (NAME#IFINDEX where two rows share an ifName). " +
			"Rates need two samples: each run keeps the counters in a state file (flock, atomic replace; counter wraps and agent restarts handled), " +
			"so the first run reports status only and says it is initialising.",
		RunsOn:  "monitoring-server",
		Catches: "links down, error and discard rates, bandwidth utilisation",
		Source:  "IF-MIB 64-bit counters",
		Examples: []registry.Example{
			{Command: "check_snmp_interfaces -H sw1 --credentials-file /etc/nagios/snmp-v2c.yaml --interface-regex '^Ethernet1/(1|2)$' --critical-utilisation 90 --warning-errors 1",
				Explain: "Two uplinks: CRITICAL when down while enabled or above 90% of link speed, WARNING above 1 error per second."},
			{Command: "check_snmp_interfaces -H hv0001 --protocol 3 --credentials-file /etc/nagios/snmp-v3.yaml --interface-regex '^(eth|bond)' --state-file /var/lib/nagios/ifstate/hv0001.json",
				Explain: "A hypervisor's NICs and bonds over SNMPv3, with the state file in a directory of its own."},
		},
		New: func() registry.Check { return &Check{} },
	})
}

// Flags declares the check's flags.
func (c *Check) Flags(fs *registry.FlagSet) {
	c.Config.Declare(fs)
	fs.String(&c.InterfaceRegex, "interface-regex", "", "Only interfaces whose ifName (ifDescr when there is no ifName) matches this regular expression (default: all).").WithMeta("REGEX")
	fs.String(&c.StateFile, "state-file", "", "JSON file keeping the previous counters for rates; one per agent, shared safely by concurrent runs "+
		"(default "+defaultStateDir+"/snmp_interfaces_HOST_PORT.json).").WithMeta("FILE")
	fs.Range(&c.WarnErrors, "warning-errors", "WARNING when an interface's errors (in + out) per second are outside this range.")
	fs.Range(&c.CritErrors, "critical-errors", "CRITICAL when an interface's errors (in + out) per second are outside this range.")
	fs.Range(&c.WarnDiscards, "warning-discards", "WARNING when an interface's discards (in + out) per second are outside this range.")
	fs.Range(&c.CritDiscards, "critical-discards", "CRITICAL when an interface's discards (in + out) per second are outside this range.")
	fs.Range(&c.WarnUtil, "warning-utilisation", "WARNING when an interface's bandwidth use, the higher of in and out in percent of its speed, is outside this range.")
	fs.Range(&c.CritUtil, "critical-utilisation", "CRITICAL when an interface's bandwidth use in percent of its speed is outside this range.")
}

// Validate checks the flags before any I/O; it changes nothing.
func (c *Check) Validate() error {
	if err := c.Config.Validate(); err != nil {
		return err
	}
	_, err := c.interfaceRegex()
	return err
}

// interfaceRegex is --interface-regex compiled ("" matches every name).
func (c *Check) interfaceRegex() (*regexp.Regexp, error) {
	re, err := regexp.Compile(c.InterfaceRegex)
	if err != nil {
		return nil, fmt.Errorf("--interface-regex: %v", err)
	}
	return re, nil
}

// statePath is --state-file, or DefaultStatePath for the agent when it is
// not given (a default that depends on -H and --port, so not a flag default).
func (c *Check) statePath() string {
	if c.StateFile != "" {
		return c.StateFile
	}
	return DefaultStatePath(c.Host, c.Port)
}

// An iface is one selected interface.
type iface struct {
	index  int
	name   string
	admin  int64
	oper   int64
	speed  float64 // bits per second, 0 when unknown
	sample Sample
	// noStatus: the agent lists the name but has no ifTable row for it.
	noStatus bool
}

var statusNames = map[int64]string{1: "up", 2: "down", 3: "testing", 4: "unknown", 5: "dormant", 6: "notPresent", 7: "lowerLayerDown"}

func statusName(n int64) string {
	if s, ok := statusNames[n]; ok {
		return s
	}
	return "status " + strconv.FormatInt(n, 10)
}

// Run reads the interfaces, compares with the state file and evaluates.
func (c *Check) Run(ctx context.Context) (*nagios.Result, error) {
	re, err := c.interfaceRegex()
	if err != nil {
		return nil, err
	}
	statePath := c.statePath()
	g, err := dial.Open(ctx, &c.Config)
	if err != nil {
		return nil, err
	}
	defer g.Close()
	addr := c.Address()
	selected, err := c.selectInterfaces(ctx, g, re)
	if err != nil {
		return nil, err
	}
	uptime, err := c.readCounters(ctx, g, selected)
	if err != nil {
		return nil, err
	}
	// The sample is timed when its counters were read, not when the lock
	// is granted: a run that waited for the lock would otherwise pair its
	// counters with a later time and overstate the next rate.
	t := now()
	nagios.SetStage(ctx, "updating state file "+statePath)
	sf := &StateFile{Path: statePath}
	if err := sf.Lock(ctx); err != nil {
		return nil, err
	}
	defer sf.Unlock()
	locked := now()
	st, note, err := sf.Read(addr)
	if err != nil {
		return nil, err
	}
	rates := make([]Rates, len(selected))
	for i, it := range selected {
		it.sample.Time = t
		it.sample.SysUpTime = uptime
		key := strconv.Itoa(it.index)
		prev := st.Interfaces[key]
		if prev != nil && prev.Time.After(t) && !prev.Time.After(locked) {
			// A concurrent run for the same agent read these counters
			// after us and stored them while we waited for the lock. Ours
			// are older: replacing them would make the next rate go back.
			// (A sample newer than the lock is a clock that went back,
			// which Compare reports and the new sample repairs.)
			rates[i].Problems = []string{"a concurrent run sampled it more recently; rates from the next run"}
			continue
		}
		rates[i] = Compare(prev, &it.sample, it.speed)
		s := it.sample
		st.Interfaces[key] = &s
	}
	if err := sf.Write(st); err != nil {
		return nil, err
	}
	res := c.evaluate(selected, rates, note, statePath)
	if nagios.Verbosity(ctx) > 0 {
		for _, it := range selected {
			width := "32-bit"
			if it.sample.HC {
				width = "64-bit"
			}
			res.Add(nagios.OK, "%s counters (%s): in_octets=%d out_octets=%d in_errors=%d out_errors=%d in_discards=%d out_discards=%d sysUpTime=%d, kept in %s",
				it.name, width, it.sample.InOctets, it.sample.OutOctets, it.sample.InErrors, it.sample.OutErrors, it.sample.InDiscards, it.sample.OutDiscards, uptime, statePath)
		}
	}
	return res, nil
}

func (c *Check) selectInterfaces(ctx context.Context, g snmp.Getter, re *regexp.Regexp) ([]*iface, error) {
	addr := c.Address()
	var all []*iface
	for _, col := range []struct{ oid, label string }{{oidIfName, "ifName"}, {oidIfDescr, "ifDescr"}} {
		nagios.SetStage(ctx, fmt.Sprintf("walking %s on %s", col.label, addr))
		vars, err := g.Walk(ctx, col.oid)
		if err != nil {
			return nil, err
		}
		for _, v := range vars {
			idx, ok := v.Index(col.oid)
			b, okB := v.Bytes()
			n, err := strconv.Atoi(idx)
			if ok && okB && err == nil {
				all = append(all, &iface{index: n, name: string(b)})
			}
		}
		if len(all) > 0 {
			break
		}
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("SNMP agent %s shows no interfaces (IF-MIB ifName and ifDescr are empty): check the view of this community/user", addr)
	}
	var selected []*iface
	var names []string
	for _, it := range all {
		names = append(names, it.name)
		if re.MatchString(it.name) {
			it.sample.Name = it.name
			selected = append(selected, it)
		}
	}
	if len(selected) == 0 {
		if len(names) > 20 {
			names = append(names[:20], "...")
		}
		return nil, fmt.Errorf("no interface on SNMP agent %s matches --interface-regex %q (it has: %s)", addr, c.InterfaceRegex, strings.Join(names, ", "))
	}
	return selected, nil
}

// readCounters reads every column of every selected interface with as few
// GET requests as fit, sysUpTime in the first.
func (c *Check) readCounters(ctx context.Context, g snmp.Getter, selected []*iface) (uint64, error) {
	addr := c.Address()
	nagios.SetStage(ctx, fmt.Sprintf("reading status and counters of %d interfaces from %s", len(selected), addr))
	type ref struct {
		it  *iface
		col string
	}
	var oids []string
	var refs []ref
	oids = append(oids, oidSysUpTime)
	refs = append(refs, ref{})
	for _, it := range selected {
		for _, col := range columns {
			oids = append(oids, fmt.Sprintf("%s.%d", col, it.index))
			refs = append(refs, ref{it, col})
		}
	}
	vals := map[*iface]map[string]snmp.Var{}
	var uptime uint64
	for start := 0; start < len(oids); start += maxOIDsPerGet {
		end := min(start+maxOIDsPerGet, len(oids))
		vars, err := g.Get(ctx, oids[start:end]...)
		if err != nil {
			return 0, err
		}
		if len(vars) != end-start {
			return 0, fmt.Errorf("SNMP agent %s returned %d values for %d requested OIDs", addr, len(vars), end-start)
		}
		for i, v := range vars {
			r := refs[start+i]
			if r.it == nil {
				u, ok := v.Uint()
				if !ok {
					return 0, fmt.Errorf("SNMP agent %s has no sysUpTime: it is needed to notice agent restarts between runs", addr)
				}
				uptime = u
				continue
			}
			if vals[r.it] == nil {
				vals[r.it] = map[string]snmp.Var{}
			}
			vals[r.it][r.col] = v
		}
	}
	for _, it := range selected {
		m := vals[it]
		num := func(col string) (uint64, bool) { return m[col].Uint() }
		admin, okA := m[oidIfAdminStatus].Int()
		oper, okO := m[oidIfOperStatus].Int()
		it.admin, it.oper = admin, oper
		it.noStatus = !okA || !okO
		in, okIn := num(oidIfHCInOctets)
		out, okOut := num(oidIfHCOutOctets)
		if okIn && okOut {
			it.sample.HC = true
		} else {
			in, _ = num(oidIfInOctets)
			out, _ = num(oidIfOutOctets)
		}
		it.sample.InOctets, it.sample.OutOctets = in, out
		it.sample.InErrors, _ = num(oidIfInErrors)
		it.sample.OutErrors, _ = num(oidIfOutErrors)
		it.sample.InDiscards, _ = num(oidIfInDiscards)
		it.sample.OutDiscards, _ = num(oidIfOutDiscards)
		if hs, ok := num(oidIfHighSpeed); ok && hs > 0 {
			it.speed = float64(hs) * 1e6
		} else if s, ok := num(oidIfSpeed); ok && s > 0 && s < 4294967295 {
			it.speed = float64(s)
		}
	}
	return uptime, nil
}

// PerfLabels returns one perfdata label stem per interface: its name, or
// NAME#IFINDEX where two selected rows share a name (net-snmp keeps a
// removed interface's row, fading out, next to a new one of the same name).
func PerfLabels(names []string, indexes []int) []string {
	count := map[string]int{}
	for _, n := range names {
		count[n]++
	}
	used := map[string]bool{}
	out := make([]string, len(names))
	for i, n := range names {
		label := n
		if count[n] > 1 || used[label] {
			label = n + "#" + strconv.Itoa(indexes[i])
		}
		used[label] = true
		out[i] = label
	}
	return out
}

// evaluate builds the result: one item per interface, and line 1 through
// nagios.Summary (the problems worst first, joined by ", ", then the counts;
// statePath is named while every interface is initialising).
func (c *Check) evaluate(selected []*iface, rates []Rates, note, statePath string) *nagios.Result {
	res := &nagios.Result{}
	var up, adminDown, initialising int
	var sum nagios.Summary
	names, indexes := make([]string, len(selected)), make([]int, len(selected))
	for i, it := range selected {
		names[i], indexes[i] = it.name, it.index
	}
	labels := PerfLabels(names, indexes)
	for i, it := range selected {
		r := rates[i]
		statusState, text := c.status(it)
		state := statusState
		var details []string
		if it.admin == 1 && it.oper == 1 {
			up++
		}
		if it.admin == 2 {
			adminDown++
		}
		if r.Initialised {
			st, d := c.rateItem(res, &sum, it, r, labels[i])
			state = nagios.Worst(state, st)
			details = append(details, d...)
		} else {
			initialising++
			why := "initialising counters, rates from the next run"
			if len(r.Problems) > 0 {
				why = strings.Join(r.Problems, "; ")
			}
			details = append(details, why)
		}
		if state != nagios.OK && !(it.admin == 1 && it.oper == 1) && it.admin != 2 {
			sum.Add(statusState, fmt.Sprintf("%s %s", labels[i], text))
		}
		res.Add(state, "%s (ifIndex %d) %s; %s", it.name, it.index, text, strings.Join(details, "; "))
	}
	noun := "interfaces"
	if len(selected) == 1 {
		noun = "interface"
	}
	summary := fmt.Sprintf("%d %s: %d up", len(selected), noun, up)
	if adminDown > 0 {
		summary += fmt.Sprintf(", %d admin down", adminDown)
	}
	if problems := sum.Texts(res); len(problems) > 0 {
		summary = strings.Join(problems, ", ") + "; " + summary
	}
	if initialising == len(selected) {
		summary += "; initialising counters in " + statePath + ", rates from the next run"
	} else if initialising > 0 {
		summary += fmt.Sprintf("; %d initialising", initialising)
	}
	if note != "" {
		summary += "; " + note
	}
	res.Summary = summary
	return res
}

// rateItem evaluates one interface's rates against the thresholds, adds its
// perfdata (labelled label_*) to res and its problems, each with its state,
// to sum for line 1, and returns its state and detail texts. Octet rates
// that a 32-bit counter cannot give (OctetsUnknown) are UNKNOWN, with no
// in/out/utilisation perfdata.
func (c *Check) rateItem(res *nagios.Result, sum *nagios.Summary, it *iface, r Rates, label string) (nagios.State, []string) {
	errState := nagios.Thresholds{Warning: c.WarnErrors, Critical: c.CritErrors}.Evaluate(r.Errors)
	discState := nagios.Thresholds{Warning: c.WarnDiscards, Critical: c.CritDiscards}.Evaluate(r.Discards)
	state := nagios.Worst(errState, discState)
	var details []string
	if r.OctetsUnknown != "" {
		details = append(details, r.OctetsUnknown)
		sum.Add(nagios.Unknown, label+" "+strings.SplitN(r.OctetsUnknown, ";", 2)[0])
		state = nagios.Worst(state, nagios.Unknown)
	} else {
		util := -1.0
		if it.speed > 0 {
			util = max(r.InBps, r.OutBps) / it.speed * 100
		}
		bw := fmt.Sprintf("in %s, out %s", humanBits(r.InBps), humanBits(r.OutBps))
		res.AddPerf(
			nagios.Perf{Label: label + "_in_bps", Value: round(r.InBps), Min: nagios.Float(0), Max: speedMax(it.speed)},
			nagios.Perf{Label: label + "_out_bps", Value: round(r.OutBps), Min: nagios.Float(0), Max: speedMax(it.speed)},
		)
		if util >= 0 {
			utilState := nagios.Thresholds{Warning: c.WarnUtil, Critical: c.CritUtil}.Evaluate(util)
			state = nagios.Worst(state, utilState)
			bw += fmt.Sprintf(" (%.1f%% of %s)", util, humanBits(it.speed))
			if utilState != nagios.OK {
				sum.Add(utilState, fmt.Sprintf("%s at %.1f%% of its speed", label, util))
			}
			res.AddPerf(nagios.Perf{Label: label + "_utilisation", Value: round(util), UOM: "%", Warn: c.WarnUtil, Crit: c.CritUtil, Min: nagios.Float(0), Max: nagios.Float(100)})
		} else {
			bw += " (speed unknown)"
		}
		details = append(details, bw)
	}
	details = append(details, fmt.Sprintf("errors %s/s, discards %s/s", rate(r.Errors), rate(r.Discards)))
	if errState != nagios.OK {
		sum.Add(errState, fmt.Sprintf("%s %s errors/s", label, rate(r.Errors)))
	}
	if discState != nagios.OK {
		sum.Add(discState, fmt.Sprintf("%s %s discards/s", label, rate(r.Discards)))
	}
	res.AddPerf(
		nagios.Perf{Label: label + "_errors_per_s", Value: round(r.Errors), Warn: c.WarnErrors, Crit: c.CritErrors, Min: nagios.Float(0)},
		nagios.Perf{Label: label + "_discards_per_s", Value: round(r.Discards), Warn: c.WarnDiscards, Crit: c.CritDiscards, Min: nagios.Float(0)},
	)
	return state, details
}

// status evaluates admin and oper status: enabled but not up is CRITICAL.
func (c *Check) status(it *iface) (nagios.State, string) {
	switch {
	case it.noStatus:
		return nagios.Unknown, "has no ifAdminStatus/ifOperStatus (no ifTable row; narrow --interface-regex)"
	case it.admin == 2:
		return nagios.OK, "admin down"
	case it.admin == 3:
		return nagios.Warning, "admin testing, oper " + statusName(it.oper)
	case it.admin != 1:
		return nagios.Unknown, "admin " + statusName(it.admin)
	}
	switch it.oper {
	case 1:
		return nagios.OK, "up"
	case 5:
		return nagios.OK, "admin up, oper dormant (waiting for traffic)"
	case 3:
		return nagios.Warning, "admin up, oper testing"
	case 4:
		return nagios.Unknown, "admin up, oper unknown"
	default:
		return nagios.Critical, "admin up, oper " + statusName(it.oper)
	}
}

func rate(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

func round(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 2, 64), 64)
	return r
}

func speedMax(bps float64) *float64 {
	if bps <= 0 {
		return nil
	}
	return nagios.Float(bps)
}
