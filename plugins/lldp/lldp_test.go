package lldp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"edgecheck/shared/golden"
	"edgecheck/shared/nagios"
	"edgecheck/shared/registry"
	"edgecheck/shared/runner"
)

// The test binary doubles as a fake lldpcli for the tests of RunCommand:
// with EDGECHECK_FAKE_LLDPCLI set it echoes stdin, prints its argv to
// stderr and exits with that code ("hang" sleeps until killed).
func TestMain(m *testing.M) {
	if mode := os.Getenv("EDGECHECK_FAKE_LLDPCLI"); mode != "" {
		if mode == "hang" {
			time.Sleep(time.Hour)
		}
		in, _ := readAll(os.Stdin)
		os.Stdout.Write(in)
		fmt.Fprint(os.Stderr, strings.Join(os.Args[1:], " "))
		code, _ := strconv.Atoi(mode)
		os.Exit(code)
	}
	// Unit tests read the link state captured in the lab's hypervisor
	// namespace, never this host's.
	DefaultReadLinks = fixedLinks("lab.links.json")
	os.Exit(m.Run())
}

func readAll(f *os.File) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(f)
	return b.Bytes(), err
}

// fixture is one captured lldpcli run from testdata (see capture.sh).
type fixture struct {
	stdout, stderr []byte
	rc             int
}

func loadFixture(t testing.TB, name string) fixture {
	t.Helper()
	read := func(ext string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name+ext))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	rc, err := strconv.Atoi(strings.TrimSpace(string(read(".rc"))))
	if err != nil {
		t.Fatal(err)
	}
	return fixture{stdout: read(".out"), stderr: read(".err"), rc: rc}
}

// exitError returns a real *exec.ExitError with the given code, from the
// test binary run as the fake lldpcli.
func exitError(t testing.TB, code int) error {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "EDGECHECK_FAKE_LLDPCLI="+strconv.Itoa(code))
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != code {
		t.Fatalf("fake lldpcli: want exit %d, got %v", code, err)
	}
	return err
}

// recorder is a fake Exec that records its calls and replays a result.
type recorder struct {
	argv   [][]string
	stdin  [][]byte
	stdout []byte
	stderr []byte
	err    error
}

func (r *recorder) exec(ctx context.Context, argv []string, stdin []byte) ([]byte, []byte, error) {
	r.argv = append(r.argv, append([]string(nil), argv...))
	r.stdin = append(r.stdin, append([]byte(nil), stdin...))
	return r.stdout, r.stderr, r.err
}

func replay(t testing.TB, name string) *recorder {
	f := loadFixture(t, name)
	r := &recorder{stdout: f.stdout, stderr: f.stderr}
	if f.rc != 0 {
		r.err = exitError(t, f.rc)
	}
	return r
}

// newCheck parses args into a Check the way the runner does.
func newCheck(t *testing.T, args ...string) *Check {
	t.Helper()
	c := New()
	fs := registry.NewFlagSet("check_lldp")
	c.Flags(fs)
	fs.Bind()
	if err := fs.PFlags().Parse(args); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

// evaluateCheck evaluates snap with c's --expect, as Run does.
func evaluateCheck(t testing.TB, c *Check, snap *Snapshot, links Links) *nagios.Result {
	t.Helper()
	expects, err := c.expectations()
	if err != nil {
		t.Fatal(err)
	}
	return c.evaluate(snap, links, expects)
}

func TestArgvAndStdin(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"defaults", nil, []string{"lldpcli", "-u", "/run/lldpd.socket", "-f", "json0"}},
		{"socket", []string{"--socket", "/tmp/lab/lldpd.socket"}, []string{"lldpcli", "-u", "/tmp/lab/lldpd.socket", "-f", "json0"}},
		{"lldpcli path", []string{"--lldpcli", "/opt/lldpd/bin/lldpcli", "--interface", "eth0"}, []string{"/opt/lldpd/bin/lldpcli", "-u", "/run/lldpd.socket", "-f", "json0"}},
		// Interfaces and expectations filter in Go: lldpcli's query is the same.
		{"expect", []string{"--expect", "eth0=sw1:Ethernet1/1", "--interface", "eth1"}, []string{"lldpcli", "-u", "/run/lldpd.socket", "-f", "json0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCheck(t, tt.args...)
			r := replay(t, "healthy")
			c.Exec = r.exec
			if _, err := c.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			if len(r.argv) != 1 {
				t.Fatalf("lldpcli ran %d times, want once", len(r.argv))
			}
			if !reflect.DeepEqual(r.argv[0], tt.want) {
				t.Errorf("argv = %q, want %q", r.argv[0], tt.want)
			}
			if got, want := string(r.stdin[0]), "show neighbors details\nshow interfaces\nshow statistics\n"; got != want {
				t.Errorf("stdin = %q, want %q", got, want)
			}
		})
	}
}

func TestDecodeHealthy(t *testing.T) {
	snap, err := Decode(loadFixture(t, "healthy").stdout)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Neighbors) != 1 {
		t.Fatalf("neighbors = %+v, want 1", snap.Neighbors)
	}
	n := snap.Neighbors[0]
	want := Neighbor{Interface: "eth0", Via: "LLDP", SysName: "sw1.lab", ChassisType: "mac", PortIDType: "mac",
		PortDescr: "Ethernet1/1", TTL: 4 * time.Second}
	got := n
	got.ChassisID, got.PortID, got.MgmtIP, got.Age = "", "", "", 0
	if got != want {
		t.Errorf("neighbor = %+v, want %+v", got, want)
	}
	if n.ChassisID == "" || n.PortID == "" || n.Age < 0 {
		t.Errorf("chassis id %q, port id %q, age %v: want all set", n.ChassisID, n.PortID, n.Age)
	}
	wantIfaces := []Interface{{"eth0", "RX and TX"}, {"eth1", "RX and TX"}}
	if !reflect.DeepEqual(snap.Interfaces, wantIfaces) {
		t.Errorf("interfaces = %+v, want %+v", snap.Interfaces, wantIfaces)
	}
	for _, nic := range []string{"eth0", "eth1"} {
		st, ok := snap.Stats[nic]
		if !ok || st.TX == 0 {
			t.Errorf("stats of %s = %+v (present %v), want tx > 0", nic, st, ok)
		}
	}
	if snap.Stats["eth0"].RX == 0 || snap.Stats["eth1"].RX != 0 {
		t.Errorf("rx eth0 %d eth1 %d: want eth0 > 0 and eth1 = 0", snap.Stats["eth0"].RX, snap.Stats["eth1"].RX)
	}
}

func TestDecodeEchoVariants(t *testing.T) {
	healthy := string(loadFixture(t, "healthy").stdout)
	for name, in := range map[string]string{
		"no echo":     strings.NewReplacer("show neighbors details\n", "", "show interfaces\n", "", "show statistics\n", "").Replace(healthy),
		"with prompt": strings.NewReplacer("show neighbors details\n", "[lldpcli] $ show neighbors details\n").Replace(healthy),
	} {
		snap, err := Decode([]byte(in))
		if err != nil || len(snap.Neighbors) != 1 || len(snap.Interfaces) != 2 {
			t.Errorf("%s: %v %+v", name, err, snap)
		}
	}
}

func TestDecodeNoNeighbors(t *testing.T) {
	snap, err := Decode(loadFixture(t, "no-neighbors").stdout)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Neighbors) != 0 || len(snap.Interfaces) != 2 || snap.Stats["eth0"].Delete == 0 || snap.Stats["eth0"].RX == 0 {
		t.Errorf("got %+v, want no neighbor, 2 interfaces, and frames and a delete on eth0", snap)
	}
}

func TestDecodeErrors(t *testing.T) {
	healthy := string(loadFixture(t, "healthy").stdout)
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "no JSON document"},
		{"not json", "hello\n", "no JSON document"},
		{"truncated", healthy[:len(healthy)/2], "show interfaces"},
		{"one document", healthy[:strings.Index(healthy, "show interfaces")], "no JSON document for \"show interfaces\""},
		{"wrong order", strings.Replace(healthy, "show interfaces", "show statistics", 1), "expected the output of \"show interfaces\""},
		{"other echo", strings.Replace(healthy, "show statistics", "show chassis", 1), "expected the output of \"show statistics\""},
		{"plain json", `{"lldp": {"interface": {"eth0": {}}}}`, "show neighbors details"},
		{"no lldp key", "{}\n{}\n{}\n", "no \"lldp\" key"},
		{"trailing", healthy + "garbage", "unexpected output after the last document"},
		{"bad counter", strings.Replace(healthy, `"tx": "`, `"tx": "x`, 1), "not a whole number"},
		{"nameless neighbor", strings.Replace(healthy, `"name": "eth0",
          "via"`, `"name": "",
          "via"`, 1), "without a local interface name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseAge(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"0 day, 00:00:16", 16 * time.Second},
		{"1 day, 01:02:03", 25*time.Hour + 2*time.Minute + 3*time.Second},
		{"12 days, 00:00:00", 12 * 24 * time.Hour},
		{"-2 day, -23:-59:-47", -1}, // clock jumped back (lldpd issue #572)
		{"", -1},
		{"soon", -1},
	}
	for _, tt := range tests {
		if got := parseAge(tt.in); got != tt.want {
			t.Errorf("parseAge(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseExpectation(t *testing.T) {
	tests := []struct {
		in      string
		want    Expectation
		wantErr string
	}{
		{"eth0=sw1:Ethernet1/1", Expectation{"eth0", "sw1", "Ethernet1/1"}, ""},
		{"eth0=sw1", Expectation{"eth0", "sw1", ""}, ""},
		{"eno1=sw1.example.net:aa:bb:cc:dd:ee:ff", Expectation{"eno1", "sw1.example.net", "aa:bb:cc:dd:ee:ff"}, ""},
		{"eth0", Expectation{}, "want IF=SWITCH"},
		{"=sw1", Expectation{}, "want IF=SWITCH"},
		{"eth0=", Expectation{}, "want IF=SWITCH"},
		{"eth0=:Ethernet1/1", Expectation{}, "switch is empty"},
		// A MAC chassis ID is read whole; the port follows it (case net/01).
		{"eth0=02:a4:8c:6a:09:00", Expectation{"eth0", "02:a4:8c:6a:09:00", ""}, ""},
		{"eth0=02:a4:8c:6a:09:00:34", Expectation{"eth0", "02:a4:8c:6a:09:00", "34"}, ""},
		{"eth0=02-A4-8C-6A-09-00:Ethernet1/1", Expectation{"eth0", "02-A4-8C-6A-09-00", "Ethernet1/1"}, ""},
		{"eth0=02:a4:8c:6a:09:00:02:1c:73:00:03:09", Expectation{"eth0", "02:a4:8c:6a:09:00", "02:1c:73:00:03:09"}, ""},
		{"eth0=02a4.8c6a.0900:Gi1/0/9", Expectation{"eth0", "02a4.8c6a.0900", "Gi1/0/9"}, ""},
		// Not a MAC (seven groups, or not hex): cut at the first colon.
		{"eth0=02:a4:8c:6a:09:0g", Expectation{"eth0", "02", "a4:8c:6a:09:0g"}, ""},
		// Brackets for any other SWITCH with colons.
		{"eth0=[chassis:7]:1:23", Expectation{"eth0", "chassis:7", "1:23"}, ""},
		{"eth0=[chassis:7]", Expectation{"eth0", "chassis:7", ""}, ""},
		{"eth0=[chassis:7", Expectation{}, "no ']'"},
		{"eth0=[chassis:7]x", Expectation{}, "after ']'"},
		{"eth0=[]:x", Expectation{}, "switch is empty"},
	}
	for _, tt := range tests {
		got, err := ParseExpectation(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseExpectation(%q) err = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseExpectation(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestMatching(t *testing.T) {
	n := Neighbor{SysName: "sw1.lab", ChassisID: "36:a9:cb:68:4f:09", PortID: "36:a9:cb:68:4f:09", PortDescr: "Ethernet1/1"}
	tests := []struct {
		expect string
		want   bool
	}{
		{"eth0=sw1.lab:Ethernet1/1", true},
		{"eth0=SW1:ethernet1/1", true},                      // short name, case-insensitive
		{"eth0=sw1.lab.example.net:Ethernet1/1", false},     // a longer FQDN is another name
		{"eth0=sw1", true},                                  // any port
		{"eth0=36:a9:cb:68:4f:09", true},                    // the chassis MAC, read whole
		{"eth0=sw1:36:a9:cb:68:4f:09", true},                // port ID
		{"eth0=sw1:Ethernet1/2", false},                     // wrong port
		{"eth0=sw2:Ethernet1/1", false},                     // wrong switch
		{"eth0=sw1.other:Ethernet1/1", false},               // same short name, other domain
		{"eth0=sw1:Eth1/1", false},                          // no abbreviation expansion
		{"eth0=36-a9-cb-68-4f-09:Ethernet1/1", true},        // MACs compare by value
		{"eth0=36:a9:cb:68:4f:09:Ethernet1/1", true},        // chassis MAC and port
		{"eth0=36:a9:cb:68:4f:0a:Ethernet1/1", false},       // another MAC
		{"eth0=sw1:36a9.cb68.4f09", true},                   // port ID MAC in Cisco form
		{"eth0=sw1.lab:ETHERNET1/1", true},                  // case-insensitive port
		{"eth0=sw1.LAB:36:A9:CB:68:4F:09", true},            // port ID, case-insensitive
		{"eth0=Sw1.Lab", true},                              // exact, case-insensitive
		{"eth0=lab:Ethernet1/1", false},                     // not a suffix match
		{"eth0=sw1.lab:", true},                             // empty port: any
		{"eth0=sw1.lab:Ethernet1/1 ", true},                 // trimmed
		{"eth0=sw1.lab:Ethernet1", false},                   // no prefix match
		{"eth0=sw1.lab:Ethernet1/1/1", false},               // no prefix match
		{"eth0=sw1.lab:" + strings.Repeat("x", 300), false}, // long
		{"eth0=" + strings.Repeat("x", 300) + ":Ethernet1/1", false},
	}
	for _, tt := range tests {
		e, err := ParseExpectation(tt.expect)
		if err != nil {
			t.Fatalf("%s: %v", tt.expect, err)
		}
		if got := e.matchesSwitch(n) && e.matchesPort(n); got != tt.want {
			t.Errorf("%s matches %+v = %v, want %v", tt.expect, n, got, tt.want)
		}
	}
	// A switch that sends no system name is matched by its chassis ID.
	anon := Neighbor{ChassisID: "sw-chassis-7", PortID: "Gi0/1"}
	if e, _ := ParseExpectation("eth0=SW-CHASSIS-7:gi0/1"); !(e.matchesSwitch(anon) && e.matchesPort(anon)) {
		t.Errorf("chassis ID match failed")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		c    Check
		want string
	}{
		{"duplicate expect", Check{Socket: "s", LLDPCLI: "l", Expects: []string{"eth0=sw1", "eth0=sw2"}}, "eth0 is expected twice"},
		{"bad expect", Check{Socket: "s", LLDPCLI: "l", Expects: []string{"eth0"}}, "--expect \"eth0\""},
		{"empty socket", Check{Socket: " ", LLDPCLI: "l"}, "--socket is empty"},
		{"empty lldpcli", Check{Socket: "s", LLDPCLI: ""}, "--lldpcli is empty"},
		{"bad interface", Check{Socket: "s", LLDPCLI: "l", Interfaces: []string{"eth0,eth1"}}, "--interface \"eth0,eth1\""},
		// What the flag parser makes of --max-age NaN, Inf or 1e300 on amd64.
		{"max-age out of range", Check{Socket: "s", LLDPCLI: "l", MaxAge: math.MinInt64}, "--max-age is out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestRunCommand runs the real Exec against the test binary posing as
// lldpcli: stdin reaches it, argv is passed without a shell, and an exit
// status and a cancelled context come back as errors.
func TestRunCommand(t *testing.T) {
	t.Setenv("EDGECHECK_FAKE_LLDPCLI", "0")
	out, errOut, err := RunCommand(context.Background(), []string{os.Args[0], "-u", "/x y;z", "-f", "json0"}, Stdin())
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != string(Stdin()) || string(errOut) != "-u /x y;z -f json0" {
		t.Errorf("stdout %q stderr %q", out, errOut)
	}

	t.Setenv("EDGECHECK_FAKE_LLDPCLI", "1")
	_, _, err = RunCommand(context.Background(), []string{os.Args[0]}, nil)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Errorf("err = %v, want exit status 1", err)
	}

	t.Setenv("EDGECHECK_FAKE_LLDPCLI", "hang")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := RunCommand(ctx, []string{os.Args[0]}, nil)
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}

	_, _, err = RunCommand(context.Background(), []string{"edgecheck-no-such-lldpcli"}, nil)
	if !errors.Is(err, exec.ErrNotFound) {
		t.Errorf("err = %v, want exec.ErrNotFound", err)
	}
}

func TestFindProgramSbinFallback(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "fake-lldpcli")
	if err := os.WriteFile(prog, []byte("#!/bin/true\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	saved := sbinDirs
	t.Cleanup(func() { sbinDirs = saved })
	sbinDirs = []string{filepath.Join(dir, "missing"), dir}
	t.Setenv("PATH", "/nonexistent")
	got, err := findProgram("fake-lldpcli")
	if err != nil || got != prog {
		t.Errorf("findProgram = %q, %v; want %q", got, err, prog)
	}
}

// goldenCase is one state of the check: a replayed lldpcli run and flags.
type goldenCase struct {
	name string
	args []string
	exec func(t *testing.T) Exec
	code int
	// links is the captured `ip -j link` the check reads the link state
	// from; empty: the lab's (lab.links.json).
	links string
}

func fromFixture(name string) func(t *testing.T) Exec {
	return func(t *testing.T) Exec { return replay(t, name).exec }
}

func failing(stderr string, err func(t *testing.T) error) func(t *testing.T) Exec {
	return func(t *testing.T) Exec {
		r := &recorder{stderr: []byte(stderr), err: err(t)}
		return r.exec
	}
}

var goldenCases = []goldenCase{
	{"ok-expected", []string{"--expect", "eth0=sw1:Ethernet1/1"}, fromFixture("healthy"), 0, ""},
	{"ok-expected-by-port-id", []string{"--expect", "eth0=sw1.lab:36:a9:cb:68:4f:09"}, fromFixture("healthy"), 0, ""},
	{"ok-interface", []string{"--interface", "eth0"}, fromFixture("healthy"), 0, ""},
	{"ok-max-age", []string{"--expect", "eth0=sw1", "--max-age", "120"}, fromFixture("healthy"), 0, ""},
	{"all-interfaces-one-silent", nil, fromFixture("healthy"), 2, ""},
	{"wrong-port", []string{"--expect", "eth0=sw1.lab:Ethernet1/2"}, fromFixture("healthy"), 2, ""},
	{"wrong-switch", []string{"--expect", "eth0=sw2:Ethernet1/1"}, fromFixture("healthy"), 2, ""},
	{"port-description-changed", []string{"--expect", "eth0=sw1:Ethernet1/1"}, fromFixture("port-changed"), 2, ""},
	{"no-neighbor-expected", []string{"--expect", "eth0=sw1:Ethernet1/1"}, fromFixture("no-neighbors"), 2, ""},
	{"neighbor-aged-out", []string{"--expect", "eth0=sw1:Ethernet1/1"}, fromFixture("aged-out"), 2, ""},
	{"no-neighbor-silent-nic", []string{"--expect", "eth0=sw1:Ethernet1/1", "--interface", "eth1"}, fromFixture("healthy"), 2, ""},
	{"no-neighbor-tx-only", []string{"--interface", "eth1"}, fromFixture("tx-only"), 2, ""},
	{"stale-ttl", []string{"--expect", "eth0=sw1", "--max-age", "2"}, fromFixture("healthy"), 1, ""},
	{"unknown-interface", []string{"--interface", "eth5", "--expect", "eth0=sw1"}, fromFixture("healthy"), 2, ""},
	{"lldpd-stopped", []string{"--expect", "eth0=sw1:Ethernet1/1"}, fromFixture("stopped"), 2, ""},
	{"lldpd-killed-stale-socket", []string{"--expect", "eth0=sw1:Ethernet1/1"}, fromFixture("refused"), 2, ""},
	{"lldpcli-not-found", nil, failing("", func(t *testing.T) error {
		return &exec.Error{Name: "lldpcli", Err: exec.ErrNotFound}
	}), 3, ""},
	{"lldpcli-not-executable", nil, failing("", func(t *testing.T) error {
		// What exec returns for Debian's 4750 root:adm lldpcli run by nagios.
		return &fs.PathError{Op: "fork/exec", Path: "/usr/sbin/lldpcli", Err: syscall.EACCES}
	}), 3, ""},
	// lldpcli's message format, for a lldpcli that is not setuid.
	{"socket-permission-denied", nil, failing("2026-11-21T05:27:03 [WARN/control] unable to connect to socket /run/lldpd.socket: Permission denied\n",
		func(t *testing.T) error { return exitError(t, 1) }), 3, ""},
	{"lldpcli-exit-without-message", nil, failing("", func(t *testing.T) error { return exitError(t, 1) }), 3, ""},
	{"malformed-output", nil, func(t *testing.T) Exec {
		r := replay(t, "healthy")
		r.stdout = r.stdout[:len(r.stdout)/2]
		return r.exec
	}, 3, ""},
	{"bad-expect-flag", []string{"--expect", "eth0"}, fromFixture("healthy"), 3, ""},
	{"bad-max-age", []string{"--max-age", "soon"}, fromFixture("healthy"), 3, ""},
	// Real lldpd fed the shapes real switches send (capture-variants.sh).
	{"no-system-name-chassis-mac-and-port", []string{"--expect", "eth0=02:a4:8c:6a:09:00:34"}, fromFixture("variants"), 0, "variants.links.json"},
	{"two-neighbors-expected-among-them", []string{"--expect", "eth1=tor-a:Ethernet1/8"}, fromFixture("variants"), 1, "variants.links.json"},
	{"two-neighbors-none-expected", []string{"--expect", "eth1=tor-a:Ethernet1/9"}, fromFixture("variants"), 2, "variants.links.json"},
	{"port-id-mac-chassis-local", []string{"--expect", "eth2=sw3-chassis:02-1C-73-00-03-09"}, fromFixture("variants"), 0, "variants.links.json"},
	{"link-went-down", []string{"--expect", "eth4=tor-a:Ethernet1/1"}, fromFixture("variants"), 2, "variants.links.json"},
	{"link-never-came-up", []string{"--expect", "eth5=tor-b:Ethernet1/1"}, fromFixture("variants"), 2, "variants.links.json"},
	{"administratively-down", []string{"--interface", "eth6"}, fromFixture("variants"), 2, "variants.links.json"},
	{"every-nic-virtual-left-out", nil, fromFixture("variants"), 2, "variants.links.json"},
	{"link-state-unknown-removed", []string{"--expect", "eth4=tor-a:Ethernet1/1"}, fromFixture("variants"), 2, "not-captured.links.json"},
	{"link-state-unknown-never-sent", []string{"--interface", "eth5"}, fromFixture("variants"), 2, "not-captured.links.json"},
}

// TestGolden runs the whole plugin through the runner for every state and
// compares its output with testdata/golden/NAME.txt (-update rewrites).
func TestGolden(t *testing.T) {
	saved, savedLinks := DefaultExec, DefaultReadLinks
	t.Cleanup(func() { DefaultExec, DefaultReadLinks = saved, savedLinks })
	for _, tt := range goldenCases {
		t.Run(tt.name, func(t *testing.T) {
			DefaultExec = tt.exec(t)
			DefaultReadLinks = savedLinks
			if tt.links != "" {
				DefaultReadLinks = fixedLinks(tt.links)
			}
			var stdout, stderr bytes.Buffer
			code := runner.Execute("check_lldp", tt.args, &stdout, &stderr)
			got := fmt.Sprintf("%s(exit %d)\n", stdout.String(), code)
			golden.Text(t, tt.name, got)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			if line1 := strings.SplitN(stdout.String(), "\n", 2)[0]; !strings.HasPrefix(line1, "LLDP "+nagios.State(tt.code).String()) {
				t.Errorf("line 1 %q does not start with LLDP %s", line1, nagios.State(tt.code))
			}
		})
	}
}

// TestStateMessages pins the contract of the three failure modes: each
// state's line 1 carries its next step.
func TestStateMessages(t *testing.T) {
	tests := []struct {
		fixture string
		args    []string
		state   nagios.State
		want    []string
	}{
		{"stopped", nil, nagios.Critical, []string{"lldpd is not running", "/run/lldpd.socket", RestartHint}},
		{"refused", nil, nagios.Critical, []string{"lldpd is not running", "Connection refused", RestartHint}},
		{"healthy", []string{"--interface", "eth1"}, nagios.Critical, []string{"no LLDP neighbor on eth1", "tcpdump -i eth1 -e ether proto 0x88cc"}},
		{"no-neighbors", []string{"--expect", "eth0=sw1:Ethernet1/1"}, nagios.Critical, []string{"no LLDP neighbor on eth0, expected sw1 port Ethernet1/1", "(it withdrew with a shutdown frame or a link flap)", "tcpdump -i eth0 -e ether proto 0x88cc"}},
		{"aged-out", []string{"--expect", "eth0=sw1:Ethernet1/1"}, nagios.Critical, []string{"no LLDP neighbor on eth0", "(it aged out)", "tcpdump -i eth0"}},
		{"healthy", []string{"--expect", "eth0=sw1.lab:Ethernet1/2"}, nagios.Critical, []string{"expected sw1.lab port Ethernet1/2", "seen sw1.lab port 36:a9:cb:68:4f:09"}},
		{"port-changed", []string{"--expect", "eth0=sw1:Ethernet1/1"}, nagios.Critical, []string{"expected sw1 port Ethernet1/1", "seen sw1.lab port 36:a9:cb:68:4f:09"}},
		{"healthy", []string{"--expect", "eth0=sw1:Ethernet1/1"}, nagios.OK, []string{"eth0 sw1.lab port 36:a9:cb:68:4f:09"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+strings.Join(tt.args, " "), func(t *testing.T) {
			c := newCheck(t, tt.args...)
			c.Exec = replay(t, tt.fixture).exec
			res, err := c.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if res.FinalState() != tt.state {
				t.Errorf("state %s, want %s", res.FinalState(), tt.state)
			}
			line1 := strings.SplitN(res.Format(Service), "\n", 2)[0]
			for _, w := range tt.want {
				if !strings.Contains(line1, w) {
					t.Errorf("line 1 %q lacks %q", line1, w)
				}
			}
		})
	}
}

func TestNoManagedInterface(t *testing.T) {
	c := newCheck(t)
	res := evaluateCheck(t, c, &Snapshot{Stats: map[string]Stats{}}, Links{})
	if res.FinalState() != nagios.Critical || !strings.Contains(res.Summary, "manages no interface") {
		t.Errorf("got %s %q", res.FinalState(), res.Summary)
	}
}

func TestSeveralNeighborsOnOneNIC(t *testing.T) {
	snap := &Snapshot{
		Interfaces: []Interface{{Name: "eth0", Status: "RX and TX"}},
		Neighbors: []Neighbor{
			{Interface: "eth0", SysName: "hub-host", PortDescr: "eth3", TTL: 120 * time.Second, Age: -1},
			{Interface: "eth0", SysName: "sw1.lab", PortDescr: "Ethernet1/1", TTL: 120 * time.Second, Age: -1},
		},
		Stats: map[string]Stats{"eth0": {RX: 10, TX: 10}},
	}
	// An inventory names one neighbor: two never confirm the cabling.
	c := newCheck(t, "--expect", "eth0=sw1:Ethernet1/1")
	if res := evaluateCheck(t, c, snap, Links{}); res.FinalState() != nagios.Warning || !strings.Contains(res.Summary, "eth0 sees 2 LLDP neighbors: hub-host and sw1.lab") {
		t.Errorf("expected neighbor among two: %s %q", res.FinalState(), res.Summary)
	}
	c = newCheck(t, "--expect", "eth0=sw2:Ethernet1/1")
	res := evaluateCheck(t, c, snap, Links{})
	if res.FinalState() != nagios.Critical || !strings.Contains(res.Summary, "none is the expected sw2 port Ethernet1/1") {
		t.Errorf("got %s %q", res.FinalState(), res.Summary)
	}
	c = newCheck(t, "--max-age", "60")
	if res := evaluateCheck(t, c, snap, Links{}); res.FinalState() != nagios.Warning {
		t.Errorf("TTL 120 > max-age 60: got %s %q", res.FinalState(), res.Summary)
	}
}

func TestTimeoutNamesTheStage(t *testing.T) {
	saved := DefaultExec
	t.Cleanup(func() { DefaultExec = saved })
	DefaultExec = func(ctx context.Context, argv []string, stdin []byte) ([]byte, []byte, error) {
		<-ctx.Done()
		return nil, nil, ctx.Err()
	}
	var stdout, stderr bytes.Buffer
	code := runner.Execute("check_lldp", []string{"--timeout", "0.05", "--socket", "/run/x.socket"}, &stdout, &stderr)
	if code != 3 || !strings.Contains(stdout.String(), "timed out after 0.05s while running lldpcli -u /run/x.socket -f json0") {
		t.Errorf("exit %d, output %q", code, stdout.String())
	}
}

func TestClassify(t *testing.T) {
	exit1 := exitError(t, 1)
	tests := []struct {
		name       string
		stderr     string
		err        error
		notRunning bool
		permission bool
		reason     string
	}{
		{"missing socket", "2026-11-21T05:27:03 [WARN/control] unable to connect to socket /run/lldpd.socket: No such file or directory\n", exit1, true, false, "No such file or directory"},
		{"refused", "[WARN/control] unable to connect to socket /run/lldpd.socket: Connection refused", exit1, true, false, "Connection refused"},
		{"other wording", "lldpctl: cannot connect to socket /run/lldpd.socket: Connection refused", exit1, true, false, "Connection refused"},
		{"socket permission", "unable to connect to socket /run/lldpd.socket: Permission denied", exit1, false, true, "Permission denied"},
		{"other failure", "unknown command from argument 1: `bogus`", exit1, false, false, ""},
		{"exec permission", "", &fs.PathError{Op: "fork/exec", Path: "/usr/sbin/lldpcli", Err: syscall.EACCES}, false, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := classify([]string{"lldpcli"}, []byte(tt.stderr), tt.err)
			var cliErr *CLIError
			if !errors.As(err, &cliErr) {
				t.Fatalf("not a CLIError: %v", err)
			}
			if IsNotRunning(err) != tt.notRunning || isPermission(err) != tt.permission || cliErr.Reason != tt.reason {
				t.Errorf("notRunning %v permission %v reason %q; want %v %v %q",
					IsNotRunning(err), isPermission(err), cliErr.Reason, tt.notRunning, tt.permission, tt.reason)
			}
		})
	}
}
