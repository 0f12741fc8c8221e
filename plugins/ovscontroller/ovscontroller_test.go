package ovscontroller

import (
	"cmp"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"edgecheck/shared/nagios"
	"edgecheck/shared/ovsdb"
)

func noUptime(string) (time.Duration, bool) { return 0, false }

func TestEvaluateFixtures(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		master  bool
		policy  policy
		want    nagios.State
		// wantItems are substrings of item lines, each with its state.
		wantItems map[string]nagios.State
		wantPerf  []string
		summary   string
	}{
		{
			name: "healthy", fixture: "healthy", want: nagios.OK,
			policy: policy{Grace: 30 * time.Second},
			wantItems: map[string]nagios.State{
				"bridge br-lab controller tcp:127.0.0.1:16653: connected for 685s, role other, state ACTIVE": nagios.OK,
				"manager ptcp:16640:127.0.0.1: listening, bound to port 16640 (bound_port)":                  nagios.OK,
			},
			wantPerf: []string{"'br-lab tcp:127.0.0.1:16653 connected'=1;;;0;1", "'br-lab tcp:127.0.0.1:16653 up'=685s;;;0", "'br-lab tcp:127.0.0.1:16653 down'=0s;0;30;0", "'manager ptcp:16640:127.0.0.1 connections'=0;;;0"},
			summary:  "controllers: 1 connected; managers: 1 listening",
		},
		{
			name: "disconnected within grace", fixture: "disconnected", want: nagios.Warning,
			policy: policy{Grace: time.Hour},
			wantItems: map[string]nagios.State{
				"bridge br-ecfix controller tcp:127.0.0.1:16691: not connected since its last connect 9s ago (sec_since_connect), within --grace 3600s, state BACKOFF, last_error \"Connection refused\"": nagios.Warning,
				"bridge br-lab controller tcp:127.0.0.1:16653: connected": nagios.OK,
			},
			wantPerf: []string{"'br-ecfix tcp:127.0.0.1:16691 connected'=0;;;0;1", "'br-ecfix tcp:127.0.0.1:16691 down'=9s;0;3600;0"},
			summary:  "bridge br-ecfix controller tcp:127.0.0.1:16691 not connected since its last connect 9s ago (within grace 3600s); controllers: 1 connected, 1 not connected; managers: 1 listening",
		},
		{
			name: "disconnected longer than grace", fixture: "disconnected", want: nagios.Critical,
			policy: policy{Grace: time.Second},
			wantItems: map[string]nagios.State{
				"bridge br-ecfix controller tcp:127.0.0.1:16691: not connected since its last connect 9s ago (sec_since_connect), longer than --grace 1s": nagios.Critical,
			},
			wantPerf: []string{"'br-ecfix tcp:127.0.0.1:16691 down'=9s;0;1;0"},
		},
		{
			name: "grace 0: any disconnection is critical", fixture: "disconnected", want: nagios.Critical,
			policy: policy{Grace: 0},
		},
		{
			name: "never connected, daemon uptime unknown, first sighting", fixture: "unreachable", want: nagios.Warning,
			policy: policy{Grace: time.Hour},
			wantItems: map[string]nagios.State{
				"bridge br-ecfix controller tcp:127.0.0.1:1: not connected for at least 0s (first found unconnected by this check now), within --grace 3600s, state BACKOFF, last_error \"Connection refused\"": nagios.Warning,
				"bridge br-ecfix controller ptcp:16692:127.0.0.1: passive listener, not verified: OVS does not report whether ovs-vswitchd listens on it":                                                       nagios.OK,
				"bridge br-ecnone: no controller configured (fail_mode standalone)":                                                                                                                             nagios.OK,
			},
		},
		{
			name: "never connected, within grace of vswitchd's start", fixture: "unreachable", want: nagios.Warning,
			policy: policy{Grace: time.Hour, Uptime: func(d string) (time.Duration, bool) { return 90 * time.Second, d == "ovs-vswitchd" }},
			wantItems: map[string]nagios.State{
				"bridge br-ecfix controller tcp:127.0.0.1:1: never connected since ovs-vswitchd started 90s ago, within --grace 3600s": nagios.Warning,
			},
			wantPerf: []string{"'br-ecfix tcp:127.0.0.1:1 down'=90s;0;3600;0"},
		},
		{
			name: "never connected, longer than grace", fixture: "unreachable", want: nagios.Critical,
			policy: policy{Grace: time.Minute, Uptime: func(string) (time.Duration, bool) { return 90 * time.Second, true }},
			wantItems: map[string]nagios.State{
				"bridge br-ecfix controller tcp:127.0.0.1:1: never connected since ovs-vswitchd started 90s ago, longer than --grace 60s": nagios.Critical,
			},
		},
		{
			name: "no status yet", fixture: "nostatus", want: nagios.Warning,
			policy: policy{Grace: time.Minute},
			wantItems: map[string]nagios.State{
				"bridge br-ecfix controller tcp:127.0.0.1:16691: ovs-vswitchd has reported no status for this target (just configured, or ovs-vswitchd could not set it up": nagios.Warning,
			},
		},
		{
			name: "stale", fixture: "stale", want: nagios.Critical,
			policy: policy{Grace: time.Hour},
			wantItems: map[string]nagios.State{
				"bridge br-lab controller tcp:127.0.0.1:16653: STALE: ovs-vswitchd is not running; its last report was connected, role other, state ACTIVE": nagios.Critical,
				"manager ptcp:16640:127.0.0.1: listening": nagios.OK,
			},
			wantPerf: []string{"'br-lab tcp:127.0.0.1:16653 connected'=0;;;0;1"},
			summary:  "ovs-vswitchd is not running (nobody holds its OVSDB lock), so the controller status in OVSDB is stale; controllers: 1 stale; managers: 1 listening",
		},
		{
			name: "--bridge limits to that bridge and drops managers", fixture: "unreachable", want: nagios.OK,
			policy:    policy{Grace: time.Minute, Bridges: []string{"br-lab"}},
			wantItems: map[string]nagios.State{"bridge br-lab controller tcp:127.0.0.1:16653: connected": nagios.OK},
			summary:   "controllers: 1 connected",
		},
		{
			name: "--bridge naming a bridge without controller", fixture: "unreachable", want: nagios.Critical,
			policy:    policy{Grace: time.Minute, Bridges: []string{"br-ecnone"}},
			wantItems: map[string]nagios.State{"bridge br-ecnone: no controller configured (asked for with --bridge)": nagios.Critical},
		},
		{
			name: "--require-master with role other", fixture: "healthy", want: nagios.Critical,
			policy:    policy{Grace: time.Minute, RequireMaster: true},
			wantItems: map[string]nagios.State{"bridge br-lab: no connected controller in role master (--require-master); roles: other": nagios.Critical},
		},
		{
			name: "--require-master with role master", fixture: "healthy", master: true, want: nagios.OK,
			policy:    policy{Grace: time.Minute, RequireMaster: true},
			wantItems: map[string]nagios.State{"bridge br-lab: a connected controller has role master": nagios.OK},
		},
		{
			// The WARNING (down within grace) is found before the
			// CRITICAL (no master) of the same bridge; line 1 names the
			// CRITICAL.
			name: "--require-master: the CRITICAL is named before the WARNING", fixture: "disconnected", want: nagios.Critical,
			policy:  policy{Grace: time.Hour, RequireMaster: true, Bridges: []string{"br-ecfix"}},
			summary: "bridge br-ecfix has no connected master controller (and 1 more); controllers: 1 not connected",
		},
		{
			name: "--require-master ignores bridges without controllers", fixture: "unreachable", want: nagios.Critical,
			policy: policy{Grace: time.Hour, RequireMaster: true, Bridges: []string{"br-lab"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := loadFixture(t, tt.fixture)
			if tt.master {
				f = asMaster(f)
			}
			snap := f.snapshot(t)
			if tt.policy.Uptime == nil {
				tt.policy.Uptime = noUptime
			}
			res := evaluate(snap, tt.policy)
			out := res.Format("OVS_CONTROLLER")
			if got := res.FinalState(); got != tt.want {
				t.Errorf("state = %v, want %v\n%s", got, tt.want, out)
			}
			wantItems(t, res, tt.wantItems, strings.Contains)
			for _, p := range tt.wantPerf {
				if !strings.Contains(out, " "+p) {
					t.Errorf("perfdata %s missing\n%s", p, out)
				}
			}
			if tt.summary != "" && res.Summary != tt.summary {
				t.Errorf("summary = %q\nwant      %q", res.Summary, tt.summary)
			}
		})
	}
}

// TestStaleWithoutControllers: a dead ovs-vswitchd makes only the
// controllers' status stale. With no controller to check (the stale
// fixture's br-lab with its controller removed) the check stays OK and
// line 1 still says ovs-vswitchd is not running.
func TestStaleWithoutControllers(t *testing.T) {
	snap := loadFixture(t, "stale").snapshot(t)
	if snap.VswitchdRunning {
		t.Fatal("the stale fixture has ovs-vswitchd running")
	}
	for i := range snap.Bridges {
		snap.Bridges[i].Controllers = nil
	}
	res := evaluate(snap, policy{Grace: time.Minute, Uptime: noUptime})
	want := "ovs-vswitchd is not running (nobody holds its OVSDB lock), so the controller status in OVSDB is stale; controllers: none; managers: 1 listening"
	if res.FinalState() != nagios.OK || res.Summary != want {
		t.Errorf("got %v %q\nwant OK %q", res.FinalState(), res.Summary, want)
	}
}

func TestEvaluateNothingConfigured(t *testing.T) {
	res := evaluate(&Snapshot{VswitchdRunning: true}, policy{Uptime: noUptime})
	if res.FinalState() != nagios.Unknown || !strings.Contains(res.Summary, "nothing to check") {
		t.Errorf("got %v %q", res.FinalState(), res.Summary)
	}
}

func TestDecodeSnapshotErrors(t *testing.T) {
	f := loadFixture(t, "healthy")
	res := f.results(t)
	empty := append(res[:0:0], res...)
	empty[0].Rows = nil
	if _, err := decodeSnapshot(empty, true); err == nil || !strings.Contains(err.Error(), "ovs-vsctl init") {
		t.Errorf("no Open_vSwitch row: err = %v", err)
	}
	dangling := append(res[:0:0], res...)
	dangling[3].Rows = nil
	if _, err := decodeSnapshot(dangling, true); err == nil || !strings.Contains(err.Error(), "not in the Controller table") {
		t.Errorf("dangling controller: err = %v", err)
	}
	bad := append(res[:0:0], res...)
	bad[3].Rows = []ovsdb.Row{{"_uuid": []any{"uuid", "x"}, "target": "tcp:1.2.3.4:6653", "is_connected": "yes", "role": "other", "status": []any{"map", []any{}}}}
	if _, err := decodeSnapshot(bad, true); err == nil || !strings.Contains(err.Error(), `Controller tcp:1.2.3.4:6653: column "is_connected": expected a boolean`) {
		t.Errorf("bad boolean: err = %v", err)
	}
}

// fakeFileInfo is an os.FileInfo with a chosen mtime.
type fakeFileInfo struct {
	os.FileInfo
	mtime time.Time
}

func (f fakeFileInfo) ModTime() time.Time { return f.mtime }

func TestUptimeFromPidfile(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	c := &Check{
		DB:  "unix:/run/ovs/db.sock",
		Now: func() time.Time { return now },
		ReadFile: func(p string) ([]byte, error) {
			if p == "/run/ovs/ovs-vswitchd.pid" {
				return []byte("4242\n"), nil
			}
			return nil, os.ErrNotExist
		},
		StatFile: func(p string) (os.FileInfo, error) {
			switch p {
			case "/proc/4242":
				return fakeFileInfo{}, nil
			case "/run/ovs/ovs-vswitchd.pid":
				return fakeFileInfo{mtime: now.Add(-95 * time.Second)}, nil
			}
			return nil, os.ErrNotExist
		},
	}
	if up, ok := c.uptime("ovs-vswitchd"); !ok || up != 95*time.Second {
		t.Errorf("uptime = %v, %v; want 95s", up, ok)
	}
	if _, ok := c.uptime("ovsdb-server"); ok {
		t.Error("ovsdb-server has no pidfile, yet an uptime was found")
	}
	c.DB = "tcp:127.0.0.1:6640"
	if _, ok := c.uptime("ovs-vswitchd"); ok {
		t.Error("a tcp: --db has no local pidfile, yet an uptime was found")
	}
}

func TestRunAgainstReplayServer(t *testing.T) {
	target := serveFixture(t, loadFixture(t, "healthy"))
	c := &Check{DB: target, Grace: 30 * time.Second, Now: time.Now, StatFile: os.Stat, ReadFile: os.ReadFile,
		StateFile: filepath.Join(t.TempDir(), "state.json")}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := c.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.FinalState() != nagios.OK {
		t.Errorf("state %v\n%s", res.FinalState(), res.Format("X"))
	}
	c.Bridges = []string{"br-nope"}
	if _, err := c.Run(ctx); err == nil || !strings.Contains(err.Error(), "--bridge br-nope: no such bridge in OVSDB at "+target+" (bridges: br-lab)") {
		t.Errorf("err = %v", err)
	}
}

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		c    Check
		want string
	}{
		{Check{DB: "unix:/x"}, ""},
		{Check{DB: "tcp:1.2.3.4:6640"}, ""},
		{Check{DB: "/var/run/openvswitch/db.sock"}, "--db: invalid OVSDB target"},
		{Check{DB: "unix:/x", Bridges: []string{" "}}, "--bridge: empty"},
		// What the flag parser makes of --grace NaN, Inf or 1e300 on amd64.
		{Check{DB: "unix:/x", Grace: math.MinInt64}, "--grace is out of range"},
	} {
		err := tt.c.Validate()
		if (tt.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate(%+v) = %v, want %q", tt.c, err, tt.want)
		}
	}
}

// TestStatePath: without --state-file the default, which depends on --db,
// is worked out where it is used.
func TestStatePath(t *testing.T) {
	c := &Check{DB: "tcp:192.0.2.10:6640"}
	for _, file := range []string{"", "/var/lib/nagios/ovs.json"} {
		c.StateFile = file
		if got := c.statePath(); got != cmp.Or(file, DefaultStatePath(c.DB)) {
			t.Errorf("--state-file %q: statePath %q", file, got)
		}
	}
}
