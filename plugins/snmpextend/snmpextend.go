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
			"a code outside 0-3, a missing extend or an agent that does not answer is UNKNOWN.",
		RunsOn: "monitoring-server",
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

// Run reads the extend's result and output in one request.
func (c *Check) Run(ctx context.Context) (*nagios.Result, error) {
	addr := c.Address()
	nagios.SetStage(ctx, "preparing the SNMP client for "+addr)
	g, err := dial(ctx, &c.Config)
	if err != nil {
		return nil, err
	}
	defer g.Close()
	idx := NameIndex(c.Name)
	nagios.SetStage(ctx, fmt.Sprintf("reading extend %q (nsExtendResult, nsExtendOutputFull) from %s", c.Name, addr))
	vars, err := g.Get(ctx, oidExtendResult+"."+idx, oidExtendOutputFull+"."+idx)
	if errors.Is(err, snmp.ErrNoResponse) {
		// snmpd answers nothing while an extend's command runs.
		return nil, fmt.Errorf("%v, or extend %s's command runs longer than that (give it its own shorter -t)", err, c.Name)
	}
	if err != nil {
		return nil, err
	}
	if len(vars) != 2 {
		return nil, fmt.Errorf("SNMP agent %s returned %d values for 2 requested OIDs", addr, len(vars))
	}
	if vars[0].Missing() || vars[1].Missing() {
		return nil, c.missing(ctx, g)
	}
	code, ok := vars[0].Int()
	if !ok {
		return nil, fmt.Errorf("SNMP agent %s returned nsExtendResult for %q as %v, not an integer", addr, c.Name, vars[0].Type)
	}
	out, ok := vars[1].Bytes()
	if !ok {
		return nil, fmt.Errorf("SNMP agent %s returned nsExtendOutputFull for %q as %v, not a string", addr, c.Name, vars[1].Type)
	}
	return Relay(c.Name, addr, code, out), nil
}

// Relay builds the result from the remote exit code and output.
func Relay(name, addr string, code int64, out []byte) *nagios.Result {
	text := string(out)
	// Raw output skips the formatter's escaping, so the lines this check
	// writes itself escape the operator's --name and --hostname: a `|` or
	// a newline there would corrupt line 1.
	name, addr = nagios.OneLine(name), nagios.OneLine(addr)
	if code < 0 || code > 3 {
		raw := fmt.Sprintf("%s UNKNOWN - extend %s on %s exited with code %d, outside the plugin range 0-3%s; its output follows\n",
			service, name, addr, code, exitHint(code))
		for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
			if line != "" {
				raw += nagios.Sanitize(line) + "\n"
			}
		}
		return &nagios.Result{State: nagios.Unknown, Raw: &raw}
	}
	state := nagios.State(code)
	if strings.TrimSpace(text) == "" {
		raw := fmt.Sprintf("%s %s - extend %s on %s exited %d with no output\n", service, state, name, addr, code)
		return &nagios.Result{State: state, Raw: &raw}
	}
	// net-snmp drops the command's final newline; give it back so the
	// relayed output is exactly what the plugin printed.
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	return &nagios.Result{State: state, Raw: &text}
}

func exitHint(code int64) string {
	switch code {
	case 126:
		return " (126: the command is not executable by the agent's user)"
	case 127:
		return " (127: the command was not found on the agent host)"
	case -1:
		return " (-1: the agent could not run the command or it was killed)"
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
