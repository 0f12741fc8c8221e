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
// edge_warning 1, edge_critical 2, edge_unknown 3, edge_outside 7.
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
	res := Relay("edge_critical", "hv0001:161", 2, remote)
	if res.Raw == nil || *res.Raw != string(remote)+"\n" {
		t.Fatalf("relayed %v", res.Raw)
	}
	if res.State != nagios.Critical {
		t.Errorf("state %v", res.State)
	}
	// Already newline-terminated output is not given a second newline.
	if got := *Relay("x", "h:1", 0, []byte("OK - fine\n")).Raw; got != "OK - fine\n" {
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
	res := Relay("ovs", "hv1:161", 127, []byte("sh: 1: check_ovs: not found"))
	if res.State != nagios.Unknown || !strings.Contains(*res.Raw, "127: the command was not found") {
		t.Errorf("got %v %q", res.State, *res.Raw)
	}
	empty := Relay("ovs", "hv1:161", 1, nil)
	if empty.State != nagios.Warning || *empty.Raw != "SNMP_EXTEND WARNING - extend ovs on hv1:161 exited 1 with no output\n" {
		t.Errorf("got %v %q", empty.State, *empty.Raw)
	}
	// The check's own lines escape what the operator typed.
	odd := Relay("a|b\nc", "hv1:161", 2, nil)
	if want := "SNMP_EXTEND CRITICAL - extend a/b; c on hv1:161 exited 2 with no output\n"; *odd.Raw != want {
		t.Errorf("got %q, want %q", *odd.Raw, want)
	}
	odd = Relay("a|b", "hv1:161", 9, []byte("x"))
	if first, _, _ := strings.Cut(*odd.Raw, "\n"); strings.Contains(first, "|") {
		t.Errorf("unescaped | on line 1: %q", first)
	}
}
