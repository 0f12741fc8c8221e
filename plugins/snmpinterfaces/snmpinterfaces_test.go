package snmpinterfaces

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"edgecheck/shared/golden"
	"edgecheck/shared/runner"
	"edgecheck/shared/snmp"
	"edgecheck/shared/snmp/snmptest"
)

var t0 = time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC)

// fixture runs check_snmp_interfaces against a fake agent loaded from the
// lab capture, with a state file in a temporary directory and a fixed clock.
type fixture struct {
	t     *testing.T
	agent *snmptest.Agent
	dir   string
	state string
}

func newFixture(t *testing.T) *fixture {
	dir := t.TempDir()
	return &fixture{t: t, agent: snmptest.Load(t, "testdata/host.walk"), dir: dir, state: filepath.Join(dir, "sw1.json")}
}

func (f *fixture) run(at time.Time, args ...string) string {
	f.t.Helper()
	f.t.Setenv("SNMP_COMMUNITY", "public")
	oldDial, oldNow := dial, now
	dial = f.agent.Dialer()
	now = func() time.Time { return at }
	defer func() { dial, now = oldDial, oldNow }()
	var out, errOut bytes.Buffer
	all := append([]string{"-H", "sw1", "--state-file", f.state}, args...)
	code := runner.Execute("check_snmp_interfaces", all, &out, &errOut)
	return strings.ReplaceAll(fmt.Sprintf("exit %d\n%s", code, out.String()), f.dir, "$STATEDIR")
}

// advance adds to an interface's counters (ifIndex, column OID, amount).
func (f *fixture) advance(ifIndex int, col string, by uint64) {
	f.t.Helper()
	oid := fmt.Sprintf("%s.%d", col, ifIndex)
	vars, _ := f.agent.Get(context.Background(), oid)
	v := vars[0]
	n, ok := v.Uint()
	if !ok {
		f.t.Fatalf("%s is not a counter: %v", oid, v)
	}
	if col == oidIfHCInOctets || col == oidIfHCOutOctets {
		f.agent.Set(snmptest.Counter64(oid, n+by))
	} else {
		f.agent.Set(snmptest.Counter32(oid, uint32(n+by)))
	}
}

func (f *fixture) uptime(ticks uint32) { f.agent.Set(snmptest.TimeTicks(oidSysUpTime, ticks)) }

func wantCode(t *testing.T, got string, code int) {
	t.Helper()
	if !strings.HasPrefix(got, fmt.Sprintf("exit %d\n", code)) {
		t.Fatalf("want exit %d, got:\n%s", code, got)
	}
}

// In the capture lo is ifIndex 1 (10 Mb/s), esnmp0 ifIndex 13 (10 Gb/s),
// Ethernet1/1-1/3 are the switch rows 10101-10103 with 32-bit counters only.
const sel = "^(lo|esnmp0)$"

func TestGoldenFirstRunThenRates(t *testing.T) {
	f := newFixture(t)
	first := f.run(t0, "--interface-regex", sel)
	wantCode(t, first, 0)
	golden.Text(t, "ok_first_run_initialising", first)

	f.uptime(20000)
	f.advance(13, oidIfHCInOctets, 75_000_000) // 10 Mb/s over 60 s
	f.advance(13, oidIfHCOutOctets, 7_500_000) // 1 Mb/s
	f.advance(1, oidIfHCInOctets, 750_000)
	f.advance(1, oidIfHCOutOctets, 750_000)
	second := f.run(t0.Add(60*time.Second), "--interface-regex", sel)
	wantCode(t, second, 0)
	if !strings.Contains(second, "'esnmp0_in_bps'=10000000;") || !strings.Contains(second, "'esnmp0_out_bps'=1000000;") {
		t.Errorf("rates wrong:\n%s", second)
	}
	golden.Text(t, "ok_second_run_rates", second)
}

// TestConcurrentNewerSampleIsKept: a run that read its counters before a
// concurrent run, but got the state file lock after it, must not replace
// the newer sample with its older counters.
func TestConcurrentNewerSampleIsKept(t *testing.T) {
	f := newFixture(t)
	wantCode(t, f.run(t0, "--interface-regex", "^esnmp0$"), 0)
	sf := &StateFile{Path: f.state}
	st, _, err := sf.Read("sw1:161")
	if err != nil {
		t.Fatal(err)
	}
	newer := *st.Interfaces["13"]
	newer.Time = t0.Add(70 * time.Second)
	newer.InOctets += 1000
	st.Interfaces["13"] = &newer
	if err := sf.Write(st); err != nil {
		t.Fatal(err)
	}

	// This run reads the counters at t0+60s and gets the lock at t0+75s.
	f.t.Setenv("SNMP_COMMUNITY", "public")
	oldDial, oldNow := dial, now
	defer func() { dial, now = oldDial, oldNow }()
	dial = f.agent.Dialer()
	times := []time.Time{t0.Add(60 * time.Second), t0.Add(75 * time.Second)}
	now = func() time.Time {
		at := times[0]
		if len(times) > 1 {
			times = times[1:]
		}
		return at
	}
	var out, errOut bytes.Buffer
	code := runner.Execute("check_snmp_interfaces", []string{"-H", "sw1", "--state-file", f.state, "--interface-regex", "^esnmp0$"}, &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), "a concurrent run sampled it more recently") {
		t.Errorf("exit %d:\n%s", code, out.String())
	}
	st, _, err = sf.Read("sw1:161")
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Interfaces["13"]; !got.Time.Equal(newer.Time) || got.InOctets != newer.InOctets {
		t.Errorf("the newer sample was replaced: %+v", got)
	}
}

func TestGoldenStates(t *testing.T) {
	tests := []struct {
		name   string
		change func(f *fixture)
		args   []string
		code   int
	}{
		{"critical_admin_up_oper_down", func(f *fixture) {
			f.agent.Set(snmptest.Integer(oidIfOperStatus+".13", 7))
		}, nil, 2},
		{"warning_utilisation", func(f *fixture) {
			f.advance(13, oidIfHCInOctets, 637_500_000_000) // 8.5 Gb/s over 600 s
		}, []string{"--warning-utilisation", "80", "--critical-utilisation", "90"}, 1},
		{"critical_utilisation", func(f *fixture) {
			f.advance(13, oidIfHCOutOctets, 712_500_000_000) // 9.5 Gb/s
		}, []string{"--warning-utilisation", "80", "--critical-utilisation", "90"}, 2},
		{"critical_errors", func(f *fixture) {
			f.advance(13, oidIfInErrors, 6000) // 10/s
		}, []string{"--warning-errors", "0.5", "--critical-errors", "5"}, 2},
		{"warning_discards", func(f *fixture) {
			f.advance(1, oidIfOutDiscards, 1200) // 2/s
		}, []string{"--warning-discards", "1"}, 1},
		{"ok_agent_restarted", func(f *fixture) {
			f.uptime(100) // sysUpTime went back
			f.advance(13, oidIfHCInOctets, 1)
		}, nil, 0},
		// Line 1 names the worst problem first: lo's discards (WARNING,
		// ifIndex 1, found first) after esnmp0 down (CRITICAL).
		{"critical_down_named_before_warning_discards", func(f *fixture) {
			f.advance(1, oidIfOutDiscards, 1200) // 2/s
			f.agent.Set(snmptest.Integer(oidIfOperStatus+".13", 7))
		}, []string{"--warning-discards", "1"}, 2},
		{"unknown_oper_status_unknown", func(f *fixture) {
			f.agent.Set(snmptest.Integer(oidIfOperStatus+".1", 4))
		}, nil, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			args := append([]string{"--interface-regex", sel}, tt.args...)
			wantCode(t, f.run(t0, args...), 0)
			f.uptime(80000)
			tt.change(f)
			got := f.run(t0.Add(600*time.Second), args...)
			wantCode(t, got, tt.code)
			golden.Text(t, tt.name, got)
		})
	}
}

func TestGolden32BitWrapAndSwitchRows(t *testing.T) {
	f := newFixture(t)
	// Ethernet1/1's 32-bit ifInOctets sits just below 2^32 and wraps.
	f.agent.Set(snmptest.Counter32(oidIfInOctets+".10101", 4294967000))
	args := []string{"--interface-regex", "^Ethernet1/"}
	first := f.run(t0, args...)
	wantCode(t, first, 0)
	f.uptime(90000)
	f.agent.Set(snmptest.Counter32(oidIfInOctets+".10101", 1204)) // +1500 octets through the wrap
	// 2 s is shorter than the 3.4 s a 10 Gb/s link needs to wrap a 32-bit
	// counter: one wrap at most, so the rate is exact.
	got := f.run(t0.Add(2*time.Second), args...)
	wantCode(t, got, 0)
	if !strings.Contains(got, "'Ethernet1/1_in_bps'=6000;") {
		t.Errorf("wrap not handled:\n%s", got)
	}
	golden.Text(t, "ok_32bit_wrap_admin_down", got)
}

// 10 s between samples of 32-bit counters on 10 Gb/s links (ifHighSpeed
// 10000): a counter may have wrapped more than once, so the rates are
// unknown, never the remainder of the difference.
func TestGolden32BitMultipleWrapsUnknown(t *testing.T) {
	f := newFixture(t)
	args := []string{"--interface-regex", "^Ethernet1/[12]$", "--warning-utilisation", "80"}
	wantCode(t, f.run(t0, args...), 0)
	f.uptime(90000)
	f.advance(10101, oidIfInOctets, 1500)
	got := f.run(t0.Add(10*time.Second), args...)
	wantCode(t, got, 3)
	if strings.Contains(got, "_in_bps") || !strings.Contains(got, "can wrap more than once in 10s at 10.0 Gb/s") ||
		!strings.Contains(got, "64-bit ifHC* counters") {
		t.Errorf("a rate was made up or not explained:\n%s", got)
	}
	golden.Text(t, "unknown_32bit_multiple_wraps", got)
}

// Net-snmp keeps a removed interface's row, fading out, next to the new
// one of the same ifName (testdata/fading.walk, captured after deleting and
// re-creating the veth pair esnmpdup0/esnmpdup1): perfdata labels stay
// unique.
func TestGoldenDuplicateNamesUniqueLabels(t *testing.T) {
	f := newFixture(t)
	f.agent = snmptest.Load(t, "testdata/fading.walk")
	args := []string{"--interface-regex", "^esnmpdup0$"}
	wantCode(t, f.run(t0, args...), 2)
	f.uptime(90000)
	got := f.run(t0.Add(20*time.Second), args...)
	for _, label := range []string{"'esnmpdup0#61_errors_per_s'=", "'esnmpdup0#63_errors_per_s'="} {
		if strings.Count(got, label) != 1 {
			t.Errorf("label %s not exactly once:\n%s", label, got)
		}
	}
	golden.Text(t, "duplicate_names_unique_labels", got)
}

func TestPerfLabels(t *testing.T) {
	got := PerfLabels([]string{"eth0", "eth1", "eth0", "eth0#7"}, []int{2, 3, 7, 9})
	want := []string{"eth0#2", "eth1", "eth0#7", "eth0#7#9"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("PerfLabels = %v, want %v", got, want)
	}
}

func TestMultiWrapPossible(t *testing.T) {
	tests := []struct {
		speed, seconds float64
		want           bool
	}{
		{1e9, 20, false}, {1e9, 34, false}, {1e9, 35, true}, {1e9, 70, true},
		{1e8, 300, false}, {1e8, 344, true}, {1e10, 3, false}, {1e10, 4, true}, {0, 1, true},
	}
	for _, tt := range tests {
		if got, _ := MultiWrapPossible(tt.speed, tt.seconds); got != tt.want {
			t.Errorf("MultiWrapPossible(%g, %g) = %v, want %v", tt.speed, tt.seconds, got, tt.want)
		}
	}
	if _, wrap := MultiWrapPossible(1e9, 1); wrap.Round(100*time.Millisecond) != 34400*time.Millisecond {
		t.Errorf("1 Gb/s wraps every %v, want 34.4s (RFC 2863)", wrap)
	}
}

func FuzzCompare(f *testing.F) {
	f.Add(uint64(4294967000), uint64(1204), int64(2), 1e10, false)
	f.Add(uint64(1), uint64(900), int64(70), 1e9, false)
	f.Add(uint64(5), uint64(3), int64(10), 0.0, true)
	f.Fuzz(func(t *testing.T, prevIn, curIn uint64, secs int64, speed float64, hc bool) {
		prev := Sample{Name: "x", Time: t0, SysUpTime: 1 << 40, HC: hc, InOctets: prevIn}
		cur := Sample{Name: "x", Time: t0.Add(time.Duration(secs) * time.Second), SysUpTime: 1 << 41, HC: hc, InOctets: curIn}
		r := Compare(&prev, &cur, speed)
		if r.InBps < 0 || r.OutBps < 0 {
			t.Fatalf("negative rate %+v", r)
		}
		if r.Initialised && !hc && speed > 0 && speed/8*float64(secs) >= WrapBound && r.OctetsUnknown == "" {
			t.Fatalf("32-bit rate over %d s at %g b/s given as %g", secs, speed, r.InBps)
		}
	})
}

func TestGoldenUnknown(t *testing.T) {
	t.Run("no_match", func(t *testing.T) {
		f := newFixture(t)
		golden.Text(t, "unknown_no_match", f.run(t0, "--interface-regex", "^nothing$"))
	})
	t.Run("bad_regex", func(t *testing.T) {
		f := newFixture(t)
		golden.Text(t, "unknown_bad_regex", f.run(t0, "--interface-regex", "("))
	})
	t.Run("dead_agent", func(t *testing.T) {
		f := newFixture(t)
		f.agent.Err = errors.New("no SNMP response from sw1:161 within 9.7s: check the agent, the community and any firewall")
		golden.Text(t, "unknown_dead_agent", f.run(t0, "--interface-regex", sel))
	})
	t.Run("state_dir_not_writable", func(t *testing.T) {
		f := newFixture(t)
		blocker := filepath.Join(f.dir, "file")
		if err := os.WriteFile(blocker, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		f.state = filepath.Join(blocker, "state.json")
		got := f.run(t0, "--interface-regex", sel)
		wantCode(t, got, 3)
		golden.Text(t, "unknown_state_dir", got)
	})
	t.Run("corrupt_state_is_started_over", func(t *testing.T) {
		f := newFixture(t)
		if err := os.WriteFile(f.state, []byte("{not json"), 0o600); err != nil {
			t.Fatal(err)
		}
		got := f.run(t0, "--interface-regex", sel)
		wantCode(t, got, 0)
		golden.Text(t, "ok_corrupt_state", got)
	})
}

func TestDelta(t *testing.T) {
	tests := []struct {
		name      string
		prev, cur uint64
		bits      int
		want      uint64
		wantOK    bool
	}{
		{"forward", 100, 250, 64, 150, true},
		{"unchanged", 7, 7, 32, 0, true},
		{"32-bit wrap", 4294967000, 1204, 32, 1500, true},
		{"32-bit wrap at the edge", 4294967295, 0, 32, 1, true},
		{"64-bit decrease is a reset", 1 << 40, 5, 64, 0, false},
		{"prev too big for 32 bits", 1 << 33, 5, 32, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Delta(tt.prev, tt.cur, tt.bits)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Delta = %d %v, want %d %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	base := Sample{Name: "eth0", Time: t0, SysUpTime: 1000, HC: true, InOctets: 1000, OutOctets: 1000}
	later := base
	later.Time = t0.Add(10 * time.Second)
	later.SysUpTime = 2000
	later.InOctets = 1000 + 1250 // 1000 b/s
	later.InErrors = 20
	r := Compare(&base, &later, 1e9)
	if !r.Initialised || r.InBps != 1000 || r.Errors != 2 {
		t.Fatalf("rates %+v", r)
	}
	renamed := later
	renamed.Name = "eth1"
	if r := Compare(&base, &renamed, 1e9); r.Initialised || !strings.Contains(r.Problems[0], "instead of eth0") {
		t.Errorf("renamed: %+v", r)
	}
	rebooted := later
	rebooted.SysUpTime = 10
	if r := Compare(&base, &rebooted, 1e9); r.Initialised || !strings.Contains(r.Problems[0], "agent restarted") {
		t.Errorf("rebooted: %+v", r)
	}
	reset := later
	reset.InOctets = 3
	if r := Compare(&base, &reset, 1e9); r.Initialised || !strings.Contains(r.Problems[0], "counter reset") {
		t.Errorf("64-bit reset: %+v", r)
	}
	// Up for 5 s after 60 s: restarted in between although sysUpTime grew.
	restartedLong := later
	restartedLong.Time = t0.Add(60 * time.Second)
	restartedLong.SysUpTime = 1500
	base.SysUpTime = 1000
	if r := Compare(&base, &restartedLong, 1e9); r.Initialised || !strings.Contains(r.Problems[0], "shorter than the interval") {
		t.Errorf("restarted within the interval: %+v", r)
	}
	if r := Compare(nil, &later, 1e9); r.Initialised || len(r.Problems) != 0 {
		t.Errorf("first sample: %+v", r)
	}
}

// Concurrent runs sharing a state file (different --interface-regex) each
// keep their own interfaces and never corrupt the file.
func TestStateFileConcurrentWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.json")
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 8; i++ {
				sf := &StateFile{Path: path}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				if err := sf.Lock(ctx); err != nil {
					cancel()
					errs <- err
					return
				}
				st, note, err := sf.Read("sw1:161")
				if err == nil && note != "" {
					err = errors.New(note)
				}
				if err == nil {
					st.Interfaces[strconv.Itoa(w)] = &Sample{Name: fmt.Sprintf("if%d", w), InOctets: uint64(i)}
					err = sf.Write(st)
				}
				sf.Unlock()
				cancel()
				if err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatalf("state file corrupt: %v", err)
	}
	if len(st.Interfaces) != 8 {
		t.Fatalf("lost updates: %d interfaces", len(st.Interfaces))
	}
	for k, s := range st.Interfaces {
		if s.InOctets != 7 {
			t.Errorf("writer %s: last value %d, want 7", k, s.InOctets)
		}
	}
	leftovers, _ := filepath.Glob(path + ".tmp-*")
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestStateFileLockTimesOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	holder := &StateFile{Path: path}
	if err := holder.Lock(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer holder.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := (&StateFile{Path: path}).Lock(ctx)
	if err == nil || !strings.Contains(err.Error(), "stayed locked by another run") || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

func TestStateFileOtherAgent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	sf := &StateFile{Path: path}
	if err := sf.Write(&State{Version: stateVersion, Agent: "sw2:161", Interfaces: map[string]*Sample{"1": {Name: "x"}}}); err != nil {
		t.Fatal(err)
	}
	st, note, err := sf.Read("sw1:161")
	if err != nil || len(st.Interfaces) != 0 || !strings.Contains(note, "give each agent its own --state-file") {
		t.Fatalf("st %v note %q err %v", st, note, err)
	}
}

// TestDefaultStatePath: without --state-file the agent's default, which
// depends on -H and --port, is worked out where it is used.
func TestDefaultStatePath(t *testing.T) {
	if got := DefaultStatePath("fe80::1%eth0", 161); got != "/var/tmp/edgecheck/snmp_interfaces_fe80__1_eth0_161.json" {
		t.Errorf("got %s", got)
	}
	c := &Check{Config: snmp.Config{Host: "sw1", Port: 1161}}
	for _, file := range []string{"", "/var/lib/nagios/ifstate/sw1.json"} {
		c.StateFile = file
		if got := c.statePath(); got != cmp.Or(file, DefaultStatePath("sw1", 1161)) {
			t.Errorf("--state-file %q: statePath %q", file, got)
		}
	}
}
