package ovscontroller

import (
	"fmt"
	"strings"
	"time"

	"edgecheck/shared/nagios"
	"edgecheck/shared/ovsdb"
	"edgecheck/shared/registry"
)

// policy is what evaluate needs from the flags.
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
}

func passive(target string) bool {
	for _, p := range []string{"ptcp:", "punix:", "pssl:"} {
		if strings.HasPrefix(target, p) {
			return true
		}
	}
	return false
}

// counts feeds the summary line.
type counts struct{ connected, down, listening, stale int }

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
	add(c.listening, "listening")
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// evaluate turns a snapshot into the check result. It does no I/O.
func evaluate(s *Snapshot, p policy) *nagios.Result {
	res := &nagios.Result{}
	var ctl, mgr counts
	var problems []string
	grace := registry.FormatSeconds(p.Grace) + "s"
	graceSec := p.Grace.Seconds()

	// judge evaluates one target and adds its item and perfdata.
	judge := func(scope, label, daemon string, t Target, c *counts) {
		name := scope + " " + t.Target
		if passive(t.Target) {
			c.listening++
			text := "passive listener (not a failure)"
			if port := t.Status["bound_port"]; port != "" {
				text += ", bound to port " + port
			}
			n, ok := t.seconds("n_connections")
			if ok {
				text += fmt.Sprintf(", %d connections", n)
			}
			if e := t.Status["last_error"]; e != "" {
				text += fmt.Sprintf(", last_error %q", e)
			}
			res.Add(nagios.OK, "%s: %s%s", name, text, verboseStatus(p.Verbose, t))
			res.AddPerf(nagios.Perf{Label: label + " connections", Value: float64(n), Min: nagios.Float(0)})
			return
		}
		var (
			state     = nagios.OK
			text      string // the item line after the name
			problem   string // the summary's words for a failure
			downFor   *float64
			upFor     *float64
			connected = t.IsConnected
		)
		switch {
		case daemon == "ovs-vswitchd" && !s.VswitchdRunning:
			// Only ovs-vswitchd writes Controller.status; ovsdb-server,
			// which we are talking to, keeps Manager.status current.
			c.stale++
			state, connected = nagios.Critical, false
			last := "disconnected"
			if t.IsConnected {
				last = "connected"
			}
			text = "STALE: ovs-vswitchd is not running; its last report was " + last + describeStatus(t)
			// The summary names the dead ovs-vswitchd once, not per target.
		case len(t.Status) == 0:
			c.down++
			state = nagios.Warning
			text = daemon + " has not reported a status for this target yet (just configured, or " + daemon + " just started?)"
			problem = "has no status yet"
		case t.IsConnected:
			c.connected++
			text = "connected"
			if up, ok := t.seconds("sec_since_connect"); ok {
				text += fmt.Sprintf(" for %ds", up)
				v := float64(up)
				upFor = &v
			}
			text += describeStatus(t)
			zero := 0.0
			downFor = &zero
		default:
			c.down++
			if d, ok := t.seconds("sec_since_disconnect"); ok {
				v := float64(d)
				downFor = &v
				text = fmt.Sprintf("disconnected for %ds", d)
			} else if up, ok := p.Uptime(daemon); ok {
				v := float64(int64(up.Seconds()))
				downFor = &v
				text = fmt.Sprintf("never connected since %s started %ds ago", daemon, int64(v))
			} else {
				text = "never connected since " + daemon + " started, for an unknown time"
			}
			problem = firstClause(text)
			switch {
			case downFor == nil:
				state = nagios.Critical
				text += " (counted as longer than --grace " + grace + ")"
				problem += " (for how long is unknown)"
			case *downFor > graceSec:
				state = nagios.Critical
				text += ", longer than --grace " + grace
				problem += " (> grace " + grace + ")"
			default:
				state = nagios.Warning
				text += ", within --grace " + grace
				problem += " (within grace " + grace + ")"
			}
			text += describeStatus(t)
		}
		res.Add(state, "%s: %s%s", name, text, verboseStatus(p.Verbose, t))
		if state != nagios.OK && problem != "" {
			problems = append(problems, name+" "+problem)
		}
		v := 0.0
		if connected {
			v = 1
		}
		res.AddPerf(nagios.Perf{Label: label + " connected", Value: v, Min: nagios.Float(0), Max: nagios.Float(1)})
		if upFor != nil {
			res.AddPerf(nagios.Perf{Label: label + " up", Value: *upFor, UOM: "s", Min: nagios.Float(0)})
		}
		if downFor != nil {
			warn, crit := nagios.MustParseRange("0"), nagios.MustParseRange(registry.FormatSeconds(p.Grace))
			res.AddPerf(nagios.Perf{Label: label + " down", Value: *downFor, UOM: "s", Warn: &warn, Crit: &crit, Min: nagios.Float(0)})
		}
	}

	if !s.VswitchdRunning {
		problems = append(problems, "ovs-vswitchd is not running (nobody holds its OVSDB lock), so the controller status in OVSDB is stale")
	}
	if len(p.Bridges) == 0 {
		for _, m := range s.Managers {
			judge("manager", "manager "+m.Target, "ovsdb-server", m, &mgr)
		}
	}
	for _, b := range s.Bridges {
		if len(p.Bridges) > 0 && !contains(p.Bridges, b.Name) {
			continue
		}
		scope := "bridge " + b.Name + " controller"
		if len(b.Controllers) == 0 {
			if len(p.Bridges) > 0 {
				res.Add(nagios.Critical, "bridge %s: no controller configured (asked for with --bridge); fail_mode %s", b.Name, orDefault(b.FailMode, "standalone"))
				problems = append(problems, "bridge "+b.Name+" has no controller")
			} else {
				res.Add(nagios.OK, "bridge %s: no controller configured (fail_mode %s)", b.Name, orDefault(b.FailMode, "standalone"))
			}
			continue
		}
		for _, c := range b.Controllers {
			judge(scope, b.Name+" "+c.Target, "ovs-vswitchd", c, &ctl)
		}
		if p.RequireMaster && s.VswitchdRunning {
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
			if master {
				res.Add(nagios.OK, "bridge %s: a connected controller has role master", b.Name)
			} else {
				res.Add(nagios.Critical, "bridge %s: no connected controller in role master (--require-master); roles: %s", b.Name, orDefault(strings.Join(roles, ", "), "no active controllers"))
				problems = append(problems, "bridge "+b.Name+" has no connected master controller")
			}
		}
	}
	if len(res.Items) == 0 {
		res.State = nagios.Unknown
		res.Summary = "no managers or controllers are configured, nothing to check (is this the right host or --db?)"
		return res
	}
	summary := fmt.Sprintf("controllers: %s", ctl)
	if len(p.Bridges) == 0 {
		summary += fmt.Sprintf("; managers: %s", mgr)
	}
	if len(problems) > 0 {
		lead := problems[0]
		if len(problems) > 1 {
			lead += fmt.Sprintf(" (and %d more)", len(problems)-1)
		}
		summary = lead + "; " + summary
	}
	res.Summary = summary
	return res
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
	s := fmt.Sprintf(" [is_connected=%t status {%s}]", t.IsConnected, strings.Join(kv, ", "))
	return s
}

func firstClause(s string) string {
	if i := strings.Index(s, ", "); i > 0 {
		return s[:i]
	}
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
