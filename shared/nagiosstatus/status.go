// Package nagiosstatus reads what a running Nagios 4 knows: its status.dat
// (host and service states, plugin output, last check) and its external
// command pipe (forced checks). The end-to-end test and `make demo` use it
// to judge edgecheck by Nagios' own view rather than by plugin exit codes.
package nagiosstatus

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A Block is one `type { key=value ... }` section of status.dat.
type Block struct {
	Type   string
	Line   int // line of the opening brace, for error messages
	Fields map[string]string
}

// An Object is the common part of a host's and a service's status.
type Object struct {
	HostName string
	// State is the numeric current_state: 0-3 for services (OK, WARNING,
	// CRITICAL, UNKNOWN), 0-2 for hosts (UP, DOWN, UNREACHABLE).
	State           int
	HasBeenChecked  bool
	Hard            bool // state_type=1
	CurrentAttempt  int
	MaxAttempts     int
	PluginOutput    string
	LongOutput      string // long_plugin_output with Nagios' escapes undone
	PerfData        string
	LastCheck       time.Time // zero when never checked
	NextCheck       time.Time
	LastStateChange time.Time
	Acknowledged    bool
	InDowntime      bool
	// Fields holds every raw key=value of the block.
	Fields map[string]string
}

// A Host is one hoststatus block.
type Host struct{ Object }

// A Service is one servicestatus block.
type Service struct {
	Object
	Description string
}

// Status is one snapshot of status.dat.
type Status struct {
	Created  time.Time
	Version  string
	Info     map[string]string
	Program  map[string]string
	Hosts    []Host
	Services []Service
	// Other holds the remaining blocks: contactstatus, hostcomment,
	// servicecomment, hostdowntime, servicedowntime.
	Other []Block
}

var serviceStates = []string{"OK", "WARNING", "CRITICAL", "UNKNOWN"}
var hostStates = []string{"UP", "DOWN", "UNREACHABLE"}

// StateName is OK, WARNING, CRITICAL or UNKNOWN, or PENDING before the
// first check.
func (s Service) StateName() string {
	if !s.HasBeenChecked {
		return "PENDING"
	}
	return name(serviceStates, s.State)
}

// StateName is UP, DOWN or UNREACHABLE, or PENDING before the first check.
func (h Host) StateName() string {
	if !h.HasBeenChecked {
		return "PENDING"
	}
	return name(hostStates, h.State)
}

func name(names []string, i int) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return "STATE(" + strconv.Itoa(i) + ")"
}

// Host returns the named host's status.
func (st *Status) Host(name string) (Host, bool) {
	for _, h := range st.Hosts {
		if h.HostName == name {
			return h, true
		}
	}
	return Host{}, false
}

// Service returns one service's status.
func (st *Status) Service(host, description string) (Service, bool) {
	for _, s := range st.Services {
		if s.HostName == host && s.Description == description {
			return s, true
		}
	}
	return Service{}, false
}

// ReadFile parses the status file at path.
func ReadFile(path string) (*Status, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}

// ErrSyntax is wrapped by every parse error.
var ErrSyntax = errors.New("status.dat syntax error")

// Parse reads a status.dat. Hosts and services come out sorted by host name
// and description, whatever order Nagios wrote them in.
func Parse(r io.Reader) (*Status, error) {
	blocks, err := parseBlocks(r)
	if err != nil {
		return nil, err
	}
	st := &Status{}
	for _, b := range blocks {
		switch b.Type {
		case "info":
			st.Info = b.Fields
			st.Version = b.Fields["version"]
			st.Created = unix(b.Fields["created"])
		case "programstatus":
			st.Program = b.Fields
		case "hoststatus":
			o, err := object(b)
			if err != nil {
				return nil, err
			}
			st.Hosts = append(st.Hosts, Host{o})
		case "servicestatus":
			o, err := object(b)
			if err != nil {
				return nil, err
			}
			desc := b.Fields["service_description"]
			if desc == "" {
				return nil, fmt.Errorf("%w: line %d: servicestatus without service_description", ErrSyntax, b.Line)
			}
			st.Services = append(st.Services, Service{Object: o, Description: desc})
		default:
			st.Other = append(st.Other, b)
		}
	}
	sort.SliceStable(st.Hosts, func(i, j int) bool { return st.Hosts[i].HostName < st.Hosts[j].HostName })
	sort.SliceStable(st.Services, func(i, j int) bool {
		a, b := st.Services[i], st.Services[j]
		if a.HostName != b.HostName {
			return a.HostName < b.HostName
		}
		return a.Description < b.Description
	})
	return st, nil
}

func parseBlocks(r io.Reader) ([]Block, error) {
	var blocks []Block
	var cur *Block
	sc := bufio.NewScanner(r)
	// Plugin output can be long (Nagios allows up to 8 KiB per check by
	// default, more when recompiled), so allow long lines.
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		trimmed := strings.TrimSpace(text)
		switch {
		case cur == nil && (trimmed == "" || strings.HasPrefix(trimmed, "#")):
		case cur == nil:
			typ, ok := strings.CutSuffix(trimmed, "{")
			typ = strings.TrimSpace(typ)
			if !ok || typ == "" || strings.ContainsAny(typ, " \t=") {
				return nil, fmt.Errorf("%w: line %d: expected `TYPE {`, got %q", ErrSyntax, line, clip(text))
			}
			cur = &Block{Type: typ, Line: line, Fields: map[string]string{}}
		case trimmed == "}":
			blocks = append(blocks, *cur)
			cur = nil
		default:
			// Values keep everything after the first '=', including
			// further '=' and trailing spaces, exactly as Nagios wrote them.
			k, v, ok := strings.Cut(strings.TrimLeft(text, " \t"), "=")
			if !ok || k == "" {
				return nil, fmt.Errorf("%w: line %d: expected key=value in %s block, got %q", ErrSyntax, line, cur.Type, clip(text))
			}
			cur.Fields[k] = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: line %d: %v", ErrSyntax, line+1, err)
	}
	if cur != nil {
		// Nagios writes status.dat to a temporary file and renames it, so a
		// truncated file means it was not written by Nagios.
		return nil, fmt.Errorf("%w: %s block from line %d is not closed", ErrSyntax, cur.Type, cur.Line)
	}
	return blocks, nil
}

func object(b Block) (Object, error) {
	f := b.Fields
	host := f["host_name"]
	if host == "" {
		return Object{}, fmt.Errorf("%w: line %d: %s without host_name", ErrSyntax, b.Line, b.Type)
	}
	state, err := strconv.Atoi(f["current_state"])
	if err != nil {
		return Object{}, fmt.Errorf("%w: line %d: %s %s: current_state %q is not a number", ErrSyntax, b.Line, b.Type, host, f["current_state"])
	}
	return Object{
		HostName:        host,
		State:           state,
		HasBeenChecked:  f["has_been_checked"] == "1",
		Hard:            f["state_type"] == "1",
		CurrentAttempt:  atoi(f["current_attempt"]),
		MaxAttempts:     atoi(f["max_attempts"]),
		PluginOutput:    f["plugin_output"],
		LongOutput:      Unescape(f["long_plugin_output"]),
		PerfData:        f["performance_data"],
		LastCheck:       unix(f["last_check"]),
		NextCheck:       unix(f["next_check"]),
		LastStateChange: unix(f["last_state_change"]),
		Acknowledged:    f["problem_has_been_acknowledged"] == "1",
		InDowntime:      atoi(f["scheduled_downtime_depth"]) > 0,
		Fields:          f,
	}, nil
}

// Unescape undoes Nagios' escaping of long_plugin_output: `\n` is a
// newline and `\\` a backslash.
func Unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case 'n':
				b.WriteByte('\n')
				i++
				continue
			case '\\':
				b.WriteByte('\\')
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// unix turns a status.dat timestamp into a time; 0 and garbage are zero.
func unix(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.Unix(n, 0)
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// Wait rereads the status file every interval until cond holds or ctx ends.
// It returns the last snapshot it read, so a caller that times out can say
// what Nagios saw instead. A missing or half-replaced file is retried.
func Wait(ctx context.Context, path string, interval time.Duration, cond func(*Status) bool) (*Status, error) {
	var last *Status
	var lastErr error
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		st, err := ReadFile(path)
		if err == nil {
			last = st
			if cond(st) {
				return st, nil
			}
		} else {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			if last == nil && lastErr != nil {
				return nil, fmt.Errorf("%w (last read: %v)", ctx.Err(), lastErr)
			}
			return last, ctx.Err()
		case <-t.C:
		}
	}
}
