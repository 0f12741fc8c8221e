// Package htbdrift is check_htb_drift: it compares the kernel's tc-htb
// classes with the linux-htb QoS and Queue rates in OVSDB, and reports
// classes whose rate or ceil has drifted, classes that are missing, a root
// qdisc that is not htb, and hand-made classes OVSDB does not know.
package htbdrift

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"edgecheck/shared/command"
	"edgecheck/shared/nagios"
	"edgecheck/shared/ovsdb"
	"edgecheck/shared/registry"
)

// rootMinor is the minor of OVS's root htb class, 1:fffe.
const rootMinor = 0xfffe

// htbMaxQueues is OVS's HTB_N_QUEUES: queue ids from 0 to 0xefff.
const htbMaxQueues = 0xf000

// defaultLinkBPS is what OVS assumes for a QoS without max-rate on a link
// whose speed it cannot read (NETDEV_DEFAULT_BPS, 10 Gbit/s).
const defaultLinkBPS = 10_000_000_000

// Exec runs a helper program without a shell; a field so tests can assert
// the argv.
type Exec func(ctx context.Context, argv ...string) ([]byte, error)

// A Check is one configured run of check_htb_drift.
type Check struct {
	DB         string
	Port       string
	VIF        string
	IP         string
	FlowBridge string
	Warn       *nagios.Range
	Crit       *nagios.Range

	// ReadOVSDB, TC and Exec are the three sources: OVSDB, rtnetlink and
	// ovs-ofctl (only for --vif/--ip).
	ReadOVSDB func(ctx context.Context, target, port, bridge string) (*snapshot, error)
	TC        tcReader
	Exec      Exec
}

func init() {
	registry.Register(registry.Plugin{
		Name:    "check_htb_drift",
		Service: "HTB_DRIFT",
		Description: "Compares the kernel's tc-htb classes (read over netlink) with the OVS linux-htb QoS and " +
			"Queue rates in OVSDB (read in one transaction), clamped the way OVS clamps them: root class 1:fffe " +
			"rate = ceil = QoS max-rate, class 1:<hex(queue+1)> rate = min-rate and ceil = max-rate. Reports " +
			"rate or ceil drift beyond -w/-c percent, missing classes (CRITICAL), a root qdisc that is not htb " +
			"(CRITICAL) and hand-made classes OVSDB does not know (WARNING). With --vif or --ip and " +
			"--flow-bridge it follows the VM's set_queue (OpenFlow 1.1+) or enqueue:PORT:QUEUE (OpenFlow 1.0) flow to its " +
			"queue and reports the VM's real egress limit; the flow dump offers the OpenFlow versions of the bridge's " +
			"Bridge.protocols column, so bridges limited to OpenFlow10 work.",
		Examples: []registry.Example{
			{Command: "check_htb_drift -w 5 -c 20", Explain: "Every port with a linux-htb QoS; warn above 5 % drift, critical above 20 %."},
			{Command: "check_htb_drift --port eth1", Explain: "Only port eth1."},
			{Command: "check_htb_drift --vif tap3f2a1b7c-9d --flow-bridge br-int", Explain: "Which queue the VM behind tap3f2a1b7c-9d is sent to by br-int's flows, and that queue's real limit in the kernel."},
			{Command: "check_htb_drift --ip 10.0.0.5 --flow-bridge br-int --port eth1", Explain: "The same for the VM with source address 10.0.0.5, on uplink eth1 only."},
		},
		RunsOn:  "hypervisor",
		Catches: "tc-htb classes that drifted from OVS QoS/Queue rates, missing classes, a replaced root qdisc, hand-made buckets; a VM's real egress limit",
		Source:  "OVSDB vs tc over netlink",
		New: func() registry.Check {
			return &Check{ReadOVSDB: readOVSDB, TC: nlReader{}, Exec: command.Output}
		},
	})
}

// The default drift thresholds, in percent (Nagios ranges).
const (
	defaultWarning  = "10"
	defaultCritical = "25"
)

// Flags declares check_htb_drift's flags and sets every default.
func (c *Check) Flags(fs *registry.FlagSet) {
	fs.String(&c.DB, "db", ovsdb.DefaultTarget, "OVSDB to read, as in ovs-vsctl: unix:PATH or tcp:HOST:PORT.").WithMeta("TARGET")
	w, cr := nagios.MustParseRange(defaultWarning), nagios.MustParseRange(defaultCritical)
	c.Warn, c.Crit = &w, &cr
	fs.Range(&c.Warn, "warning", "Rate or ceil drift in percent that is a WARNING (a Nagios range).").WithShort("w").Default = defaultWarning
	fs.Range(&c.Crit, "critical", "Rate or ceil drift in percent that is CRITICAL (a Nagios range).").WithShort("c").Default = defaultCritical
	fs.String(&c.Port, "port", "", "Check only this OVS port (default: every port with a QoS).").WithMeta("NAME")
	fs.String(&c.VIF, "vif", "", "Follow this VM interface's set_queue or OpenFlow 1.0 enqueue flow on --flow-bridge to its queue and report that queue only.").WithMeta("NAME")
	fs.String(&c.IP, "ip", "", "Like --vif, for the VM with this source address (flows matching nw_src/ipv6_src).").WithMeta("ADDR")
	fs.String(&c.FlowBridge, "flow-bridge", "", "Bridge whose OpenFlow flows hold the set_queue/enqueue actions (with --vif or --ip); dumped with the versions of its protocols column.").WithMeta("BR")
}

// Validate checks the flags before any I/O; it changes nothing.
func (c *Check) Validate() error {
	if _, _, err := ovsdb.ParseTarget(c.DB); err != nil {
		return fmt.Errorf("--db: %v", err)
	}
	if (c.VIF != "" || c.IP != "") && c.FlowBridge == "" {
		return errors.New("--vif and --ip need --flow-bridge BR, the bridge whose flows set the queue")
	}
	if c.VIF != "" && c.IP != "" {
		return errors.New("give --vif or --ip, not both")
	}
	if c.FlowBridge != "" && c.VIF == "" && c.IP == "" {
		return errors.New("--flow-bridge needs --vif or --ip")
	}
	if c.IP != "" {
		if _, err := c.vmAddr(); err != nil {
			return err
		}
	}
	for _, v := range []struct{ flag, val string }{{"port", c.Port}, {"vif", c.VIF}, {"flow-bridge", c.FlowBridge}} {
		if strings.ContainsAny(v.val, "/ \t\n") {
			return fmt.Errorf("--%s %q is not an interface or bridge name", v.flag, v.val)
		}
	}
	return nil
}

// vmAddr is --ip parsed.
func (c *Check) vmAddr() (netip.Addr, error) {
	a, err := netip.ParseAddr(c.IP)
	if err != nil {
		return a, fmt.Errorf("--ip %q is not an IPv4 or IPv6 address", c.IP)
	}
	return a, nil
}

// ofctlTarget is where ovs-ofctl reaches the bridge: its management socket
// next to the OVSDB socket (so a private run directory works), or the
// bridge name for a TCP database (ovs-ofctl then uses its own run directory).
func (c *Check) ofctlTarget() string {
	if network, addr, err := ovsdb.ParseTarget(c.DB); err == nil && network == "unix" {
		return "unix:" + filepath.Join(filepath.Dir(addr), c.FlowBridge+".mgmt")
	}
	return c.FlowBridge
}

// Run reads OVSDB, the flows when asked, and the kernel, and compares them.
func (c *Check) Run(ctx context.Context) (*nagios.Result, error) {
	nagios.SetStage(ctx, "reading QoS and queues from OVSDB at "+c.DB)
	snap, err := c.ReadOVSDB(ctx, c.DB, c.Port, c.FlowBridge)
	if err != nil {
		return nil, err
	}
	if c.Port != "" {
		if len(snap.Ports) == 0 {
			return nil, fmt.Errorf("port %s does not exist in OVSDB at %s (ovs-vsctl list-ports BRIDGE shows the ports)", c.Port, c.DB)
		}
		p := snap.Ports[0]
		if !p.HasQoS {
			return nil, fmt.Errorf("port %s has no QoS in OVSDB, nothing to compare (ovs-vsctl get port %s qos)", c.Port, c.Port)
		}
		if p.QoSType != "linux-htb" {
			return nil, fmt.Errorf("port %s has QoS type %q; this check compares linux-htb only", c.Port, p.QoSType)
		}
	}
	res := &nagios.Result{}
	var ports []qosPort
	for _, p := range snap.Ports {
		switch {
		case !p.HasQoS:
		case p.QoSType != "linux-htb":
			res.Add(nagios.OK, "port %s has QoS type %s, not compared", p.Name, p.QoSType)
		default:
			ports = append(ports, p)
		}
	}
	if len(ports) == 0 {
		return nil, fmt.Errorf("no port has a linux-htb QoS in OVSDB at %s, nothing to compare (use --port to name one)", c.DB)
	}

	// --vif / --ip: which queue does the VM's traffic go to?
	var only *uint32
	var vmLine string
	if c.FlowBridge != "" {
		q, line, err := c.followFlow(ctx, snap)
		if err != nil {
			return nil, err
		}
		only, vmLine = &q, line
	}

	th := nagios.Thresholds{Warning: c.Warn, Critical: c.Crit}
	var sum nagios.Summary
	checked, usedBy := 0, []string{}
	for _, p := range ports {
		if only != nil && !hasQueue(p, *only) {
			continue
		}
		for _, ifc := range p.Interfaces {
			if ifc.Type != "" && ifc.Type != "system" && ifc.Type != "internal" && ifc.Type != "tap" {
				res.Add(nagios.OK, "port %s interface %s has type %s, which has no kernel tc", p.Name, ifc.Name, ifc.Type)
				continue
			}
			nagios.SetStage(ctx, "reading tc qdisc and classes of "+ifc.Name+" over netlink")
			kv, err := readKernel(c.TC, ifc.Name)
			if err != nil {
				return nil, err
			}
			checked++
			compare(p, ifc, kv, th, only, res, &sum)
			if only != nil {
				usedBy = append(usedBy, ifc.Name)
			}
		}
	}
	res.Summary = summaryLine(res, &sum, ports, only, vmLine, checked, usedBy)
	return res, nil
}

// summaryLine is line 1: with --vif/--ip the VM's flow and queue first,
// then the problems worst first, or what matches.
func summaryLine(res *nagios.Result, sum *nagios.Summary, ports []qosPort, only *uint32, vmLine string, checked int, usedBy []string) string {
	var allClear string
	switch {
	case only != nil && checked == 0:
		res.Add(nagios.Warning, "%s, but no linux-htb QoS has queue %d: the VM's traffic falls into each port's default class", vmLine, *only)
		sum.Add(nagios.Warning, fmt.Sprintf("queue %d is not configured in any linux-htb QoS", *only))
	case sum.Len() > 0:
	case only != nil:
		allClear = vmLimit(res, *only, usedBy)
	default:
		allClear = fmt.Sprintf("tc htb classes match OVSDB on %s", strings.Join(portNames(ports), ", "))
	}
	line := sum.Line(res, allClear)
	if only != nil {
		line = vmLine + "; " + line
	}
	return line
}

func portNames(ps []qosPort) []string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s (%d queues)", p.Name, len(p.Queues)))
	}
	return out
}

func hasQueue(p qosPort, id uint32) bool {
	return slices.ContainsFunc(withDefaultQueue(p.Queues), func(q queueConf) bool { return q.ID == id })
}

// vmLimit words the VM's egress limit from the perfdata just added.
func vmLimit(res *nagios.Result, q uint32, ifaces []string) string {
	var parts []string
	for _, name := range ifaces {
		var rate, ceil float64
		for _, p := range res.Perf {
			switch p.Label {
			case fmt.Sprintf("%s q%d rate", name, q):
				rate = p.Value
			case fmt.Sprintf("%s q%d ceil", name, q):
				ceil = p.Value
			}
		}
		parts = append(parts, fmt.Sprintf("egress limit on %s: ceil %s, guaranteed rate %s", name, formatRate(uint64(ceil)), formatRate(uint64(rate))))
	}
	return strings.Join(parts, "; ")
}

// followFlow dumps the flow bridge's flows and finds the VM's queue.
func (c *Check) followFlow(ctx context.Context, snap *snapshot) (uint32, string, error) {
	var sel selector
	who := ""
	if snap.FlowBridge == "" {
		return 0, "", fmt.Errorf("bridge %s does not exist in OVSDB at %s (ovs-vsctl list-br shows the bridges)", c.FlowBridge, c.DB)
	}
	if c.VIF != "" {
		ifc, ok := snap.Ifaces[c.VIF]
		if !ok {
			return 0, "", fmt.Errorf("interface %s does not exist in OVSDB at %s (ovs-vsctl list-ifaces %s)", c.VIF, c.DB, c.FlowBridge)
		}
		if !snap.BridgeIfaces[c.VIF] {
			return 0, "", fmt.Errorf("interface %s is not on bridge %s, whose flows were asked for; OpenFlow port numbers are per bridge (ovs-vsctl iface-to-br %s)", c.VIF, c.FlowBridge, c.VIF)
		}
		if ifc.OFPort <= 0 {
			return 0, "", fmt.Errorf("interface %s has no OpenFlow port number (ofport %d): is it attached to a running bridge?", c.VIF, ifc.OFPort)
		}
		sel = selector{OFPort: ifc.OFPort, MACs: []string{ifc.MAC, ifc.Attached}}
		who = fmt.Sprintf("vif %s (ofport %d)", c.VIF, ifc.OFPort)
	} else {
		ip, err := c.vmAddr()
		if err != nil {
			return 0, "", err
		}
		sel = selector{IP: ip}
		who = "ip " + c.IP
	}
	argv := append(append([]string{"ovs-ofctl"}, ofctlVersions(snap.FlowProtocols)...), "--no-names", "dump-flows", c.ofctlTarget())
	nagios.SetStage(ctx, "dumping the flows of "+c.FlowBridge+" ("+strings.Join(argv, " ")+")")
	out, err := c.Exec(ctx, argv...)
	if err != nil {
		return 0, "", fmt.Errorf("cannot dump the flows of bridge %s (%s): %v", c.FlowBridge, strings.Join(argv, " "), err)
	}
	f, ok := queueFlow(parseFlows(string(out)), sel)
	if !ok {
		return 0, "", fmt.Errorf("no flow on bridge %s sets a queue for %s: its traffic uses the default queue (add a set_queue or enqueue flow, or check the VM's port)", c.FlowBridge, who)
	}
	return f.Queue, fmt.Sprintf("%s -> flow \"%s\" on %s -> queue %d", who, f.Text, c.FlowBridge, f.Queue), nil
}

// expectedRates computes what OVS programs for a port: the root class rate
// and, per queue, the class rate and ceil, all in bytes/s, clamped as
// lib/netdev-linux.c htb_parse_qdisc_details__ and htb_parse_class_details__
// do: the root rate is max-rate (or the link speed when unset); a queue's
// min-rate is at least the MTU and at most the root rate, and its max-rate
// (default the root rate) lies between min-rate and the root rate.
func expectedRates(p qosPort, ifc iface, mtu int) (root uint64, classes map[uint32][2]uint64) {
	root = p.MaxRate / 8
	if root == 0 {
		speed := ifc.LinkSpeed
		if speed == 0 {
			speed = defaultLinkBPS
		}
		root = speed / 8
	}
	classes = map[uint32][2]uint64{}
	for _, q := range withDefaultQueue(p.Queues) {
		lo := max(q.MinRate/8, uint64(max(mtu, 0)))
		lo = min(lo, root)
		hi := q.MaxRate / 8
		if hi == 0 {
			hi = root
		}
		hi = min(max(hi, lo), root)
		classes[q.ID] = [2]uint64{lo, hi}
	}
	return root, classes
}

// withDefaultQueue adds queue 0 with no rates when OVSDB has none: OVS
// (bridge.c iface_configure_qos) always configures queue 0, the htb
// qdisc's default class 1:1, so that unclassified traffic is shaped too.
func withDefaultQueue(qs []queueConf) []queueConf {
	if slices.ContainsFunc(qs, func(q queueConf) bool { return q.ID == 0 }) {
		return qs
	}
	return append([]queueConf{{ID: 0}}, qs...)
}

// drift is the deviation of actual from expected, in percent.
func drift(actual, expected uint64) float64 {
	if expected == 0 {
		if actual == 0 {
			return 0
		}
		return 100
	}
	d := math.Abs(float64(actual)-float64(expected)) / float64(expected) * 100
	return math.Round(d*100) / 100
}

// A comparison is one interface's kernel view held against its port's
// OVSDB configuration; its steps add items and perfdata to res and the
// problems for line 1 to sum.
type comparison struct {
	p       qosPort
	ifc     iface
	kv      kernelView
	th      nagios.Thresholds
	only    *uint32 // --vif/--ip: the one queue to compare, nil for all
	res     *nagios.Result
	sum     *nagios.Summary
	reapply string          // how to make OVS program the QoS again
	seen    map[uint32]bool // class handles OVSDB accounts for
}

// compare adds one interface's items and perfdata, and its problems to sum.
func compare(p qosPort, ifc iface, kv kernelView, th nagios.Thresholds, only *uint32, res *nagios.Result, sum *nagios.Summary) {
	c := &comparison{p: p, ifc: ifc, kv: kv, th: th, only: only, res: res, sum: sum, seen: map[uint32]bool{},
		reapply: fmt.Sprintf("re-apply with: ovs-vsctl clear port %s qos && ovs-vsctl set port %s qos=%s", p.Name, p.Name, p.QoSUUID)}
	if !c.rootQdiscInEffect() {
		return
	}
	root, want := expectedRates(p, ifc, kv.MTU)
	c.rootClass(root)
	c.queueClasses(want)
	c.extraClasses()
}

// problem adds an item and names the problem on line 1.
func (c *comparison) problem(st nagios.State, summary, format string, args ...any) {
	c.res.Add(st, format, args...)
	c.sum.Add(st, summary)
}

// rootQdiscInEffect reports whether the interface exists in the kernel with
// OVS's htb qdisc 1: at its root; when not, nothing else can be compared.
func (c *comparison) rootQdiscInEffect() bool {
	name, kv := c.ifc.Name, c.kv
	if kv.Missing {
		c.problem(nagios.Critical, name+" missing from the kernel",
			"%s (port %s) does not exist in the kernel: its QoS is not in effect", name, c.p.Name)
		return false
	}
	if kv.RootKind == "htb" && kv.RootQdisc>>16 == 1 {
		return true
	}
	kind, detail := kv.RootKind, " (handle "+handleString(kv.RootQdisc)+")"
	if kind == "" {
		kind, detail = "none", ""
	}
	c.problem(nagios.Critical, fmt.Sprintf("%s root qdisc is %s, not htb", name, kind),
		"%s root qdisc is %s%s, not OVS's htb 1: the linux-htb QoS is not in effect and no queue is shaped; %s",
		name, kind, detail, c.reapply)
	return false
}

// rootClass compares the root class 1:fffe with the QoS max-rate (root, in
// bytes/s); skipped when following one VM's queue.
func (c *comparison) rootClass(root uint64) {
	name := c.ifc.Name
	rootHandle := uint32(1<<16 | rootMinor)
	c.seen[rootHandle] = true
	if c.only != nil {
		return
	}
	rc, ok := c.kv.Classes[rootHandle]
	if !ok {
		c.problem(nagios.Critical, name+" root class 1:fffe missing",
			"%s root class 1:fffe is missing: the queues have no parent limit; %s", name, c.reapply)
		return
	}
	d := max(drift(rc.Rate, root), drift(rc.Ceil, root))
	st := c.th.Evaluate(d)
	c.res.Add(st, "%s root class 1:fffe: rate %s ceil %s, OVSDB max-rate %s (drift %s%%)", name,
		formatRate(rc.Rate*8), formatRate(rc.Ceil*8), formatRate(root*8), nagios.FormatNumber(d))
	if st != nagios.OK {
		c.sum.Add(st, fmt.Sprintf("%s root class drift %s%%", name, nagios.FormatNumber(d)))
	}
	addPerf(c.res, name+" root", rc.Rate*8, rc.Ceil*8, root*8, root*8, d, c.th)
}

// queueClasses compares each queue's class 1:<hex(id+1)> with the rate
// and ceil OVS programs for it (want, by queue id, in bytes/s).
func (c *comparison) queueClasses(want map[uint32][2]uint64) {
	ids := make([]uint32, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	conf := map[uint32]queueConf{}
	for _, q := range c.p.Queues {
		conf[q.ID] = q
	}
	_, hasZero := conf[0]
	for _, id := range ids {
		if c.only != nil && id != *c.only {
			continue
		}
		confText := ""
		if id == 0 && !hasZero {
			confText = fmt.Sprintf("not in OVSDB, OVS's default queue: min-rate the MTU (%s), max-rate the parent (%s)", formatRate(want[id][0]*8), formatRate(want[id][1]*8))
		} else {
			confText = "OVSDB " + describeConf(conf[id], want[id])
		}
		c.queueClass(id, want[id], confText)
	}
}

// queueClass compares one queue's class with exp (rate and ceil in
// bytes/s); confText words the queue's configuration.
func (c *comparison) queueClass(id uint32, exp [2]uint64, confText string) {
	name := c.ifc.Name
	if id >= htbMaxQueues {
		c.problem(nagios.Warning, fmt.Sprintf("%s queue %d beyond the %d queues OVS supports", name, id, htbMaxQueues),
			"%s queue %d is beyond the %d queues OVS supports for linux-htb: OVS does not program it", name, id, htbMaxQueues)
		return
	}
	h := uint32(1<<16) | (id + 1)
	c.seen[h] = true
	label := fmt.Sprintf("%s queue %d (class %s)", name, id, handleString(h))
	cl, ok := c.kv.Classes[h]
	if !ok {
		c.problem(nagios.Critical, fmt.Sprintf("%s queue %d class %s missing", name, id, handleString(h)),
			"%s is missing from tc: its traffic falls into the default class; %s", label, c.reapply)
		return
	}
	dr, dc := drift(cl.Rate, exp[0]), drift(cl.Ceil, exp[1])
	d := max(dr, dc)
	st := c.th.Evaluate(d)
	c.res.Add(st, "%s: rate %s ceil %s; %s (drift rate %s%%, ceil %s%%)", label,
		formatRate(cl.Rate*8), formatRate(cl.Ceil*8), confText, nagios.FormatNumber(dr), nagios.FormatNumber(dc))
	switch {
	case st == nagios.OK:
	case dc >= dr:
		c.sum.Add(st, fmt.Sprintf("%s queue %d ceil %s, OVSDB says %s (drift %s%%)", name, id, formatRate(cl.Ceil*8), formatRate(exp[1]*8), nagios.FormatNumber(dc)))
	default:
		c.sum.Add(st, fmt.Sprintf("%s queue %d rate %s, OVSDB says %s (drift %s%%)", name, id, formatRate(cl.Rate*8), formatRate(exp[0]*8), nagios.FormatNumber(dr)))
	}
	addPerf(c.res, fmt.Sprintf("%s q%d", name, id), cl.Rate*8, cl.Ceil*8, exp[0]*8, exp[1]*8, d, c.th)
}

// extraClasses reports the classes OVSDB does not know: hand-made buckets.
// Skipped when following one VM's queue.
func (c *comparison) extraClasses() {
	if c.only != nil {
		return
	}
	extra := make([]uint32, 0)
	for h := range c.kv.Classes {
		if !c.seen[h] {
			extra = append(extra, h)
		}
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i] < extra[j] })
	for _, h := range extra {
		cl := c.kv.Classes[h]
		c.problem(nagios.Warning, fmt.Sprintf("%s extra class %s not in OVSDB", c.ifc.Name, handleString(h)),
			"%s class %s (%s, rate %s ceil %s, parent %s) is not in OVSDB: a hand-made bucket that OVS will not maintain and an OVS restart removes",
			c.ifc.Name, handleString(h), cl.Kind, formatRate(cl.Rate*8), formatRate(cl.Ceil*8), handleString(cl.Parent))
	}
}

// describeConf shows the configured rates and, when OVS clamps them, what
// it programs instead.
func describeConf(q queueConf, exp [2]uint64) string {
	part := func(name string, v, e uint64, unsetMeans string) string {
		switch {
		case v == 0:
			return fmt.Sprintf("%s unset (%s %s)", name, unsetMeans, formatRate(e*8))
		case v/8 != e:
			return fmt.Sprintf("%s %s, clamped by OVS to %s", name, formatRate(v), formatRate(e*8))
		}
		return fmt.Sprintf("%s %s", name, formatRate(v))
	}
	return part("min-rate", q.MinRate, exp[0], "OVS uses the MTU,") + ", " + part("max-rate", q.MaxRate, exp[1], "OVS uses the parent rate,")
}

func addPerf(res *nagios.Result, prefix string, rate, ceil, wantRate, wantCeil uint64, d float64, th nagios.Thresholds) {
	zero := nagios.Float(0)
	res.AddPerf(
		nagios.Perf{Label: prefix + " rate", Value: float64(rate), Min: zero},
		nagios.Perf{Label: prefix + " rate_conf", Value: float64(wantRate), Min: zero},
		nagios.Perf{Label: prefix + " ceil", Value: float64(ceil), Min: zero},
		nagios.Perf{Label: prefix + " ceil_conf", Value: float64(wantCeil), Min: zero},
		nagios.Perf{Label: prefix + " drift", Value: d, UOM: "%", Warn: th.Warning, Crit: th.Critical, Min: zero},
	)
}

// formatRate prints bits/s the way tc does: 30Mbit/s, 12kbit/s, 1.5Gbit/s.
func formatRate(bps uint64) string {
	units := []struct {
		div  float64
		name string
	}{{1e9, "Gbit/s"}, {1e6, "Mbit/s"}, {1e3, "kbit/s"}}
	for _, u := range units {
		if float64(bps) >= u.div {
			v := math.Round(float64(bps)/u.div*1000) / 1000
			return nagios.FormatNumber(v) + u.name
		}
	}
	return fmt.Sprintf("%dbit/s", bps)
}
