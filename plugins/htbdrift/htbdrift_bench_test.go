//go:build bench

package htbdrift

import (
	"path/filepath"
	"strings"
	"testing"

	"edgecheck/shared/benchcmp"
	"edgecheck/shared/labtest"
)

// BenchmarkHTBDriftVsPerObjectShellOut times check_htb_drift against the
// per-object form of the same reads (ovs-vsctl get for the port, the QoS,
// each of the four queues and the interface, then tc qdisc and tc class):
// how such checks are usually scripted.
func BenchmarkHTBDriftVsPerObjectShellOut(b *testing.B) {
	env := labtest.Need(b, "OVS_DB", "HTB_PORT")
	bin := labtest.Binary(b, "check_htb_drift")
	peer, err := filepath.Abs(filepath.Join("testdata", "peer-per-object.sh"))
	if err != nil {
		b.Fatal(err)
	}
	benchcmp.Run(b, benchcmp.Case{
		Group:    "ovs",
		Workload: "htb drift of one port with 4 queues, peer reading object by object (8 ovs-vsctl get + 2 tc)",
		Ours: benchcmp.Side{
			Label: "check_htb_drift",
			Argv:  []string{bin, "--db", env["OVS_DB"], "--port", env["HTB_PORT"]},
			OK:    func(out string, code int) bool { return code == 0 && strings.HasPrefix(out, "HTB_DRIFT OK") },
		},
		Peer: &benchcmp.Side{
			Label: "ovs-vsctl get per object + tc",
			Argv:  []string{"/bin/sh", peer, env["OVS_DB"], env["HTB_PORT"]},
			OK:    func(out string, code int) bool { return code == 0 && strings.Contains(out, "class htb 1:367c") },
		},
	})
}

// BenchmarkHTBDriftVsShellOut times check_htb_drift against the shell-out
// pipeline that does the same reads (one ovs-vsctl run with four list
// commands, then tc qdisc and tc class), on the lab's veth-htb0 with its
// four queues. Run with -benchtime=Nx after lab/lab.sh up ovs htb.
func BenchmarkHTBDriftVsShellOut(b *testing.B) {
	env := labtest.Need(b, "OVS_DB", "HTB_PORT")
	bin := labtest.Binary(b, "check_htb_drift")
	peer, err := filepath.Abs(filepath.Join("testdata", "peer-ovs-vsctl-tc.sh"))
	if err != nil {
		b.Fatal(err)
	}
	benchcmp.Run(b, benchcmp.Case{
		Group:    "ovs",
		Workload: "htb drift of one port with 4 queues: OVSDB Port/QoS/Queue/Interface + tc qdisc and classes",
		Ours: benchcmp.Side{
			Label: "check_htb_drift",
			Argv:  []string{bin, "--db", env["OVS_DB"], "--port", env["HTB_PORT"]},
			OK:    func(out string, code int) bool { return code == 0 && strings.HasPrefix(out, "HTB_DRIFT OK") },
		},
		Peer: &benchcmp.Side{
			Label: "ovs-vsctl + tc shell-out",
			Argv:  []string{"/bin/sh", peer, env["OVS_DB"], env["HTB_PORT"]},
			OK:    func(out string, code int) bool { return code == 0 && strings.Contains(out, "class htb 1:367c") },
		},
	})
}
