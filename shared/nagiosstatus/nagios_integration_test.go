//go:build integration

package nagiosstatus_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"edgecheck/shared/labtest"
	"edgecheck/shared/nagiosstatus"
)

// TestNagiosLabIntegration proves the lab's private Nagios 4 and NRPE work
// as the end-to-end test needs them: Nagios runs a hand-made conf.d (a local
// check and a check through the lab's NRPE), status.dat shows the results,
// and a forced check through the command pipe picks up a change at once,
// long before the service's one-hour interval.
func TestNagiosLabIntegration(t *testing.T) {
	env := labtest.Need(t, "NAGIOS_STATUS_FILE", "NAGIOS_COMMAND_FILE", "NRPE_PORT", "NRPE_INCLUDE_DIR", "CHECK_NRPE")
	plugins := "/usr/lib/nagios/plugins"

	dir := t.TempDir()
	stateFile := filepath.Join(dir, "state")
	writeFile(t, stateFile, "0\n", 0o644)
	// A check whose state an operator (this test) can flip.
	writeFile(t, filepath.Join(dir, "flip.sh"), "#!/bin/sh\nread s < "+stateFile+"\necho \"FLIP state $s | s=$s\"\nexit $s\n", 0o755)

	// The NRPE side: one command[] snippet in the include_dir, then a
	// reload, as a deployment of generated agent snippets does.
	snippet := filepath.Join(env["NRPE_INCLUDE_DIR"], "edgecheck-itest.cfg")
	writeFile(t, snippet, "command[edgecheck_itest]="+plugins+"/check_dummy 1 nrpe_itest_warning\n", 0o644)
	t.Cleanup(func() {
		os.Remove(snippet)
		labtest.Lab(t, "nagios", "nrpe_reload")
	})
	labtest.Lab(t, "nagios", "nrpe_reload")

	out := labtest.Exec(t, env["CHECK_NRPE"], nil, "-H", "127.0.0.1", "-p", env["NRPE_PORT"], "-c", "edgecheck_itest")
	if out.Code != 1 || !strings.Contains(out.Stdout, "nrpe_itest_warning") {
		t.Fatalf("check_nrpe round trip: exit %d, %q %q", out.Code, out.Stdout, out.Stderr)
	}

	confd := filepath.Join(dir, "conf.d")
	if err := os.Mkdir(confd, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(confd, "itest.cfg"), fmt.Sprintf(`
define command {
	command_name	itest-dummy
	command_line	%[1]s/check_dummy $ARG1$ "$ARG2$"
}
define command {
	command_name	itest-flip
	command_line	%[2]s/flip.sh
}
define command {
	command_name	itest-nrpe
	command_line	%[1]s/check_nrpe -H 127.0.0.1 -p %[3]s -c $ARG1$
}
define timeperiod {
	timeperiod_name	itest-always
	alias		always
	monday		00:00-24:00
	tuesday		00:00-24:00
	wednesday	00:00-24:00
	thursday	00:00-24:00
	friday		00:00-24:00
	saturday	00:00-24:00
	sunday		00:00-24:00
}
define contact {
	contact_name			itest-nobody
	host_notifications_enabled	0
	service_notifications_enabled	0
	host_notification_period	itest-always
	service_notification_period	itest-always
	host_notification_options	n
	service_notification_options	n
	host_notification_commands	itest-dummy
	service_notification_commands	itest-dummy
}
define service {
	name			itest-service
	register		0
	max_check_attempts	1
	check_interval		3600
	retry_interval		3600
	check_period		itest-always
	contacts		itest-nobody
}
define host {
	host_name		itest-hv
	address			127.0.0.1
	check_command		itest-dummy!0!up
	max_check_attempts	1
	check_interval		3600
	check_period		itest-always
	contacts		itest-nobody
}
define service {
	use			itest-service
	host_name		itest-hv
	service_description	dummy_ok
	check_command		itest-dummy!0!dummy fine
}
define service {
	use			itest-service
	host_name		itest-hv
	service_description	flip
	check_command		itest-flip
}
define service {
	use			itest-service
	host_name		itest-hv
	service_description	via_nrpe
	check_command		itest-nrpe!edgecheck_itest
}
`, plugins, dir, env["NRPE_PORT"]), 0o644)

	t.Cleanup(func() { labtest.Lab(t, "nagios", "start") }) // back to the self test
	labtest.Lab(t, "nagios", "start", confd)
	status := env["NAGIOS_STATUS_FILE"]

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	want := map[string]string{"dummy_ok": "OK", "flip": "OK", "via_nrpe": "WARNING"}
	st, err := nagiosstatus.Wait(ctx, status, 250*time.Millisecond, func(st *nagiosstatus.Status) bool {
		return states(st, "itest-hv", want) == ""
	})
	if err != nil {
		t.Fatalf("Nagios did not reach %v: %v\n%s", want, err, states(st, "itest-hv", want))
	}
	s, _ := st.Service("itest-hv", "dummy_ok")
	if s.PluginOutput != "OK: dummy fine" || s.LastCheck.IsZero() {
		t.Errorf("dummy_ok: output %q last_check %v", s.PluginOutput, s.LastCheck)
	}
	s, _ = st.Service("itest-hv", "via_nrpe")
	if !strings.Contains(s.PluginOutput, "nrpe_itest_warning") {
		t.Errorf("via_nrpe output %q", s.PluginOutput)
	}
	if h, ok := st.Host("itest-hv"); !ok || h.StateName() != "UP" {
		t.Errorf("host: %+v", h)
	}
	flipBefore, _ := st.Service("itest-hv", "flip")

	// Flip the state; only a forced check can see it within the hour.
	writeFile(t, stateFile, "2\n", 0o644)
	cmd := nagiosstatus.CommandFile(env["NAGIOS_COMMAND_FILE"])
	if err := cmd.ForceServiceCheck("itest-hv", "flip"); err != nil {
		t.Fatal(err)
	}
	st, err = nagiosstatus.Wait(ctx, status, 250*time.Millisecond, func(st *nagiosstatus.Status) bool {
		s, ok := st.Service("itest-hv", "flip")
		return ok && s.StateName() == "CRITICAL"
	})
	if err != nil {
		t.Fatalf("forced check not seen: %v\n%s", err, states(st, "itest-hv", map[string]string{"flip": "CRITICAL"}))
	}
	s, _ = st.Service("itest-hv", "flip")
	if s.PluginOutput != "FLIP state 2" || s.PerfData != "s=2" || s.LastCheck.Before(flipBefore.LastCheck) {
		t.Errorf("flip after the forced check: %+v", s.Object)
	}

	// The shell helper the demo uses reads the same state.
	if got := labtest.Lab(t, "nagios", "status_of", "itest-hv", "flip"); !strings.HasPrefix(got, "CRITICAL\tFLIP state 2") {
		t.Errorf("lab.sh nagios status_of: %q", got)
	}
}

// states describes every mismatch between want (service -> state) and st,
// or returns "" when all match.
func states(st *nagiosstatus.Status, host string, want map[string]string) string {
	if st == nil {
		return "no status.dat read"
	}
	var b strings.Builder
	for svc, w := range want {
		s, ok := st.Service(host, svc)
		switch {
		case !ok:
			fmt.Fprintf(&b, "%s/%s: not in status.dat\n", host, svc)
		case s.StateName() != w:
			fmt.Fprintf(&b, "%s/%s: %s (%s), want %s\n", host, svc, s.StateName(), s.PluginOutput, w)
		}
	}
	return b.String()
}

func writeFile(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path+".tmp", []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
}
