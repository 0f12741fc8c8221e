// Package snmpextend is check_snmp_extend: it relays a plugin that net-snmp
// runs through an `extend` line on the monitored host, keeping the remote
// output byte for byte and exiting with the remote result code.
package snmpextend

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"edgecheck/shared/nagios"
	"edgecheck/shared/registry"
	"edgecheck/shared/snmp"
)

// NET-SNMP-EXTEND-MIB columns. Rows are indexed by the extend name encoded
// as an OID string: its length, then one sub-identifier per byte.
const (
	oidExtendCommand    = ".1.3.6.1.4.1.8072.1.3.2.2.1.2" // nsExtendCommand (config table)
	oidExtendExecType   = ".1.3.6.1.4.1.8072.1.3.2.2.1.6" // nsExtendExecType: exec(1), shell(2)
	oidExtendOutputFull = ".1.3.6.1.4.1.8072.1.3.2.3.1.2" // nsExtendOutputFull
	oidExtendResult     = ".1.3.6.1.4.1.8072.1.3.2.3.1.4" // nsExtendResult
)

const service = "SNMP_EXTEND"

// dial opens the agent; unit tests swap it for a fake.
var dial snmp.Dialer = snmp.Dial

// Check is one configured run.
type Check struct {
	snmp.Config
	Name string
}

func init() {
	registry.Register(registry.Plugin{
		Name:    "check_snmp_extend",
		Service: service,
		Description: "Relays a check that net-snmp runs through an `extend` line on the monitored host (NET-SNMP-EXTEND-MIB). " +
			"It prints the remote plugin's output unchanged (first line, long output and perfdata) and exits with its result code; " +
			"nsExtendResult is decoded per nsExtendExecType (a shell extend stores the raw wait status: 256 is exit 1). " +
			"A plugin killed by a signal, a missing program, a code outside 0-3, no output, an exit 0 whose own first line says WARNING/CRITICAL/UNKNOWN, " +
			"a missing extend or an agent that does not answer is UNKNOWN; output cut off by snmpd's 100 KiB buffer is said to be cut off.",
		RunsOn:  "monitoring-server",
		Catches: "relays a check that net-snmp runs through `extend` on an SNMP-only hypervisor",
		Source:  "NET-SNMP-EXTEND-MIB",
		Examples: []registry.Example{
			{Command: "check_snmp_extend -H hv0001 --credentials-file /etc/nagios/snmp-v2c.yaml --name ovs_controller",
				Explain: "Relays check_ovs_controller run by snmpd on hv0001 (snmpd.conf: extend ovs_controller /usr/lib/nagios/plugins/check_ovs_controller --grace 30)."},
			{Command: "check_snmp_extend -H hv0001 --protocol 3 --credentials-file /etc/nagios/snmp-v3.yaml --name ovs_kmod -t 20",
				Explain: "The same over SNMPv3 (user, SHA-256, AES from the file), allowing 20 s for a slow remote check."},
		},
		New: func() registry.Check { return &Check{} },
	})
}

// Flags declares the check's flags.
func (c *Check) Flags(fs *registry.FlagSet) {
	c.Config.Declare(fs)
	fs.String(&c.Name, "name", "", "Name of the extend on the agent (the first word after `extend` in snmpd.conf).").WithMeta("NAME").MarkRequired()
}

// Validate checks the flags before any I/O.
func (c *Check) Validate() error {
	if err := c.Config.Validate(); err != nil {
		return err
	}
	if c.Name == "" {
		return errors.New("--name is empty")
	}
	if len(c.Name) > 100 {
		return fmt.Errorf("--name is %d bytes long; an extend name must fit in an OID (at most 100)", len(c.Name))
	}
	return nil
}

// NameIndex encodes an extend name as its OID index: the length, then each
// byte (as net-snmp does for a string index).
func NameIndex(name string) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(len(name)))
	for i := 0; i < len(name); i++ {
		b.WriteByte('.')
		b.WriteString(strconv.Itoa(int(name[i])))
	}
	return b.String()
}

// DecodeNameIndex is the inverse of NameIndex.
func DecodeNameIndex(index string) (string, bool) {
	parts := strings.Split(index, ".")
	n, err := strconv.Atoi(parts[0])
	if err != nil || n != len(parts)-1 {
		return "", false
	}
	b := make([]byte, n)
	for i := range b {
		v, err := strconv.Atoi(parts[i+1])
		if err != nil || v < 0 || v > 255 {
			return "", false
		}
		b[i] = byte(v)
	}
	return string(b), true
}

// Run reads the extend's result, output, exec type and command in one request.
func (c *Check) Run(ctx context.Context) (*nagios.Result, error) {
	g, err := dial.Open(ctx, &c.Config)
	if err != nil {
		return nil, err
	}
	defer g.Close()
	addr := c.Address()
	idx := NameIndex(c.Name)
	nagios.SetStage(ctx, fmt.Sprintf("reading extend %q (nsExtendResult, nsExtendOutputFull, nsExtendExecType, nsExtendCommand) from %s", c.Name, addr))
	vars, err := g.Get(ctx, oidExtendResult+"."+idx, oidExtendOutputFull+"."+idx, oidExtendExecType+"."+idx, oidExtendCommand+"."+idx)
	if errors.Is(err, snmp.ErrNoResponse) {
		// snmpd answers nothing while an extend's command runs.
		return nil, fmt.Errorf("%v, or extend %s's command runs longer than that (give it its own shorter -t)", err, c.Name)
	}
	if err != nil {
		return nil, err
	}
	if len(vars) != 4 {
		return nil, fmt.Errorf("SNMP agent %s returned %d values for 4 requested OIDs", addr, len(vars))
	}
	if vars[0].Missing() || vars[1].Missing() {
		return nil, c.missing(ctx, g)
	}
	e := Extend{Name: c.Name, Addr: addr}
	var ok bool
	if e.Result, ok = vars[0].Int(); !ok {
		return nil, fmt.Errorf("SNMP agent %s returned nsExtendResult for %q as %v, not an integer", addr, c.Name, vars[0].Type)
	}
	if e.Output, ok = vars[1].Bytes(); !ok {
		return nil, fmt.Errorf("SNMP agent %s returned nsExtendOutputFull for %q as %v, not a string", addr, c.Name, vars[1].Type)
	}
	// Older agents may lack the config columns: the decoder then guesses.
	if t, ok := vars[2].Int(); ok {
		e.Type = ExecType(t)
	}
	if cmd, ok := vars[3].Bytes(); ok {
		e.Command = string(cmd)
	}
	return Relay(e), nil
}

// Extend is one row of nsExtendConfigTable and nsExtendOutput1Table as read.
type Extend struct {
	Name    string   // the index: the name after `extend` in snmpd.conf
	Addr    string   // the agent, host:port
	Type    ExecType // nsExtendExecType (0 when the agent gave none)
	Command string   // nsExtendCommand, the program's path ("" when not given)
	Result  int64    // nsExtendResult, raw
	Output  []byte   // nsExtendOutputFull (net-snmp drops the final newline)
}

// OutputBufferSize is the most output snmpd keeps of one run: extend.c
// (extend_load_cache) reads into a 100 KiB buffer and keeps at most one byte
// less. Output of that length was cut off.
const OutputBufferSize = 1024*100 - 1

// Relay builds the result from the remote result code and output: the
// plugin's output byte for byte with its own state where the code is a
// plugin state that its output backs, UNKNOWN (or the plugin's non-OK code)
// with an explanation otherwise.
func Relay(e Extend) *nagios.Result {
	text := string(e.Output)
	// Raw output skips the formatter's escaping: the line 1 this check
	// writes itself goes through line1, and --name and --hostname are
	// folded onto one line here already (a `|` or a newline there would
	// corrupt line 1).
	name, addr := nagios.OneLine(e.Name), nagios.OneLine(e.Addr)
	st := DecodeResult(e.Type, e.Result)
	if st.Failed || st.Signal != 0 || st.Exit > 3 || missingProgram(e, st) {
		head := fmt.Sprintf("extend %s on %s %s%s", name, addr, st.Describe(), exitHint(e, st))
		if st.Exit > 3 && st.Signal == 0 && !st.Failed && !missingProgram(e, st) {
			head += ", outside the plugin range 0-3"
		}
		return explained(nagios.Unknown, head, text)
	}
	state := nagios.State(st.Exit)
	if strings.TrimSpace(text) == "" {
		return noOutput(e, st, name, addr)
	}
	if said, ok := LineState(text); ok && said != state && state == nagios.OK {
		head := fmt.Sprintf("extend %s on %s exited 0 (OK) but its own first line says %s: the exit code contradicts the output "+
			"(net-snmp reports exit 0 for a command killed by a signal)", name, addr, said)
		return explained(nagios.Unknown, head, text)
	}
	// net-snmp drops the command's final newline; give it back so the
	// relayed output is exactly what the plugin printed.
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	if len(e.Output) >= OutputBufferSize {
		text += fmt.Sprintf("[%s] output cut off: snmpd keeps at most %d bytes of an extend's output (extend.c's 100 KiB buffer); the rest is lost, the state is the plugin's exit code\n",
			service, OutputBufferSize)
	}
	return &nagios.Result{State: state, Raw: &text}
}

// missingProgram: what net-snmp stores for a program it could not start.
func missingProgram(e Extend, st Status) bool {
	if st.Shell {
		return st.Signal == 0 && (st.Exit == 126 || st.Exit == 127)
	}
	return !st.Failed && st.Exit == 1 && strings.TrimSpace(string(e.Output)) == "" && e.Type == ExecTypeExec
}

// noOutput: a plugin that printed nothing did not report a state.
func noOutput(e Extend, st Status, name, addr string) *nagios.Result {
	state := nagios.Unknown
	why := "a plugin that prints nothing reports no state"
	if st.Exit == 0 {
		why += "; net-snmp also reports exit 0 for a command killed by a signal"
	}
	if st.Exit == 1 || st.Exit == 2 {
		state = nagios.State(st.Exit) // the plugin's own non-OK code stands
	}
	raw := line1(state, fmt.Sprintf("extend %s on %s exited %d with no output (%s)", name, addr, st.Exit, why), "")
	return &nagios.Result{State: state, Raw: &raw}
}

// explained prints the check's own line 1, then the remote output as long
// output with any `|` made harmless.
func explained(state nagios.State, head, text string) *nagios.Result {
	var raw string
	switch {
	case strings.TrimSpace(text) != "":
		raw = line1(state, head, "its output follows")
	case strings.Contains(head, "printed nothing"):
		raw = line1(state, head, "")
	default:
		raw = line1(state, head+" (no output)", "")
	}
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if line != "" {
			raw += nagios.Sanitize(line) + "\n"
		}
	}
	return &nagios.Result{State: state, Raw: &raw}
}

// line1 is this check's own line 1, with its newline, where it does not
// relay the remote output's: head is the problem (in state), tail what
// follows it ("" for nothing). It goes through nagios.Summary and
// Result.Format like every check's line 1, so a `|` or a newline in head
// (an extend's command path, say) cannot start perfdata or a new line.
func line1(state nagios.State, head, tail string) string {
	var s nagios.Summary
	s.Add(state, head)
	res := &nagios.Result{State: state, Summary: s.Line(nil, tail)}
	return res.Format(service)
}

func exitHint(e Extend, st Status) string {
	cmd := ""
	if e.Command != "" {
		cmd = " " + nagios.OneLine(e.Command)
	}
	switch {
	case missingProgram(e, st) && st.Shell && st.Exit == 126:
		return fmt.Sprintf(" (126: the shell could not execute nsExtendCommand%s: check its mode and snmpd's user)", cmd)
	case missingProgram(e, st) && st.Shell:
		return fmt.Sprintf(" (127: the shell did not find nsExtendCommand%s on the agent host: check the path in snmpd.conf)", cmd)
	case missingProgram(e, st):
		return fmt.Sprintf(" and printed nothing: nsExtendCommand%s is missing or not executable by snmpd's user "+
			"(net-snmp's exec stores exit 1 with no output when it cannot start the program)", cmd)
	case !st.Shell && st.Exit == 126:
		return " (126: a command run by the plugin was not executable)"
	case !st.Shell && st.Exit == 127:
		return " (127: a command run by the plugin was not found)"
	case st.Failed:
		return " (check snmpd's log: the agent could not fork or run the command)"
	case st.Signal != 0:
		return ": it reported no state (a timeout, the OOM killer or a crash)"
	}
	return ""
}

// missing explains a missing extend, listing those the agent has.
func (c *Check) missing(ctx context.Context, g snmp.Getter) error {
	addr := c.Address()
	nagios.SetStage(ctx, "listing the extends configured on "+addr)
	vars, err := g.Walk(ctx, oidExtendCommand)
	if err != nil {
		return fmt.Errorf("extend %q is not configured on SNMP agent %s (nsExtendResult is missing)", c.Name, addr)
	}
	var names []string
	for _, v := range vars {
		if idx, ok := v.Index(oidExtendCommand); ok {
			if n, ok := DecodeNameIndex(idx); ok {
				names = append(names, n)
			}
		}
	}
	if len(names) == 0 {
		return fmt.Errorf("extend %q is not configured on SNMP agent %s, which has no extends at all (NET-SNMP-EXTEND-MIB is empty or not visible to this community/user): add `extend %s COMMAND` to its snmpd.conf", c.Name, addr, c.Name)
	}
	sort.Strings(names)
	return fmt.Errorf("extend %q is not configured on SNMP agent %s (it has: %s): check --name or the agent's `extend` lines in snmpd.conf", c.Name, addr, nagios.Sanitize(strings.Join(names, ", ")))
}
