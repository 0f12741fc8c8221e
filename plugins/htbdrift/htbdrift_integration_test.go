//go:build integration

package htbdrift

import (
	"fmt"
	"strings"
	"testing"

	"edgecheck/shared/labtest"
)

// These tests run the real check_htb_drift binary against the lab's real
// ovsdb-server and ovs-vswitchd, which programs the real kernel htb qdisc on
// veth-htb0; faults are made with tc and ovs-ofctl behind OVS's back and
// undone by `lab/lab.sh htb reset`, which makes OVS re-apply its QoS.

type htbLab struct {
	env map[string]string
	bin string
}

func setup(t *testing.T) htbLab {
	t.Helper()
	env := labtest.Need(t, "OVS_DB", "HTB_PORT", "HTB_VIF", "HTB_VIF_IP", "HTB_FLOW_BRIDGE", "HTB_QUEUES")
	l := htbLab{env: env, bin: labtest.Binary(t, "check_htb_drift")}
	// Start from OVS's own configuration, whatever an earlier run left.
	labtest.Lab(t, "htb", "reset")
	t.Cleanup(func() { labtest.Lab(t, "htb", "reset") })
	return l
}

func (l htbLab) run(t *testing.T, args ...string) labtest.Run {
	t.Helper()
	r := labtest.Exec(t, l.bin, nil, append([]string{"--db", l.env["OVS_DB"], "--port", l.env["HTB_PORT"]}, args...)...)
	t.Logf("check_htb_drift %s -> exit %d\n%s%s", strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
	return r
}

func TestIntegrationHealthy(t *testing.T) {
	l := setup(t)
	r := l.run(t)
	labtest.WantOutput(t, r, 0, "HTB_DRIFT OK - tc htb classes match OVSDB on veth-htb0 (4 queues)",
		"queue 13947 (class 1:367c): rate 5Mbit/s ceil 30Mbit/s",
		// Queue 7 is configured out of range; OVS clamps it and so does the check.
		"queue 7 (class 1:8): rate 12kbit/s ceil 100Mbit/s; OVSDB min-rate 1kbit/s, clamped by OVS to 12kbit/s, max-rate 200Mbit/s, clamped by OVS to 100Mbit/s",
		"'veth-htb0 q13947 ceil'=30000000;;;0", "'veth-htb0 q13947 ceil_conf'=30000000;;;0")
	for _, q := range strings.Split(l.env["HTB_QUEUES"], ",") {
		if !strings.Contains(r.Stdout, fmt.Sprintf("'veth-htb0 q%s rate'=", q)) {
			t.Errorf("no perfdata for queue %s", q)
		}
	}
}

// TestIntegrationOVSDefaults checks veth-htb2, whose QoS has no max-rate and
// no queue 0 on an MTU 9000 link: OVS uses the link speed (10 Gbit/s for a
// veth), adds a default queue 0, and raises min-rates to one MTU per second.
func TestIntegrationOVSDefaults(t *testing.T) {
	l := setup(t)
	env := labtest.Need(t, "HTB_PORT2")
	r := labtest.Exec(t, l.bin, nil, "--db", l.env["OVS_DB"], "--port", env["HTB_PORT2"])
	t.Logf("%s", r.Stdout)
	labtest.WantOutput(t, r, 0, "HTB_DRIFT OK - tc htb classes match OVSDB on veth-htb2 (2 queues)",
		"[OK] veth-htb2 root class 1:fffe: rate 10Gbit/s ceil 10Gbit/s",
		"[OK] veth-htb2 queue 0 (class 1:1): rate 72kbit/s ceil 10Gbit/s; not in OVSDB, OVS's default queue",
		"[OK] veth-htb2 queue 5 (class 1:6): rate 72kbit/s ceil 10Gbit/s; OVSDB min-rate 1kbit/s, clamped by OVS to 72kbit/s",
		"[OK] veth-htb2 queue 6 (class 1:7): rate 72kbit/s ceil 3Mbit/s")
	// Without --port both ports are compared.
	labtest.WantOutput(t, labtest.Exec(t, l.bin, nil, "--db", l.env["OVS_DB"]), 0,
		"HTB_DRIFT OK - tc htb classes match OVSDB on veth-htb0 (4 queues), veth-htb2 (2 queues)")
}

func TestIntegrationCeilChangedByThreshold(t *testing.T) {
	l := setup(t)
	// 30 Mbit/s -> 33 Mbit/s is a 10 % drift.
	labtest.Lab(t, "htb", "change_class", "13947", "5Mbit", "33Mbit")
	labtest.WantOutput(t, l.run(t, "-w", "5", "-c", "20"), 1,
		"HTB_DRIFT WARNING - veth-htb0 queue 13947 ceil 33Mbit/s, OVSDB says 30Mbit/s (drift 10%)",
		"[WARNING] veth-htb0 queue 13947 (class 1:367c): rate 5Mbit/s ceil 33Mbit/s", "'veth-htb0 q13947 drift'=10%;5;20;0")
	labtest.WantOutput(t, l.run(t, "-w", "2", "-c", "8"), 2, "HTB_DRIFT CRITICAL - veth-htb0 queue 13947 ceil 33Mbit/s")
	labtest.WantOutput(t, l.run(t, "-w", "15", "-c", "30"), 0, "HTB_DRIFT OK")
}

func TestIntegrationClassDeleted(t *testing.T) {
	l := setup(t)
	labtest.Lab(t, "htb", "del_class", "13947")
	labtest.WantOutput(t, l.run(t), 2, "HTB_DRIFT CRITICAL - veth-htb0 queue 13947 class 1:367c missing",
		"[CRITICAL] veth-htb0 queue 13947 (class 1:367c) is missing from tc")
}

func TestIntegrationHandMadeClass(t *testing.T) {
	l := setup(t)
	labtest.Lab(t, "htb", "add_class", "99", "1Mbit", "2Mbit")
	labtest.WantOutput(t, l.run(t), 1, "HTB_DRIFT WARNING - veth-htb0 extra class 1:99 not in OVSDB",
		"[WARNING] veth-htb0 class 1:99 (htb, rate 1Mbit/s ceil 2Mbit/s, parent 1:fffe) is not in OVSDB")
}

func TestIntegrationQdiscReplaced(t *testing.T) {
	l := setup(t)
	labtest.Lab(t, "htb", "replace_qdisc", "pfifo")
	labtest.WantOutput(t, l.run(t), 2, "HTB_DRIFT CRITICAL - veth-htb0 root qdisc is pfifo, not htb")
	labtest.Lab(t, "htb", "replace_qdisc", "noqueue")
	labtest.WantOutput(t, l.run(t), 2, "HTB_DRIFT CRITICAL - veth-htb0 root qdisc is noqueue, not htb")
}

func TestIntegrationVIFQueue(t *testing.T) {
	l := setup(t)
	labtest.Lab(t, "htb", "flow_vif", "13947")
	r := l.run(t, "--vif", l.env["HTB_VIF"], "--flow-bridge", l.env["HTB_FLOW_BRIDGE"])
	labtest.WantOutput(t, r, 0, "actions=set_queue:13947,NORMAL\" on br-lab -> queue 13947; egress limit on veth-htb0: ceil 30Mbit/s, guaranteed rate 5Mbit/s",
		"'veth-htb0 q13947 ceil'=30000000")
	if strings.Contains(r.Stdout, "q1 rate") || strings.Contains(r.Stdout, "root rate") {
		t.Error("--vif should report only the VM's queue")
	}
	// The VM's limit as the kernel really has it: after a hand change the
	// check reports the kernel's ceil and the drift.
	labtest.Lab(t, "htb", "change_class", "13947", "5Mbit", "60Mbit")
	labtest.WantOutput(t, l.run(t, "--vif", l.env["HTB_VIF"], "--flow-bridge", l.env["HTB_FLOW_BRIDGE"]), 2,
		"veth-htb0 queue 13947 ceil 60Mbit/s, OVSDB says 30Mbit/s (drift 100%)")
}

func TestIntegrationIPQueue(t *testing.T) {
	l := setup(t)
	labtest.Lab(t, "htb", "flow_ip", l.env["HTB_VIF_IP"], "1")
	labtest.WantOutput(t, l.run(t, "--ip", l.env["HTB_VIF_IP"], "--flow-bridge", l.env["HTB_FLOW_BRIDGE"]), 0,
		"ip "+l.env["HTB_VIF_IP"]+" -> flow \"priority=310,ip,nw_src="+l.env["HTB_VIF_IP"]+" actions=set_queue:1,NORMAL\" on br-lab -> queue 1; egress limit on veth-htb0: ceil 80Mbit/s, guaranteed rate 20Mbit/s")
	labtest.WantOutput(t, l.run(t, "--ip", "10.99.0.250", "--flow-bridge", l.env["HTB_FLOW_BRIDGE"]), 3,
		"HTB_DRIFT UNKNOWN - no flow on bridge br-lab sets a queue for ip 10.99.0.250")
}

func TestIntegrationFailures(t *testing.T) {
	l := setup(t)
	labtest.WantOutput(t, labtest.Exec(t, l.bin, nil, "--db", l.env["OVS_DB"], "--port", "no-such-port"), 3,
		"HTB_DRIFT UNKNOWN - port no-such-port does not exist in OVSDB")
	labtest.WantOutput(t, labtest.Exec(t, l.bin, nil, "--db", "unix:"+t.TempDir()+"/db.sock"), 3,
		"HTB_DRIFT UNKNOWN - cannot connect to OVSDB at unix:", "is ovsdb-server running?")
	labtest.WantOutput(t, labtest.Exec(t, l.bin, nil, "--db", l.env["OVS_DB"], "--port", l.env["HTB_VIF"]), 3,
		"HTB_DRIFT UNKNOWN - port veth-vm0 has no QoS in OVSDB")
	labtest.WantOutput(t, labtest.Exec(t, l.bin, nil, "--db", l.env["OVS_DB"], "--vif", l.env["HTB_VIF"], "--flow-bridge", "br-nope"), 3,
		"HTB_DRIFT UNKNOWN - bridge br-nope does not exist in OVSDB")
}

// TestIntegrationOpenFlow10Bridge follows an OpenFlow 1.0 enqueue flow on
// the lab's br-of10 (the htb component's of10_up action) for each protocols
// setting: OpenFlow10 only (ovs-ofctl -O OpenFlow13 fails there with
// "version negotiation failed"), OpenFlow10 and OpenFlow13, and OpenFlow13
// only, where OVS keeps the flow as set_queue,output,pop_queue.
func TestIntegrationOpenFlow10Bridge(t *testing.T) {
	l := setup(t)
	env := labtest.Need(t, "HTB_OF10_BRIDGE", "HTB_OF10_PORT", "HTB_OF10_VIF")
	t.Cleanup(func() { labtest.Lab(t, "htb", "of10_down") })
	for _, tt := range []struct{ protocols, action string }{
		{"OpenFlow10", "actions=enqueue:1:1"},
		{"OpenFlow10,OpenFlow13", "actions=set_queue:1,output:1,pop_queue"},
		{"OpenFlow13", "actions=set_queue:1,output:1,pop_queue"},
	} {
		t.Run(tt.protocols, func(t *testing.T) {
			labtest.Lab(t, "htb", "of10_up", tt.protocols)
			r := labtest.Exec(t, l.bin, nil, "--db", l.env["OVS_DB"], "--port", env["HTB_OF10_PORT"],
				"--vif", env["HTB_OF10_VIF"], "--flow-bridge", env["HTB_OF10_BRIDGE"])
			t.Logf("exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
			labtest.WantOutput(t, r, 0, "HTB_DRIFT OK - vif "+env["HTB_OF10_VIF"]+" (ofport 2) -> flow \"priority=300,in_port=2 "+tt.action+"\" on "+
				env["HTB_OF10_BRIDGE"]+" -> queue 1; egress limit on "+env["HTB_OF10_PORT"]+": ceil 30Mbit/s, guaranteed rate 5Mbit/s")
			if strings.Contains(r.Stdout, "version negotiation failed") {
				t.Error("the flow dump forced a version the bridge refuses")
			}
		})
	}
}
