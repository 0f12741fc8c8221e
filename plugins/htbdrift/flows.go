package htbdrift

import (
	"bufio"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A flow is one line of `ovs-ofctl dump-flows`: its match fields (stats
// such as n_packets removed), priority, table and the queue its actions
// select.
type flow struct {
	Text     string // the match and actions, without statistics
	Table    int
	Priority int
	Match    map[string]string // in_port=3, nw_src=10.0.0.5, ip= ""
	Queue    uint32
	HasQueue bool
}

// statFields are the per-flow statistics and metadata ovs-ofctl prints
// before the match; they are not part of what the flow matches.
var statFields = map[string]bool{
	"cookie": true, "duration": true, "table": true, "n_packets": true, "n_bytes": true,
	"idle_age": true, "hard_age": true, "idle_timeout": true, "hard_timeout": true,
	"importance": true, "reset_counts": true, "send_flow_rem": true, "check_overlap": true, "priority": true,
}

// queueAction finds set_queue:N (OpenFlow 1.1+) or enqueue:PORT:N /
// enqueue(PORT,N) (OpenFlow 1.0) in an action list.
var queueAction = regexp.MustCompile(`(?:^|[,(])(?:set_queue:(\d+)|enqueue[:(][^:,)]+[:,](\d+))`)

// parseFlows parses dump-flows output. Lines that are not flows (the reply
// header, blank lines) are skipped.
func parseFlows(out string) []flow {
	var flows []flow
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 0, 64*1024), 4<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		matchPart, actions, ok := strings.Cut(line, " actions=")
		if !ok {
			if rest, found := strings.CutPrefix(line, "actions="); found {
				matchPart, actions, ok = "", rest, true
			}
		}
		if !ok {
			continue
		}
		f := flow{Match: map[string]string{}, Priority: 32768}
		var text []string
		for _, field := range strings.FieldsFunc(matchPart, func(r rune) bool { return r == ',' || r == ' ' }) {
			k, v, _ := strings.Cut(field, "=")
			switch k {
			case "table":
				f.Table, _ = strconv.Atoi(v)
			case "priority":
				if n, err := strconv.Atoi(v); err == nil {
					f.Priority = n
				}
				text = append(text, field)
				continue
			}
			if statFields[k] {
				continue
			}
			f.Match[k] = v
			text = append(text, field)
		}
		if m := queueAction.FindStringSubmatch(actions); m != nil {
			n := m[1]
			if n == "" {
				n = m[2]
			}
			if q, err := strconv.ParseUint(n, 10, 32); err == nil {
				f.Queue, f.HasQueue = uint32(q), true
			}
		}
		f.Text = strings.Join(text, ",") + " actions=" + actions
		flows = append(flows, f)
	}
	return flows
}

// A selector says which flows belong to the VM being asked about.
type selector struct {
	OFPort int64 // the VIF's OpenFlow port, 0 when unknown
	MACs   []string
	IP     netip.Addr // the VM's address, when asked by --ip
}

// matches reports whether a flow's match selects the VM's traffic: its
// in_port, its source MAC, or a source prefix that contains its address.
func (s selector) matches(f flow) bool {
	if s.OFPort > 0 && f.Match["in_port"] == strconv.FormatInt(s.OFPort, 10) {
		return true
	}
	src := strings.SplitN(f.Match["dl_src"], "/", 2)[0]
	if slices.ContainsFunc(s.MACs, func(mac string) bool { return mac != "" && strings.EqualFold(src, mac) }) {
		return true
	}
	if s.IP.IsValid() {
		for _, key := range []string{"nw_src", "ip_src", "ipv6_src"} {
			v, ok := f.Match[key]
			if !ok {
				continue
			}
			if pfx, err := netip.ParsePrefix(v); err == nil && pfx.Contains(s.IP) {
				return true
			}
			if a, err := netip.ParseAddr(v); err == nil && a == s.IP {
				return true
			}
		}
	}
	return false
}

// queueFlow returns the flow that decides the VM's queue: of the flows that
// match it and set a queue, the one in the lowest table with the highest
// priority (the one OVS would hit first).
func queueFlow(flows []flow, s selector) (flow, bool) {
	var best flow
	found := false
	for _, f := range flows {
		if !f.HasQueue || !s.matches(f) {
			continue
		}
		if !found || f.Table < best.Table || f.Table == best.Table && f.Priority > best.Priority {
			best, found = f, true
		}
	}
	return best, found
}

// ofctlVersions is the -O argument of ovs-ofctl that makes a flow dump
// negotiate a version the bridge accepts. The bridge accepts exactly the
// versions in its Bridge.protocols column (ovs-vswitchd.conf.db(5)); offering
// all of them lets ovs-ofctl and ovs-vswitchd agree on the highest common
// one. An empty column means OVS's default set, which includes OpenFlow 1.0
// in every OVS release, as does ovs-ofctl's own default (OpenFlow10 only,
// ovs-ofctl(8)), so no -O is given: forcing a version (say OpenFlow13) fails
// with "version negotiation failed" on a bridge limited to OpenFlow10.
// ovs-ofctl prints OpenFlow 1.0's enqueue:PORT:QUEUE and OpenFlow 1.1+'s
// set_queue:QUEUE alike; parseFlows reads both.
func ofctlVersions(protocols []string) []string {
	if len(protocols) == 0 {
		return nil
	}
	versions := slices.Clone(protocols)
	slices.Sort(versions)
	return []string{"-O", strings.Join(slices.Compact(versions), ",")}
}
