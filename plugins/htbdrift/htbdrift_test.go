package htbdrift

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/vishvananda/netlink"

	"edgecheck/shared/golden"
	"edgecheck/shared/nagios"
	"edgecheck/shared/ovsdb"
)

// capturedSnapshot decodes testdata/ovsdb-transact-reply.json, the reply
// of the lab's real ovsdb-server to the check's four selects (captured
// with ovsdb-client transact).
func capturedSnapshot(t *testing.T) *snapshot {
	t.Helper()
	snap, _ := captured(t, "ovsdb-transact-reply.json")
	return snap
}

// captured decodes testdata/FILE, a reply of the lab's real ovsdb-server
// to the check's selects: the snapshot of the first four, and the rows of
// every select.
func captured(t *testing.T, file string) (*snapshot, [][]ovsdb.Row) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var reply []struct {
		Rows []ovsdb.Row `json:"rows"`
	}
	if err := json.Unmarshal(data, &reply); err != nil {
		t.Fatal(err)
	}
	rows := make([][]ovsdb.Row, len(reply))
	for i, r := range reply {
		rows[i] = r.Rows
	}
	snap, err := decodeSnapshot(rows[0], rows[1], rows[2], rows[3])
	if err != nil {
		t.Fatal(err)
	}
	return snap, rows
}

func TestDecodeSnapshot(t *testing.T) {
	snap := capturedSnapshot(t)
	if len(snap.Ports) != 1 {
		t.Fatalf("ports = %+v", snap.Ports)
	}
	p := snap.Ports[0]
	want := []queueConf{{0, 10000000, 50000000}, {1, 20000000, 80000000}, {7, 1000, 200000000}, {13947, 5000000, 30000000}}
	if p.Name != "veth-htb0" || !p.HasQoS || p.QoSType != "linux-htb" || p.MaxRate != 100000000 || !reflect.DeepEqual(p.Queues, want) {
		t.Errorf("port = %+v", p)
	}
	if len(p.Interfaces) != 1 || p.Interfaces[0].Name != "veth-htb0" || p.Interfaces[0].LinkSpeed != 10000000000 {
		t.Errorf("interfaces = %+v", p.Interfaces)
	}
	if vm := snap.Ifaces["veth-vm0"]; vm.OFPort != 3 || vm.MAC == "" {
		t.Errorf("veth-vm0 = %+v", vm)
	}
}

// healthyKernel is what the lab's kernel holds on veth-htb0 (bytes/s).
func healthyKernel() kernelView {
	cl := func(minor uint32, rate, ceil uint64) tcClass {
		parent := uint32(1<<16 | 0xfffe)
		if minor == 0xfffe {
			parent = netlink.HANDLE_ROOT
		}
		return tcClass{Handle: 1<<16 | minor, Parent: parent, Kind: "htb", Rate: rate, Ceil: ceil}
	}
	kv := kernelView{Name: "veth-htb0", MTU: 1500, RootKind: "htb", RootQdisc: 1 << 16, Classes: map[uint32]tcClass{}}
	for _, c := range []tcClass{
		cl(0xfffe, 12500000, 12500000), cl(1, 1250000, 6250000), cl(2, 2500000, 10000000),
		cl(8, 1500, 12500000), cl(0x367c, 625000, 3750000),
	} {
		kv.Classes[c.Handle] = c
	}
	return kv
}

// fakeTC serves a kernelView, or an error, as netlink would.
type fakeTC struct {
	kv  kernelView
	err error // returned by ClassList
}

func (f fakeTC) LinkByName(name string) (netlink.Link, error) {
	if f.kv.Missing || name != f.kv.Name {
		return nil, netlink.LinkNotFoundError{}
	}
	return &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: name, Index: 7, MTU: f.kv.MTU}}, nil
}

func (f fakeTC) QdiscList(netlink.Link) ([]netlink.Qdisc, error) {
	if f.kv.RootKind == "" {
		return nil, nil
	}
	attrs := netlink.QdiscAttrs{Handle: f.kv.RootQdisc, Parent: netlink.HANDLE_ROOT}
	if f.kv.RootKind == "htb" {
		return []netlink.Qdisc{&netlink.Htb{QdiscAttrs: attrs}}, nil
	}
	return []netlink.Qdisc{&netlink.GenericQdisc{QdiscAttrs: attrs, QdiscType: f.kv.RootKind}}, nil
}

func (f fakeTC) ClassList(netlink.Link, uint32) ([]netlink.Class, error) {
	if f.err != nil {
		return nil, f.err
	}
	var out []netlink.Class
	for _, c := range f.kv.Classes {
		out = append(out, &netlink.HtbClass{ClassAttrs: netlink.ClassAttrs{Handle: c.Handle, Parent: c.Parent}, Rate: c.Rate, Ceil: c.Ceil})
	}
	return out, nil
}

func newCheck(t *testing.T, kv kernelView, args ...func(*Check)) *Check {
	t.Helper()
	snap := capturedSnapshot(t)
	w, c := nagios.MustParseRange("10"), nagios.MustParseRange("25")
	ch := &Check{DB: "unix:/run/lab/db.sock", Warn: &w, Crit: &c, TC: fakeTC{kv: kv},
		ReadOVSDB: func(_ context.Context, _, port, bridge string) (*snapshot, error) {
			if bridge == "br-lab" {
				// The lab's br-lab has an empty protocols column; the
				// fixture's dump was taken from a bridge that also accepts
				// OpenFlow13.
				snap.FlowBridge, snap.BridgeIfaces = bridge, map[string]bool{"veth-htb0": true, "veth-vm0": true}
				snap.FlowProtocols = []string{"OpenFlow13", "OpenFlow10"}
			}
			if port == "" {
				return snap, nil
			}
			out := &snapshot{Ifaces: snap.Ifaces, FlowBridge: snap.FlowBridge, BridgeIfaces: snap.BridgeIfaces, FlowProtocols: snap.FlowProtocols}
			for _, p := range snap.Ports {
				if p.Name == port {
					out.Ports = append(out.Ports, p)
				}
			}
			if port == "veth-vm0" {
				out.Ports = append(out.Ports, qosPort{Name: "veth-vm0"})
			}
			return out, nil
		},
		Exec: func(context.Context, ...string) ([]byte, error) { return nil, errors.New("no exec expected") },
	}
	for _, f := range args {
		f(ch)
	}
	if err := ch.Validate(); err != nil {
		t.Fatal(err)
	}
	return ch
}

func TestStatesGolden(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*kernelView)
		want   nagios.State
	}{
		{"healthy", func(*kernelView) {}, nagios.OK},
		{"ceil-drift-warning", func(kv *kernelView) { c := kv.Classes[1<<16|0x367c]; c.Ceil = 4312500; kv.Classes[c.Handle] = c }, nagios.Warning},
		{"rate-drift-critical", func(kv *kernelView) { c := kv.Classes[1<<16|2]; c.Rate = 1250000; kv.Classes[c.Handle] = c }, nagios.Critical},
		{"class-missing", func(kv *kernelView) { delete(kv.Classes, 1<<16|0x367c) }, nagios.Critical},
		{"root-class-missing", func(kv *kernelView) { delete(kv.Classes, 1<<16|0xfffe) }, nagios.Critical},
		{"extra-class", func(kv *kernelView) {
			kv.Classes[1<<16|0x99] = tcClass{Handle: 1<<16 | 0x99, Parent: 1<<16 | 0xfffe, Kind: "htb", Rate: 125000, Ceil: 250000}
		}, nagios.Warning},
		{"qdisc-pfifo", func(kv *kernelView) {
			kv.RootKind, kv.RootQdisc, kv.Classes = "pfifo", 0x8003<<16, map[uint32]tcClass{}
		}, nagios.Critical},
		{"qdisc-none", func(kv *kernelView) { kv.RootKind, kv.RootQdisc, kv.Classes = "", 0, map[uint32]tcClass{} }, nagios.Critical},
		{"link-missing", func(kv *kernelView) { kv.Missing = true }, nagios.Critical},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kv := healthyKernel()
			tt.mutate(&kv)
			res, err := newCheck(t, kv).Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got := res.Format("HTB_DRIFT")
			if res.FinalState() != tt.want {
				t.Errorf("state %v, want %v\n%s", res.FinalState(), tt.want, got)
			}
			golden.Text(t, tt.name, got)
		})
	}
}

func TestVIFFollowsFlow(t *testing.T) {
	flows, err := os.ReadFile(filepath.Join("testdata", "dump-flows.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var argv []string
	exec := func(_ context.Context, a ...string) ([]byte, error) { argv = a; return flows, nil }
	for _, tt := range []struct {
		name string
		set  func(*Check)
		want string
	}{
		{"vif", func(c *Check) { c.VIF, c.FlowBridge, c.Exec = "veth-vm0", "br-lab", exec },
			`HTB_DRIFT OK - vif veth-vm0 (ofport 3) -> flow "priority=300,in_port=3 actions=set_queue:13947,NORMAL" on br-lab -> queue 13947; egress limit on veth-htb0: ceil 30Mbit/s, guaranteed rate 5Mbit/s`},
		{"ip", func(c *Check) { c.IP, c.FlowBridge, c.Exec = "10.99.0.5", "br-lab", exec },
			`HTB_DRIFT OK - ip 10.99.0.5 -> flow "priority=310,ip,nw_src=10.99.0.5 actions=set_queue:1,NORMAL" on br-lab -> queue 1; egress limit on veth-htb0: ceil 80Mbit/s, guaranteed rate 20Mbit/s`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := newCheck(t, healthyKernel(), tt.set).Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got := res.Format("HTB_DRIFT")
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("got:\n%s\nwant prefix:\n%s", got, tt.want)
			}
			wantArgv := []string{"ovs-ofctl", "-O", "OpenFlow10,OpenFlow13", "--no-names", "dump-flows", "unix:/run/lab/br-lab.mgmt"}
			if !reflect.DeepEqual(argv, wantArgv) {
				t.Errorf("argv %q, want %q", argv, wantArgv)
			}
			golden.Text(t, "follow-"+tt.name, got)
		})
	}
}

func TestFailuresAreUnknownErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		c    func(t *testing.T) *Check
		want string
	}{
		{"netlink-eperm", func(t *testing.T) *Check {
			return newCheck(t, healthyKernel(), func(c *Check) { c.TC = fakeTC{kv: healthyKernel(), err: syscall.EPERM} })
		}, "netlink: permission denied listing tc classes on veth-htb0: run the check as root or with CAP_NET_ADMIN"},
		{"no-such-port", func(t *testing.T) *Check {
			return newCheck(t, healthyKernel(), func(c *Check) { c.Port = "eth9" })
		}, "port eth9 does not exist in OVSDB at unix:/run/lab/db.sock"},
		{"port-without-qos", func(t *testing.T) *Check {
			return newCheck(t, healthyKernel(), func(c *Check) { c.Port = "veth-vm0" })
		}, "port veth-vm0 has no QoS in OVSDB"},
		{"ovsdb-down", func(t *testing.T) *Check {
			c := newCheck(t, healthyKernel())
			c.ReadOVSDB = readOVSDB
			c.DB = "unix:" + filepath.Join(t.TempDir(), "db.sock")
			return c
		}, "cannot connect to OVSDB at unix:"},
		{"vif-unknown", func(t *testing.T) *Check {
			return newCheck(t, healthyKernel(), func(c *Check) { c.VIF, c.FlowBridge = "tap-nope", "br-lab" })
		}, "interface tap-nope does not exist in OVSDB"},
		{"vif-on-another-bridge", func(t *testing.T) *Check {
			// br-lab's internal interface stands in for a vif of another bridge.
			return newCheck(t, healthyKernel(), func(c *Check) { c.VIF, c.FlowBridge = "br-lab", "br-lab" })
		}, "interface br-lab is not on bridge br-lab, whose flows were asked for"},
		{"bridge-unknown", func(t *testing.T) *Check {
			return newCheck(t, healthyKernel(), func(c *Check) { c.VIF, c.FlowBridge = "veth-vm0", "br-int" })
		}, "bridge br-int does not exist in OVSDB"},
		{"ofctl-fails", func(t *testing.T) *Check {
			return newCheck(t, healthyKernel(), func(c *Check) {
				c.VIF, c.FlowBridge = "veth-vm0", "br-lab"
				c.Exec = func(context.Context, ...string) ([]byte, error) {
					return nil, errors.New("exit status 1: ovs-ofctl: br-lab is not a bridge or a socket")
				}
			})
		}, "cannot dump the flows of bridge br-lab"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.c(t).Run(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []Check{
		{DB: "unix:/x", VIF: "tap1"},
		{DB: "unix:/x", IP: "10.0.0.1"},
		{DB: "unix:/x", VIF: "tap1", IP: "10.0.0.1", FlowBridge: "br-int"},
		{DB: "unix:/x", IP: "10.0.0", FlowBridge: "br-int"},
		{DB: "unix:/x", FlowBridge: "br-int"},
		{DB: "bogus"},
		{DB: "unix:/x", Port: "eth 1"},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v: want an error", c)
		}
	}
}

func TestExpectedRates(t *testing.T) {
	for _, tt := range []struct {
		name     string
		max      uint64
		speed    uint64
		q        queueConf
		root     uint64
		min, cei uint64
	}{
		{"as configured", 100e6, 0, queueConf{1, 20e6, 80e6}, 12.5e6, 2.5e6, 10e6},
		{"min below MTU, max above parent", 100e6, 0, queueConf{7, 1000, 200e6}, 12.5e6, 1500, 12.5e6},
		{"max unset is the parent", 100e6, 0, queueConf{2, 8e6, 0}, 12.5e6, 1e6, 12.5e6},
		{"max below min is min", 100e6, 0, queueConf{3, 40e6, 8e6}, 12.5e6, 5e6, 5e6},
		{"min above parent", 100e6, 0, queueConf{4, 400e6, 0}, 12.5e6, 12.5e6, 12.5e6},
		{"QoS max-rate unset: link speed", 0, 1e9, queueConf{5, 8e6, 0}, 125e6, 1e6, 125e6},
		{"QoS max-rate unset, speed unknown: 10 Gbit/s", 0, 0, queueConf{6, 0, 0}, 1.25e9, 1500, 1.25e9},
		{"queue 0 is added when OVSDB has none", 100e6, 0, queueConf{0, 0, 0}, 12.5e6, 1500, 12.5e6},
	} {
		t.Run(tt.name, func(t *testing.T) {
			qs := []queueConf{tt.q}
			if tt.q.ID == 0 {
				qs = []queueConf{{ID: 9, MinRate: 8e6}}
			}
			root, cls := expectedRates(qosPort{MaxRate: tt.max, Queues: qs}, iface{LinkSpeed: tt.speed}, 1500)
			if root != tt.root || cls[tt.q.ID] != [2]uint64{tt.min, tt.cei} {
				t.Errorf("got root %d, class %v; want %d, [%d %d]", root, cls[tt.q.ID], tt.root, tt.min, tt.cei)
			}
		})
	}
}

func TestParseFlows(t *testing.T) {
	flows := parseFlows(strings.Join([]string{
		"OFPST_FLOW reply (OF1.3) (xid=0x2):",
		" cookie=0xedc0, duration=0.4s, table=0, n_packets=0, n_bytes=0, priority=300,in_port=3 actions=set_queue:13947,NORMAL",
		" cookie=0x0, duration=1s, table=2, n_packets=5, n_bytes=300, idle_age=3, priority=10,dl_src=fa:16:3e:aa:bb:cc actions=enqueue:4:42",
		" cookie=0x0, table=0, priority=5,ip,nw_src=10.0.0.0/24 actions=enqueue(4,77),output:4",
		" priority=0 actions=NORMAL",
		" actions=drop",
	}, "\n"))
	if len(flows) != 5 {
		t.Fatalf("got %d flows: %+v", len(flows), flows)
	}
	if f := flows[0]; f.Priority != 300 || f.Match["in_port"] != "3" || !f.HasQueue || f.Queue != 13947 || f.Text != "priority=300,in_port=3 actions=set_queue:13947,NORMAL" {
		t.Errorf("flow 0 = %+v", f)
	}
	if f := flows[1]; f.Table != 2 || f.Queue != 42 || f.Match["dl_src"] != "fa:16:3e:aa:bb:cc" {
		t.Errorf("flow 1 = %+v", f)
	}
	if f := flows[2]; f.Queue != 77 {
		t.Errorf("flow 2 = %+v", f)
	}
	if f := flows[4]; f.HasQueue || f.Priority != 32768 {
		t.Errorf("flow 4 = %+v", f)
	}
	if f, ok := queueFlow(flows, selector{IP: netip.MustParseAddr("10.0.0.9")}); !ok || f.Queue != 77 {
		t.Errorf("by prefix: %+v %v", f, ok)
	}
	if f, ok := queueFlow(flows, selector{MACs: []string{"FA:16:3E:AA:BB:CC"}}); !ok || f.Queue != 42 {
		t.Errorf("by MAC: %+v %v", f, ok)
	}
	if _, ok := queueFlow(flows, selector{OFPort: 9}); ok {
		t.Error("ofport 9 matched")
	}
}

func TestFormatRate(t *testing.T) {
	for in, want := range map[uint64]string{30e6: "30Mbit/s", 12000: "12kbit/s", 1.5e9: "1.5Gbit/s", 999: "999bit/s", 33333333: "33.333Mbit/s"} {
		if got := formatRate(in); got != want {
			t.Errorf("formatRate(%d) = %q, want %q", in, got, want)
		}
	}
}

// TestDecodeBridgeProtocols decodes the lab's real replies to the check's six
// selects for br-of10 (htb component, of10_up), captured with ovsdb-client
// transact: OVSDB sends a one-element set as a bare string and a larger one
// as ["set", [...]]; both must give the versions for the flow dump.
func TestDecodeBridgeProtocols(t *testing.T) {
	for _, tt := range []struct {
		file      string
		protocols []string
		argv      []string
	}{
		{"ovsdb-transact-reply-openflow10.json", []string{"OpenFlow10"}, []string{"-O", "OpenFlow10"}},
		{"ovsdb-transact-reply-openflow10openflow13.json", []string{"OpenFlow10", "OpenFlow13"}, []string{"-O", "OpenFlow10,OpenFlow13"}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			snap, rows := captured(t, tt.file)
			if err := decodeBridge(snap, "br-of10", rows[3], rows[4], rows[5]); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(snap.FlowProtocols, tt.protocols) || !reflect.DeepEqual(ofctlVersions(snap.FlowProtocols), tt.argv) {
				t.Errorf("protocols %q (argv %q), want %q (%q)", snap.FlowProtocols, ofctlVersions(snap.FlowProtocols), tt.protocols, tt.argv)
			}
			if !snap.BridgeIfaces["veth-of10u"] || !snap.BridgeIfaces["veth-of10v"] || snap.BridgeIfaces["veth-htb0"] {
				t.Errorf("interfaces on br-of10: %v", snap.BridgeIfaces)
			}
			if ifc := snap.Ifaces["veth-of10v"]; ifc.OFPort != 2 {
				t.Errorf("veth-of10v ofport %d, want 2 (the in_port of the captured dumps)", ifc.OFPort)
			}
		})
	}
}

// TestOfctlVersions: the flow dump offers exactly the versions of the
// bridge's protocols column, and none (ovs-ofctl's default, OpenFlow10)
// when the column is empty.
func TestOfctlVersions(t *testing.T) {
	for _, tt := range []struct {
		name      string
		protocols []string
		want      []string
	}{
		{"empty column: OVS default set, which includes OpenFlow10", nil, nil},
		{"OpenFlow10 only", []string{"OpenFlow10"}, []string{"-O", "OpenFlow10"}},
		{"OpenFlow13 only", []string{"OpenFlow13"}, []string{"-O", "OpenFlow13"}},
		{"both, in OVSDB's order", []string{"OpenFlow13", "OpenFlow10"}, []string{"-O", "OpenFlow10,OpenFlow13"}},
		{"all six", []string{"OpenFlow15", "OpenFlow14", "OpenFlow13", "OpenFlow12", "OpenFlow11", "OpenFlow10"},
			[]string{"-O", "OpenFlow10,OpenFlow11,OpenFlow12,OpenFlow13,OpenFlow14,OpenFlow15"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := ofctlVersions(tt.protocols); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ofctlVersions(%q) = %q, want %q", tt.protocols, got, tt.want)
			}
		})
	}
}

// TestQueueFromRealDumps reads dumps captured from the lab's br-of10 (the
// htb component's of10_up action) with the check's argv, for each
// protocols setting: OpenFlow 1.0 prints the flow's action as
// enqueue:PORT:QUEUE, OpenFlow 1.3 as set_queue:QUEUE,output:PORT,pop_queue.
func TestQueueFromRealDumps(t *testing.T) {
	for _, tt := range []struct{ file, text string }{
		{"dump-flows-openflow10.txt", "priority=300,in_port=2 actions=enqueue:1:1"},
		{"dump-flows-openflow10openflow13.txt", "priority=300,in_port=2 actions=set_queue:1,output:1,pop_queue"},
		{"dump-flows-openflow13.txt", "priority=300,in_port=2 actions=set_queue:1,output:1,pop_queue"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			f, ok := queueFlow(parseFlows(string(data)), selector{OFPort: 2})
			if !ok {
				t.Fatalf("no queue flow for ofport 2 in %s", tt.file)
			}
			if f.Queue != 1 || f.Text != tt.text {
				t.Errorf("queue %d, flow %q; want queue 1, flow %q", f.Queue, f.Text, tt.text)
			}
			if _, ok := queueFlow(parseFlows(string(data)), selector{OFPort: 1}); ok {
				t.Error("the uplink (ofport 1) has no queue flow")
			}
		})
	}
}

func FuzzParseFlows(f *testing.F) {
	for _, name := range []string{"dump-flows.txt", "dump-flows-openflow10.txt", "dump-flows-openflow13.txt"} {
		data, _ := os.ReadFile(filepath.Join("testdata", name))
		f.Add(string(data))
	}
	f.Add(" priority=5,ip,nw_src=10.0.0.0/24 actions=enqueue(4,77),output:4\n")
	f.Add("actions=set_queue:4294967296\n")
	f.Fuzz(func(t *testing.T, s string) {
		for _, fl := range parseFlows(s) {
			if !strings.Contains(fl.Text, " actions=") {
				t.Errorf("flow text %q lost its actions", fl.Text)
			}
			if fl.HasQueue && !strings.Contains(s, fmt.Sprint(fl.Queue)) {
				t.Errorf("queue %d not in the input", fl.Queue)
			}
			_ = selector{OFPort: 3, MACs: []string{"fa:16:3e:00:00:01"}, IP: netip.MustParseAddr("10.0.0.1")}.matches(fl)
		}
	})
}

// TestLineOneWorstFirst: line 1 names the worst problem first whatever
// order the comparison found them in, and names a queue OVS cannot
// program (queue id 0xf000 and above) rather than claiming the classes
// match while the state is WARNING.
func TestLineOneWorstFirst(t *testing.T) {
	th := nagios.Thresholds{Warning: ptr(nagios.MustParseRange("10")), Critical: ptr(nagios.MustParseRange("25"))}
	p := capturedSnapshot(t).Ports[0]
	p.Queues = append(slices.Clone(p.Queues), queueConf{ID: htbMaxQueues})

	// Only the unprogrammable queue: WARNING, and line 1 says why.
	res, sum := &nagios.Result{}, &nagios.Summary{}
	compare(p, p.Interfaces[0], healthyKernel(), th, nil, res, sum)
	line := summaryLine(res, sum, []qosPort{p}, nil, "", 1, nil)
	if want := "veth-htb0 queue 61440 beyond the 61440 queues OVS supports"; res.FinalState() != nagios.Warning || line != want {
		t.Errorf("state %v, line 1 %q; want WARNING, %q", res.FinalState(), line, want)
	}

	// Found in this order: root class drift (WARNING), queue 7's class
	// missing (CRITICAL), a hand-made class (WARNING).
	kv := healthyKernel()
	rc := kv.Classes[1<<16|0xfffe]
	rc.Rate, rc.Ceil = 14375000, 14375000 // 115 % of max-rate 100 Mbit/s
	kv.Classes[rc.Handle] = rc
	delete(kv.Classes, 1<<16|8)
	kv.Classes[1<<16|0x99] = tcClass{Handle: 1<<16 | 0x99, Parent: 1<<16 | 0xfffe, Kind: "htb", Rate: 125000, Ceil: 250000}
	p.Queues = p.Queues[:len(p.Queues)-1]
	res, sum = &nagios.Result{}, &nagios.Summary{}
	compare(p, p.Interfaces[0], kv, th, nil, res, sum)
	line = summaryLine(res, sum, []qosPort{p}, nil, "", 1, nil)
	want := "veth-htb0 queue 7 class 1:8 missing; veth-htb0 root class drift 15%; veth-htb0 extra class 1:99 not in OVSDB"
	if res.FinalState() != nagios.Critical || line != want {
		t.Errorf("state %v, line 1 %q; want CRITICAL, %q", res.FinalState(), line, want)
	}
}

func ptr[T any](v T) *T { return &v }
