//go:build bench

package ovscontroller

import (
	"strings"
	"testing"

	"edgecheck/shared/benchcmp"
	"edgecheck/shared/labtest"
)

// The peer is what a shell-script check does today: ovs-vsctl reading the
// same tables and columns as JSON. Two variants:
//
//   - one ovs-vsctl process with the four list commands chained by "--"
//     (the cheapest possible shell-out, one process and one database
//     session);
//   - one ovs-vsctl process per table, as most scripts are written.
//
// Neither of those checks whether ovs-vswitchd is alive; check_ovs_controller
// also does its lock probe and its evaluation, so they favour the peer. A
// third variant adds the liveness test a script needs to get the same
// answer (ovs-appctl -t ovs-vswitchd.ctl version after the chained call).
func peerArgs(db string) (one []string, perTable [][]string) {
	common := []string{"ovs-vsctl", "--db=" + db, "--timeout=10", "--format=json"}
	lists := [][]string{
		{"--columns=manager_options,bridges", "list", "Open_vSwitch"},
		{"--columns=_uuid,target,is_connected,status", "list", "Manager"},
		{"--columns=_uuid,name,controller,fail_mode", "list", "Bridge"},
		{"--columns=_uuid,target,is_connected,role,status", "list", "Controller"},
	}
	one = append([]string(nil), common...)
	for i, l := range lists {
		if i > 0 {
			one = append(one, "--")
		}
		one = append(one, l...)
	}
	for _, l := range lists {
		perTable = append(perTable, append(append([]string(nil), common...), l...))
	}
	return one, perTable
}

func BenchmarkOVSController(b *testing.B) {
	env := labtest.Need(b, "OVS_DB", "OVS_DIR")
	bin := labtest.Binary(b, "check_ovs_controller")
	ours := benchcmp.Side{
		Label: "check_ovs_controller",
		Argv:  []string{bin, "--db", env["OVS_DB"]},
		OK: func(out string, code int) bool {
			return code <= 2 && strings.HasPrefix(out, "OVS_CONTROLLER ")
		},
	}
	one, perTable := peerArgs(env["OVS_DB"])
	peerOK := func(out string, code int) bool { return code == 0 && strings.Contains(out, `"headings"`) }

	b.Run("vs-ovs-vsctl-one-call", func(b *testing.B) {
		rec := benchcmp.Run(b, benchcmp.Case{
			Group:    "ovs",
			Workload: "read managers, bridges and controllers (4 tables) from the lab OVSDB",
			Ours:     ours,
			Peer:     &benchcmp.Side{Label: "ovs-vsctl --format=json list x4 chained with --", Argv: one, OK: peerOK},
		})
		if rec.Ratio < 5 {
			b.Logf("below target: %.1fx faster than the peer (target 5x)", rec.Ratio)
		}
		if rec.OursRSSMB >= 20 {
			b.Logf("above target: %.1f MB peak RSS (target < 20 MB)", rec.OursRSSMB)
		}
	})

	// The script variant runs four processes through a shell, as a script
	// would (sh -c with the four commands joined by &&).
	var script []string
	for _, argv := range perTable {
		script = append(script, strings.Join(argv, " "))
	}
	b.Run("vs-ovs-vsctl-per-table-script", func(b *testing.B) {
		benchcmp.Run(b, benchcmp.Case{
			Group:    "ovs",
			Workload: "same reads, one ovs-vsctl per table from a shell script",
			Ours:     ours,
			Peer:     &benchcmp.Side{Label: "sh -c 'ovs-vsctl ... list T' x4", Argv: []string{"/bin/sh", "-c", strings.Join(script, " && ")}, OK: peerOK},
		})
	})

	shq := func(argv []string) string {
		q := make([]string, len(argv))
		for i, a := range argv {
			q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		return strings.Join(q, " ")
	}
	b.Run("vs-ovs-vsctl-one-call-plus-appctl-liveness", func(b *testing.B) {
		alive := []string{"ovs-appctl", "-t", env["OVS_DIR"] + "/ovs-vswitchd.ctl", "version"}
		benchcmp.Run(b, benchcmp.Case{
			Group:    "ovs",
			Workload: "same reads plus an ovs-vswitchd liveness test, as a script must do to avoid stale status",
			Ours:     ours,
			Peer: &benchcmp.Side{Label: "sh -c 'ovs-vsctl ... && ovs-appctl version'",
				Argv: []string{"/bin/sh", "-c", shq(one) + " && " + shq(alive)},
				OK: func(out string, code int) bool {
					return code == 0 && strings.Contains(out, `"headings"`) && strings.Contains(out, "ovs-vswitchd")
				}},
		})
	})
}
