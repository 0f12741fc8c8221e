package ovscontroller

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"edgecheck/shared/nagios"
	"edgecheck/shared/statefile"
)

var t0 = time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)

func at(sec int) *time.Time { v := t0.Add(time.Duration(sec) * time.Second); return &v }

// TestDateOutage dates unconnected spells from what OVS reports (the
// status keys of the captured fixtures and cases) and the check's memory.
func TestDateOutage(t *testing.T) {
	tests := []struct {
		name     string
		rec      record
		facts    downFacts
		wantSecs int64
		wantHow  string
	}{
		{
			// ovs case 01: connected at the first run (t0), the host goes
			// away; 75 s later OVS says sec_since_connect=79 and
			// sec_since_disconnect=3 (reset by every failed retry).
			name:  "host down after a connected run",
			rec:   record{LastConnected: at(0), Observed: t0},
			facts: downFacts{now: *at(75), lastConnect: at(-4), lastDisconnect: at(72)}, wantSecs: 75,
			wantHow: "not connected since this check last saw it connected 75s ago",
		},
		{
			name:     "first run ever while down: the last connect dates it",
			facts:    downFacts{now: *at(79), lastConnect: at(0), lastDisconnect: at(76)},
			wantSecs: 79, wantHow: "not connected since its last connect 79s ago (sec_since_connect)",
		},
		{
			// ovs case 02: never connected, ovs-vswitchd up for 60 s.
			name:     "hung controller never connected",
			facts:    downFacts{now: *at(60), lastDisconnect: at(58), daemonStart: at(0), daemon: "ovs-vswitchd"},
			wantSecs: 60, wantHow: "never connected since ovs-vswitchd started 60s ago",
		},
		{
			name:     "ovs-vswitchd restarted after a connected run: dated from the restart",
			rec:      record{LastConnected: at(0), Observed: t0},
			facts:    downFacts{now: *at(300), daemonStart: at(298), daemon: "ovs-vswitchd"},
			wantSecs: 2, wantHow: "never connected since ovs-vswitchd started 2s ago",
		},
		{
			name:     "ovs-vswitchd restarted during a long outage: the memory keeps it",
			rec:      record{DownSince: at(0), Observed: *at(3 * 3600)},
			facts:    downFacts{now: *at(3*3600 + 300), daemonStart: at(3*3600 + 298), daemon: "ovs-vswitchd", lastDisconnect: at(3*3600 + 299)},
			wantSecs: 3*3600 + 300, wantHow: "not connected for 11100s (since 2026-12-01T03:00:00Z, this check's memory)",
		},
		{
			name:     "reconnected between runs: the old spell is dropped",
			rec:      record{DownSince: at(0), Observed: *at(60)},
			facts:    downFacts{now: *at(600), lastConnect: at(500), lastDisconnect: at(597)},
			wantSecs: 100, wantHow: "not connected since its last connect 100s ago (sec_since_connect)",
		},
		{
			name:     "only sec_since_disconnect: a lower bound",
			facts:    downFacts{now: *at(10), lastDisconnect: at(7)},
			wantSecs: 3, wantHow: "not connected for at least 3s (its last failed attempt; OVS resets sec_since_disconnect on every retry)",
		},
		{
			name:     "configured after the previous run: not dated from the daemon's start",
			facts:    downFacts{now: *at(3600), daemonStart: at(0), daemon: "ovs-vswitchd", configuredAfter: at(3540), lastDisconnect: at(3598)},
			wantSecs: 60, wantHow: "never connected since it was configured, after this check's previous run 60s ago",
		},
		{
			name:     "no status on a long-running daemon: just configured, or not set up; not dated from the daemon's start",
			facts:    downFacts{now: *at(3600), daemonStart: at(0), daemon: "ovs-vswitchd", noStatus: true},
			wantSecs: 0, wantHow: "not connected for at least 0s (first found unconnected by this check now)",
		},
		{
			name:     "no status, first sighting",
			facts:    downFacts{now: *at(10), noStatus: true, daemon: "ovs-vswitchd"},
			wantSecs: 0, wantHow: "not connected for at least 0s (first found unconnected by this check now)",
		},
		{
			name:     "no status, remembered",
			rec:      record{DownSince: at(0), Observed: t0},
			facts:    downFacts{now: *at(40), noStatus: true, daemon: "ovs-vswitchd"},
			wantSecs: 40, wantHow: "not connected for 40s (since 2026-12-01T03:00:00Z, this check's memory)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tt.rec
			o := dateOutage(&rec, tt.facts)
			if got := o.Seconds(tt.facts.now); got != tt.wantSecs {
				t.Errorf("seconds = %d, want %d (%s)", got, tt.wantSecs, o.Text(tt.facts.now))
			}
			if got := o.Text(tt.facts.now); got != tt.wantHow {
				t.Errorf("text = %q\nwant   %q", got, tt.wantHow)
			}
			if rec.DownSince == nil || !rec.DownSince.Equal(*o.Since) || !rec.Observed.Equal(tt.facts.now) {
				t.Errorf("record not updated: %+v", rec)
			}
		})
	}
}

// TestEvaluateRemembersOutage runs evaluate twice on the captured
// unreachable fixture (a controller that never connected, no daemon start
// known): the first sighting is WARNING, the same state after --grace is
// CRITICAL, and a connected sighting clears the memory.
func TestEvaluateRemembersOutage(t *testing.T) {
	snap := loadFixture(t, "unreachable").snapshot(t)
	m := newMemory("unix:/x")
	key := "bridge br-ecfix controller tcp:127.0.0.1:1"
	p := policy{Grace: 30 * time.Second, Uptime: noUptime, Memory: m, Now: t0}
	if got := evaluate(snap, p).FinalState(); got != nagios.Warning {
		t.Errorf("first sighting: %v, want WARNING", got)
	}
	if m.Targets[key] == nil || m.Targets[key].DownSince == nil || !m.Targets[key].DownSince.Equal(t0) {
		t.Fatalf("memory after the first run: %+v", m.Targets[key])
	}
	p.Now = *at(45)
	res := evaluate(snap, p)
	if res.FinalState() != nagios.Critical || !strings.HasPrefix(res.Summary, key+" not connected for 45s (> grace 30s)") {
		t.Errorf("second run: %v %q", res.FinalState(), res.Summary)
	}
	if rec := m.Targets["bridge br-lab controller tcp:127.0.0.1:16653"]; rec == nil || rec.LastConnected == nil || rec.DownSince != nil {
		t.Errorf("the connected controller is not remembered as connected: %+v", rec)
	}
	// Configuration change: the target is gone from OVSDB, so is its memory.
	m.Targets["bridge br-gone controller tcp:192.0.2.1:6653"] = &record{DownSince: at(0)}
	evaluate(snap, p)
	if _, ok := m.Targets["bridge br-gone controller tcp:192.0.2.1:6653"]; ok {
		t.Error("a target no longer configured is still remembered")
	}
}

// TestEvaluateKeepsNewerRecord: a concurrent run that read OVSDB later
// stored its record while this run waited for the lock; it stays.
func TestEvaluateKeepsNewerRecord(t *testing.T) {
	snap := loadFixture(t, "unreachable").snapshot(t)
	key := "bridge br-ecfix controller tcp:127.0.0.1:1"
	m := newMemory("unix:/x")
	newer := &record{Row: "7197d5f0-2ca4-416d-83f3-03a403f033d6", Observed: *at(100), LastConnected: at(100)}
	m.Targets[key] = newer
	evaluate(snap, policy{Grace: time.Minute, Uptime: noUptime, Memory: m, Now: *at(50)})
	if m.Targets[key] != newer || newer.DownSince != nil || !newer.Observed.Equal(*at(100)) {
		t.Errorf("the newer record was replaced: %+v", m.Targets[key])
	}
}

func TestLoadMemoryErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name, content, want string
	}{
		{"corrupt", "{not json", "remove " + filepath.Join(dir, "corrupt.json") + " (the down-time memory starts over) and rerun"},
		{"other-db", `{"version":1,"db":"unix:/other","targets":{}}`, "belongs to --db unix:/other, not unix:/x: give each --db its own --state-file"},
		{"version", `{"version":7,"db":"unix:/x"}`, "has layout version 7, not 1"},
	} {
		path := filepath.Join(dir, tt.name+".json")
		if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := loadMemory(&statefile.File{Path: path}, "unix:/x")
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: err = %v, want it to name the file and say %q", tt.name, err, tt.want)
		}
	}
	m, err := loadMemory(&statefile.File{Path: filepath.Join(dir, "missing.json")}, "unix:/x")
	if err != nil || len(m.Targets) != 0 || m.DB != "unix:/x" {
		t.Errorf("missing file: %+v, %v", m, err)
	}
}

// TestWithMemoryUnwritable: a state directory that cannot be created is
// an error naming it and the flag.
func TestWithMemoryUnwritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	c := &Check{DB: "unix:/x", StateFile: filepath.Join(file, "sub", "state.json")}
	err := c.withMemory(context.Background(), func(*memory) {})
	if err == nil || !strings.Contains(err.Error(), "cannot create the state directory "+filepath.Join(file, "sub")) || !strings.Contains(err.Error(), "--state-file") {
		t.Errorf("err = %v", err)
	}
}

// TestWithMemoryConcurrent: concurrent runs serialise on the lock and no
// update is lost.
func TestWithMemoryConcurrent(t *testing.T) {
	c := &Check{DB: "unix:/x", StateFile: filepath.Join(t.TempDir(), "state.json")}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := c.withMemory(ctx, func(m *memory) {
				m.Targets[strings.Repeat("k", i+1)] = &record{Observed: t0}
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var got int
	_ = c.withMemory(context.Background(), func(m *memory) { got = len(m.Targets) })
	if got != 8 {
		t.Errorf("%d records, want 8", got)
	}
}

func TestListenAddress(t *testing.T) {
	for _, tt := range []struct{ target, network, addr string }{
		{"ptcp:6653", "tcp", "127.0.0.1:6653"},
		{"ptcp:6653:0.0.0.0", "tcp", "127.0.0.1:6653"},
		{"ptcp:6653:192.0.2.5", "tcp", "192.0.2.5:6653"},
		{"pssl:6640:[::]", "tcp", "[::1]:6640"},
		{"ptcp:6640:[fe80::1]", "tcp", "[fe80::1]:6640"},
		{"punix:/var/run/openvswitch/br-int.mgmt", "unix", "/var/run/openvswitch/br-int.mgmt"},
	} {
		n, a, ok := listenAddress(tt.target)
		if !ok || n != tt.network || a != tt.addr {
			t.Errorf("listenAddress(%q) = %q %q %v, want %q %q", tt.target, n, a, ok, tt.network, tt.addr)
		}
	}
	for _, bad := range []string{"tcp:1.2.3.4:6653", "ptcp:", "punix:"} {
		if _, _, ok := listenAddress(bad); ok {
			t.Errorf("listenAddress(%q) accepted", bad)
		}
	}
}

func FuzzListenAddress(f *testing.F) {
	for _, s := range []string{"ptcp:6653", "pssl:6640:[::]", "punix:/x", "ptcp::", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		network, addr, ok := listenAddress(target)
		if ok && (network == "" || addr == "") {
			t.Errorf("%q: ok with empty %q %q", target, network, addr)
		}
	})
}

// TestEvaluateListenersFixture evaluates the reply captured by
// testdata/capture-listeners.sh from the real lab OVS.
func TestEvaluateListenersFixture(t *testing.T) {
	snap := loadFixture(t, "listeners").snapshot(t)
	vswitchd60 := func(d string) (time.Duration, bool) { return 60 * time.Second, d == "ovs-vswitchd" }
	res := evaluate(snap, policy{Grace: 30 * time.Second, Uptime: vswitchd60, Now: t0, Memory: newMemory("unix:/x")})
	want := map[string]nagios.State{
		"manager ptcp:16696:127.0.0.1: NOT LISTENING: ovsdb-server reports no bound_port":                                 nagios.Critical,
		"manager ptcp:16640:127.0.0.1: listening, bound to port 16640 (bound_port)":                                       nagios.OK,
		"manager punix:/tmp/edgecheck-lab/ovs/ecfix-mgr.sock: passive listener, not verified":                             nagios.OK,
		"bridge br-ecfix controller ptcp:16694:127.0.0.1: passive listener, not verified":                                 nagios.OK,
		"bridge br-ecfix controller tcp:127.0.0.1:16695: never connected since ovs-vswitchd started 60s ago, longer than": nagios.Critical,
	}
	wantItems(t, res, want, strings.HasPrefix)
	if !strings.HasPrefix(res.Summary, "manager ptcp:16696:127.0.0.1 is not listening (ovsdb-server reports no bound_port) (and 1 more)") {
		t.Errorf("summary %q", res.Summary)
	}
	// What the host probe says is used for targets OVS does not report on.
	res = evaluate(snap, policy{Grace: 30 * time.Second, Uptime: vswitchd60, Now: t0,
		Listening: func(target, daemon string) listenerCheck {
			return listenerCheck{Known: true, Listening: daemon == "ovsdb-server", Detail: "probed " + daemon}
		}})
	for _, it := range res.Items {
		switch {
		case strings.HasPrefix(it.Text, "manager punix:") && (it.State != nagios.OK || !strings.Contains(it.Text, "listening, probed ovsdb-server")),
			strings.HasPrefix(it.Text, "bridge br-ecfix controller ptcp:16694") && (it.State != nagios.Critical || !strings.Contains(it.Text, "NOT LISTENING: probed ovs-vswitchd")):
			t.Errorf("probe result not used: %v %s", it.State, it.Text)
		}
	}
}

// TestEvaluateTargetAddedSinceLastRun: the previous run (with --bridge
// br-lab) recorded every configured target; a controller configured since
// then is dated from that run, not from ovs-vswitchd's start an hour ago.
func TestEvaluateTargetAddedSinceLastRun(t *testing.T) {
	snap := loadFixture(t, "unreachable").snapshot(t)
	up := func(string) (time.Duration, bool) { return time.Hour, true }
	m := newMemory("unix:/x")
	evaluate(snap, policy{Grace: 30 * time.Second, Uptime: up, Memory: m, Now: t0, Bridges: []string{"br-lab"}})
	if len(m.Targets) != 4 || m.LastRun == nil || !m.LastRun.Equal(t0) {
		t.Fatalf("the first run did not record every target: %d records, last run %v", len(m.Targets), m.LastRun)
	}
	// The same controller as before: dated from ovs-vswitchd's start.
	res := evaluate(snap, policy{Grace: 30 * time.Second, Uptime: up, Memory: m, Now: *at(20)})
	if !strings.Contains(res.Summary, "bridge br-ecfix controller tcp:127.0.0.1:1 never connected since ovs-vswitchd started 3600s ago (> grace 30s)") {
		t.Errorf("known target: %q", res.Summary)
	}
	// The database recreated at the same path (or the target configured
	// again): another Controller row, so the old spell is not this one.
	key := "bridge br-ecfix controller tcp:127.0.0.1:1"
	if m.Targets[key].Row != "7197d5f0-2ca4-416d-83f3-03a403f033d6" {
		t.Fatalf("the record does not keep the Controller row: %+v", m.Targets[key])
	}
	m.Targets[key].Row = "00000000-0000-0000-0000-000000000000"
	m.Targets[key].DownSince = at(-7 * 24 * 3600)
	res = evaluate(snap, policy{Grace: 30 * time.Second, Uptime: up, Memory: m, Now: *at(30)})
	if res.FinalState() != nagios.Warning || !strings.Contains(res.Summary, "after this check's previous run 10s ago") || m.Targets[key].Row != "7197d5f0-2ca4-416d-83f3-03a403f033d6" {
		t.Errorf("recreated row: %v %q %+v", res.FinalState(), res.Summary, m.Targets[key])
	}
	// A memory whose previous run did not see it: dated from that run.
	delete(m.Targets, key)
	res = evaluate(snap, policy{Grace: 30 * time.Second, Uptime: up, Memory: m, Now: *at(40)})
	if res.FinalState() != nagios.Warning || !strings.Contains(res.Summary, "never connected since it was configured, after this check's previous run 10s ago (within grace 30s)") {
		t.Errorf("new target: %v %q", res.FinalState(), res.Summary)
	}
}

// TestProbeListener: a port held by a process that never speaks OpenFlow,
// a closed port and a missing unix socket are not ovs-vswitchd listening.
// (A listener that answers OpenFlow is the lab's ovs-vswitchd, in
// TestIntegrationPassiveControllerListener.)
func TestProbeListener(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	port := strconv.Itoa(held.Addr().(*net.TCPAddr).Port)
	ctx := context.Background()
	if c := probeListener(ctx, "ptcp:"+port+":127.0.0.1", "ovs-vswitchd"); !c.Known || c.Listening || !strings.Contains(c.Detail, "sends no OpenFlow hello") {
		t.Errorf("held port: %+v", c)
	}
	if c := probeListener(ctx, "ptcp:"+port+":127.0.0.1", "ovsdb-server"); !c.Known || !c.Listening {
		t.Errorf("a manager port that accepts: %+v", c)
	}
	held.Close()
	if c := probeListener(ctx, "ptcp:"+port, "ovs-vswitchd"); !c.Known || c.Listening || !strings.Contains(c.Detail, "nothing listens on tcp 127.0.0.1:"+port) {
		t.Errorf("closed port: %+v", c)
	}
	sock := filepath.Join(t.TempDir(), "missing", "br.sock")
	if c := probeListener(ctx, "punix:"+sock, "ovs-vswitchd"); !c.Known || c.Listening || !strings.Contains(c.Detail, "nothing listens on unix "+sock) {
		t.Errorf("missing socket: %+v", c)
	}
	if c := probeListener(ctx, "ptcp:", "ovs-vswitchd"); c.Known {
		t.Errorf("unparsable target: %+v", c)
	}
}

// TestEvaluateStalePassiveController: with ovs-vswitchd dead nothing
// listens on its passive targets either; the manager, ovsdb-server's own,
// is still judged from its status.
func TestEvaluateStalePassiveController(t *testing.T) {
	f := loadFixture(t, "listeners")
	snap, err := decodeSnapshot(f.results(t), false)
	if err != nil {
		t.Fatal(err)
	}
	res := evaluate(snap, policy{Grace: time.Hour, Uptime: noUptime, Now: t0})
	for _, it := range res.Items {
		if strings.HasPrefix(it.Text, "bridge br-ecfix controller ptcp:16694:127.0.0.1: ") && (it.State != nagios.Critical || !strings.Contains(it.Text, "STALE")) {
			t.Errorf("passive controller of a dead ovs-vswitchd: %v %s", it.State, it.Text)
		}
		if strings.HasPrefix(it.Text, "manager ptcp:16696:127.0.0.1: ") && !strings.Contains(it.Text, "NOT LISTENING") {
			t.Errorf("manager: %v %s", it.State, it.Text)
		}
	}
}
