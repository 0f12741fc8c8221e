package lldp

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"edgecheck/shared/nagios"
)

// ipLink is one object of `ip -j link show`, as captured in
// testdata/*.links.json from the namespaces the lldpcli captures come from.
type ipLink struct {
	IfName    string   `json:"ifname"`
	Flags     []string `json:"flags"`
	OperState string   `json:"operstate"`
}

// linksFromIPJSON turns a captured `ip -j link show` into the Links
// ReadLinks would return in that namespace: ip prints IFF_UP as UP,
// IFF_LOWER_UP as LOWER_UP, and NO-CARRIER for an up link without
// IFF_RUNNING (iproute2 ip/ipaddress.c print_link_flags).
func linksFromIPJSON(name string) Links {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		return Links{Err: err}
	}
	var list []ipLink
	if err := json.Unmarshal(b, &list); err != nil {
		return Links{Err: err}
	}
	out := Links{ByName: map[string]LinkState{}, Source: "testdata/" + name}
	for _, l := range list {
		up := slices.Contains(l.Flags, "UP")
		out.ByName[l.IfName] = LinkState{
			Name:      l.IfName,
			Up:        up,
			Running:   up && !slices.Contains(l.Flags, "NO-CARRIER"),
			LowerUp:   slices.Contains(l.Flags, "LOWER_UP"),
			OperState: strings.ToLower(l.OperState),
		}
	}
	return out
}

func fixedLinks(name string) func(context.Context, string) Links {
	return func(context.Context, string) Links { return linksFromIPJSON(name) }
}

func TestLinksFixture(t *testing.T) {
	l := linksFromIPJSON("variants.links.json")
	if l.Err != nil {
		t.Fatal(l.Err)
	}
	for name, down := range map[string]bool{"eth0": false, "eth1": false, "eth4": true, "eth5": true, "eth6": true, "vnet0": false} {
		if got := l.ByName[name].LinkDown(); got != down {
			t.Errorf("%s: LinkDown %v, want %v (%+v)", name, got, down, l.ByName[name])
		}
	}
	if w := l.ByName["eth5"].Why(); w != "no carrier, operstate down" {
		t.Errorf("eth5 Why %q", w)
	}
	if w := l.ByName["eth6"].Why(); w != "administratively down, no IFF_UP" {
		t.Errorf("eth6 Why %q", w)
	}
}

// TestDecodeVariants: the neighbor shapes real lldpd 1.0.16 prints for each
// chassis and port ID subtype (testdata/capture-variants.sh).
func TestDecodeVariants(t *testing.T) {
	snap, err := Decode(loadFixture(t, "variants").stdout)
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ iface, port string }
	got := map[key]Neighbor{}
	for _, n := range snap.Neighbors {
		got[key{n.Interface, n.PortID}] = n
	}
	want := []Neighbor{
		{Interface: "eth0", ChassisType: "mac", ChassisID: "02:a4:8c:6a:09:00", PortIDType: "local", PortID: "34"},
		{Interface: "eth1", SysName: "tor-a.example.net", ChassisType: "mac", ChassisID: "02:1c:73:00:00:01", PortIDType: "ifname", PortID: "Ethernet1/7", PortDescr: "hv0001 eth1"},
		{Interface: "eth1", SysName: "tor-a.example.net", ChassisType: "mac", ChassisID: "02:1c:73:00:00:01", PortIDType: "ifname", PortID: "Ethernet1/8", PortDescr: "hv0001 eth0"},
		{Interface: "eth2", SysName: "sw3.example.net", ChassisType: "local", ChassisID: "sw3-chassis", PortIDType: "mac", PortID: "02:1c:73:00:03:09", PortDescr: "Gi1/0/9"},
		{Interface: "eth3", SysName: "sw4", ChassisType: "ifname", ChassisID: "mgmt0", PortIDType: "ifalias", PortID: "uplink hv0001"},
		// CDPv2: the device ID is the chassis ID (local) and the system name.
		{Interface: "eth7", SysName: "cat1.example.net", ChassisType: "local", ChassisID: "cat1.example.net", PortIDType: "ifname", PortID: "GigabitEthernet1/0/10", PortDescr: "GigabitEthernet1/0/10"},
	}
	if len(snap.Neighbors) != len(want) {
		t.Errorf("%d neighbors, want %d", len(snap.Neighbors), len(want))
	}
	for _, w := range want {
		n, ok := got[key{w.Interface, w.PortID}]
		if !ok {
			t.Errorf("no neighbor %s %s", w.Interface, w.PortID)
			continue
		}
		n.Via, n.MgmtIP, n.TTL, n.Age = "", "", 0, 0
		if n != w {
			t.Errorf("got %+v\nwant %+v", n, w)
		}
	}
	if st := snap.Stats["eth4"]; st.Delete != 1 || st.Ageout != 0 {
		t.Errorf("eth4 after its link went down: %+v, want delete 1 ageout 0", st)
	}
}

// runVariants runs the check with args on the captured variants (lldpcli
// and the kernel's link state), returning the result and its output.
func runVariants(t *testing.T, args ...string) (*nagios.Result, string) {
	t.Helper()
	c := newCheck(t, args...)
	c.Exec = replay(t, "variants").exec
	c.ReadLinks = fixedLinks("variants.links.json")
	res, err := c.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res, res.Format(Service)
}

// TestVariantStates: the state and line 1 for each shape, with the kernel's
// link state captured alongside.
func TestVariantStates(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		state   nagios.State
		want    []string
		notWant []string
	}{
		{"no system name, by chassis MAC", []string{"--expect", "eth0=02:a4:8c:6a:09:00"}, nagios.OK,
			[]string{"eth0 chassis 02:a4:8c:6a:09:00 port 34"}, nil},
		{"chassis MAC and local port", []string{"--expect", "eth0=02:a4:8c:6a:09:00:34"}, nagios.OK, []string{"eth0"}, nil},
		{"chassis MAC other form", []string{"--expect", "eth0=02-A4-8C-6A-09-00:34"}, nagios.OK, []string{"eth0"}, nil},
		{"chassis MAC wrong port", []string{"--expect", "eth0=02:a4:8c:6a:09:00:35"}, nagios.Critical,
			[]string{"wrong port: expected 02:a4:8c:6a:09:00 port 35, seen chassis 02:a4:8c:6a:09:00 port 34"}, []string{"expected 02 a4"}},
		{"no system name, any", []string{"--interface", "eth0"}, nagios.OK, []string{"eth0 chassis 02:a4:8c:6a:09:00 port 34"}, nil},
		{"two neighbors, inventory names one", []string{"--expect", "eth1=tor-a:Ethernet1/8"}, nagios.Warning,
			[]string{"eth1 sees 2 LLDP neighbors", "Ethernet1/7", "Ethernet1/8", "bond or fabric leak"}, []string{"as expected"}},
		{"two neighbors, the other", []string{"--expect", "eth1=tor-a:Ethernet1/7"}, nagios.Warning,
			[]string{"eth1 sees 2 LLDP neighbors"}, nil},
		{"two neighbors, neither", []string{"--expect", "eth1=tor-a:Ethernet1/9"}, nagios.Critical,
			[]string{"eth1 sees 2 LLDP neighbors", "none is the expected tor-a port Ethernet1/9"}, nil},
		{"two neighbors, no inventory", []string{"--interface", "eth1"}, nagios.OK, []string{"eth1 sees 2 neighbors"}, nil},
		{"port ID mac", []string{"--expect", "eth2=sw3:02:1c:73:00:03:09"}, nagios.OK, []string{"eth2 sw3.example.net port 02:1c:73:00:03:09"}, []string{"Gi1/0/9"}},
		{"port ID mac by description", []string{"--expect", "eth2=sw3:Gi1/0/9"}, nagios.OK, []string{"eth2 sw3.example.net port 02:1c:73:00:03:09"}, nil},
		{"chassis local", []string{"--expect", "eth2=sw3-chassis"}, nagios.OK, []string{"eth2"}, nil},
		{"chassis ifname, port ifalias", []string{"--expect", "eth3=mgmt0:uplink hv0001"}, nagios.OK, []string{"eth3 sw4 port uplink hv0001"}, nil},
		{"CDPv2 neighbor", []string{"--expect", "eth7=cat1:GigabitEthernet1/0/10"}, nagios.OK, []string{"eth7 cat1.example.net port GigabitEthernet1/0/10"}, nil},
		{"link went down", []string{"--expect", "eth4=tor-a:Ethernet1/1"}, nagios.Critical,
			[]string{"eth4 link down (no carrier, operstate down)", "check the cable, transceiver or switch port"},
			[]string{"shutdown frame", "tcpdump", "firmware"}},
		{"link never came up", []string{"--expect", "eth5=tor-b:Ethernet1/1"}, nagios.Critical,
			[]string{"eth5 link down (no carrier", "cable, transceiver"}, []string{"may not send LLDP", "tcpdump"}},
		{"administratively down", []string{"--interface", "eth6"}, nagios.Critical,
			[]string{"eth6 link down (administratively down", "ip link set dev eth6 up"}, nil},
		{"every NIC, virtual left out", nil, nagios.Critical,
			[]string{"eth4 link down", "eth5 link down", "eth6 link down"}, []string{"vnet0", "tap0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, out := runVariants(t, tt.args...)
			line1 := strings.SplitN(out, "\n", 2)[0]
			if res.FinalState() != tt.state {
				t.Errorf("state %s, want %s: %s", res.FinalState(), tt.state, line1)
			}
			for _, w := range tt.want {
				if !strings.Contains(line1, w) {
					t.Errorf("line 1 %q lacks %q", line1, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(line1, w) {
					t.Errorf("line 1 %q has %q", line1, w)
				}
			}
		})
	}
}

// TestVirtualLeftOut: without --interface the long output names what was
// checked and what was left out.
func TestVirtualLeftOut(t *testing.T) {
	_, out := runVariants(t)
	for _, w := range []string{"checked the NICs lldpd manages: eth0, eth1, eth2, eth3, eth4, eth5, eth6, eth7", "left out as virtual", "tap0, vnet0"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	for _, v := range []string{"tap0", "vnet0", "vnet12", "veth3a9f", "fwpr100p0", "tap100i0", "ovs-system", "docker0", "br-1a2b", "virbr0", "vif3.0"} {
		if !IsVirtual(v) {
			t.Errorf("%s is not virtual", v)
		}
	}
	for _, p := range []string{"eth0", "eno1", "enp59s0f1", "ens1f0np0", "bond0", "em1", "p1p1"} {
		if IsVirtual(p) {
			t.Errorf("%s is virtual", p)
		}
	}
}

// TestLinkStateUnknown: without the link state a neighbor removed without
// ageing out is not blamed on a shutdown frame alone.
func TestLinkStateUnknown(t *testing.T) {
	c := newCheck(t, "--expect", "eth4=tor-a:Ethernet1/1")
	c.Exec = replay(t, "variants").exec
	c.ReadLinks = func(context.Context, string) Links {
		return Links{Err: os.ErrPermission}
	}
	res, err := c.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := res.Format(Service)
	if res.FinalState() != nagios.Critical || !strings.Contains(out, "or the NIC's link went down") || !strings.Contains(out, "link state unknown") {
		t.Errorf("got %s\n%s", res.FinalState(), out)
	}
	// lldpd sends only on running interfaces: no frame sent hints at the link.
	c = newCheck(t, "--interface", "eth5")
	c.Exec = replay(t, "variants").exec
	c.ReadLinks = func(context.Context, string) Links { return Links{Err: os.ErrPermission} }
	res, err = c.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if line1 := strings.SplitN(res.Format(Service), "\n", 2)[0]; !strings.Contains(line1, "lldpd has sent no frame on it either, as on a NIC without link") {
		t.Errorf("line 1 %q", line1)
	}
}

func TestUnixSocketPath(t *testing.T) {
	tests := map[string]string{
		"Num       RefCount Protocol Flags    Type St Inode Path":                          "",
		"0000000000000000: 00000002 00000000 00010000 0001 01 41234 /run/lldpd.socket":     "/run/lldpd.socket",
		"0000000000000000: 00000002 00000000 00010000 0001 01 41234 /tmp/a b/lldpd.socket": "/tmp/a b/lldpd.socket",
		"0000000000000000: 00000002 00000000 00010000 0001 01 41235 @/tmp/.X11-unix/X0":    "",
		"0000000000000000: 00000003 00000000 00000000 0001 03 41236":                       "",
	}
	for line, want := range tests {
		if got := UnixSocketPath(line); got != want {
			t.Errorf("UnixSocketPath(%q) = %q, want %q", line, got, want)
		}
	}
}

func FuzzParseExpectation(f *testing.F) {
	for _, s := range []string{"eth0=sw1:Ethernet1/1", "eth0=02:a4:8c:6a:09:00:34", "eth0=[a:b]:1:2", "eth0=02a4.8c6a.0900", "eth0=sw1:00:11:22:33:44:55", "=", "eth0=[", "eth0=02:a4:8c:6a:09:00:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseExpectation(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if e.Interface == "" || e.Switch == "" {
			t.Fatalf("%q: empty interface or switch: %+v", s, e)
		}
		// A MAC chassis ID is never split.
		if isColonMAC(e.Switch) == false && strings.Count(e.Switch, ":") > 0 && !strings.Contains(s, "[") {
			t.Fatalf("%q: switch %q has a colon without brackets", s, e.Switch)
		}
	})
}

func FuzzUnixSocketPath(f *testing.F) {
	f.Add("0000000000000000: 00000002 00000000 00010000 0001 01 41234 /run/lldpd.socket")
	f.Add("Num       RefCount Protocol Flags    Type St Inode Path")
	f.Add("a b c d e f g /x")
	f.Fuzz(func(t *testing.T, line string) {
		p := UnixSocketPath(line)
		if p != "" && !strings.HasPrefix(p, "/") {
			t.Fatalf("%q: path %q is not absolute", line, p)
		}
	})
}
