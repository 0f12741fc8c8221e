// Package lldp is check_lldp: lldpd is running, and each NIC of a
// hypervisor sees the switch and port the inventory expects. It tells apart
// the three ways this goes wrong in practice (lldpd down, no neighbor on a
// NIC, the wrong neighbor) and prints the next step for each.
//
// lldpd has no public socket protocol, so the check runs lldpcli, once per
// check run, with its three commands on stdin.
package lldp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os/exec"
	"strings"
	"time"

	"edgecheck/shared/nagios"
	"edgecheck/shared/registry"
)

// Service is the first word of line 1.
const Service = "LLDP"

// DefaultSocket is Debian's lldpd control socket.
const DefaultSocket = "/run/lldpd.socket"

// RestartHint is the next step when lldpd does not answer.
const RestartHint = "systemctl restart lldpd && systemctl enable lldpd"

// An Expectation is one --expect IF=SWITCH[:PORT].
type Expectation struct {
	Interface string
	Switch    string
	Port      string // empty: any port of that switch
}

func (e Expectation) String() string {
	if e.Port == "" {
		return e.Switch
	}
	return e.Switch + " port " + e.Port
}

// ExpectSyntax is the --expect syntax, for flag help and error messages.
const ExpectSyntax = "IF=SWITCH[:PORT]"

// ParseExpectation parses IF=SWITCH[:PORT].
//
// SWITCH is a system name or a chassis ID. A chassis ID that is a MAC
// address (02:a4:8c:6a:09:00, 02-a4-8c-6a-09-00 or 02a4.8c6a.0900) is read
// whole, so eth0=02:a4:8c:6a:09:00:34 is chassis 02:a4:8c:6a:09:00, port 34.
// Any other SWITCH that contains ':' goes in square brackets:
// eth0=[chassis:id]:PORT. PORT is everything after the colon that ends
// SWITCH, colons included, so a MAC port ID works:
// eth0=sw1:00:11:22:33:44:55. An empty PORT means any port.
func ParseExpectation(s string) (Expectation, error) {
	iface, rest, ok := strings.Cut(s, "=")
	iface, rest = strings.TrimSpace(iface), strings.TrimSpace(rest)
	if !ok || iface == "" || rest == "" {
		return Expectation{}, fmt.Errorf("--expect %q: want %s, e.g. eth0=sw1:Ethernet1/1 or eth0=02:a4:8c:6a:09:00:Ethernet1/1", s, ExpectSyntax)
	}
	var sw, port string
	switch {
	case strings.HasPrefix(rest, "["):
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return Expectation{}, fmt.Errorf("--expect %q: no ']' closes the switch that starts with '['", s)
		}
		sw, rest = rest[1:end], rest[end+1:]
		if rest != "" && !strings.HasPrefix(rest, ":") {
			return Expectation{}, fmt.Errorf("--expect %q: want ':PORT' or nothing after ']'", s)
		}
		port = strings.TrimPrefix(rest, ":")
	case len(rest) >= macLen && isColonMAC(rest[:macLen]) && (len(rest) == macLen || rest[macLen] == ':'):
		sw, port = rest[:macLen], strings.TrimPrefix(rest[macLen:], ":")
	default:
		sw, port, _ = strings.Cut(rest, ":")
	}
	sw, port = strings.TrimSpace(sw), strings.TrimSpace(port)
	if sw == "" {
		return Expectation{}, fmt.Errorf("--expect %q: the switch is empty (want %s)", s, ExpectSyntax)
	}
	return Expectation{Interface: iface, Switch: sw, Port: port}, nil
}

// macLen is the length of a MAC address written as six hex pairs.
const macLen = len("00:00:00:00:00:00")

// isColonMAC reports whether s is a MAC address written as six hex pairs
// separated by ':' or '-'.
func isColonMAC(s string) bool {
	if len(s) != macLen {
		return false
	}
	hw, err := net.ParseMAC(s)
	return err == nil && len(hw) == 6
}

// sameID compares two identifiers as lldpd prints them: MAC addresses by
// value (any of the forms net.ParseMAC reads), anything else
// case-insensitively.
func sameID(a, b string) bool {
	if strings.EqualFold(a, b) {
		return true
	}
	ma, errA := net.ParseMAC(a)
	mb, errB := net.ParseMAC(b)
	return errA == nil && errB == nil && bytes.Equal(ma, mb)
}

// matchesSwitch: the system name, exactly or by its short name (sw1 matches
// sw1.lab and the other way round), or the chassis ID of any subtype (a MAC
// compared by value); case-insensitive. A switch that sends no system name
// (it is optional in IEEE 802.1AB) matches by chassis ID only.
func (e Expectation) matchesSwitch(n Neighbor) bool {
	want := strings.ToLower(e.Switch)
	name := strings.ToLower(n.SysName)
	if name != "" {
		if want == name || want == shortName(name) || shortName(want) == name {
			return true
		}
	}
	return n.ChassisID != "" && sameID(e.Switch, n.ChassisID)
}

// matchesPort: the port ID of any subtype (ifname, MAC compared by value,
// local, interface alias...) or the port description; case-insensitive.
func (e Expectation) matchesPort(n Neighbor) bool {
	if e.Port == "" {
		return true
	}
	return sameID(e.Port, n.PortID) || strings.EqualFold(e.Port, n.PortDescr)
}

func shortName(s string) string {
	short, _, _ := strings.Cut(s, ".")
	return short
}

// DefaultExec is the Exec a new Check gets. Tests that drive the whole
// runner swap it; tests of a Check set Check.Exec.
var DefaultExec Exec = RunCommand

// DefaultReadLinks is the ReadLinks a new Check gets.
var DefaultReadLinks = ReadLinks

// A Check is one configured run of check_lldp.
type Check struct {
	Socket     string
	Interfaces []string
	Expects    []string
	MaxAge     time.Duration
	LLDPCLI    string

	// Exec runs lldpcli; swapped by unit tests.
	Exec Exec
	// ReadLinks reads the NICs' link state; swapped by unit tests.
	ReadLinks func(ctx context.Context, socket string) Links
}

// New returns a Check with its seams set; the flag defaults are set by
// Flags.
func New() *Check {
	return &Check{Exec: DefaultExec, ReadLinks: DefaultReadLinks}
}

// Flags declares check_lldp's flags.
func (c *Check) Flags(fs *registry.FlagSet) {
	fs.String(&c.Socket, "socket", DefaultSocket,
		"lldpd's control socket (lldpcli -u). The monitoring user needs to run lldpcli: on Debian it is setuid _lldpd and executable by group adm only.").WithMeta("PATH")
	fs.Strings(&c.Interfaces, "interface",
		"A NIC that must have an LLDP neighbor. Default: the NICs named in --expect, or, without --expect, every interface lldpd manages except virtual ones no switch is cabled to (VM taps, vnets, veths, container and bridge ports, ovs-system...); line 1 or the long output says which were checked.").WithMeta("IF")
	fs.Strings(&c.Expects, "expect",
		"The neighbor a NIC must see: SWITCH matches the neighbor's system name (exactly or by its short name before the first dot) or its chassis ID (a MAC compared by value, e.g. 02:a4:8c:6a:09:00, read whole); PORT matches its port ID of any subtype (ifname, MAC, local) or its port description. Case-insensitive. A SWITCH with ':' that is not a MAC goes in brackets: eth0=[a:b]:PORT. PORT may contain ':' (eth0=sw1:00:11:22:33:44:55). The NIC is checked even without --interface.").WithMeta(ExpectSyntax)
	fs.Duration(&c.MaxAge, "max-age", 0,
		"Warn when a neighbor's data may be older than this: lldpd keeps a neighbor until its advertised TTL expires, so a TTL above SECONDS means lldpd may still show a switch that stopped talking that long ago. 0 disables.")
	fs.String(&c.LLDPCLI, "lldpcli", "lldpcli",
		"The lldpcli program; a bare name is searched in PATH, then in /usr/sbin, /sbin and /usr/local/sbin (Nagios often runs plugins without sbin in PATH).").WithMeta("PATH")
}

// Validate checks the flags before any I/O; it changes nothing.
func (c *Check) Validate() error {
	if strings.TrimSpace(c.Socket) == "" {
		return errors.New("--socket is empty")
	}
	if strings.TrimSpace(c.LLDPCLI) == "" {
		return errors.New("--lldpcli is empty")
	}
	// The flag parser turns NaN, Inf and values beyond ~292 years into a
	// negative duration, which would silently disable --max-age.
	if c.MaxAge < 0 {
		return errors.New("--max-age is out of range (give whole or decimal seconds, such as 300, or 0 to disable)")
	}
	for _, i := range c.Interfaces {
		if strings.TrimSpace(i) == "" || strings.ContainsAny(i, " =,") {
			return fmt.Errorf("--interface %q is not an interface name", i)
		}
	}
	_, err := c.expectations()
	return err
}

// expectations parses --expect into one Expectation per NIC; a NIC
// expected twice is an error.
func (c *Check) expectations() (map[string]Expectation, error) {
	expects := map[string]Expectation{}
	for _, s := range c.Expects {
		e, err := ParseExpectation(s)
		if err != nil {
			return nil, err
		}
		if prev, dup := expects[e.Interface]; dup {
			return nil, fmt.Errorf("--expect: %s is expected twice (%s and %s)", e.Interface, prev, e)
		}
		expects[e.Interface] = e
	}
	return expects, nil
}

// Argv is the lldpcli command line; Commands go to its stdin.
func (c *Check) Argv() []string {
	return []string{c.LLDPCLI, "-u", c.Socket, "-f", "json0"}
}

// Stdin is what lldpcli reads: one command per line.
func Stdin() []byte { return []byte(strings.Join(Commands, "\n") + "\n") }

// Run queries lldpd through lldpcli and evaluates every selected NIC.
func (c *Check) Run(ctx context.Context) (*nagios.Result, error) {
	expects, err := c.expectations()
	if err != nil {
		return nil, err
	}
	argv := c.Argv()
	nagios.SetStage(ctx, fmt.Sprintf("running %s (%s)", strings.Join(argv, " "), strings.Join(Commands, "; ")))
	stdout, stderr, err := c.Exec(ctx, argv, Stdin())
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("no answer from lldpd at %s (%w); if it is hung, restart it (%s); try: %s show neighbors", c.Socket, ctx.Err(), RestartHint, strings.Join(argv[:3], " "))
		}
		return c.runError(classify(argv, stderr, err))
	}
	nagios.SetStage(ctx, "decoding lldpcli output")
	snap, err := Decode(stdout)
	if err != nil {
		return nil, fmt.Errorf("cannot decode the output of %s: %v; run it by hand with the commands %q and report the output",
			strings.Join(argv, " "), err, strings.Join(Commands, "; "))
	}
	readLinks := c.ReadLinks
	if readLinks == nil {
		readLinks = DefaultReadLinks
	}
	nagios.SetStage(ctx, "reading the NICs' link state over rtnetlink")
	return c.evaluate(snap, readLinks(ctx, c.Socket), expects), nil
}

// runError maps a failed lldpcli run to a CRITICAL result (lldpd is down)
// or an UNKNOWN error (the check cannot do its job), each with a next step.
func (c *Check) runError(err error) (*nagios.Result, error) {
	var cliErr *CLIError
	errors.As(err, &cliErr)
	switch {
	case IsNotRunning(err):
		reason := cliErr.Reason
		res := &nagios.Result{State: nagios.Critical}
		res.Add(nagios.Critical, "lldpd does not answer on %s (%s). If lldpd runs with another socket (lldpd -u), point --socket at it.", c.Socket, reason)
		var sum nagios.Summary
		sum.Add(nagios.Critical, fmt.Sprintf("lldpd is not running: cannot connect to %s (%s); restart it and enable it at boot: %s", c.Socket, reason, RestartHint))
		res.Summary = sum.Line(res, "")
		return res, nil
	case errors.Is(err, exec.ErrNotFound) || cliErr != nil && cliErr.ExitCode == -1 && errors.Is(err, fs.ErrNotExist):
		if strings.Contains(c.LLDPCLI, "/") {
			return nil, fmt.Errorf("%s does not exist: install the lldpd package (apt install lldpd) or fix --lldpcli", c.LLDPCLI)
		}
		return nil, fmt.Errorf("%s not found in PATH or %s: install the lldpd package (apt install lldpd) or pass --lldpcli PATH", c.LLDPCLI, strings.Join(sbinDirs, ", "))
	case isPermission(err) && cliErr != nil && cliErr.ExitCode == -1:
		return nil, fmt.Errorf("permission denied running %s: Debian installs lldpcli setuid _lldpd, executable by root and group adm only; add the monitoring user to group adm (usermod -aG adm nagios) or run the check as root", c.LLDPCLI)
	case isPermission(err):
		return nil, fmt.Errorf("permission denied on lldpd's socket %s: run the check as root or as a user in lldpd's group (_lldpd), or use the setuid lldpcli from the lldpd package", c.Socket)
	case cliErr != nil && cliErr.ExitCode == -1:
		return nil, fmt.Errorf("cannot run %s: %v", c.LLDPCLI, cliErr.Err)
	case cliErr != nil && strings.TrimSpace(cliErr.Stderr) == "":
		return nil, fmt.Errorf("%s exited with status %d and no message (lldpd at %s may have died while answering); run %s show neighbors by hand",
			strings.Join(cliErr.Argv, " "), cliErr.ExitCode, c.Socket, strings.Join(cliErr.Argv[:3], " "))
	default:
		return nil, fmt.Errorf("%v; run %s show neighbors by hand", err, strings.Join(c.Argv()[:3], " "))
	}
}

func init() {
	registry.Register(registry.Plugin{
		Name:    "check_lldp",
		Service: Service,
		Description: "Checks that lldpd is running and that each NIC sees an LLDP neighbor, and the switch and port the inventory expects. " +
			"It tells apart lldpd not running (restart it), a NIC without a neighbor (capture ether proto 0x88cc on it: the switch port does not send LLDP, or the NIC firmware drops the frames) " +
			"and a neighbor that is not the expected switch or port (a cabling error), and prints the next step for each. " +
			"It runs lldpcli once per check (lldpd has no public socket protocol) and reports per-NIC LLDP frame counters as perfdata.",
		RunsOn:  "hypervisor",
		Catches: "lldpd down, a NIC without LLDP neighbor, a NIC cabled to the wrong switch port",
		Source:  "`lldpcli -f json0`",
		Examples: []registry.Example{
			{Command: "check_lldp --expect eth0=sw1:Ethernet1/1 --expect eth1=sw2:Ethernet1/1",
				Explain: "Each NIC must see its switch and port. sw1 matches a switch named sw1 or sw1.example.net; the port matches the neighbor's port ID or description."},
			{Command: "check_lldp --timeout 5",
				Explain: "Every interface lldpd manages must have a neighbor; which switch is not checked."},
			{Command: "check_lldp --interface eth0 --interface eth1 --max-age 300",
				Explain: "Only eth0 and eth1; warn when a neighbor's TTL lets lldpd keep its data for more than 5 minutes."},
			{Command: "check_lldp --socket /run/lldpd-oob.socket --expect eno1=oob-sw1",
				Explain: "A second lldpd with its own control socket; eno1 must see oob-sw1 on any port."},
		},
		New: func() registry.Check { return New() },
	})
}
