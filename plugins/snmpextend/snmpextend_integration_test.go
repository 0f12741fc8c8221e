//go:build integration

package snmpextend

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"edgecheck/shared/labtest"
)

// These tests run the real check_snmp_extend binary against the lab's real
// snmpd (lab/lab.sh up snmpd), whose extend lines run
// lab/snmpd/fake_check.sh with exit codes 0, 1, 2, 3 and 7.

type lab struct{ labtest.SNMPLab }

func needLab(t *testing.T) lab {
	t.Helper()
	return lab{labtest.NeedSNMP(t, "check_snmp_extend", labtest.SNMPD, "SNMP_DEAD_PORT", "SNMP_EXTEND_SCRIPT", "SNMP_EXTEND_OK", "SNMP_EXTEND_WARNING", "SNMP_EXTEND_CRITICAL", "SNMP_EXTEND_UNKNOWN", "SNMP_EXTEND_OUTSIDE")}
}

func (l lab) run(t *testing.T, args ...string) labtest.Run {
	t.Helper()
	return labtest.ExecLog(t, l.Bin, nil, args...)
}

// direct runs the extend's command locally: what the relay must reproduce.
func direct(t *testing.T, script string, code int) (string, int) {
	t.Helper()
	out, err := exec.Command(script, strconv.Itoa(code)).Output()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	}
	t.Fatalf("running %s: %v", script, err)
	return "", 0
}

func TestIntegrationExtendRelaysByteForByte(t *testing.T) {
	l := needLab(t)
	extends := []struct {
		key  string
		code int
	}{
		{"SNMP_EXTEND_OK", 0}, {"SNMP_EXTEND_WARNING", 1}, {"SNMP_EXTEND_CRITICAL", 2}, {"SNMP_EXTEND_UNKNOWN", 3},
	}
	for _, protocol := range []string{"2c", "3"} {
		for _, e := range extends {
			t.Run("v"+protocol+"/"+l.Env[e.key], func(t *testing.T) {
				want, wantCode := direct(t, l.Env["SNMP_EXTEND_SCRIPT"], e.code)
				if wantCode != e.code || !strings.Contains(want, "|") || strings.Count(want, "\n") < 3 {
					t.Fatalf("the lab script no longer prints multi-line output with perfdata: exit %d\n%s", wantCode, want)
				}
				r := l.run(t, append(l.Flags(protocol), "--name", l.Env[e.key])...)
				if r.Code != e.code {
					t.Errorf("exit %d, want the remote %d", r.Code, e.code)
				}
				if r.Stdout != want {
					t.Errorf("relayed output differs from the plugin's own output:\n--- relayed\n%q\n--- direct\n%q", r.Stdout, want)
				}
			})
		}
	}
}

func TestIntegrationExtendOutsideRangeIsUnknown(t *testing.T) {
	l := needLab(t)
	r := l.run(t, append(l.Flags("2c"), "--name", l.Env["SNMP_EXTEND_OUTSIDE"])...)
	if r.Code != 3 {
		t.Errorf("exit %d, want 3", r.Code)
	}
	line1, rest, _ := strings.Cut(r.Stdout, "\n")
	if !strings.HasPrefix(line1, "SNMP_EXTEND UNKNOWN - extend "+l.Env["SNMP_EXTEND_OUTSIDE"]) || !strings.Contains(line1, "exited with code 7, outside the plugin range 0-3") {
		t.Errorf("line 1: %q", line1)
	}
	if !strings.HasPrefix(rest, "OVS_CONTROLLER EXIT7 - ") {
		t.Errorf("the remote output must follow as long output:\n%s", rest)
	}
}

func TestIntegrationExtendUnknownName(t *testing.T) {
	l := needLab(t)
	for _, protocol := range []string{"2c", "3"} {
		r := l.run(t, append(l.Flags(protocol), "--name", "no_such_extend")...)
		if r.Code != 3 {
			t.Errorf("v%s: exit %d, want 3", protocol, r.Code)
		}
		if !strings.HasPrefix(r.Stdout, `SNMP_EXTEND UNKNOWN - extend "no_such_extend" is not configured on SNMP agent`) ||
			!strings.Contains(r.Stdout, l.Env["SNMP_EXTEND_OK"]) {
			t.Errorf("v%s: %q", protocol, r.Stdout)
		}
	}
}

func TestIntegrationExtendDeadAgent(t *testing.T) {
	l := needLab(t)
	t.Run("unused port", func(t *testing.T) {
		r := l.run(t, "-H", l.Env["SNMP_HOST"], "--port", l.Env["SNMP_DEAD_PORT"], "--credentials-file", l.Env["SNMP_V2_CREDENTIALS"], "--name", "x", "-t", "3")
		labtest.WantOutput(t, r, 3, "nothing listens on UDP port "+l.Env["SNMP_DEAD_PORT"])
	})
	t.Run("snmpd stopped", func(t *testing.T) {
		labtest.Lab(t, "snmpd", "stop")
		t.Cleanup(func() { labtest.Lab(t, "snmpd", "start") })
		r := l.run(t, append(l.Flags("3"), "--name", l.Env["SNMP_EXTEND_OK"], "-t", "3")...)
		if r.Code != 3 || !strings.HasPrefix(r.Stdout, "SNMP_EXTEND UNKNOWN - SNMP agent ") || !strings.Contains(r.Stdout, "check that snmpd runs") {
			t.Errorf("exit %d: %q", r.Code, r.Stdout)
		}
	})
	t.Run("agent that never answers", func(t *testing.T) {
		port := labtest.SilentUDP(t)
		r := l.run(t, "-H", "127.0.0.1", "--port", port, "--credentials-file", l.Env["SNMP_V2_CREDENTIALS"], "--name", "x", "-t", "2")
		labtest.WantOutput(t, r, 3, "no SNMP response from 127.0.0.1:"+port+" within 1.7s: check the agent, the community and any firewall, or extend x's command runs longer than that")
	})
}

func TestIntegrationExtendV3WrongPassphrase(t *testing.T) {
	l := needLab(t)
	good, err := os.ReadFile(l.Env["SNMP_V3_CREDENTIALS"])
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, line := range strings.Split(strings.TrimSpace(string(good)), "\n") {
		if strings.HasPrefix(line, "auth_passphrase:") {
			line = "auth_passphrase: not-the-right-one"
		}
		lines = append(lines, line)
	}
	bad := filepath.Join(t.TempDir(), "v3-bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := l.run(t, "-H", l.Env["SNMP_HOST"], "--port", l.Env["SNMP_PORT"], "--protocol", "3", "--credentials-file", bad, "--name", l.Env["SNMP_EXTEND_OK"])
	labtest.WantOutput(t, r, 3, "SNMPv3 authentication failed at", bad)
}

// The security level follows from the credentials file: a file with only
// user and auth_* gives authNoPriv, which the lab's edgeauth user requires.
func TestIntegrationExtendV3AuthNoPriv(t *testing.T) {
	l := needLab(t)
	env := labtest.Need(t, "SNMP_V3_AUTHNOPRIV_CREDENTIALS")
	want, code := direct(t, l.Env["SNMP_EXTEND_SCRIPT"], 1)
	r := l.run(t, "-H", l.Env["SNMP_HOST"], "--port", l.Env["SNMP_PORT"], "--protocol", "3",
		"--credentials-file", env["SNMP_V3_AUTHNOPRIV_CREDENTIALS"], "--name", l.Env["SNMP_EXTEND_WARNING"])
	if r.Code != code || r.Stdout != want {
		t.Errorf("exit %d, want %d; output %q, want %q", r.Code, code, r.Stdout, want)
	}
}

// Shell-type extends store the raw wait status (256 = exit 1): the relay is
// still byte for byte with the plugin's own exit code.
func TestIntegrationExtendShellTypeRelays(t *testing.T) {
	l := needLab(t)
	env := labtest.Need(t, "SNMP_EXTEND_SH_WARNING", "SNMP_EXTEND_SH_CRITICAL")
	for key, code := range map[string]int{"SNMP_EXTEND_SH_WARNING": 1, "SNMP_EXTEND_SH_CRITICAL": 2} {
		want, _ := direct(t, l.Env["SNMP_EXTEND_SCRIPT"], code)
		r := l.run(t, append(l.Flags("2c"), "--name", env[key])...)
		if r.Code != code || r.Stdout != want {
			t.Errorf("%s: exit %d, want %d; output %q, want %q", env[key], r.Code, code, r.Stdout, want)
		}
	}
}

// Killed plugins, a silent crash and missing programs are never OK.
func TestIntegrationExtendKilledAndMissing(t *testing.T) {
	l := needLab(t)
	env := labtest.Need(t, "SNMP_EXTEND_KILLED", "SNMP_EXTEND_CRASHED", "SNMP_EXTEND_SH_KILLED",
		"SNMP_EXTEND_MISSING", "SNMP_EXTEND_SH_MISSING", "SNMP_EXTEND_MISSING_COMMAND")
	tests := []struct {
		key  string
		want []string
	}{
		{"SNMP_EXTEND_KILLED", []string{"exited 0 (OK) but its own first line says CRITICAL", "\nOVS_CONTROLLER CRITICAL - 1 of 3"}},
		{"SNMP_EXTEND_CRASHED", []string{"exited 0 with no output"}},
		{"SNMP_EXTEND_SH_KILLED", []string{"was killed by signal 9"}},
		{"SNMP_EXTEND_MISSING", []string{"nsExtendCommand " + env["SNMP_EXTEND_MISSING_COMMAND"] + " is missing or not executable"}},
		{"SNMP_EXTEND_SH_MISSING", []string{"did not find nsExtendCommand " + env["SNMP_EXTEND_MISSING_COMMAND"]}},
	}
	for _, tt := range tests {
		t.Run(env[tt.key], func(t *testing.T) {
			r := l.run(t, append(l.Flags("2c"), "--name", env[tt.key])...)
			if r.Code != 3 || !strings.HasPrefix(r.Stdout, "SNMP_EXTEND UNKNOWN - extend "+env[tt.key]+" on ") {
				t.Errorf("exit %d: %q", r.Code, r.Stdout)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Stdout, w) {
					t.Errorf("output lacks %q: %q", w, r.Stdout)
				}
			}
		})
	}
}
