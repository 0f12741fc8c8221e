// Package snmpvlans is check_snmp_vlans: it reads which VLANs a switch port
// carries from Q-BRIDGE-MIB or CISCO-VTP-MIB bitmaps and reports the missing
// and the extra VLANs against an expected list, each with its own
// thresholds.
package snmpvlans

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"edgecheck/shared/nagios"
	"edgecheck/shared/registry"
	"edgecheck/shared/snmp"
)

// The OIDs read.
const (
	oidIfDescr              = ".1.3.6.1.2.1.2.2.1.2"          // IF-MIB ifDescr
	oidIfName               = ".1.3.6.1.2.1.31.1.1.1.1"       // IF-MIB ifName
	oidBasePortIfIndex      = ".1.3.6.1.2.1.17.1.4.1.2"       // BRIDGE-MIB dot1dBasePortIfIndex
	oidVlanCurrentEgress    = ".1.3.6.1.2.1.17.7.1.4.2.1.4"   // Q-BRIDGE-MIB dot1qVlanCurrentEgressPorts (TimeMark.VlanIndex)
	oidVlanStaticEgress     = ".1.3.6.1.2.1.17.7.1.4.3.1.2"   // Q-BRIDGE-MIB dot1qVlanStaticEgressPorts (VlanIndex)
	oidVtpTrunkVlansEnabled = ".1.3.6.1.4.1.9.9.46.1.6.1.1.4" // CISCO-VTP-MIB vlanTrunkPortVlansEnabled (ifIndex)
	oidVtpTrunkVlans2k      = ".1.3.6.1.4.1.9.9.46.1.6.1.1.17"
	oidVtpTrunkVlans3k      = ".1.3.6.1.4.1.9.9.46.1.6.1.1.18"
	oidVtpTrunkVlans4k      = ".1.3.6.1.4.1.9.9.46.1.6.1.1.19"
	// CISCO-VTP-MIB vlanTrunkPortDynamicStatus (ifIndex): trunking(1) or
	// notTrunking(2), "whether the specified interface is either acting as
	// a trunk or not". vlanTrunkPortVlansEnabled keeps the configured list
	// when the port is not a trunk, so the list alone says nothing then.
	oidVtpTrunkDynamicStatus = ".1.3.6.1.4.1.9.9.46.1.6.1.1.14"
	// CISCO-VLAN-MEMBERSHIP-MIB vmVlan (ifIndex): the access VLAN of a
	// non-trunk port.
	oidVmVlan = ".1.3.6.1.4.1.9.9.68.1.2.2.1.2"
	// Q-BRIDGE-MIB dot1qVlanCurrentUntaggedPorts (TimeMark.VlanIndex) and
	// dot1qVlanStaticUntaggedPorts (VlanIndex): the egress ports that send
	// the VLAN untagged. A port whose every VLAN is untagged carries no
	// tagged VLAN: it is not a trunk.
	oidVlanCurrentUntagged = ".1.3.6.1.2.1.17.7.1.4.2.1.5"
	oidVlanStaticUntagged  = ".1.3.6.1.2.1.17.7.1.4.3.1.4"
)

// vlanTrunkPortDynamicStatus values (CISCO-VTP-MIB).
const (
	vtpTrunking    = 1
	vtpNotTrunking = 2
)

// The --source values.
const (
	SourceCurrent = "qbridge-current"
	SourceStatic  = "qbridge-static"
	SourceVTP     = "cisco-vtp"
	// SourceAuto reads Q-BRIDGE-MIB current egress where the agent has it
	// for the port, and CISCO-VTP-MIB otherwise (a Cisco switch, whose
	// BRIDGE-MIB is per-VLAN context).
	SourceAuto = "auto"
)

const service = "SNMP_VLANS"

// dial opens the agent; unit tests swap it for a fake.
var dial snmp.Dialer = snmp.Dial

// Check is one configured run.
type Check struct {
	snmp.Config
	PortName    string
	ExpectVLANs string
	Source      string
	WarnMissing *nagios.Range
	CritMissing *nagios.Range
	WarnExtra   *nagios.Range
	CritExtra   *nagios.Range

	// used is the source actually read (auto resolves to one of the others).
	used string
	// bridgePortNote says which bridge port was read, for -v.
	bridgePortNote string
}

// The defaults: any missing VLAN is CRITICAL (traffic is being dropped),
// any extra VLAN is WARNING (a leak or a stale trunk, not an outage).
const (
	defaultCritMissing = "0"
	defaultWarnExtra   = "0"
)

func init() {
	registry.Register(registry.Plugin{
		Name:    "check_snmp_vlans",
		Service: service,
		Description: "Checks that a switch port carries exactly the expected VLANs. It reads the port's egress VLANs from Q-BRIDGE-MIB " +
			"(dot1qVlanCurrentEgressPorts or dot1qVlanStaticEgressPorts, bridge port mapped to ifIndex through dot1dBasePortIfIndex) " +
			"or the allowed VLANs from CISCO-VTP-MIB vlanTrunkPortVlansEnabled and its 2k/3k/4k companions, " +
			"and reports missing and extra VLANs separately, each with its own thresholds. " +
			"It knows whether the port is a trunk at all: a port with vlanTrunkPortDynamicStatus notTrunking, or whose every Q-BRIDGE VLAN is untagged, " +
			"carries no tagged VLAN, and is CRITICAL \"not trunking\" where a trunk is expected. --source auto (the default) reads Q-BRIDGE-MIB where the agent has it for the port, else CISCO-VTP-MIB.",
		RunsOn:  "monitoring-server",
		Catches: "a switch port missing expected VLANs, or carrying extra ones",
		Source:  "Q-BRIDGE-MIB or CISCO-VTP-MIB bitmaps",
		Examples: []registry.Example{
			{Command: "check_snmp_vlans -H sw1 --credentials-file /etc/nagios/snmp-v2c.yaml --port-name Ethernet1/1 --expect-vlans 100,200-210",
				Explain: "CRITICAL when any of VLANs 100 and 200-210 is missing on Ethernet1/1, WARNING when the port carries any other VLAN."},
			{Command: "check_snmp_vlans -H sw2 --protocol 3 --credentials-file /etc/nagios/snmp-v3.yaml --source cisco-vtp --port-name Gi1/0/48 --expect-vlans 10,20 --warning-extra 5 --critical-extra 50",
				Explain: "A Cisco trunk: tolerate up to 5 extra VLANs, WARNING above 5 and CRITICAL above 50."},
			{Command: "check_snmp_vlans -H sw1 --credentials-file /etc/nagios/snmp-v2c.yaml --port-name 10101",
				Explain: "Without --expect-vlans it lists the VLANs carried by ifIndex 10101 and is OK."},
		},
		New: func() registry.Check { return &Check{} },
	})
}

// Flags declares the check's flags.
func (c *Check) Flags(fs *registry.FlagSet) {
	c.Config.Declare(fs)
	fs.String(&c.PortName, "port-name", "", "The switch port: its ifName (or ifDescr), or its ifIndex as a number.").WithMeta("IF").MarkRequired()
	fs.String(&c.ExpectVLANs, "expect-vlans", "", "VLANs the port must carry, e.g. 100,200-210. Without it the check lists the VLANs and is OK.").WithMeta("LIST")
	fs.String(&c.Source, "source", SourceAuto, "Where to read the VLANs: auto (qbridge-current where the agent has Q-BRIDGE-MIB for the port, else cisco-vtp), "+
		"qbridge-current (dot1qVlanCurrentEgressPorts, what the port forwards now), "+
		"qbridge-static (dot1qVlanStaticEgressPorts, what is configured) or cisco-vtp (vlanTrunkPortVlansEnabled{,2k,3k,4k} and vlanTrunkPortDynamicStatus).").WithMeta("SOURCE")
	critMissing, warnExtra := nagios.MustParseRange(defaultCritMissing), nagios.MustParseRange(defaultWarnExtra)
	c.CritMissing, c.WarnExtra = &critMissing, &warnExtra
	fs.Range(&c.WarnMissing, "warning-missing", "WARNING when the number of missing VLANs is outside this range.")
	fs.Range(&c.CritMissing, "critical-missing", "CRITICAL when the number of missing VLANs is outside this range; ~: disables.").Default = defaultCritMissing
	fs.Range(&c.WarnExtra, "warning-extra", "WARNING when the number of extra (unexpected) VLANs is outside this range; ~: disables.").Default = defaultWarnExtra
	fs.Range(&c.CritExtra, "critical-extra", "CRITICAL when the number of extra VLANs is outside this range.")
}

// Validate checks the flags before any I/O; it changes nothing (the
// threshold defaults are set in Flags).
func (c *Check) Validate() error {
	if err := c.Config.Validate(); err != nil {
		return err
	}
	if strings.TrimSpace(c.PortName) == "" {
		return errors.New("--port-name is empty")
	}
	if n, err := strconv.Atoi(c.PortName); err == nil && n > maxIfIndex {
		return fmt.Errorf("--port-name %d is not an ifIndex (1-%d) nor an interface name", n, maxIfIndex)
	}
	if err := registry.OneOf("source", c.Source, SourceAuto, SourceCurrent, SourceStatic, SourceVTP); err != nil {
		return err
	}
	_, err := c.expectedVLANs()
	return err
}

// expectedVLANs is --expect-vlans parsed: nil when not given.
func (c *Check) expectedVLANs() ([]int, error) {
	if c.ExpectVLANs == "" {
		return nil, nil
	}
	v, err := ParseVLANList(c.ExpectVLANs)
	if err != nil {
		return nil, fmt.Errorf("--expect-vlans: %v", err)
	}
	return v, nil
}

// maxIfIndex is the largest InterfaceIndex (IF-MIB): a larger number cannot
// even be encoded in the request OID.
const maxIfIndex = 2147483647

// A port is the resolved interface.
type port struct {
	ifIndex int
	name    string
}

func (p port) String() string {
	if p.name == "" || p.name == strconv.Itoa(p.ifIndex) {
		return fmt.Sprintf("ifIndex %d", p.ifIndex)
	}
	return fmt.Sprintf("%s (ifIndex %d)", p.name, p.ifIndex)
}

// Run resolves the port, reads its VLANs and compares.
func (c *Check) Run(ctx context.Context) (*nagios.Result, error) {
	expected, err := c.expectedVLANs()
	if err != nil {
		return nil, err
	}
	g, err := dial.Open(ctx, &c.Config)
	if err != nil {
		return nil, err
	}
	defer g.Close()
	addr := c.Address()
	p, err := c.resolvePort(ctx, g)
	if err != nil {
		return nil, err
	}
	pv, err := c.read(ctx, g, p)
	if err != nil {
		return nil, err
	}
	res := c.evaluate(p, pv, expected)
	if nagios.Verbosity(ctx) > 0 {
		res.Add(nagios.OK, "read %s from %s for %s%s", c.used, addr, p, c.bridgePortNote)
	}
	return res, nil
}

// read reads the port's VLANs from --source, resolving auto.
func (c *Check) read(ctx context.Context, g snmp.Getter, p port) (portVLANs, error) {
	c.used = c.Source
	switch c.Source {
	case SourceVTP:
		return c.readVTP(ctx, g, p)
	case SourceCurrent, SourceStatic:
		return c.readQBridge(ctx, g, p)
	}
	c.used = SourceCurrent
	pv, qerr := c.readQBridge(ctx, g, p)
	if qerr == nil || !errors.Is(qerr, errNoQBridge) {
		return pv, qerr
	}
	c.used, c.bridgePortNote = SourceVTP, ""
	pv, verr := c.readVTP(ctx, g, p)
	if verr == nil || !errors.Is(verr, errNoVTP) {
		return pv, verr
	}
	return portVLANs{}, fmt.Errorf("--source auto found neither Q-BRIDGE-MIB nor CISCO-VTP-MIB VLANs for %s on SNMP agent %s: %v; and %v", p, c.Address(), qerr, verr)
}

// errNoQBridge and errNoVTP mark an agent (or port) without that MIB, which
// --source auto falls back from.
var (
	errNoQBridge = errors.New("no Q-BRIDGE-MIB")
	errNoVTP     = errors.New("no CISCO-VTP-MIB")
)

// wrapped carries a message for the operator and a sentinel for errors.Is.
type wrapped struct {
	msg      string
	sentinel error
}

func (e wrapped) Error() string { return e.msg }
func (e wrapped) Unwrap() error { return e.sentinel }

// Trunk states of a port.
const (
	trunkUnknown     = 0 // the source does not say
	trunkTrunking    = 1
	trunkNotTrunking = 2
)

// portVLANs is what one source says about a port.
type portVLANs struct {
	carried []int // VLANs the port carries (egress, or trunk allowed)
	trunk   int   // trunkUnknown, trunkTrunking or trunkNotTrunking
	// access is the VLAN a non-trunk port carries untagged (vmVlan, or the
	// untagged egress VLAN); 0 when not known.
	access int
	// how names the object that told the trunk state, for line 1.
	how string
}

func (c *Check) resolvePort(ctx context.Context, g snmp.Getter) (port, error) {
	addr := c.Address()
	if n, err := strconv.Atoi(c.PortName); err == nil && n > 0 {
		nagios.SetStage(ctx, fmt.Sprintf("reading ifName of ifIndex %d from %s", n, addr))
		vars, err := g.Get(ctx, fmt.Sprintf("%s.%d", oidIfName, n), fmt.Sprintf("%s.%d", oidIfDescr, n))
		if err != nil {
			return port{}, err
		}
		p := port{ifIndex: n}
		for _, v := range vars {
			if b, ok := v.Bytes(); ok && len(b) > 0 && p.name == "" {
				p.name = string(b)
			}
		}
		if p.name == "" && c.Source == SourceVTP {
			// Some Cisco agents hide IF-MIB from the VTP community context;
			// the VTP read itself tells whether the ifIndex exists.
			return p, nil
		}
		if p.name == "" {
			return port{}, fmt.Errorf("SNMP agent %s has no interface with ifIndex %d (no ifName or ifDescr): check --port-name", addr, n)
		}
		return p, nil
	}
	var names []string
	for _, col := range []struct{ oid, label string }{{oidIfName, "ifName"}, {oidIfDescr, "ifDescr"}} {
		nagios.SetStage(ctx, fmt.Sprintf("walking %s on %s to find %q", col.label, addr, c.PortName))
		vars, err := g.Walk(ctx, col.oid)
		if err != nil {
			return port{}, err
		}
		for _, v := range vars {
			b, ok := v.Bytes()
			idx, okIdx := v.Index(col.oid)
			if !ok || !okIdx {
				continue
			}
			if string(b) == c.PortName {
				n, err := strconv.Atoi(idx)
				if err != nil {
					continue
				}
				return port{ifIndex: n, name: string(b)}, nil
			}
			if strings.EqualFold(string(b), c.PortName) {
				names = append(names, string(b))
			}
		}
	}
	hint := ""
	if len(names) > 0 {
		hint = fmt.Sprintf(" (names differ only in case: %s)", strings.Join(names, ", "))
	}
	return port{}, fmt.Errorf("SNMP agent %s has no interface named %q in ifName or ifDescr%s: check --port-name, or give the ifIndex", addr, c.PortName, hint)
}

func (c *Check) readQBridge(ctx context.Context, g snmp.Getter, p port) (portVLANs, error) {
	addr := c.Address()
	nagios.SetStage(ctx, "walking dot1dBasePortIfIndex on "+addr)
	vars, err := g.Walk(ctx, oidBasePortIfIndex)
	if err != nil {
		return portVLANs{}, err
	}
	bridgePort := 0
	for _, v := range vars {
		n, ok := v.Int()
		idx, okIdx := v.Index(oidBasePortIfIndex)
		if ok && okIdx && int(n) == p.ifIndex {
			bridgePort, _ = strconv.Atoi(idx)
			break
		}
	}
	if bridgePort == 0 {
		if len(vars) == 0 {
			return portVLANs{}, wrapped{fmt.Sprintf("SNMP agent %s has no BRIDGE-MIB dot1dBasePortIfIndex table: it is not a bridge, or this community/user cannot see it (for Cisco per-VLAN contexts try --source cisco-vtp)", addr), errNoQBridge}
		}
		return portVLANs{}, wrapped{fmt.Sprintf("%s is not a bridge port on SNMP agent %s (no dot1dBasePortIfIndex entry): is it a routed port or a port-channel member? Check --port-name", p, addr), errNoQBridge}
	}
	c.bridgePortNote = fmt.Sprintf(", bridge port %d", bridgePort)
	column, label := oidVlanCurrentEgress, "dot1qVlanCurrentEgressPorts"
	untaggedCol, untaggedLabel := oidVlanCurrentUntagged, "dot1qVlanCurrentUntaggedPorts"
	if c.used == SourceStatic {
		column, label = oidVlanStaticEgress, "dot1qVlanStaticEgressPorts"
		untaggedCol, untaggedLabel = oidVlanStaticUntagged, "dot1qVlanStaticUntaggedPorts"
	}
	nagios.SetStage(ctx, fmt.Sprintf("walking %s on %s", label, addr))
	vars, err = g.Walk(ctx, column)
	if err != nil {
		return portVLANs{}, err
	}
	if len(vars) == 0 {
		return portVLANs{}, wrapped{fmt.Sprintf("SNMP agent %s has no Q-BRIDGE-MIB %s: it does not implement Q-BRIDGE-MIB (try --source cisco-vtp or the other qbridge source)", addr, label), errNoQBridge}
	}
	pv := portVLANs{carried: PortVLANs(vars, column, bridgePort)}
	nagios.SetStage(ctx, fmt.Sprintf("walking %s on %s", untaggedLabel, addr))
	uvars, err := g.Walk(ctx, untaggedCol)
	if err != nil {
		return portVLANs{}, err
	}
	if len(uvars) > 0 && len(pv.carried) > 0 {
		// Agents without the untagged column say nothing about trunking.
		untagged := PortVLANs(uvars, untaggedCol, bridgePort)
		_, tagged := Diff(untagged, pv.carried)
		pv.trunk, pv.how = trunkTrunking, untaggedLabel
		if len(tagged) == 0 {
			pv.trunk, pv.how = trunkNotTrunking, "every VLAN untagged in "+untaggedLabel
			if len(untagged) == 1 {
				pv.access = untagged[0]
			}
		}
	}
	return pv, nil
}

// PortVLANs returns the VLANs (the last index part of each row of column:
// VlanIndex, or TimeMark.VlanIndex) whose Q-BRIDGE PortList has bridgePort,
// sorted.
func PortVLANs(vars []snmp.Var, column string, bridgePort int) []int {
	set := map[int]bool{}
	for _, v := range vars {
		idx, ok := v.Index(column)
		list, okB := v.Bytes()
		if !ok || !okB {
			continue
		}
		parts := strings.Split(idx, ".")
		vlan, err := strconv.Atoi(parts[len(parts)-1])
		if err != nil || vlan < 1 || vlan > 4094 {
			continue
		}
		if PortListHas(list, bridgePort) {
			set[vlan] = true
		}
	}
	out := make([]int, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	sort.Ints(out)
	return out
}

func (c *Check) readVTP(ctx context.Context, g snmp.Getter, p port) (portVLANs, error) {
	addr := c.Address()
	nagios.SetStage(ctx, fmt.Sprintf("reading vlanTrunkPortVlansEnabled{,2k,3k,4k}, vlanTrunkPortDynamicStatus and vmVlan of %s from %s", p, addr))
	oids := make([]string, 0, 6)
	for _, col := range []string{oidVtpTrunkVlansEnabled, oidVtpTrunkVlans2k, oidVtpTrunkVlans3k, oidVtpTrunkVlans4k, oidVtpTrunkDynamicStatus, oidVmVlan} {
		oids = append(oids, fmt.Sprintf("%s.%d", col, p.ifIndex))
	}
	vars, err := g.Get(ctx, oids...)
	if err != nil {
		return portVLANs{}, err
	}
	if len(vars) != len(oids) {
		return portVLANs{}, fmt.Errorf("SNMP agent %s returned %d values for %d requested OIDs", addr, len(vars), len(oids))
	}
	if vars[0].Missing() {
		return portVLANs{}, wrapped{fmt.Sprintf("SNMP agent %s has no CISCO-VTP-MIB vlanTrunkPortTable row for %s: the port is not a switchport, or the agent is not a Cisco VTP switch (try --source qbridge-current)", addr, p), errNoVTP}
	}
	var blocks [4][]byte
	for i, v := range vars[:4] {
		if v.Missing() {
			continue // older switches have no 2k/3k/4k columns
		}
		b, ok := v.Bytes()
		if !ok {
			return portVLANs{}, fmt.Errorf("SNMP agent %s returned %s as %v, not an octet string", addr, v.OID, v.Type)
		}
		blocks[i] = b
	}
	pv := portVLANs{carried: DecodeVTP(blocks)}
	status, ok := vars[4].Int()
	switch {
	case vars[4].Missing():
		// An agent without the column says nothing about trunking.
	case !ok || (status != vtpTrunking && status != vtpNotTrunking):
		return portVLANs{}, fmt.Errorf("SNMP agent %s returned vlanTrunkPortDynamicStatus of %s as %v, not trunking(1) or notTrunking(2)", addr, p, vars[4].Value)
	case status == vtpTrunking:
		pv.trunk, pv.how = trunkTrunking, "vlanTrunkPortDynamicStatus trunking"
	default:
		pv.trunk, pv.how = trunkNotTrunking, "vlanTrunkPortDynamicStatus notTrunking"
		// Not a trunk: the allowed list is only configuration. The port
		// carries its access VLAN (vmVlan), untagged, where the agent says.
		pv.carried = nil
		if v, ok := vars[5].Int(); ok && v >= 1 && v <= 4094 {
			pv.access = int(v)
			pv.carried = []int{pv.access}
		}
	}
	return pv, nil
}

// evaluate compares the port's VLANs with expected (nil: list only) and
// builds the result; line 1 goes through nagios.Summary.
func (c *Check) evaluate(p port, pv portVLANs, expected []int) *nagios.Result {
	res := &nagios.Result{}
	var sum nagios.Summary
	carried := pv.carried
	source := map[string]string{SourceCurrent: "current egress", SourceStatic: "static egress", SourceVTP: "trunk allowed"}[c.used]
	access := "access VLAN unknown"
	if pv.access != 0 {
		access = fmt.Sprintf("access port in VLAN %d", pv.access)
	}
	if pv.trunk == trunkNotTrunking {
		source = "access port, not trunking"
	}
	if expected == nil {
		listing := fmt.Sprintf("%s carries %d VLANs (%s): %s", p, len(carried), source, FormatVLANList(carried))
		if pv.trunk == trunkNotTrunking {
			listing = fmt.Sprintf("%s is not trunking (%s): %s", p, pv.how, access)
		}
		res.Summary = sum.Line(res, listing)
		res.AddPerf(nagios.Perf{Label: "vlans_carried", Value: float64(len(carried)), Min: nagios.Float(0)})
		return res
	}
	missing, extra := Diff(expected, carried)
	missState := nagios.Thresholds{Warning: c.WarnMissing, Critical: c.CritMissing}.Evaluate(float64(len(missing)))
	extraState := nagios.Thresholds{Warning: c.WarnExtra, Critical: c.CritExtra}.Evaluate(float64(len(extra)))
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, fmt.Sprintf("%d missing (%s)", len(missing), FormatVLANList(missing)))
		res.Add(missState, "missing VLANs (expected, not carried): %s", FormatVLANList(missing))
	}
	if len(extra) > 0 {
		parts = append(parts, fmt.Sprintf("%d extra (%s)", len(extra), FormatVLANList(extra)))
		res.Add(extraState, "extra VLANs (carried, not expected): %s", FormatVLANList(extra))
	}
	var allClear string
	switch {
	case pv.trunk == trunkNotTrunking && !(len(expected) == 1 && len(missing) == 0):
		// A trunk is expected (more than one VLAN, or not the access one):
		// the port carries no tagged VLAN at all.
		missState = nagios.Critical
		sum.Add(missState, fmt.Sprintf("%s is not trunking (%s): %s, so none of the expected VLANs %s is carried tagged",
			p, pv.how, access, FormatVLANList(expected)))
	case len(parts) == 0:
		allClear = fmt.Sprintf("%s carries exactly the %d expected VLANs (%s)", p, len(expected), source)
	default:
		// One phrase for both counts, in the state of the worse.
		sum.Add(nagios.Worst(missState, extraState), fmt.Sprintf("%s %s VLANs: %s", p, source, strings.Join(parts, ", ")))
	}
	res.State = nagios.Worst(missState, extraState)
	res.Summary = sum.Line(res, allClear)
	res.Add(nagios.OK, "carried VLANs (%s): %s", source, FormatVLANList(carried))
	res.Add(nagios.OK, "expected VLANs: %s", FormatVLANList(expected))
	res.AddPerf(
		nagios.Perf{Label: "vlans_missing", Value: float64(len(missing)), Warn: c.WarnMissing, Crit: c.CritMissing, Min: nagios.Float(0)},
		nagios.Perf{Label: "vlans_extra", Value: float64(len(extra)), Warn: c.WarnExtra, Crit: c.CritExtra, Min: nagios.Float(0)},
		nagios.Perf{Label: "vlans_carried", Value: float64(len(carried)), Min: nagios.Float(0)},
	)
	return res
}
