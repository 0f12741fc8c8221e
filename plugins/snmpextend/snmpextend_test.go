package snmpextend

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"edgecheck/shared/golden"
	"edgecheck/shared/nagios"
	"edgecheck/shared/runner"
	"edgecheck/shared/snmp"
	"edgecheck/shared/snmp/snmptest"
)

// execute runs check_snmp_extend through the real runner against a fake
// agent and returns what Nagios would see.
func execute(t *testing.T, agent *snmptest.Agent, args ...string) string {
	t.Helper()
	t.Setenv("SNMP_COMMUNITY", "public")
	old := dial
	dial = agent.Dialer()
	t.Cleanup(func() { dial = old })
	var out, errOut bytes.Buffer
	code := runner.Execute("check_snmp_extend", args, &out, &errOut)
	return fmt.Sprintf("exit %d\n%s", code, out.String())
}

// The captured walk holds the real lab extends: edge_ok exits 0,
// edge_warning 1, edge_critical 2, edge_unknown 3, edge_outside 7 (exec
// type); edge_sh_warning (extend-sh, nsExtendResult 256) and
// edge_sh_critical (-execType sh, 512); edge_killed (printed CRITICAL, then
// SIGKILL: exec result 0), edge_crashed (SIGSEGV before any output: 0),
// edge_sh_killed (35072 = 137<<8); edge_missing (exec: 1, no output) and
// edge_sh_missing (32512 = 127<<8).
func TestGoldenEveryState(t *testing.T) {
	tests := []struct {
		name     string
		extend   string
		wantCode int
	}{
		{"ok", "edge_ok", 0},
		{"warning", "edge_warning", 1},
		{"critical", "edge_critical", 2},
		{"unknown", "edge_unknown", 3},
		{"outside_range", "edge_outside", 3},
		{"shell_warning", "edge_sh_warning", 1},
		{"shell_critical", "edge_sh_critical", 2},
		{"killed_after_critical", "edge_killed", 3},
		{"crashed_silent", "edge_crashed", 3},
		{"shell_killed", "edge_sh_killed", 3},
		{"missing_program", "edge_missing", 3},
		{"shell_missing_program", "edge_sh_missing", 3},
		{"missing_extend", "no_such_check", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			agent := snmptest.Load(t, "testdata/extend.walk")
			got := execute(t, agent, "-H", "hv0001", "--name", tt.extend)
			if !strings.HasPrefix(got, fmt.Sprintf("exit %d\n", tt.wantCode)) {
				t.Errorf("exit code: %q", got)
			}
			golden.Text(t, tt.name, got)
		})
	}
}

func TestGoldenFailures(t *testing.T) {
	t.Run("dead_agent", func(t *testing.T) {
		agent := snmptest.New()
		agent.Err = snmp.NoResponse("no SNMP response from hv0001:161 within 9.7s: check the agent, the community and any firewall")
		golden.Text(t, "dead_agent", execute(t, agent, "-H", "hv0001", "--name", "edge_ok"))
	})
	t.Run("no_extends", func(t *testing.T) {
		golden.Text(t, "no_extends", execute(t, snmptest.New(), "-H", "hv0001", "--name", "edge_ok"))
	})
	t.Run("no_name", func(t *testing.T) {
		golden.Text(t, "no_name", execute(t, snmptest.New(), "-H", "hv0001"))
	})
	t.Run("no_credentials", func(t *testing.T) {
		agent := snmptest.Load(t, "testdata/extend.walk")
		t.Setenv("SNMP_COMMUNITY", "")
		old := dial
		dial = agent.Dialer()
		t.Cleanup(func() { dial = old })
		var out bytes.Buffer
		code := runner.Execute("check_snmp_extend", []string{"-H", "hv0001", "--name", "edge_ok"}, &out, &out)
		golden.Text(t, "no_credentials", fmt.Sprintf("exit %d\n%s", code, out.String()))
	})
}

// The relay is byte for byte: the captured nsExtendOutputFull (which
// net-snmp stores without the final newline) plus that newline is exactly
// what lab/snmpd/fake_check.sh prints.
func TestRelayIsByteForByte(t *testing.T) {
	agent := snmptest.Load(t, "testdata/extend.walk")
	vars, _ := agent.Get(t.Context(), oidExtendOutputFull+"."+NameIndex("edge_critical"))
	remote, _ := vars[0].Bytes()
	script, err := os.ReadFile(filepath.Join("..", "..", "lab", "snmpd", "fake_check.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(script, []byte("printf '[OK] manager ptcp:6640 listening | ")) {
		t.Fatal("fake_check.sh changed; recapture testdata/extend.walk")
	}
	res := Relay(Extend{Name: "edge_critical", Addr: "hv0001:161", Type: ExecTypeExec, Result: 2, Output: remote})
	if res.Raw == nil || *res.Raw != string(remote)+"\n" {
		t.Fatalf("relayed %v", res.Raw)
	}
	if res.State != nagios.Critical {
		t.Errorf("state %v", res.State)
	}
	// Already newline-terminated output is not given a second newline.
	if got := *Relay(Extend{Name: "x", Addr: "h:1", Output: []byte("OK - fine\n")}).Raw; got != "OK - fine\n" {
		t.Errorf("got %q", got)
	}
}

func TestNameIndex(t *testing.T) {
	if got := NameIndex("edge_ok"); got != "7.101.100.103.101.95.111.107" {
		t.Errorf("NameIndex = %s", got)
	}
	for _, name := range []string{"a", "ovs_controller", "with space", "ünï"} {
		back, ok := DecodeNameIndex(NameIndex(name))
		if !ok || back != name {
			t.Errorf("round trip %q -> %q %v", name, back, ok)
		}
	}
	for _, bad := range []string{"", "3.1.2", "1.300", "x.1"} {
		if _, ok := DecodeNameIndex(bad); ok {
			t.Errorf("DecodeNameIndex(%q) accepted", bad)
		}
	}
}

func TestExitHints(t *testing.T) {
	res := Relay(Extend{Name: "ovs", Addr: "hv1:161", Type: ExecTypeExec, Result: 127, Output: []byte("sh: 1: check_ovs: not found")})
	if res.State != nagios.Unknown || !strings.Contains(*res.Raw, "127: a command run by the plugin was not found") {
		t.Errorf("got %v %q", res.State, *res.Raw)
	}
	// A plugin's own non-OK code with no output stands; exit 0 or 3 with
	// no output is UNKNOWN: a plugin that printed nothing reported nothing.
	empty := Relay(Extend{Name: "ovs", Addr: "hv1:161", Type: ExecTypeShell, Result: 256})
	if empty.State != nagios.Warning || !strings.HasPrefix(*empty.Raw, "SNMP_EXTEND WARNING - extend ovs on hv1:161 exited 1 with no output") {
		t.Errorf("got %v %q", empty.State, *empty.Raw)
	}
	for _, code := range []int64{0, 3} {
		if r := Relay(Extend{Name: "ovs", Addr: "hv1:161", Type: ExecTypeExec, Result: code}); r.State != nagios.Unknown {
			t.Errorf("exit %d with no output: %v %q", code, r.State, *r.Raw)
		}
	}
	// The check's own lines escape what the operator typed.
	odd := Relay(Extend{Name: "a|b\nc", Addr: "hv1:161", Type: ExecTypeExec, Result: 2})
	if want := "SNMP_EXTEND CRITICAL - extend a/b; c on hv1:161 exited 2 with no output"; !strings.HasPrefix(*odd.Raw, want) {
		t.Errorf("got %q, want %q", *odd.Raw, want)
	}
	odd = Relay(Extend{Name: "a|b", Addr: "hv1:161", Result: 9, Output: []byte("x")})
	if first, _, _ := strings.Cut(*odd.Raw, "\n"); strings.Contains(first, "|") {
		t.Errorf("unescaped | on line 1: %q", first)
	}
}

// What net-snmp 5.9.3 stores (captured in testdata/extend.walk and on the
// lab snmpd), decoded per nsExtendExecType.
func TestDecodeResult(t *testing.T) {
	tests := []struct {
		typ    ExecType
		result int64
		want   Status
	}{
		{ExecTypeExec, 0, Status{}},
		{ExecTypeExec, 2, Status{Exit: 2}},
		{ExecTypeExec, 127, Status{Exit: 127}},
		{ExecTypeShell, 256, Status{Exit: 1, Shell: true}},
		{ExecTypeShell, 512, Status{Exit: 2, Shell: true}},
		{ExecTypeShell, 32512, Status{Exit: 127, Shell: true}},
		{ExecTypeShell, 35072, Status{Exit: 137, Signal: 9, Shell: true}},
		{ExecTypeShell, 9, Status{Signal: 9, Shell: true}},
		{ExecTypeShell, 0, Status{Shell: true}},
		{ExecTypeUnknown, 512, Status{Exit: 2, Shell: true}},
		{ExecTypeUnknown, 3, Status{Exit: 3}},
		{ExecTypeExec, -1, Status{Failed: true}},
	}
	for _, tt := range tests {
		if got := DecodeResult(tt.typ, tt.result); got != tt.want {
			t.Errorf("DecodeResult(%v, %d) = %+v, want %+v", tt.typ, tt.result, got, tt.want)
		}
	}
}

func TestLineState(t *testing.T) {
	tests := []struct {
		line string
		want nagios.State
		ok   bool
	}{
		{"OVS_CONTROLLER CRITICAL - 1 of 3 targets connected | 'c'=1", nagios.Critical, true},
		{"CRITICAL - disk full", nagios.Critical, true},
		{"DISK WARNING: /var 91%", nagios.Warning, true},
		{"SNMP OK - 12 ifs", nagios.OK, true},
		{"check_x UNKNOWN - no data", nagios.Unknown, true},
		{"everything is fine", nagios.Unknown, false},
		{"all OK here - really", nagios.Unknown, false},
		{"x | y CRITICAL - z", nagios.Unknown, false},
	}
	for _, tt := range tests {
		got, ok := LineState(tt.line + "\nsecond CRITICAL - line")
		if got != tt.want || ok != tt.ok {
			t.Errorf("LineState(%q) = %v %v, want %v %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

// Output as long as snmpd's buffer was cut off: say so, keep the state.
func TestRelayCutOff(t *testing.T) {
	out := []byte("OVS_CONTROLLER WARNING - 4000 flows | f=4000\n" + strings.Repeat("[OK] flow\n", OutputBufferSize/10))
	out = out[:OutputBufferSize]
	res := Relay(Extend{Name: "flows", Addr: "hv1:161", Type: ExecTypeExec, Result: 1, Output: out})
	if res.State != nagios.Warning || !strings.HasPrefix(*res.Raw, "OVS_CONTROLLER WARNING - 4000 flows | f=4000\n") ||
		!strings.Contains(*res.Raw, "output cut off") {
		t.Errorf("got %v, tail %q", res.State, (*res.Raw)[len(*res.Raw)-200:])
	}
	short := Relay(Extend{Name: "flows", Addr: "hv1:161", Type: ExecTypeExec, Result: 1, Output: out[:1000]})
	if strings.Contains(*short.Raw, "cut off") {
		t.Error("short output said to be cut off")
	}
}

func FuzzDecodeResult(f *testing.F) {
	for _, r := range []int64{0, 1, 256, 512, 32512, 35072, 9, -1, 1 << 40} {
		f.Add(int64(1), r)
		f.Add(int64(2), r)
	}
	f.Fuzz(func(t *testing.T, typ, result int64) {
		st := DecodeResult(ExecType(typ), result)
		if st.Exit < 0 || st.Signal < 0 || st.Signal > 127 || (st.Shell && st.Exit > 255) {
			t.Fatalf("DecodeResult(%d, %d) = %+v", typ, result, st)
		}
		res := Relay(Extend{Name: "x", Addr: "h:1", Type: ExecType(typ), Result: result, Output: []byte("OK - fine")})
		if res.State == nagios.OK && (st.Exit != 0 || st.Signal != 0 || st.Failed) {
			t.Fatalf("result %d type %d relayed as OK", result, typ)
		}
	})
}

func FuzzRelay(f *testing.F) {
	f.Add(int64(0), "OVS CRITICAL - x | a=1\nmore")
	f.Add(int64(256), "")
	f.Add(int64(1), "WARNING: y")
	f.Fuzz(func(t *testing.T, result int64, out string) {
		res := Relay(Extend{Name: "x", Addr: "h:1", Type: ExecTypeExec, Result: result, Output: []byte(out)})
		if res.Raw == nil || !strings.HasSuffix(*res.Raw, "\n") {
			t.Fatalf("no newline-terminated output for %d %q", result, out)
		}
		if res.State == nagios.OK {
			if strings.TrimSpace(out) == "" {
				t.Fatalf("no output relayed as OK")
			}
			if said, ok := LineState(out); ok && said != nagios.OK {
				t.Fatalf("exit 0 relayed as OK though line 1 says %v: %q", said, out)
			}
		}
	})
}
