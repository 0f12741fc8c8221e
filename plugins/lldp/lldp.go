// Package lldp is check_lldp: lldpd is running, and each NIC of a
// hypervisor sees the switch and port the inventory expects. It tells apart
// the three ways this goes wrong in practice (lldpd down, no neighbor on a
// NIC, the wrong neighbor) and prints the next step for each.
//
// lldpd has no public socket protocol, so the check runs lldpcli, once per
// check run, with its three commands on stdin.
package lldp

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"sort"
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
	return e.Switch + " " + e.Port
}

// ParseExpectation parses IF=SWITCH[:PORT]. The port is everything after
// the first colon, so a MAC address port ID (aa:bb:...) works.
func ParseExpectation(s string) (Expectation, error) {
	iface, rest, ok := strings.Cut(s, "=")
	iface, rest = strings.TrimSpace(iface), strings.TrimSpace(rest)
	if !ok || iface == "" || rest == "" {
		return Expectation{}, fmt.Errorf("--expect %q: want IF=SWITCH or IF=SWITCH:PORT, e.g. eth0=sw1:Ethernet1/1", s)
	}
	sw, port, _ := strings.Cut(rest, ":")
	sw, port = strings.TrimSpace(sw), strings.TrimSpace(port)
	if sw == "" {
		return Expectation{}, fmt.Errorf("--expect %q: the switch name is empty (want IF=SWITCH[:PORT])", s)
	}
	return Expectation{Interface: iface, Switch: sw, Port: port}, nil
}

// matchesSwitch: the system name, exactly or by its short name (sw1 matches
// sw1.lab and the other way round), or the chassis ID; case-insensitive.
func (e Expectation) matchesSwitch(n Neighbor) bool {
	want := strings.ToLower(e.Switch)
	name := strings.ToLower(n.SysName)
	if name != "" {
		if want == name || want == shortName(name) || shortName(want) == name {
			return true
		}
	}
	return n.ChassisID != "" && want == strings.ToLower(n.ChassisID)
}

// matchesPort: the port ID or the port description, case-insensitive.
func (e Expectation) matchesPort(n Neighbor) bool {
	if e.Port == "" {
		return true
	}
	return strings.EqualFold(e.Port, n.PortID) || strings.EqualFold(e.Port, n.PortDescr)
}

func shortName(s string) string {
	short, _, _ := strings.Cut(s, ".")
	return short
}

// DefaultExec is the Exec a new Check gets. Tests that drive the whole
// runner swap it; tests of a Check set Check.Exec.
var DefaultExec Exec = RunCommand

// A Check is one configured run of check_lldp.
type Check struct {
	Socket     string
	Interfaces []string
	Expects    []string
	MaxAge     time.Duration
	LLDPCLI    string

	// Exec runs lldpcli; swapped by unit tests.
	Exec Exec

	expects map[string]Expectation
}

// New returns a Check with its defaults.
func New() *Check {
	return &Check{Socket: DefaultSocket, LLDPCLI: "lldpcli", Exec: DefaultExec}
}

// Flags declares check_lldp's flags.
func (c *Check) Flags(fs *registry.FlagSet) {
	fs.String(&c.Socket, "socket", DefaultSocket,
		"lldpd's control socket (lldpcli -u). The monitoring user needs to run lldpcli: on Debian it is setuid _lldpd and executable by group adm only.").WithMeta("PATH")
	fs.Strings(&c.Interfaces, "interface",
		"A NIC that must have an LLDP neighbor. Default: the NICs named in --expect, or, without --expect, every interface lldpd manages.").WithMeta("IF")
	fs.Strings(&c.Expects, "expect",
		"The neighbor a NIC must see: SWITCH matches the neighbor's system name (exactly or by its short name before the first dot) or its chassis ID; PORT matches its port ID or its port description. Case-insensitive. The NIC is checked even without --interface.").WithMeta("IF=SWITCH[:PORT]")
	fs.Duration(&c.MaxAge, "max-age", 0,
		"Warn when a neighbor's data may be older than this: lldpd keeps a neighbor until its advertised TTL expires, so a TTL above SECONDS means lldpd may still show a switch that stopped talking that long ago. 0 disables.")
	fs.String(&c.LLDPCLI, "lldpcli", "lldpcli",
		"The lldpcli program; a bare name is searched in PATH, then in /usr/sbin, /sbin and /usr/local/sbin (Nagios often runs plugins without sbin in PATH).").WithMeta("PATH")
}

// Validate checks the flags before any I/O.
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
	c.expects = map[string]Expectation{}
	for _, s := range c.Expects {
		e, err := ParseExpectation(s)
		if err != nil {
			return err
		}
		if prev, dup := c.expects[e.Interface]; dup {
			return fmt.Errorf("--expect: %s is expected twice (%s and %s)", e.Interface, prev, e)
		}
		c.expects[e.Interface] = e
	}
	return nil
}

// Argv is the lldpcli command line; Commands go to its stdin.
func (c *Check) Argv() []string {
	return []string{c.LLDPCLI, "-u", c.Socket, "-f", "json0"}
}

// Stdin is what lldpcli reads: one command per line.
func Stdin() []byte { return []byte(strings.Join(Commands, "\n") + "\n") }

// Run queries lldpd through lldpcli and evaluates every selected NIC.
func (c *Check) Run(ctx context.Context) (*nagios.Result, error) {
	if c.expects == nil {
		if err := c.Validate(); err != nil {
			return nil, err
		}
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
	return c.evaluate(snap), nil
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
		res.Summary = fmt.Sprintf("lldpd is not running: cannot connect to %s (%s); restart it and enable it at boot: %s", c.Socket, reason, RestartHint)
		res.Add(nagios.Critical, "lldpd does not answer on %s (%s). If lldpd runs with another socket (lldpd -u), point --socket at it.", c.Socket, reason)
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

// selection returns the NICs to check, sorted, and whether the operator
// named them.
func (c *Check) selection(snap *Snapshot) ([]string, bool) {
	set := map[string]bool{}
	for _, i := range c.Interfaces {
		set[i] = true
	}
	for i := range c.expects {
		set[i] = true
	}
	named := len(set) > 0
	if !named {
		for _, i := range snap.Interfaces {
			set[i.Name] = true
		}
	}
	out := make([]string, 0, len(set))
	for i := range set {
		out = append(out, i)
	}
	sort.Strings(out)
	return out, named
}

// captureHint is the next step for a NIC without a neighbor.
func captureHint(nic string) string {
	return fmt.Sprintf("tcpdump -i %s -e ether proto 0x88cc", nic)
}

// finding is one NIC's outcome: a state, a short text for line 1 and a
// full text for the long output.
type finding struct {
	state nagios.State
	short string
	long  string
}

func (c *Check) evaluate(snap *Snapshot) *nagios.Result {
	res := &nagios.Result{State: nagios.OK}
	known := map[string]Interface{}
	var knownNames []string
	for _, i := range snap.Interfaces {
		known[i.Name] = i
		knownNames = append(knownNames, i.Name)
	}
	byIface := map[string][]Neighbor{}
	for _, n := range snap.Neighbors {
		byIface[n.Interface] = append(byIface[n.Interface], n)
	}
	nics, named := c.selection(snap)
	if len(nics) == 0 {
		res.State = nagios.Critical
		res.Summary = "lldpd runs but manages no interface: check its interface pattern (lldpd -I, or lldpcli configure system interface pattern) and that the NICs exist"
		return res
	}
	var findings []finding
	for _, nic := range nics {
		f := c.evaluateNIC(nic, known, knownNames, byIface[nic], snap.Stats)
		findings = append(findings, f)
		res.Add(f.state, "%s", f.long)
		if _, ok := known[nic]; ok {
			st := snap.Stats[nic]
			res.AddPerf(
				nagios.Perf{Label: nic + "_neighbors", Value: float64(len(byIface[nic])), Min: nagios.Float(0)},
				nagios.Perf{Label: nic + "_rx", Value: float64(st.RX), UOM: "c"},
				nagios.Perf{Label: nic + "_tx", Value: float64(st.TX), UOM: "c"},
				nagios.Perf{Label: nic + "_rx_discarded", Value: float64(st.RXDiscarded), UOM: "c"},
				nagios.Perf{Label: nic + "_rx_unrecognized", Value: float64(st.RXUnrecognized), UOM: "c"},
				nagios.Perf{Label: nic + "_ageout", Value: float64(st.Ageout), UOM: "c"},
				nagios.Perf{Label: nic + "_deleted", Value: float64(st.Delete), UOM: "c"},
			)
		}
	}
	res.Summary = summarize(findings, named)
	return res
}

func summarize(findings []finding, named bool) string {
	worst := nagios.OK
	for _, f := range findings {
		worst = nagios.Worst(worst, f.state)
	}
	if worst == nagios.OK {
		var seen []string
		for _, f := range findings {
			seen = append(seen, f.short)
		}
		what := "every NIC lldpd manages sees an LLDP neighbor"
		if named {
			what = "every checked NIC sees its LLDP neighbor"
		}
		return what + ": " + strings.Join(seen, ", ")
	}
	var parts []string
	for _, f := range findings {
		if f.state == worst {
			parts = append(parts, f.short)
		}
	}
	return strings.Join(parts, "; ")
}

func describe(n Neighbor) string {
	name := n.SysName
	if name == "" {
		name = "chassis " + strings.TrimSpace(n.ChassisType+" "+n.ChassisID)
	}
	port := n.PortDescr
	if port == "" {
		port = n.PortID
	}
	return strings.TrimSpace(name + " " + port)
}

func details(n Neighbor, st Stats) string {
	var d []string
	d = append(d, "port id "+strings.TrimSpace(n.PortIDType+" "+n.PortID))
	if n.PortDescr != "" {
		d = append(d, fmt.Sprintf("port description %q", n.PortDescr))
	}
	if n.MgmtIP != "" {
		d = append(d, "mgmt "+n.MgmtIP)
	}
	if n.Via != "" && n.Via != "LLDP" {
		d = append(d, "via "+n.Via)
	}
	if n.TTL >= 0 {
		d = append(d, "TTL "+registry.FormatSeconds(n.TTL)+"s")
	}
	if n.Age >= 0 {
		d = append(d, "unchanged for "+formatAge(n.Age))
	}
	d = append(d, fmt.Sprintf("frames rx %d tx %d", st.RX, st.TX))
	return strings.Join(d, ", ")
}

func formatAge(d time.Duration) string {
	d = d.Truncate(time.Second)
	if d >= 48*time.Hour {
		days := d / (24 * time.Hour)
		return fmt.Sprintf("%dd%s", days, (d - days*24*time.Hour).String())
	}
	return d.String()
}

func (c *Check) evaluateNIC(nic string, known map[string]Interface, knownNames []string, neighbors []Neighbor, stats map[string]Stats) finding {
	iface, ok := known[nic]
	if !ok {
		list := "none"
		if len(knownNames) > 0 {
			list = strings.Join(knownNames, ", ")
		}
		return finding{
			state: nagios.Critical,
			short: fmt.Sprintf("lldpd does not manage %s (it manages: %s)", nic, list),
			long: fmt.Sprintf("%s: lldpd does not manage this interface (it manages: %s): the NIC is missing or renamed, or excluded by lldpd's interface pattern (lldpd -I, lldpcli configure system interface pattern)",
				nic, list),
		}
	}
	st := stats[nic]
	exp, hasExp := c.expects[nic]
	if len(neighbors) == 0 {
		return noNeighbor(nic, iface, st, exp, hasExp)
	}
	if hasExp {
		var seen []string
		for _, n := range neighbors {
			if exp.matchesSwitch(n) && exp.matchesPort(n) {
				return c.fresh(nic, n, st, fmt.Sprintf("%s: %s as expected (%s)", nic, describe(n), details(n, st)), fmt.Sprintf("%s %s", nic, describe(n)))
			}
			seen = append(seen, describe(n))
		}
		what := "port"
		for _, n := range neighbors {
			if !exp.matchesSwitch(n) {
				what = "switch"
			}
		}
		var det []string
		for _, n := range neighbors {
			det = append(det, describe(n)+" ("+details(n, st)+")")
		}
		return finding{
			state: nagios.Critical,
			short: fmt.Sprintf("%s: wrong %s: expected %s, seen %s: a cabling error or a stale inventory", nic, what, exp, strings.Join(seen, " and ")),
			long: fmt.Sprintf("%s: expected %s but the neighbor is %s: recable the NIC to %s, or fix the inventory if the new cabling is intended (PORT is compared with the neighbor's port ID and port description)",
				nic, exp, strings.Join(det, "; "), exp),
		}
	}
	var descs, dets []string
	for _, n := range neighbors {
		descs = append(descs, describe(n))
		dets = append(dets, describe(n)+" ("+details(n, st)+")")
	}
	short := nic + " " + strings.Join(descs, " and ")
	long := nic + ": " + strings.Join(dets, "; ")
	// One neighbor is the norm; with several, freshness is judged on each.
	worst := finding{state: nagios.OK, short: short, long: long}
	for _, n := range neighbors {
		if f := c.fresh(nic, n, st, long, short); f.state != nagios.OK {
			worst = f
		}
	}
	return worst
}

// fresh applies --max-age to a neighbor that is otherwise fine.
func (c *Check) fresh(nic string, n Neighbor, st Stats, long, short string) finding {
	if c.MaxAge <= 0 || n.TTL <= c.MaxAge {
		return finding{state: nagios.OK, short: short, long: long}
	}
	ttl, limit := registry.FormatSeconds(n.TTL)+"s", registry.FormatSeconds(c.MaxAge)+"s"
	return finding{
		state: nagios.Warning,
		short: fmt.Sprintf("%s: %s advertises TTL %s, above --max-age %s: its data may be that stale", nic, describe(n), ttl, limit),
		long: fmt.Sprintf("%s: %s advertises TTL %s, above --max-age %s: lldpd keeps a neighbor until its TTL expires, so this data may be up to %s old; lower the switch's LLDP hold time (TTL = tx interval x hold multiplier) or raise --max-age (%s)",
			nic, describe(n), ttl, limit, ttl, details(n, st)),
	}
}

func times(n int64) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

func frames(n int64) string {
	if n == 1 {
		return "1 frame"
	}
	return fmt.Sprintf("%d frames", n)
}

func noNeighbor(nic string, iface Interface, st Stats, exp Expectation, hasExp bool) finding {
	want := ""
	if hasExp {
		want = fmt.Sprintf(", expected %s", exp)
	}
	if !iface.Receives() {
		return finding{
			state: nagios.Critical,
			short: fmt.Sprintf("no LLDP neighbor on %s%s: lldpd does not receive on it (status %s); run lldpcli configure ports %s lldp status rx-and-tx", nic, want, iface.Status, nic),
			long: fmt.Sprintf("%s: no LLDP neighbor%s: lldpd's admin status on this port is %q, so it ignores received frames; run lldpcli configure ports %s lldp status rx-and-tx",
				nic, want, iface.Status, nic),
		}
	}
	// short goes on line 1, why in the long output.
	var short, why string
	withdrawn := st.Delete - st.Ageout // lldpd counts an aged-out neighbor as deleted too
	switch {
	case st.RX == 0:
		short = "no frame received since lldpd started"
		why = "no LLDP frame received since lldpd started"
	case st.Ageout > 0 && withdrawn > 0:
		short = "it aged out or withdrew"
	case st.Ageout > 0:
		short = "it aged out"
	case withdrawn > 0:
		short = "it withdrew with a shutdown frame"
	default:
		short = "frames received, none kept"
	}
	if st.RX > 0 {
		why = frames(st.RX) + " received since lldpd started"
		var gone []string
		if st.Ageout > 0 {
			gone = append(gone, fmt.Sprintf("aged out %s (the switch stopped sending)", times(st.Ageout)))
		}
		if withdrawn > 0 {
			gone = append(gone, fmt.Sprintf("was withdrawn %s (a shutdown frame: the switch's LLDP agent stopped or LLDP was disabled on its port)", times(withdrawn)))
		}
		if len(gone) > 0 {
			why += "; the neighbor " + strings.Join(gone, " and ")
		} else {
			why += ", none kept"
		}
	}
	if st.RXDiscarded > 0 {
		short += fmt.Sprintf(", %d frames discarded", st.RXDiscarded)
		why += fmt.Sprintf("; %d frames discarded as malformed", st.RXDiscarded)
	}
	return finding{
		state: nagios.Critical,
		short: fmt.Sprintf("no LLDP neighbor on %s%s (%s): the switch port may not send LLDP or the NIC firmware may drop it; capture: %s", nic, want, short, captureHint(nic)),
		long: fmt.Sprintf("%s: no LLDP neighbor%s: %s; %s sent. Capture on the NIC: %s. Frames in the capture but no neighbor: lldpd's problem, see its log. No frames: enable LLDP on the switch port, or the NIC firmware consumes them (e.g. the Intel X710/XL710 firmware LLDP agent: ethtool --set-priv-flags %s disable-fw-lldp on, or upgrade the NIC firmware).",
			nic, want, why, frames(st.TX), captureHint(nic), nic),
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
		RunsOn: "hypervisor",
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
