package lldp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Commands are what check_lldp asks lldpcli, in this order, in one run:
// lldpcli reads them from stdin and prints one json0 document for each.
var Commands = []string{"show neighbors details", "show interfaces", "show statistics"}

// An Exec runs a program without a shell: argv[0] is the program, stdin is
// fed to it, and it must stop when ctx ends. It is the seam unit tests swap
// to assert the exact argv and replay captured lldpcli output.
type Exec func(ctx context.Context, argv []string, stdin []byte) (stdout, stderr []byte, err error)

// sbinDirs are searched after PATH: lldpcli lives in /usr/sbin, which is not
// on the PATH that Nagios and some NRPE setups give their plugins.
var sbinDirs = []string{"/usr/sbin", "/sbin", "/usr/local/sbin"}

// findProgram resolves a program name like exec.LookPath, then in sbinDirs.
func findProgram(name string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, d := range sbinDirs {
		p := d + "/" + name
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
}

// RunCommand is the real Exec: exec.CommandContext, never a shell.
func RunCommand(ctx context.Context, argv []string, stdin []byte) ([]byte, []byte, error) {
	path, err := findProgram(argv[0])
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.CommandContext(ctx, path, argv[1:]...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// lldpcli has no children, but never wait on pipes past the deadline.
	cmd.WaitDelay = 100 * time.Millisecond
	err = cmd.Run()
	if ctx.Err() != nil {
		return stdout.Bytes(), stderr.Bytes(), ctx.Err()
	}
	return stdout.Bytes(), stderr.Bytes(), err
}

// ErrNotRunning is wrapped by the error returned when lldpd does not answer
// on its socket: the socket is missing or refuses connections.
var ErrNotRunning = errors.New("lldpd is not running")

// A CLIError is a failed lldpcli run; it keeps what lldpcli said.
type CLIError struct {
	Argv     []string
	ExitCode int // -1 when lldpcli did not run
	Stderr   string
	// Reason is why lldpcli could not connect to the socket, e.g.
	// "Connection refused"; empty for other failures.
	Reason string
	Err    error
}

func (e *CLIError) Error() string {
	msg := firstLine(e.Stderr)
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	return fmt.Sprintf("%s exited with status %d: %s", strings.Join(e.Argv, " "), e.ExitCode, msg)
}

func (e *CLIError) Unwrap() error { return e.Err }

// IsNotRunning reports whether err means lldpd is not running.
func IsNotRunning(err error) bool { return errors.Is(err, ErrNotRunning) }

// lldpcli logs "unable to connect to socket PATH: REASON" (lldpd 1.0); some
// builds say "cannot connect".
var connectFailure = regexp.MustCompile(`(?i)(?:unable to|cannot) connect to socket ([^:]*)(?::\s*(.*))?`)

// classify turns a failed run into the error Run returns.
func classify(argv []string, stderr []byte, err error) error {
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		// lldpcli did not start at all.
		return &CLIError{Argv: argv, ExitCode: -1, Err: err}
	}
	cliErr := &CLIError{Argv: argv, ExitCode: exitErr.ExitCode(), Stderr: string(stderr), Err: err}
	if m := connectFailure.FindStringSubmatch(string(stderr)); m != nil {
		reason := strings.TrimSpace(m[2])
		cliErr.Reason = reason
		switch {
		case strings.Contains(reason, "No such file"), strings.Contains(reason, "Connection refused"):
			cliErr.Err = fmt.Errorf("%w: %s", ErrNotRunning, reason)
		case strings.Contains(reason, "Permission denied"):
			cliErr.Err = fmt.Errorf("%w: %s", fs.ErrPermission, reason)
		}
	}
	return cliErr
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// A Snapshot is what lldpd knows, decoded from one lldpcli run.
type Snapshot struct {
	Neighbors  []Neighbor
	Interfaces []Interface
	Stats      map[string]Stats // by local interface name
}

// A Neighbor is one remote LLDP (or CDP, EDP...) agent seen on a local NIC.
type Neighbor struct {
	Interface   string // local NIC
	Via         string // LLDP, CDP...
	SysName     string
	ChassisID   string
	ChassisType string
	PortID      string
	PortIDType  string
	PortDescr   string
	MgmtIP      string
	// TTL is how long lldpd keeps this neighbor after its last frame; -1
	// when lldpcli did not report it.
	TTL time.Duration
	// Age is lldpcli's "age": the time since the neighbor's data last
	// changed (not since its last frame); -1 when unknown.
	Age time.Duration
}

// An Interface is a local NIC lldpd manages.
type Interface struct {
	Name   string
	Status string // RX and TX, RX only, TX only, disabled
}

// Receives reports whether lldpd listens for neighbors on the interface.
func (i Interface) Receives() bool {
	return i.Status == "" || strings.Contains(strings.ToUpper(i.Status), "RX")
}

// Stats are one NIC's LLDP frame counters since lldpd started.
type Stats struct {
	TX, RX, RXDiscarded, RXUnrecognized int64
	// Ageout, Insert and Delete count neighbors. lldpd 1.0.16 counts an
	// expired neighbor in both Ageout and Delete, and a neighbor that sent a
	// shutdown frame in Delete only.
	Ageout, Insert, Delete int64
}

// jstr accepts the scalars json0 prints: strings, and in places numbers and
// booleans.
type jstr string

func (s *jstr) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = jstr(v)
		return nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case nil:
		*s = ""
	case float64, bool:
		*s = jstr(fmt.Sprint(x))
	default:
		return fmt.Errorf("want a string, got %s", b)
	}
	return nil
}

// typedValues is json0's list form of a value: [{"type": "mac", "value": "..."}].
type typedValues []struct {
	Type  jstr `json:"type"`
	Value jstr `json:"value"`
}

func (v typedValues) first() (typ, value string) {
	if len(v) == 0 {
		return "", ""
	}
	return string(v[0].Type), string(v[0].Value)
}

// counter is json0's list form of a statistic: [{"tx": "15"}].
type counter []map[string]jstr

func (c counter) value(key string) (int64, error) {
	if len(c) == 0 {
		return 0, nil
	}
	s, ok := c[0][key]
	if !ok {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(s)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("counter %s: %q is not a whole number", key, s)
	}
	return n, nil
}

type j0Chassis struct {
	ID     typedValues `json:"id"`
	Name   typedValues `json:"name"`
	MgmtIP typedValues `json:"mgmt-ip"`
	TTL    typedValues `json:"ttl"` // lldpd < 1.0.x puts the TTL here
}

type j0Port struct {
	ID    typedValues `json:"id"`
	Descr typedValues `json:"descr"`
	TTL   typedValues `json:"ttl"`
}

type j0Entry struct {
	Name    jstr        `json:"name"`
	Via     jstr        `json:"via"`
	Age     jstr        `json:"age"`
	Status  typedValues `json:"status"`
	Chassis []j0Chassis `json:"chassis"`
	Port    []j0Port    `json:"port"`

	TX             counter `json:"tx"`
	RX             counter `json:"rx"`
	RXDiscarded    counter `json:"rx_discarded_cnt"`
	RXUnrecognized counter `json:"rx_unrecognized_cnt"`
	Ageout         counter `json:"ageout_cnt"`
	Insert         counter `json:"insert_cnt"`
	Delete         counter `json:"delete_cnt"`
}

type j0Doc struct {
	LLDP *[]struct {
		Interface []j0Entry `json:"interface"`
	} `json:"lldp"`
}

// splitDocuments cuts lldpcli's stdout into one JSON document per command.
// Reading commands from stdin, lldpcli 1.0.16 echoes each command line
// before its document; the echo, when present, must end with the command
// expected in that place, so documents are never attributed to the wrong
// command.
func splitDocuments(out []byte, commands []string) ([]j0Doc, error) {
	docs := make([]j0Doc, 0, len(commands))
	rest := out
	for _, cmd := range commands {
		start := bytes.IndexByte(rest, '{')
		if start < 0 {
			return nil, fmt.Errorf("no JSON document for %q", cmd)
		}
		// The echo may carry a prompt in other builds ("[lldpcli] $ show ..."):
		// only its end must name the command.
		if echo := strings.TrimSpace(string(rest[:start])); echo != "" && !strings.HasSuffix(echo, cmd) {
			return nil, fmt.Errorf("expected the output of %q, found %q", cmd, truncate(echo, 60))
		}
		dec := json.NewDecoder(bytes.NewReader(rest[start:]))
		var doc j0Doc
		if err := dec.Decode(&doc); err != nil {
			return nil, fmt.Errorf("%q: %v", cmd, err)
		}
		if doc.LLDP == nil {
			return nil, fmt.Errorf("%q: no \"lldp\" key (not lldpcli -f json0 output)", cmd)
		}
		docs = append(docs, doc)
		rest = rest[start+int(dec.InputOffset()):]
	}
	if extra := strings.TrimSpace(string(rest)); extra != "" {
		return nil, fmt.Errorf("unexpected output after the last document: %q", truncate(extra, 60))
	}
	return docs, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func entries(d j0Doc) []j0Entry {
	var out []j0Entry
	for _, l := range *d.LLDP {
		out = append(out, l.Interface...)
	}
	return out
}

// Decode parses the stdout of `lldpcli -f json0` run with Commands on stdin.
func Decode(out []byte) (*Snapshot, error) {
	docs, err := splitDocuments(out, Commands)
	if err != nil {
		return nil, err
	}
	snap := &Snapshot{Stats: map[string]Stats{}}
	for _, e := range entries(docs[0]) {
		if e.Name == "" {
			return nil, errors.New("a neighbor without a local interface name")
		}
		n := Neighbor{Interface: string(e.Name), Via: string(e.Via), TTL: -1, Age: parseAge(string(e.Age))}
		// json0 wraps every object in a list; a neighbor has one chassis
		// and one port.
		if len(e.Chassis) > 0 {
			c := e.Chassis[0]
			_, n.SysName = c.Name.first()
			n.ChassisType, n.ChassisID = c.ID.first()
			_, n.MgmtIP = c.MgmtIP.first()
			if _, ttl := c.TTL.first(); ttl != "" {
				n.TTL = parseSeconds(ttl)
			}
		}
		if len(e.Port) > 0 {
			p := e.Port[0]
			n.PortIDType, n.PortID = p.ID.first()
			_, n.PortDescr = p.Descr.first()
			if _, ttl := p.TTL.first(); ttl != "" {
				n.TTL = parseSeconds(ttl)
			}
		}
		snap.Neighbors = append(snap.Neighbors, n)
	}
	for _, e := range entries(docs[1]) {
		if e.Name == "" {
			return nil, errors.New("an interface without a name")
		}
		_, status := e.Status.first()
		snap.Interfaces = append(snap.Interfaces, Interface{Name: string(e.Name), Status: status})
	}
	for _, e := range entries(docs[2]) {
		if e.Name == "" {
			return nil, errors.New("statistics for an interface without a name")
		}
		var s Stats
		for _, c := range []struct {
			dst *int64
			src counter
			key string
		}{
			{&s.TX, e.TX, "tx"},
			{&s.RX, e.RX, "rx"},
			{&s.RXDiscarded, e.RXDiscarded, "rx_discarded_cnt"},
			{&s.RXUnrecognized, e.RXUnrecognized, "rx_unrecognized_cnt"},
			{&s.Ageout, e.Ageout, "ageout_cnt"},
			{&s.Insert, e.Insert, "insert_cnt"},
			{&s.Delete, e.Delete, "delete_cnt"},
		} {
			v, err := c.src.value(c.key)
			if err != nil {
				return nil, fmt.Errorf("statistics of %s: %v", e.Name, err)
			}
			*c.dst = v
		}
		snap.Stats[string(e.Name)] = s
	}
	return snap, nil
}

func parseSeconds(s string) time.Duration {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 || n > 1<<31 {
		return -1
	}
	return time.Duration(n) * time.Second
}

// lldpcli prints ages as "0 day, 00:00:16" or "3 days, 01:02:03".
var ageFormat = regexp.MustCompile(`^\s*(-?\d+) days?, (-?\d+):(-?\d+):(-?\d+)\s*$`)

func parseAge(s string) time.Duration {
	m := ageFormat.FindStringSubmatch(s)
	if m == nil {
		return -1
	}
	var parts [4]int64
	for i := range parts {
		v, err := strconv.ParseInt(m[i+1], 10, 64)
		if err != nil || v > 1<<20 {
			return -1
		}
		parts[i] = v
	}
	d := time.Duration(parts[0])*24*time.Hour + time.Duration(parts[1])*time.Hour +
		time.Duration(parts[2])*time.Minute + time.Duration(parts[3])*time.Second
	if d < 0 {
		// A clock that jumped back (lldpd issue #572): unknown, not negative.
		return -1
	}
	return d
}

// isPermission reports whether err is a permission problem.
func isPermission(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM)
}
