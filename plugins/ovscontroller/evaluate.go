package ovscontroller

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"edgecheck/shared/nagios"
	"edgecheck/shared/ovsdb"
	"edgecheck/shared/registry"
)

// policy is what evaluate needs from the flags and the host.
type policy struct {
	Grace         time.Duration
	Bridges       []string // empty: every bridge, and the managers
	RequireMaster bool
	// Verbose (-v) adds each target's whole status map to its line.
	Verbose int
	// Uptime returns how long a daemon ("ovs-vswitchd", "ovsdb-server") has
	// been running, when that is known. A target that never connected has
	// been failing for at least as long as its daemon has been trying.
	Uptime func(daemon string) (time.Duration, bool)
	// Now is when OVSDB was read.
	Now time.Time
	// Memory is the state file's content, updated in place; nil keeps no
	// memory.
	Memory *memory
	// Listening verifies a passive target that OVS does not report on
	// (punix: managers, every passive controller); nil: not verifiable.
	Listening func(target, daemon string) listenerCheck
}

// A listenerCheck is what the host says about a passive target.
type listenerCheck struct {
	Known     bool   // false: it could not be verified from here
	Listening bool   // when Known
	Detail    string // how it was verified, or why not
}

func passive(target string) bool {
	return slices.ContainsFunc([]string{"ptcp:", "punix:", "pssl:"}, func(p string) bool { return strings.HasPrefix(target, p) })
}

// counts feeds the summary line.
type counts struct{ connected, down, listening, notListening, stale int }

func (c counts) String() string {
	var parts []string
	add := func(n int, what string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(c.connected, "connected")
	add(c.down, "not connected")
	add(c.stale, "stale")
	add(c.notListening, "not listening")
	add(c.listening, "listening")
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// evaluator holds one evaluation's result while it is built.
type evaluator struct {
	s   *Snapshot
	p   policy
	res *nagios.Result
	// problems are line 1's problems, each with the state it gives.
	problems nagios.Summary
	grace    string
	// added holds the targets configured since the previous run.
	added map[string]bool
}

// evaluate turns a snapshot into the check result and updates p.Memory. It
// does no I/O other than through p's seams.
func evaluate(s *Snapshot, p policy) *nagios.Result {
	if p.Now.IsZero() {
		p.Now = time.Now()
	}
	e := &evaluator{s: s, p: p, res: &nagios.Result{}, grace: registry.FormatSeconds(p.Grace) + "s", added: map[string]bool{}}
	if p.Memory != nil {
		for k, row := range s.targetRows() {
			rec, ok := p.Memory.Targets[k]
			if ok && rec.Row != string(row) {
				// Another row with the same target: the database was
				// recreated or the target configured again.
				delete(p.Memory.Targets, k)
				ok = false
			}
			if !ok && p.Memory.LastRun != nil {
				e.added[k] = true
			}
		}
	}
	var ctl, mgr counts
	if !s.VswitchdRunning {
		e.problems.Add(e.staleState(), "ovs-vswitchd is not running (nobody holds its OVSDB lock), so the controller status in OVSDB is stale")
	}
	if len(p.Bridges) == 0 {
		for _, m := range s.Managers {
			e.judge("manager", "manager "+m.Target, "ovsdb-server", m, &mgr)
		}
	}
	for _, b := range s.Bridges {
		if e.selected(b) {
			e.bridge(b, &ctl)
		}
	}
	e.sync()
	res := e.res
	if len(res.Items) == 0 {
		var none nagios.Summary
		none.Add(nagios.Unknown, "no managers or controllers are configured, nothing to check (is this the right host or --db?)")
		res.State = nagios.Unknown
		res.Summary = none.Line(res, "")
		return res
	}
	res.Summary = e.summary(ctl, mgr)
	return res
}

// selected reports whether --bridge selects b (no --bridge: every bridge).
func (e *evaluator) selected(b Bridge) bool {
	return len(e.p.Bridges) == 0 || slices.Contains(e.p.Bridges, b.Name)
}

// staleState is what a dead ovs-vswitchd gives the check: CRITICAL when a
// selected bridge has a controller, whose status is then stale (judge);
// else nothing it checks depends on ovs-vswitchd.
func (e *evaluator) staleState() nagios.State {
	for _, b := range e.s.Bridges {
		if e.selected(b) && len(b.Controllers) > 0 {
			return nagios.Critical
		}
	}
	return nagios.OK
}

// summary is line 1, built with nagios.Summary: the worst problem, with
// how many more there are ("(and N more)"), then the counts of
// controllers and, without --bridge, of managers.
func (e *evaluator) summary(ctl, mgr counts) string {
	line := fmt.Sprintf("controllers: %s", ctl)
	if len(e.p.Bridges) == 0 {
		line += fmt.Sprintf("; managers: %s", mgr)
	}
	problems := e.problems.Texts(e.res)
	if len(problems) == 0 {
		return line
	}
	lead := problems[0]
	if len(problems) > 1 {
		lead += fmt.Sprintf(" (and %d more)", len(problems)-1)
	}
	return lead + "; " + line
}

// bridge judges one bridge's controllers and its master requirement.
func (e *evaluator) bridge(b Bridge, ctl *counts) {
	if len(b.Controllers) == 0 {
		if len(e.p.Bridges) > 0 {
			e.res.Add(nagios.Critical, "bridge %s: no controller configured (asked for with --bridge); fail_mode %s", b.Name, orDefault(b.FailMode, "standalone"))
			e.problems.Add(nagios.Critical, "bridge "+b.Name+" has no controller")
		} else {
			e.res.Add(nagios.OK, "bridge %s: no controller configured (fail_mode %s)", b.Name, orDefault(b.FailMode, "standalone"))
		}
		return
	}
	for _, c := range b.Controllers {
		e.judge("bridge "+b.Name+" controller", b.Name+" "+c.Target, "ovs-vswitchd", c, ctl)
	}
	if !e.p.RequireMaster || !e.s.VswitchdRunning {
		return
	}
	var roles []string
	master := false
	for _, c := range b.Controllers {
		if passive(c.Target) {
			continue
		}
		roles = append(roles, orDefault(c.Role, "none"))
		if c.IsConnected && c.Role == "master" {
			master = true
		}
	}
	switch {
	case len(roles) == 0:
		// OVS reports no role for passive targets (role [] and status {}),
		// so a master can never show; the requirement is for bridges with
		// active controllers only.
		e.res.Add(nagios.OK, "bridge %s: only passive controllers, --require-master does not apply (OVS reports no role for passive targets)", b.Name)
	case master:
		e.res.Add(nagios.OK, "bridge %s: a connected controller has role master", b.Name)
	default:
		e.res.Add(nagios.Critical, "bridge %s: no connected controller in role master (--require-master); roles: %s", b.Name, strings.Join(roles, ", "))
		e.problems.Add(nagios.Critical, "bridge "+b.Name+" has no connected master controller")
	}
}

// record returns the memory's record for a target, creating it.
func (e *evaluator) record(key string) *record {
	if e.p.Memory == nil {
		return &record{}
	}
	rec, ok := e.p.Memory.Targets[key]
	switch {
	case !ok:
		rec = &record{}
		e.p.Memory.Targets[key] = rec
	case rec.Observed.After(e.p.Now):
		// A concurrent run read OVSDB after us and stored what it saw
		// while we waited for the lock: judge with a copy, keep its record.
		cp := *rec
		return &cp
	}
	return rec
}

// sync records every configured target, whatever --bridge selects, drops
// the ones no longer configured, and stamps the run.
func (e *evaluator) sync() {
	m := e.p.Memory
	if m == nil {
		return
	}
	keep := map[string]bool{}
	for k, row := range e.s.targetRows() {
		keep[k] = true
		rec, ok := m.Targets[k]
		if !ok {
			rec = &record{Observed: e.p.Now}
			m.Targets[k] = rec
		}
		rec.Row = string(row)
	}
	for k := range m.Targets {
		if !keep[k] {
			delete(m.Targets, k)
		}
	}
	if m.LastRun == nil || m.LastRun.Before(e.p.Now) {
		t := e.p.Now
		m.LastRun = &t
	}
}

// judge evaluates one target and adds its item and perfdata.
func (e *evaluator) judge(scope, label, daemon string, t Target, c *counts) {
	name := scope + " " + t.Target
	switch {
	case daemon == "ovs-vswitchd" && !e.s.VswitchdRunning:
		// Only ovs-vswitchd writes Controller.status and only it listens
		// on passive controller targets; ovsdb-server, which we are
		// talking to, keeps Manager.status current.
		c.stale++
		last := "disconnected"
		if t.IsConnected {
			last = "connected"
		}
		e.res.Add(nagios.Critical, "%s: STALE: ovs-vswitchd is not running; its last report was %s%s%s", name, last, describeStatus(t), verboseStatus(e.p.Verbose, t))
		e.res.AddPerf(nagios.Perf{Label: label + " connected", Value: 0, Min: nagios.Float(0), Max: nagios.Float(1)})
	case passive(t.Target):
		e.listener(name, label, daemon, t, c)
	case t.IsConnected:
		c.connected++
		markConnected(e.record(name), e.p.Now)
		text := "connected"
		var up *float64
		if s, ok := t.seconds("sec_since_connect"); ok {
			text += fmt.Sprintf(" for %ds", s)
			v := float64(s)
			up = &v
		}
		e.res.Add(nagios.OK, "%s: %s%s%s", name, text, describeStatus(t), verboseStatus(e.p.Verbose, t))
		e.targetPerf(label, true, up, nagios.Float(0))
	default:
		e.unconnected(name, label, daemon, t, c)
	}
}

// unconnected judges an active target that is not connected, dating the
// spell with dateOutage.
func (e *evaluator) unconnected(name, label, daemon string, t Target, c *counts) {
	c.down++
	now := e.p.Now
	f := downFacts{now: now, daemon: daemon, noStatus: len(t.Status) == 0}
	ago := func(key string) *time.Time {
		if s, ok := t.seconds(key); ok {
			v := now.Add(-time.Duration(s) * time.Second)
			return &v
		}
		return nil
	}
	f.lastConnect, f.lastDisconnect = ago("sec_since_connect"), ago("sec_since_disconnect")
	if up, ok := e.p.Uptime(daemon); ok {
		v := now.Add(-up)
		f.daemonStart = &v
	}
	if e.added[name] {
		f.configuredAfter = e.p.Memory.LastRun
	}
	o := dateOutage(e.record(name), f)
	var text string
	if f.noStatus {
		text = daemon + " has reported no status for this target (just configured, or " + daemon + " could not set it up, e.g. a bridge it failed to create: see its log); "
	}
	secs := o.Seconds(now)
	down := float64(secs)
	text += o.Text(now)
	problem := o.Text(now)
	if i := strings.Index(problem, " ("); i > 0 {
		problem = problem[:i]
	}
	if f.noStatus {
		problem = "has no status from " + daemon + ", " + problem
	}
	state := nagios.Warning
	if down > e.p.Grace.Seconds() {
		state = nagios.Critical
		text += ", longer than --grace " + e.grace
		problem += " (> grace " + e.grace + ")"
	} else {
		text += ", within --grace " + e.grace
		problem += " (within grace " + e.grace + ")"
	}
	e.res.Add(state, "%s: %s%s%s", name, text, describeStatus(t), verboseStatus(e.p.Verbose, t))
	e.problems.Add(state, name+" "+problem)
	e.targetPerf(label, false, nil, &down)
}

// targetPerf adds an active target's perfdata.
func (e *evaluator) targetPerf(label string, connected bool, up, down *float64) {
	v := 0.0
	if connected {
		v = 1
	}
	e.res.AddPerf(nagios.Perf{Label: label + " connected", Value: v, Min: nagios.Float(0), Max: nagios.Float(1)})
	if up != nil {
		e.res.AddPerf(nagios.Perf{Label: label + " up", Value: *up, UOM: "s", Min: nagios.Float(0)})
	}
	if down != nil {
		warn, crit := nagios.MustParseRange("0"), nagios.MustParseRange(registry.FormatSeconds(e.p.Grace))
		e.res.AddPerf(nagios.Perf{Label: label + " down", Value: *down, UOM: "s", Warn: &warn, Crit: &crit, Min: nagios.Float(0)})
	}
}

// listener judges a passive target (ptcp:, pssl:, punix:). ovsdb-server
// reports status:bound_port for a bound ptcp:/pssl: manager and leaves it
// out when the listen failed (e.g. "Address already in use"); it reports
// no bound_port for punix:, and ovs-vswitchd reports nothing at all for
// passive controllers (role [], status {}). Those are verified on the host
// through p.Listening when possible.
func (e *evaluator) listener(name, label, daemon string, t Target, c *counts) {
	var check listenerCheck
	port, bound := t.Status["bound_port"]
	switch {
	case bound:
		check = listenerCheck{Known: true, Listening: true, Detail: "bound to port " + port + " (bound_port)"}
	case daemon == "ovsdb-server" && !strings.HasPrefix(t.Target, "punix:"):
		check = listenerCheck{Known: true, Detail: "ovsdb-server reports no bound_port: it could not bind the address (e.g. already in use); see ovsdb-server.log"}
	case e.p.Listening != nil:
		check = e.p.Listening(t.Target, daemon)
	default:
		check = listenerCheck{Detail: "OVS does not report whether " + daemon + " listens on it"}
	}
	if e := t.Status["last_error"]; e != "" && !t.IsConnected {
		check.Detail += fmt.Sprintf(", last_error %q", e)
	}
	n, _ := t.seconds("n_connections")
	extra := ""
	if n > 0 {
		extra = fmt.Sprintf(", %d connections", n)
	}
	switch {
	case check.Known && !check.Listening:
		c.notListening++
		e.res.Add(nagios.Critical, "%s: NOT LISTENING: %s%s", name, check.Detail, verboseStatus(e.p.Verbose, t))
		e.problems.Add(nagios.Critical, name+" is not listening ("+firstClause(check.Detail)+")")
	case check.Known:
		c.listening++
		e.res.Add(nagios.OK, "%s: listening, %s%s%s", name, check.Detail, extra, verboseStatus(e.p.Verbose, t))
	default:
		c.listening++
		e.res.Add(nagios.OK, "%s: passive listener, not verified: %s%s%s", name, check.Detail, extra, verboseStatus(e.p.Verbose, t))
	}
	e.res.AddPerf(nagios.Perf{Label: label + " connections", Value: float64(n), Min: nagios.Float(0)})
}

// describeStatus renders role, state and last_error for an item line.
func describeStatus(t Target) string {
	var b strings.Builder
	if t.Role != "" {
		b.WriteString(", role " + t.Role)
	}
	if st := t.Status["state"]; st != "" {
		b.WriteString(", state " + st)
	}
	if e := t.Status["last_error"]; e != "" {
		if t.IsConnected {
			// OVS keeps the error of an earlier failed attempt.
			fmt.Fprintf(&b, ", earlier last_error %q", e)
		} else {
			fmt.Fprintf(&b, ", last_error %q", e)
		}
	}
	return b.String()
}

// verboseStatus renders the raw status map for -v.
func verboseStatus(verbose int, t Target) string {
	if verbose < 1 {
		return ""
	}
	var kv []string
	for _, k := range ovsdb.SortedKeys(t.Status) {
		kv = append(kv, k+"="+t.Status[k])
	}
	return fmt.Sprintf(" [is_connected=%t status {%s}]", t.IsConnected, strings.Join(kv, ", "))
}

func firstClause(s string) string {
	if i := strings.Index(s, ": "); i > 0 {
		s = s[:i]
	}
	if i := strings.Index(s, ", "); i > 0 {
		return s[:i]
	}
	return s
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
