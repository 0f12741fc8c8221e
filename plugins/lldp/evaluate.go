package lldp

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"edgecheck/shared/nagios"
	"edgecheck/shared/registry"
)

// VirtualPatterns are the interface names (path.Match patterns) that no
// switch is cabled to: VM taps and vnets (libvirt vnetN, QEMU tapN, Proxmox
// tapNiN/fwprNpN/fwlnNiN/fwbrNiN, Xen vifN.N, OpenStack tap-/qvo/qvb/qbr),
// veth pairs of VMs and containers, container and bridge ports (docker0,
// br-*, virbr*, lxc*, cni*, cali*, flannel*), Open vSwitch's internal ports
// (ovs-system, ovs-netdev) and tunnels. lldpd manages them when its
// interface pattern allows it; without --interface they are left out.
var VirtualPatterns = []string{
	"tap*", "vnet*", "veth*", "tun*", "vif*", "macvtap*",
	"fwpr*", "fwln*", "fwbr*", "qvo*", "qvb*", "qbr*",
	"docker*", "br-*", "virbr*", "lxc*", "cni*", "cali*", "flannel*", "weave*", "kube-*", "podman*",
	"ovs-system", "ovs-netdev", "vxlan*", "genev_sys_*", "gre*", "ifb*", "dummy*",
}

// IsVirtual reports whether name matches VirtualPatterns.
func IsVirtual(name string) bool {
	return slices.ContainsFunc(VirtualPatterns, func(p string) bool {
		ok, _ := path.Match(p, name)
		return ok
	})
}

// selection returns the NICs to check, sorted, whether the operator named
// them (--interface, or a NIC in expects), and the interfaces lldpd manages
// that were left out as virtual.
func (c *Check) selection(snap *Snapshot, expects map[string]Expectation) (nics []string, named bool, skipped []string) {
	nics = append(nics, c.Interfaces...)
	for i := range expects {
		nics = append(nics, i)
	}
	named = len(nics) > 0
	if !named {
		for _, i := range snap.Interfaces {
			if IsVirtual(i.Name) {
				skipped = append(skipped, i.Name)
				continue
			}
			nics = append(nics, i.Name)
		}
	}
	slices.Sort(nics)
	slices.Sort(skipped)
	return slices.Compact(nics), named, slices.Compact(skipped)
}

// captureHint is the next step for a NIC without a neighbor.
func captureHint(nic string) string {
	return fmt.Sprintf("tcpdump -i %s -e ether proto 0x88cc", nic)
}

// finding is one NIC's outcome: a state, a short text for line 1 and a
// full text for the long output.
type finding struct {
	state nagios.State
	short string
	long  string
}

// view is what evaluateNIC needs of one check run.
type view struct {
	known      map[string]Interface
	knownNames []string
	stats      map[string]Stats
	links      Links
	expects    map[string]Expectation // --expect, by NIC
}

// evaluate judges every selected NIC of snap, with the link states and the
// --expect expectations (by NIC, from Check.expectations).
func (c *Check) evaluate(snap *Snapshot, links Links, expects map[string]Expectation) *nagios.Result {
	res := &nagios.Result{State: nagios.OK}
	v := view{known: map[string]Interface{}, stats: snap.Stats, links: links, expects: expects}
	for _, i := range snap.Interfaces {
		v.known[i.Name] = i
		v.knownNames = append(v.knownNames, i.Name)
	}
	byIface := map[string][]Neighbor{}
	for _, n := range snap.Neighbors {
		byIface[n.Interface] = append(byIface[n.Interface], n)
	}
	nics, named, skipped := c.selection(snap, expects)
	if len(nics) == 0 {
		why := "lldpd runs but manages no interface: check its interface pattern (lldpd -I, or lldpcli configure system interface pattern) and that the NICs exist"
		if len(skipped) > 0 {
			why = fmt.Sprintf("lldpd manages only virtual interfaces (%s): check its interface pattern (lldpd -I), or name the NICs with --interface", strings.Join(skipped, ", "))
		}
		var none nagios.Summary
		none.Add(nagios.Critical, why)
		res.State = nagios.Critical
		res.Summary = none.Line(res, "")
		return res
	}
	var findings []finding
	for _, nic := range nics {
		f := c.evaluateNIC(nic, v, byIface[nic])
		findings = append(findings, f)
		res.Add(f.state, "%s", f.long)
		if _, ok := v.known[nic]; ok {
			st := snap.Stats[nic]
			res.AddPerf(
				nagios.Perf{Label: nic + "_neighbors", Value: float64(len(byIface[nic])), Min: nagios.Float(0)},
				nagios.Perf{Label: nic + "_rx", Value: float64(st.RX), UOM: "c"},
				nagios.Perf{Label: nic + "_tx", Value: float64(st.TX), UOM: "c"},
				nagios.Perf{Label: nic + "_rx_discarded", Value: float64(st.RXDiscarded), UOM: "c"},
				nagios.Perf{Label: nic + "_rx_unrecognized", Value: float64(st.RXUnrecognized), UOM: "c"},
				nagios.Perf{Label: nic + "_ageout", Value: float64(st.Ageout), UOM: "c"},
				nagios.Perf{Label: nic + "_deleted", Value: float64(st.Delete), UOM: "c"},
			)
		}
	}
	if !named {
		line := "checked the NICs lldpd manages: " + strings.Join(nics, ", ")
		if len(skipped) > 0 {
			line += "; left out as virtual (VM taps, vnets, veths, container and bridge ports; name them with --interface to check them): " + strings.Join(skipped, ", ")
		}
		res.Add(nagios.OK, "%s", line)
	}
	if links.Err != nil {
		res.Add(nagios.OK, "link state unknown: %v", links.Err)
	}
	res.Summary = summarize(res, findings, named, skipped)
	return res
}

// summarize is line 1, built with nagios.Summary: the NICs in the worst
// state, each with its short text (a NIC in a lesser state is left to the
// long output), or, when every NIC is OK, what each one sees.
func summarize(res *nagios.Result, findings []finding, named bool, skipped []string) string {
	worst := nagios.OK
	for _, f := range findings {
		worst = nagios.Worst(worst, f.state)
	}
	var sum nagios.Summary
	if worst != nagios.OK {
		for _, f := range findings {
			if f.state == worst {
				sum.Add(f.state, f.short)
			}
		}
		return sum.Line(res, "")
	}
	var seen []string
	for _, f := range findings {
		seen = append(seen, f.short)
	}
	what := "every NIC lldpd manages sees an LLDP neighbor"
	if named {
		what = "every checked NIC sees its LLDP neighbor"
	}
	allClear := what + ": " + strings.Join(seen, ", ")
	if len(skipped) > 0 {
		allClear += fmt.Sprintf(" (left out %d virtual: %s)", len(skipped), strings.Join(skipped, ", "))
	}
	return sum.Line(res, allClear)
}

// describe names a neighbor for line 1: its system name (or its chassis ID
// when it sends none) and its port ID, never the port description.
func describe(n Neighbor) string {
	name := n.SysName
	if name == "" {
		name = "chassis " + n.ChassisID
	}
	if n.PortID == "" {
		return name
	}
	return name + " port " + n.PortID
}

func details(n Neighbor, st Stats) string {
	var d []string
	if n.SysName == "" {
		d = append(d, "no system name")
	}
	d = append(d, "chassis id "+strings.TrimSpace(n.ChassisType+" "+n.ChassisID))
	d = append(d, "port id "+strings.TrimSpace(n.PortIDType+" "+n.PortID))
	if n.PortDescr != "" {
		d = append(d, fmt.Sprintf("port description %q", n.PortDescr))
	}
	if n.MgmtIP != "" {
		d = append(d, "mgmt "+n.MgmtIP)
	}
	if n.Via != "" && n.Via != "LLDP" {
		d = append(d, "via "+n.Via)
	}
	if n.TTL >= 0 {
		d = append(d, "TTL "+registry.FormatSeconds(n.TTL)+"s")
	}
	if n.Age >= 0 {
		d = append(d, "unchanged for "+formatAge(n.Age))
	}
	d = append(d, fmt.Sprintf("frames rx %d tx %d", st.RX, st.TX))
	return strings.Join(d, ", ")
}

func formatAge(d time.Duration) string {
	d = d.Truncate(time.Second)
	if d >= 48*time.Hour {
		days := d / (24 * time.Hour)
		return fmt.Sprintf("%dd%s", days, (d - days*24*time.Hour).String())
	}
	return d.String()
}

func describeAll(neighbors []Neighbor, st Stats) (short, long string) {
	var descs, dets []string
	for _, n := range neighbors {
		descs = append(descs, describe(n))
		dets = append(dets, describe(n)+" ("+details(n, st)+")")
	}
	return strings.Join(descs, " and "), strings.Join(dets, "; ")
}

func (c *Check) evaluateNIC(nic string, v view, neighbors []Neighbor) finding {
	iface, ok := v.known[nic]
	if !ok {
		list := "none"
		if len(v.knownNames) > 0 {
			list = strings.Join(v.knownNames, ", ")
		}
		return finding{
			state: nagios.Critical,
			short: fmt.Sprintf("lldpd does not manage %s (it manages: %s)", nic, list),
			long: fmt.Sprintf("%s: lldpd does not manage this interface (it manages: %s): the NIC is missing or renamed, or excluded by lldpd's interface pattern (lldpd -I, lldpcli configure system interface pattern)",
				nic, list),
		}
	}
	st := v.stats[nic]
	exp, hasExp := v.expects[nic]
	if l, ok := v.links.ByName[nic]; ok && l.LinkDown() {
		return linkDown(nic, l, v.links.Source, st, exp, hasExp)
	}
	if len(neighbors) == 0 {
		return noNeighbor(nic, iface, st, exp, hasExp, v.links)
	}
	if hasExp && len(neighbors) > 1 {
		return severalNeighbors(nic, neighbors, st, exp)
	}
	if hasExp {
		n := neighbors[0]
		if exp.matchesSwitch(n) && exp.matchesPort(n) {
			return c.fresh(nic, n, st, fmt.Sprintf("%s: %s as expected (%s)", nic, describe(n), details(n, st)), fmt.Sprintf("%s %s", nic, describe(n)))
		}
		what := "port"
		if !exp.matchesSwitch(n) {
			what = "switch"
		}
		return finding{
			state: nagios.Critical,
			short: fmt.Sprintf("%s: wrong %s: expected %s, seen %s: a cabling error or a stale inventory", nic, what, exp, describe(n)),
			long: fmt.Sprintf("%s: expected %s but the neighbor is %s (%s): recable the NIC to %s, or fix the inventory if the new cabling is intended (SWITCH is compared with the system name and the chassis ID, PORT with the port ID and the port description)",
				nic, exp, describe(n), details(n, st), exp),
		}
	}
	short, long := describeAll(neighbors, st)
	if len(neighbors) > 1 {
		short = fmt.Sprintf("%s sees %d neighbors: %s", nic, len(neighbors), short)
	} else {
		short = nic + " " + short
	}
	long = nic + ": " + long
	// One neighbor is the norm; with several, freshness is judged on each.
	worst := finding{state: nagios.OK, short: short, long: long}
	for _, n := range neighbors {
		if f := c.fresh(nic, n, st, long, short); f.state != nagios.OK {
			worst = f
		}
	}
	return worst
}

// severalNeighbors: an inventory names one neighbor per NIC, so two or more
// (several switch ports, or several switches) can never confirm the
// cabling. WARNING when the expected one is among them, CRITICAL when not.
func severalNeighbors(nic string, neighbors []Neighbor, st Stats, exp Expectation) finding {
	short, long := describeAll(neighbors, st)
	state, verdict := nagios.Critical, "none is the expected "+exp.String()
	if slices.ContainsFunc(neighbors, func(n Neighbor) bool { return exp.matchesSwitch(n) && exp.matchesPort(n) }) {
		state, verdict = nagios.Warning, "the cabling to the expected "+exp.String()+" cannot be confirmed"
	}
	why := "a bond whose slaves leak each other's LLDP frames (Linux >= 4.19 with lldpd < 1.0.3), a switch or fabric (EVPN/VXLAN) that forwards LLDP, or a hub/unmanaged switch between the NIC and the switch"
	return finding{
		state: state,
		short: fmt.Sprintf("%s sees %d LLDP neighbors: %s: %s: a bond or fabric leak?", nic, len(neighbors), short, verdict),
		long: fmt.Sprintf("%s: %d LLDP neighbors where the inventory names one (%s): %s. Causes: %s. Find which port the NIC is really cabled to (the switch's MAC table or a port shutdown) before trusting the inventory.",
			nic, len(neighbors), exp, long, why),
	}
}

// fresh applies --max-age to a neighbor that is otherwise fine.
func (c *Check) fresh(nic string, n Neighbor, st Stats, long, short string) finding {
	if c.MaxAge <= 0 || n.TTL <= c.MaxAge {
		return finding{state: nagios.OK, short: short, long: long}
	}
	ttl, limit := registry.FormatSeconds(n.TTL)+"s", registry.FormatSeconds(c.MaxAge)+"s"
	return finding{
		state: nagios.Warning,
		short: fmt.Sprintf("%s: %s advertises TTL %s, above --max-age %s: its data may be that stale", nic, describe(n), ttl, limit),
		long: fmt.Sprintf("%s: %s advertises TTL %s, above --max-age %s: lldpd keeps a neighbor until its TTL expires, so this data may be up to %s old; lower the switch's LLDP hold time (TTL = tx interval x hold multiplier) or raise --max-age (%s)",
			nic, describe(n), ttl, limit, ttl, details(n, st)),
	}
}

func times(n int64) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

func frames(n int64) string {
	if n == 1 {
		return "1 frame"
	}
	return fmt.Sprintf("%d frames", n)
}

// linkDown: a NIC without link cannot receive LLDP, and lldpd drops its
// neighbors (counted in delete_cnt, like a shutdown frame). The fault is
// below LLDP: the cable, the transceiver or the switch port.
func linkDown(nic string, l LinkState, source string, st Stats, exp Expectation, hasExp bool) finding {
	want := ""
	if hasExp {
		want = fmt.Sprintf(", expected %s", exp)
	}
	step := "check the cable, transceiver or switch port (shut down? err-disabled?)"
	if !l.Up {
		step = fmt.Sprintf("bring it up (ip link set dev %s up) and find out why it is down (the host's network configuration), then check the cable, transceiver or switch port", nic)
	}
	return finding{
		state: nagios.Critical,
		short: fmt.Sprintf("%s link down (%s)%s: %s", nic, l.Why(), want, step),
		long: fmt.Sprintf("%s: link down (%s; IFF_UP %v, IFF_RUNNING %v, IFF_LOWER_UP %v, IFLA_OPERSTATE %s; read over rtnetlink in %s)%s: no LLDP can be received on it, and lldpd drops the neighbors of an interface that is not running (delete_cnt %d, ageout_cnt %d); %s. Not an LLDP problem: once the link is up the neighbor returns within the switch's tx interval.",
			nic, l.Why(), l.Up, l.Running, l.LowerUp, l.OperState, source, want, st.Delete, st.Ageout, step),
	}
}

func noNeighbor(nic string, iface Interface, st Stats, exp Expectation, hasExp bool, links Links) finding {
	want := ""
	if hasExp {
		want = fmt.Sprintf(", expected %s", exp)
	}
	if !iface.Receives() {
		return finding{
			state: nagios.Critical,
			short: fmt.Sprintf("no LLDP neighbor on %s%s: lldpd does not receive on it (status %s); run lldpcli configure ports %s lldp status rx-and-tx", nic, want, iface.Status, nic),
			long: fmt.Sprintf("%s: no LLDP neighbor%s: lldpd's admin status on this port is %q, so it ignores received frames; run lldpcli configure ports %s lldp status rx-and-tx",
				nic, want, iface.Status, nic),
		}
	}
	_, linkKnown := links.ByName[nic]
	short, why := lostReason(st, linkKnown)
	if !linkKnown {
		why += "; link state unknown"
		if links.Err != nil {
			why += fmt.Sprintf(" (%v)", links.Err)
		} else if links.Source != "" {
			why += fmt.Sprintf(" (no interface %s in %s)", nic, links.Source)
		}
		why += ": if the NIC has no carrier (ip link show " + nic + "), check the cable, transceiver or switch port first"
	}
	step := "the switch port may not send LLDP or the NIC firmware may drop it; capture: " + captureHint(nic)
	if !linkKnown {
		first := "link state unknown: check the NIC's link first"
		if st.TX == 0 {
			// lldpd sends only on running interfaces (lldpd_send_all).
			first = "link state unknown, but lldpd has sent no frame on it either, as on a NIC without link: check its link first"
		}
		step = fmt.Sprintf("%s (ip link show %s: NO-CARRIER means the cable, transceiver or switch port); with link, %s", first, nic, step)
	}
	return finding{
		state: nagios.Critical,
		short: fmt.Sprintf("no LLDP neighbor on %s%s (%s): %s", nic, want, short, step),
		long: fmt.Sprintf("%s: no LLDP neighbor%s: %s; %s sent. Capture on the NIC: %s. Frames in the capture but no neighbor: lldpd's problem, see its log. No frames: enable LLDP on the switch port, or the NIC firmware consumes them (e.g. the Intel X710/XL710 firmware LLDP agent: ethtool --set-priv-flags %s disable-fw-lldp on, or upgrade the NIC firmware).",
			nic, want, why, frames(st.TX), captureHint(nic), nic),
	}
}

// lostReason reads lldpd's counters of a NIC without a neighbor: a short
// reason for line 1 and a longer one. lldpd counts an aged-out neighbor in
// both ageout_cnt and delete_cnt, and one removed by a shutdown frame or
// because the link went down in delete_cnt only (src/lldpd-structs.c).
func lostReason(st Stats, linkKnownUp bool) (short, why string) {
	withdrawn := st.Delete - st.Ageout
	// The counters run since lldpd started: a link that is up now may
	// have gone down before, so a removal is never blamed on a shutdown
	// frame alone.
	withdrew := "it withdrew with a shutdown frame or a link flap"
	withdrewLong := "was removed %s without ageing out (a shutdown frame: the switch's LLDP agent stopped or LLDP was disabled on its port; or the NIC's link went down, which lldpd counts the same)"
	if !linkKnownUp {
		withdrew = "it was removed without ageing out: a shutdown frame, or the NIC's link went down"
	}
	switch {
	case st.RX == 0:
		short, why = "no frame received since lldpd started", "no LLDP frame received since lldpd started"
	case st.Ageout > 0 && withdrawn > 0:
		short = "it aged out or withdrew"
	case st.Ageout > 0:
		short = "it aged out"
	case withdrawn > 0:
		short = withdrew
	default:
		short = "frames received, none kept"
	}
	if st.RX > 0 {
		why = frames(st.RX) + " received since lldpd started"
		var gone []string
		if st.Ageout > 0 {
			gone = append(gone, fmt.Sprintf("aged out %s (the switch stopped sending)", times(st.Ageout)))
		}
		if withdrawn > 0 {
			gone = append(gone, fmt.Sprintf(withdrewLong, times(withdrawn)))
		}
		if len(gone) > 0 {
			why += "; the neighbor " + strings.Join(gone, " and ")
		} else {
			why += ", none kept"
		}
	}
	if st.RXDiscarded > 0 {
		short += fmt.Sprintf(", %d frames discarded", st.RXDiscarded)
		why += fmt.Sprintf("; %d frames discarded as malformed", st.RXDiscarded)
	}
	return short, why
}
