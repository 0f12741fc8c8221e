package ovscontroller

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"edgecheck/shared/golden"
	"edgecheck/shared/labtest"
)

// TestGolden runs the real check_ovs_controller binary for every exit path
// and compares exit code and output with testdata/golden/NAME.txt. The OVSDB
// states come from captured fixtures served by a replay server on a unix
// socket (serveFixture); the lab is not needed.
func TestGolden(t *testing.T) {
	bin := labtest.Binary(t, "check_ovs_controller")
	tests := []struct {
		name    string
		fixture string // served at --db when set
		master  bool
		args    []string
		code    int
	}{
		{name: "help", args: []string{"--help"}, code: 3},
		{name: "version", args: []string{"--version"}, code: 3},
		{name: "bad-flag", args: []string{"--no-such-flag"}, code: 3},
		{name: "bad-grace", args: []string{"--grace=abc"}, code: 3},
		{name: "bad-grace-huge", args: []string{"--grace=1e300"}, code: 3},
		{name: "bad-db", args: []string{"--db", "/var/run/openvswitch/db.sock"}, code: 3},
		{name: "unknown-missing-socket", args: []string{"--db", "unix:/nonexistent/edgecheck/db.sock"}, code: 3},
		{name: "ok", fixture: "healthy", code: 0},
		{name: "warning-within-grace", fixture: "disconnected", args: []string{"--grace", "3600"}, code: 1},
		{name: "critical-after-grace", fixture: "disconnected", args: []string{"--grace", "1"}, code: 2},
		{name: "warning-never-connected-first-sighting", fixture: "unreachable", code: 1},
		{name: "critical-listen-failed", fixture: "listeners", code: 2},
		{name: "warning-no-status-yet", fixture: "nostatus", code: 1},
		{name: "critical-stale", fixture: "stale", code: 2},
		{name: "ok-bridge-filter", fixture: "unreachable", args: []string{"--bridge", "br-lab"}, code: 0},
		{name: "unknown-no-such-bridge", fixture: "healthy", args: []string{"--bridge", "br-nope"}, code: 3},
		{name: "critical-require-master", fixture: "healthy", args: []string{"--require-master"}, code: 2},
		// br-ecfix's controller is down within --grace (WARNING) and, so,
		// no master (CRITICAL): line 1 names the CRITICAL first.
		{name: "critical-require-master-named-before-warning", fixture: "disconnected", args: []string{"--bridge", "br-ecfix", "--grace", "3600", "--require-master"}, code: 2},
		{name: "warning-verbose", fixture: "disconnected", args: []string{"-v"}, code: 1},
		{name: "ok-require-master", fixture: "healthy", master: true, args: []string{"--require-master"}, code: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			var target string
			if tt.fixture != "" {
				f := loadFixture(t, tt.fixture)
				if tt.master {
					f = asMaster(f)
				}
				target = serveFixture(t, f)
				state := filepath.Join(t.TempDir(), "state.json")
				args = append([]string{"--db", target, "--state-file", state}, args...)
			}
			run := labtest.Exec(t, bin, nil, args...)
			if run.Code != tt.code {
				t.Errorf("exit %d, want %d", run.Code, tt.code)
			}
			out := run.Stdout
			if target != "" {
				out = strings.ReplaceAll(out, target, "unix:$TMP/db.sock")
			}
			got := fmt.Sprintf("exit %d\n%s", run.Code, out)
			golden.Text(t, tt.name, got)
			if run.Stderr != "" && !golden.Updating() {
				t.Errorf("unexpected stderr: %s", run.Stderr)
			}
		})
	}
}
