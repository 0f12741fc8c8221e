package snmpprocs

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"edgecheck/shared/golden"
	"edgecheck/shared/runner"
	"edgecheck/shared/snmp"
	"edgecheck/shared/snmp/snmptest"
)

// The captures in testdata come from the lab's procs snmpd (net-snmp 5.9.3,
// lab/components/45-procs.sh), in its own PID namespace:
//   - healthy.walk: every stand-in running; defunct-agent is a zombie;
//   - degraded.walk: ovs-xapi-sync killed, ovs-vswitchd killed leaving only
//     a zombie of its name (PID 22, hrSWRunStatus invalid);
//   - stopped.walk: ovsdb-server stopped with SIGSTOP (notRunnable);
//   - systemonly.walk: a community with Debian's default view (no
//     hrSWRunTable, no prTable).

var daemons = []string{"--process", "ovs-vswitchd", "--process", "ovsdb-server", "--process", "nova-compute",
	"--process", "neutron-openvswitch-agent", "--process", "ovs-xapi-sync"}

// execute runs check_snmp_procs through the real runner against a getter
// and returns what Nagios would see.
func execute(t *testing.T, g snmp.Getter, args ...string) string {
	t.Helper()
	t.Setenv("SNMP_COMMUNITY", "public")
	old := dial
	dial = func(_ context.Context, c *snmp.Config) (snmp.Getter, error) {
		if _, err := c.LoadCredentials(); err != nil {
			return nil, err
		}
		return g, nil
	}
	t.Cleanup(func() { dial = old })
	var out, errOut bytes.Buffer
	code := runner.Execute("check_snmp_procs", append([]string{"-H", "xs0001"}, args...), &out, &errOut)
	return fmt.Sprintf("exit %d\n%s%s", code, out.String(), errOut.String())
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name, walk string
		args       []string
		wantCode   int
	}{
		{"ok_every_daemon", "healthy", daemons, 0},
		{"ok_verbose_interpreter", "healthy", []string{"--process", "ovs-xapi-sync", "-v"}, 0},
		{"critical_killed_and_zombie", "degraded", daemons, 2},
		{"critical_only_zombie", "healthy", []string{"--process", "defunct-agent"}, 2},
		{"warning_range", "healthy", []string{"--process", "nova-compute", "-w", "2:"}, 1},
		{"critical_too_many", "healthy", []string{"--process-regex", "^ovs", "-c", "1:1"}, 2},
		// nova-compute's WARNING is found before ovs-vswitchd's CRITICAL;
		// line 1 names the CRITICAL first.
		{"critical_named_before_warning", "degraded", []string{"--process", "nova-compute", "--process", "ovs-vswitchd", "-w", "2:"}, 2},
		{"ok_regex_parameters", "healthy", []string{"--process-regex", "scripts/ovs-xapi-sync"}, 0},
		{"ok_stopped_counts_as_notrunnable", "stopped", []string{"--process", "ovsdb-server"}, 0},
		{"ucd_ok", "healthy", []string{"--source", "ucd", "--process", "ovs-vswitchd", "--process", "neutron-openvswitch-agent"}, 0},
		{"ucd_zombie_counted_by_agent", "degraded", []string{"--source", "ucd", "--process", "ovs-vswitchd", "--process", "defunct-agent"}, 0},
		{"ucd_no_proc_line", "healthy", []string{"--source", "ucd", "--process", "ovs-xapi-sync"}, 3},
		{"ucd_regex_no_row", "healthy", []string{"--source", "ucd", "--process-regex", "^xapi"}, 3},
		{"unknown_no_host_resources", "systemonly", []string{"--process", "ovs-vswitchd"}, 3},
		{"unknown_no_host_resources_strict", "systemonly", []string{"--source", "host-resources", "--process", "ovs-vswitchd"}, 3},
		{"unknown_no_prtable", "systemonly", []string{"--source", "ucd", "--process", "ovs-vswitchd"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := execute(t, snmptest.Load(t, "testdata/"+tt.walk+".walk"), tt.args...)
			if !strings.HasPrefix(got, fmt.Sprintf("exit %d\n", tt.wantCode)) {
				t.Errorf("exit code: %q", got)
			}
			golden.Text(t, tt.name, got)
		})
	}
}

func TestGoldenFailures(t *testing.T) {
	dead := snmptest.New()
	dead.Err = snmp.NoResponse("no SNMP response from xs0001:161 within 9.7s: check the agent, the community and any firewall")
	tests := []struct {
		name string
		g    snmp.Getter
		args []string
	}{
		{"unknown_dead_agent", dead, []string{"--process", "ovs-vswitchd"}},
		{"unknown_no_selection", snmptest.New(), nil},
		{"unknown_bad_regex", snmptest.New(), []string{"--process-regex", "ovs-(vswitchd"}},
		{"unknown_bad_source", snmptest.New(), []string{"--source", "proc", "--process", "x"}},
		{"unknown_bad_range", snmptest.New(), []string{"--process", "x", "-c", "1:0"}},
		{"unknown_twice", snmptest.New(), []string{"--process", "x", "--process-regex", "y", "--process", "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := execute(t, tt.g, tt.args...)
			if !strings.HasPrefix(got, "exit 3\n") {
				t.Errorf("want UNKNOWN: %q", got)
			}
			golden.Text(t, tt.name, got)
		})
	}
}

// The check walks only hrSWRunName, hrSWRunPath and hrSWRunParameters and
// reads status and perf values of the selected rows with one GET.
func TestWalksOnlyNeededColumns(t *testing.T) {
	agent := snmptest.Load(t, "testdata/healthy.walk")
	execute(t, agent, daemons...)
	var walks, gets []string
	for _, r := range agent.Requests {
		if root, ok := strings.CutPrefix(r, "walk "); ok {
			walks = append(walks, root)
		} else {
			gets = append(gets, r)
		}
	}
	if want := []string{oidHrSWRunName, oidHrSWRunPath, oidHrSWRunParameters}; !slices.Equal(walks, want) {
		t.Errorf("walked %v, want %v", walks, want)
	}
	if len(gets) != 1 || strings.Count(gets[0], " ") != 15 {
		t.Errorf("want one GET of 3 columns x 5 processes, got %q", gets)
	}
}

// changing is an agent whose process table changes while it is walked:
// after each hrSWRunName walk the next process in exits leaves the table
// (all its columns), until exits is empty.
type changing struct {
	*snmptest.Agent
	exits []string // hrSWRunIndex values
}

func (c *changing) Walk(ctx context.Context, root string) ([]snmp.Var, error) {
	vars, err := c.Agent.Walk(ctx, root)
	if root == oidHrSWRunName && len(c.exits) > 0 {
		for _, col := range []string{"1", "2", "3", "4", "5", "6", "7"} {
			c.Agent.Delete(oidHrSWRunTable + ".1." + col + "." + c.exits[0])
		}
		c.exits = c.exits[1:]
	}
	return vars, err
}

func TestTableChangedDuringWalk(t *testing.T) {
	t.Run("retried once", func(t *testing.T) {
		g := &changing{Agent: snmptest.Load(t, "testdata/healthy.walk"), exits: []string{"6"}}
		got := execute(t, g, "--process", "ovsdb-server", "--process", "ovs-vswitchd")
		// The second read sees ovsdb-server gone for good.
		if !strings.HasPrefix(got, "exit 2\nSNMP_PROCS CRITICAL - ovsdb-server: 0 processes") {
			t.Errorf("got %q", got)
		}
	})
	t.Run("changes twice", func(t *testing.T) {
		g := &changing{Agent: snmptest.Load(t, "testdata/healthy.walk"), exits: []string{"6", "8"}}
		golden.Text(t, "unknown_table_changing", execute(t, g, "--process", "ovsdb-server"))
	})
}

// vanishing is an agent where a selected process exits between the walk
// and the GET of its hrSWRunStatus.
type vanishing struct {
	*snmptest.Agent
	pid   string
	times int
}

func (v *vanishing) Get(ctx context.Context, oids ...string) ([]snmp.Var, error) {
	if v.times > 0 {
		v.times--
		v.Agent.Delete(oidHrSWRunStatus + "." + v.pid)
		defer v.Agent.Set(snmptest.Integer(oidHrSWRunStatus+"."+v.pid, statusRunnable))
	}
	return v.Agent.Get(ctx, oids...)
}

func TestProcessExitsBeforeStatusIsRead(t *testing.T) {
	g := &vanishing{Agent: snmptest.Load(t, "testdata/healthy.walk"), pid: "4", times: 1}
	got := execute(t, g, "--process", "ovs-vswitchd")
	if !strings.HasPrefix(got, "exit 0\nSNMP_PROCS OK") {
		t.Errorf("one vanished status must be read again: %q", got)
	}
	g = &vanishing{Agent: snmptest.Load(t, "testdata/healthy.walk"), pid: "4", times: 2}
	got = execute(t, g, "--process", "ovs-vswitchd")
	if !strings.Contains(got, "row 4 (ovs-vswitchd) left hrSWRunTable before its hrSWRunStatus was read), twice in a row") {
		t.Errorf("got %q", got)
	}
}

// Rows selected on the captured table, with the field that matched.
func TestMatchOnCapturedRows(t *testing.T) {
	rows := capturedRows(t, "testdata/healthy.walk")
	want := map[string]string{
		"ovs-vswitchd":              FieldName,
		"ovsdb-server":              FieldName,
		"nova-compute":              FieldName,       // a #!/usr/bin/python3 script: comm is the script name
		"neutron-openvswitch-agent": FieldParameters, // comm cut to "neutron-openvsw", path /usr/bin/python3
		"ovs-xapi-sync":             FieldParameters, // python3 SCRIPT: name and path say python3
		"defunct-agent":             FieldName,       // a zombie: path and parameters are empty
	}
	for name, field := range want {
		s := Selector{Label: name, Name: name}
		var got []string
		for _, p := range rows {
			if f := s.Match(p); f != "" {
				got = append(got, f)
			}
		}
		if len(got) != 1 || got[0] != field {
			t.Errorf("%s matched %v, want exactly one row on %s", name, got, field)
		}
	}
	// The ovs-xapi-sync stand-in is not matched as "python3" by path only:
	// a name selector for the interpreter matches every python3 row by name.
	s := Selector{Label: "python3", Name: "python3"}
	var n int
	for _, p := range rows {
		if s.Match(p) != "" {
			n++
		}
	}
	if n != 4 { // the namespace's init, nova-compute and neutron (by path), ovs-xapi-sync
		t.Errorf("python3 matched %d rows, want 4", n)
	}
}

func capturedRows(t *testing.T, path string) []Process {
	t.Helper()
	a := snmptest.Load(t, path)
	walk := func(root string) []snmp.Var {
		v, err := a.Walk(t.Context(), root)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	rows, err := DecodeRunTable(walk(oidHrSWRunName), walk(oidHrSWRunPath), walk(oidHrSWRunParameters))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestScript(t *testing.T) {
	for in, want := range map[string]string{
		"/usr/share/openvswitch/scripts/ovs-xapi-sync --pidfile --detach": "/usr/share/openvswitch/scripts/ovs-xapi-sync",
		"-u -O /usr/bin/ovs-xapi-sync":                                    "/usr/bin/ovs-xapi-sync",
		"--pidfile --detach":                                              "",
		"":                                                                "",
	} {
		if got := Script(in); got != want {
			t.Errorf("Script(%q) = %q, want %q", in, got, want)
		}
	}
	// Only a script given as a path counts: a command typed on the host
	// with the daemon's name as its argument must not hide a dead daemon.
	s := Selector{Label: "ovs-xapi-sync", Name: "ovs-xapi-sync"}
	for _, p := range []Process{
		{Name: "vim", Path: "vim", Parameters: "ovs-xapi-sync"},
		{Name: "tail", Path: "/usr/bin/tail", Parameters: "-f ovs-xapi-sync"},
		{Name: "sh", Path: "/bin/sh", Parameters: "-c /usr/share/openvswitch/scripts/ovs-xapi-sync-wrapper"},
	} {
		if f := s.Match(p); f != "" {
			t.Errorf("%+v matched on %s", p, f)
		}
	}
	if f := s.Match(Process{Name: "python", Path: "/usr/bin/python", Parameters: "-u /usr/share/openvswitch/scripts/ovs-xapi-sync --pidfile"}); f != FieldParameters {
		t.Errorf("the interpreted daemon matched on %q", f)
	}
}

func TestMatchPrCutName(t *testing.T) {
	s := Selector{Label: "neutron-openvswitch-agent", Name: "neutron-openvswitch-agent"}
	if !s.MatchPr(PrEntry{Name: "neutron-openvsw"}) || !s.MatchPr(PrEntry{Name: "neutron-openvswitch-agent"}) {
		t.Error("a proc line with the 15-character kernel name must match the full name")
	}
	if s.MatchPr(PrEntry{Name: "neutron"}) {
		t.Error("a prefix shorter than 15 characters must not match")
	}
	r := Selector{Label: "^ovs", Re: regexp.MustCompile("^ovs")}
	if !r.MatchPr(PrEntry{Name: "ovsdb-server"}) || r.MatchPr(PrEntry{Name: "nova-compute"}) {
		t.Error("regex on prNames")
	}
}

func TestDecodeRejectsMalformed(t *testing.T) {
	name := snmptest.OctetString(oidHrSWRunName+".x", []byte("a"))
	if _, err := DecodeRunTable([]snmp.Var{name}, nil, nil); err == nil || !strings.Contains(err.Error(), "malformed index") {
		t.Errorf("got %v", err)
	}
	wrong := snmptest.Integer(oidHrSWRunName+".1", 5)
	if _, err := DecodeRunTable([]snmp.Var{wrong}, nil, nil); err == nil || !strings.Contains(err.Error(), "not an OCTET STRING") {
		t.Errorf("got %v", err)
	}
	if _, err := DecodePrTable([]snmp.Var{snmptest.OctetString(oidPrEntry+".2.1", []byte("x"))}); err == nil {
		t.Error("a prTable row without prCount was accepted")
	}
	if _, err := DecodePrTable([]snmp.Var{snmptest.Integer(oidPrEntry+".5", 1)}); err == nil {
		t.Error("an OID without prIndex was accepted")
	}
	rows, err := DecodePrTable(walkAll(t, "testdata/degraded.walk", oidPrEntry))
	if err != nil || len(rows) != 5 || rows[0].Name != "ovs-vswitchd" || rows[0].Count != 1 || rows[0].Min != 1 || rows[0].Max != 1 {
		t.Errorf("captured prTable: %+v %v", rows, err)
	}
}

func walkAll(t *testing.T, path, root string) []snmp.Var {
	t.Helper()
	v, err := snmptest.Load(t, path).Walk(t.Context(), root)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// FuzzDecodeRunTable feeds any `snmpwalk -On -Ox` text through the
// decoder: it must not panic, and rows come back unique and sorted.
func FuzzDecodeRunTable(f *testing.F) {
	for _, p := range []string{"testdata/healthy.walk", "testdata/degraded.walk"} {
		a := snmptest.Load(f, p)
		var b strings.Builder
		for _, root := range []string{oidHrSWRunName, oidHrSWRunPath, oidHrSWRunParameters} {
			vars, _ := a.Walk(context.Background(), root)
			for _, v := range vars[:min(3, len(vars))] {
				if by, ok := v.Bytes(); ok {
					fmt.Fprintf(&b, "%s = STRING: \"%s\"\n", v.OID, by)
				}
			}
		}
		f.Add(b.String())
	}
	f.Add(oidHrSWRunName + ".-1 = STRING: \"a\"\n")
	f.Fuzz(func(t *testing.T, text string) {
		vars, err := snmptest.Parse(text)
		if err != nil {
			return
		}
		split := func(root string) []snmp.Var {
			var out []snmp.Var
			for _, v := range vars {
				if _, ok := v.Index(root); ok {
					out = append(out, v)
				}
			}
			return out
		}
		rows, err := DecodeRunTable(split(oidHrSWRunName), split(oidHrSWRunPath), split(oidHrSWRunParameters))
		if err != nil {
			return
		}
		for i := 1; i < len(rows); i++ {
			if rows[i].Index <= rows[i-1].Index {
				t.Fatalf("rows not unique and sorted: %+v", rows)
			}
		}
		for _, p := range rows {
			s := Selector{Label: p.Name, Name: p.Name}
			if p.Name != "" && s.Match(p) != FieldName {
				t.Fatalf("a row does not match its own name: %+v", p)
			}
			if w := Script(p.Parameters); strings.HasPrefix(w, "-") {
				t.Fatalf("Script returned an option %q", w)
			}
		}
	})
}

// FuzzDecodePrTable: any walk text decodes or fails, never panics, and
// every row has its prNames.
func FuzzDecodePrTable(f *testing.F) {
	f.Add(oidPrEntry + ".2.1 = STRING: \"ovs-vswitchd\"\n" + oidPrEntry + ".5.1 = INTEGER: 1\n" + oidPrEntry + ".100.1 = INTEGER: 0\n")
	f.Add(oidPrEntry + ".2 = STRING: \"x\"\n")
	f.Fuzz(func(t *testing.T, text string) {
		vars, err := snmptest.Parse(text)
		if err != nil {
			return
		}
		rows, err := DecodePrTable(vars)
		if err != nil {
			return
		}
		for i := 1; i < len(rows); i++ {
			if rows[i].Index <= rows[i-1].Index {
				t.Fatalf("rows not unique and sorted: %+v", rows)
			}
		}
	})
}
