package nagiosstatus

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// testdata/status.dat was captured from the lab's nagios4 4.4.6 running a
// hand-made config: OK, WARNING with long output and perfdata, CRITICAL
// acknowledged, UNKNOWN, a service never checked, and a host in downtime.
func TestParseCapturedStatus(t *testing.T) {
	st, err := ReadFile("testdata/status.dat")
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != "4.4.6" || st.Created.Unix() != 1795238939 {
		t.Errorf("info: version %q created %v", st.Version, st.Created.Unix())
	}
	if st.Program["daemon_mode"] != "1" {
		t.Errorf("programstatus not parsed: %v", st.Program)
	}
	if len(st.Hosts) != 1 || len(st.Services) != 5 {
		t.Fatalf("got %d hosts and %d services, want 1 and 5", len(st.Hosts), len(st.Services))
	}
	h, ok := st.Host("hv-c0001-01")
	if !ok {
		t.Fatal("host hv-c0001-01 missing")
	}
	if h.StateName() != "UP" || h.PluginOutput != "OK: host up" || !h.InDowntime || h.LastCheck.IsZero() {
		t.Errorf("host: %+v", h.Object)
	}

	tests := []struct {
		service, state, output, long, perf string
		hard, acked                        bool
		attempt                            int
	}{
		{"dummy", "OK", "OK: selftest ok", "", "", true, false, 1},
		{"multi line", "WARNING", "DEMO WARNING - 1 of 3 items warn",
			"[WARNING] item one: bad\n[OK] item two=2\n[OK] item \\three", "a=1;2;3 b=2s", true, false, 2},
		{"never_checked", "PENDING", "", "", "", true, false, 1},
		{"ovs_controller", "CRITICAL", "CRITICAL: controller tcp:127.0.0.1:6653 disconnected", "", "", true, true, 1},
		{"unknown_one", "UNKNOWN", "UNKNOWN: UNKNOWN - cannot reach OVSDB", "", "", true, false, 1},
	}
	for i, tt := range tests {
		t.Run(tt.service, func(t *testing.T) {
			s, ok := st.Service("hv-c0001-01", tt.service)
			if !ok {
				t.Fatal("missing")
			}
			if st.Services[i].Description != tt.service {
				t.Errorf("services not sorted: #%d is %q", i, st.Services[i].Description)
			}
			if got := s.StateName(); got != tt.state {
				t.Errorf("state %s, want %s", got, tt.state)
			}
			if s.PluginOutput != tt.output || s.LongOutput != tt.long || s.PerfData != tt.perf {
				t.Errorf("output %q long %q perf %q", s.PluginOutput, s.LongOutput, s.PerfData)
			}
			if s.Hard != tt.hard || s.Acknowledged != tt.acked || s.CurrentAttempt != tt.attempt {
				t.Errorf("hard %v acked %v attempt %d", s.Hard, s.Acknowledged, s.CurrentAttempt)
			}
			if s.HasBeenChecked == s.LastCheck.IsZero() {
				t.Errorf("has_been_checked %v but last_check %v", s.HasBeenChecked, s.LastCheck)
			}
		})
	}
	if _, ok := st.Service("hv-c0001-01", "nope"); ok {
		t.Error("found a service that does not exist")
	}
	kinds := map[string]int{}
	for _, b := range st.Other {
		kinds[b.Type]++
	}
	if kinds["contactstatus"] != 1 || kinds["servicecomment"] != 1 || kinds["hostdowntime"] != 1 {
		t.Errorf("other blocks: %v", kinds)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"unclosed", "info {\n\tversion=4\n", "info block from line 1 is not closed"},
		{"garbage outside", "hello\n", "line 1: expected `TYPE {`"},
		{"no equals", "info {\n\tversion\n\t}\n", "line 2: expected key=value"},
		{"service without description", "servicestatus {\n\thost_name=a\n\tcurrent_state=0\n\t}\n", "without service_description"},
		{"host without name", "hoststatus {\n\tcurrent_state=0\n\t}\n", "hoststatus without host_name"},
		{"bad state", "hoststatus {\n\thost_name=a\n\tcurrent_state=x\n\t}\n", `current_state "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.in))
			if err == nil || !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an ErrSyntax containing %q", err, tt.want)
			}
		})
	}
}

func TestParseKeepsValuesVerbatim(t *testing.T) {
	in := "servicestatus {\n\thost_name=h\n\tservice_description=s\n\tcurrent_state=9\n\thas_been_checked=1\n\tplugin_output=a=b  c \n\t}\n"
	st, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	s := st.Services[0]
	if s.PluginOutput != "a=b  c " {
		t.Errorf("plugin_output %q", s.PluginOutput)
	}
	if s.StateName() != "STATE(9)" {
		t.Errorf("state name %q", s.StateName())
	}
}

func TestUnescape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""}, {"plain", "plain"}, {`a\nb`, "a\nb"}, {`a\\nb`, `a\nb`}, {`a\\\nb`, "a\\\nb"}, {`trailing\`, `trailing\`}, {`\t`, `\t`},
	}
	for _, tt := range tests {
		if got := Unescape(tt.in); got != tt.want {
			t.Errorf("Unescape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// escape is what Nagios does to long_plugin_output before writing it.
func escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}

func FuzzParse(f *testing.F) {
	data, err := os.ReadFile("testdata/status.dat")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(data))
	f.Add("info {\n}\n")
	f.Add("servicestatus {\n\thost_name=a\n\tservice_description=b\n\tcurrent_state=2\n\tlong_plugin_output=x\\ny\\\\\n\t}\n")
	f.Fuzz(func(t *testing.T, in string) {
		st, err := Parse(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error does not wrap ErrSyntax: %v", err)
			}
			return
		}
		for _, s := range st.Services {
			if s.HostName == "" || s.Description == "" {
				t.Fatalf("service without names: %+v", s)
			}
			_ = s.StateName()
		}
	})
}

func FuzzUnescape(f *testing.F) {
	for _, s := range []string{"", "a\nb", `back\slash`, "\\\n\\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := Unescape(escape(s)); got != s {
			t.Fatalf("Unescape(escape(%q)) = %q", s, got)
		}
	})
}

func TestLine(t *testing.T) {
	now := time.Unix(1700000000, 0)
	got, err := Line(now, "SCHEDULE_FORCED_SVC_CHECK", "hv1", "ovs controller", "1700000000")
	if err != nil || got != "[1700000000] SCHEDULE_FORCED_SVC_CHECK;hv1;ovs controller;1700000000\n" {
		t.Errorf("Line = %q, %v", got, err)
	}
	for _, bad := range [][]string{{"X", "a;b"}, {"X", "a\nDISABLE_NOTIFICATIONS"}, {"", "a"}, {"A B"}} {
		if _, err := Line(now, bad[0], bad[1:]...); err == nil {
			t.Errorf("Line(%q) accepted", bad)
		}
	}
}

func TestSendThroughPipe(t *testing.T) {
	pipe := filepath.Join(t.TempDir(), "nagios.cmd")
	if err := syscall.Mkfifo(pipe, 0o600); err != nil {
		t.Fatal(err)
	}
	c := CommandFile(pipe)
	// No reader: Nagios is down. That must fail at once, not hang.
	if err := c.ForceServiceCheck("h", "s"); err == nil || !strings.Contains(err.Error(), "is Nagios running") {
		t.Errorf("send without a reader: %v", err)
	}
	r, err := os.OpenFile(pipe, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := c.ForceServiceCheck("hv1", "ovs_controller"); err != nil {
		t.Fatal(err)
	}
	if err := c.ForceHostChecks("hv1"); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, err := r.Read(buf)
	if err != nil && err != io.EOF {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(buf[:n])), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "] SCHEDULE_FORCED_SVC_CHECK;hv1;ovs_controller;") ||
		!strings.Contains(lines[1], "] SCHEDULE_FORCED_HOST_SVC_CHECKS;hv1;") {
		t.Errorf("pipe got %q", lines)
	}
	if err := c.ForceServiceCheck("hv1", "a;b"); err == nil {
		t.Error("an argument with ';' was sent")
	}
}

func TestWait(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "status.dat")
	data, err := os.ReadFile("testdata/status.dat")
	if err != nil {
		t.Fatal(err)
	}
	// The file appears later, as when Nagios has just started.
	go func() {
		time.Sleep(50 * time.Millisecond)
		_ = os.WriteFile(path+".tmp", data, 0o644)
		_ = os.Rename(path+".tmp", path)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := Wait(ctx, path, 10*time.Millisecond, func(st *Status) bool {
		s, ok := st.Service("hv-c0001-01", "ovs_controller")
		return ok && s.StateName() == "CRITICAL"
	})
	if err != nil || st == nil {
		t.Fatalf("Wait: %v", err)
	}

	// A condition that never holds returns the last snapshot and the
	// context's error.
	short, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	st, err = Wait(short, path, 10*time.Millisecond, func(*Status) bool { return false })
	if !errors.Is(err, context.DeadlineExceeded) || st == nil || len(st.Services) != 5 {
		t.Errorf("Wait on a false condition: %v, %v", st, err)
	}
	// A file that never appears names the read error.
	st, err = Wait(short, filepath.Join(dir, "missing"), 10*time.Millisecond, func(*Status) bool { return true })
	if err == nil || st != nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("Wait on a missing file: %v, %v", st, err)
	}
}
