//go:build bench

package lldp

import (
	"path/filepath"
	"strings"
	"testing"

	"edgecheck/shared/benchcmp"
	"edgecheck/shared/labtest"
)

// BenchmarkCheckLLDPVsShell times check_lldp against the same facts
// gathered by lldpcli and a shell script (testdata/peer_check_lldp.sh: one
// lldpcli run in keyvalue format, parsed with grep/sed/cut), both against
// the lab's hypervisor lldpd. Run with -benchtime=Nx after lab/lab.sh up lldp.
func BenchmarkCheckLLDPVsShell(b *testing.B) {
	env := labtest.Need(b, "LLDP_SOCKET", "LLDP_HV_IF", "LLDP_SWITCH_NAME", "LLDP_SWITCH_PORT")
	bin := labtest.Binary(b, "check_lldp")
	peer := filepath.Join(labtest.RepoRoot(b), "plugins", "lldp", "testdata", "peer_check_lldp.sh")
	expect := env["LLDP_HV_IF"] + "=" + env["LLDP_SWITCH_NAME"] + ":" + env["LLDP_SWITCH_PORT"]
	okLine := func(stdout string, code int) bool { return code == 0 && strings.HasPrefix(stdout, "LLDP OK - ") }
	rec := benchcmp.Run(b, benchcmp.Case{
		Group:    "lldp",
		Workload: "lldpd neighbors, interfaces and statistics; one NIC checked against its expected switch port",
		Ours: benchcmp.Side{
			Label: "check_lldp",
			Argv:  []string{bin, "--socket", env["LLDP_SOCKET"], "--expect", expect},
			OK:    okLine,
		},
		Peer: &benchcmp.Side{
			Label: "lldpcli + bash/grep/sed",
			Argv:  []string{"bash", peer, env["LLDP_SOCKET"], expect},
			OK:    okLine,
		},
		Extra: map[string]float64{"lldpcli-runs": 1},
	})
	b.ReportMetric(rec.PeerRSSMB, "peer-rss-MB")
	b.Logf("peak RSS: check_lldp %.1f MB, shell peer %.1f MB", rec.OursRSSMB, rec.PeerRSSMB)
}
