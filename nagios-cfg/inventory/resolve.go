package inventory

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"edgecheck/shared/registry"
)

func (l *loader) resolve(envs []rawEnv) {
	l.checkStatic(envs)
	hostSeen := map[string]Pos{}
	serverSeen := map[string]Pos{}
	for _, re := range envs {
		l.fleet.Envs = append(l.fleet.Envs, re.env)
		l.resolveServers(re, serverSeen)
		for _, rc := range re.cells {
			for _, rh := range rc.hosts {
				h := rh.host
				if prev, dup := hostSeen[h.Name]; dup {
					l.el.add(h.Pos, "duplicate host %s (first defined at %s)", h.Name, prev)
					continue
				}
				hostSeen[h.Name] = h.Pos
				l.resolveHost(re, rc, rh)
				rc.cell.Hosts = append(rc.cell.Hosts, h)
			}
			sort.Slice(rc.cell.Hosts, func(i, j int) bool { return rc.cell.Hosts[i].Name < rc.cell.Hosts[j].Name })
		}
	}
	sort.Slice(l.fleet.Servers, func(i, j int) bool { return l.fleet.Servers[i].Name < l.fleet.Servers[j].Name })
}

// checkStatic validates every service definition and override where it
// is written, once, whether or not a host uses it.
func (l *loader) checkStatic(envs []rawEnv) {
	svcCheck := map[string]*Plugin{}
	for _, rn := range l.fleet.Roles {
		r := l.roles[rn]
		for _, sn := range r.order {
			d := r.services[sn]
			p, ok := l.cat[d.check.v]
			if !ok {
				l.el.add(d.check.pos, "unknown check %q in service %s of role %s (known checks: %s)", d.check.v, sn, rn, strings.Join(l.checkNames(), ", "))
				continue
			}
			if prev, ok := svcCheck[sn]; ok && prev != p {
				l.el.add(d.pos, "service %s already runs %s in another role; a service name means one check everywhere", sn, prev.Name)
				continue
			}
			svcCheck[sn] = p
			l.checkDef(p, d)
		}
	}
	layers := []*layer{l.defaults}
	for _, re := range envs {
		layers = append(layers, re.layer)
		for _, rc := range re.cells {
			layers = append(layers, rc.layer)
			for _, rh := range rc.hosts {
				layers = append(layers, rh.layer)
			}
		}
	}
	for _, ly := range layers {
		if ly == nil {
			continue
		}
		l.checkSettings(&ly.settings)
		for _, sn := range ly.svcOrder {
			d := ly.services[sn]
			p, ok := svcCheck[sn]
			if !ok {
				known := make([]string, 0, len(svcCheck))
				for k := range svcCheck {
					known = append(known, k)
				}
				sort.Strings(known)
				l.el.add(d.pos, "unknown service %q: no role defines it (services: %s)", sn, strings.Join(known, ", "))
				continue
			}
			l.checkDef(p, d)
		}
	}
}

func (l *loader) checkNames() []string {
	out := make([]string, len(l.plugins))
	for i, p := range l.plugins {
		out[i] = p.Name
	}
	return out
}

func (l *loader) checkDef(p *Plugin, d *svcDef) {
	l.checkSettings(&d.settings)
	names := make([]string, 0, len(d.flags))
	for k := range d.flags {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		l.checkFlag(p, k, d.flags[k], false)
	}
}

func (l *loader) checkSettings(s *settings) {
	if s.contactGroups.set {
		for _, g := range s.contactGroups.v {
			if !l.groups[g] {
				l.el.add(s.contactGroups.pos, "unknown contact group %q (define it under contact_groups in defaults.yaml)", g)
			}
		}
	}
	if len(s.snmpFlags) > 0 {
		p, ok := l.cat[SnmpExtendCheck]
		if !ok {
			for _, f := range s.snmpFlags {
				l.el.add(f.keyPos, "snmp_extend_flags need %s, which is not in the plugin registry", SnmpExtendCheck)
				break
			}
			return
		}
		names := make([]string, 0, len(s.snmpFlags))
		for k := range s.snmpFlags {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			l.checkFlag(p, k, s.snmpFlags[k], true)
		}
	}
}

var placeholder = regexp.MustCompile(`\{[^{}]*\}`)

var placeholders = map[string]bool{"{host}": true, "{host.short}": true, "{host.address}": true, "{cell}": true, "{env}": true}

// checkFlag validates a flag as written: that it exists, its shape, and
// each literal value through the registry's own Flag.Validate.
func (l *loader) checkFlag(p *Plugin, name string, f flagSrc, relay bool) {
	decl := p.Decl(name)
	if decl == nil {
		var known []string
		for _, d := range p.Decls {
			if d.Name != "help" && d.Name != "version" {
				known = append(known, "--"+d.Name)
			}
		}
		l.el.add(f.keyPos, "unknown flag --%s for %s (its flags: %s)", name, p.Name, strings.Join(known, ", "))
		return
	}
	if name == "help" || name == "version" {
		l.el.add(f.keyPos, "--%s cannot be set in an inventory: it makes the check print text and exit UNKNOWN", name)
		return
	}
	if relay && (name == "hostname" || name == "name") {
		l.el.add(f.keyPos, "--%s of %s is set by the generator (host address, extend name)", name, SnmpExtendCheck)
		return
	}
	if f.unset {
		return
	}
	if f.list && !decl.Repeatable() {
		l.el.add(f.valPos, "flag --%s of %s takes one value, not a list", name, p.Name)
		return
	}
	for i, v := range f.vals {
		if len(f.vals) > 1 && strings.HasPrefix(v, "secret:") {
			l.el.add(f.posOf[i], "flag --%s of %s: a secret must be the flag's only value", name, p.Name)
			continue
		}
		l.checkValue(p, decl, v, f.posOf[i], nil)
	}
}

// checkValue validates one value; with h set, placeholders are expanded
// first, otherwise a templated value is only checked for known names.
func (l *loader) checkValue(p *Plugin, decl *registry.Flag, v string, pos Pos, h *Host) (Value, bool) {
	if name, ok := strings.CutPrefix(v, "secret:"); ok {
		s, ok := l.secrets[name]
		if !ok {
			l.el.add(pos, "flag --%s of %s: unknown secret %q (define it under secrets in defaults.yaml)", decl.Name, p.Name, name)
			return Value{}, false
		}
		return Value{Secret: s, Pos: pos}, true
	}
	if msg := unsafeValue(v); msg != "" {
		l.el.add(pos, "flag --%s of %s: value %q %s", decl.Name, p.Name, v, msg)
		return Value{}, false
	}
	for _, ph := range placeholder.FindAllString(v, -1) {
		if !placeholders[ph] {
			l.el.add(pos, "flag --%s of %s: unknown placeholder %s (known: {host}, {host.short}, {host.address}, {cell}, {env})", decl.Name, p.Name, ph)
			return Value{}, false
		}
	}
	if h != nil {
		v = expand(v, h)
	} else if placeholder.MatchString(v) {
		return Value{}, true
	}
	if decl.Kind == registry.KindCount {
		if err := decl.Validate(v); err != nil {
			l.el.add(pos, "flag --%s of %s is a count: write a number such as 1 (-v) or 2 (-vv), not %q", decl.Name, p.Name, v)
			return Value{}, false
		}
	}
	if err := decl.Validate(v); err != nil {
		what := "invalid value"
		if decl.Threshold() {
			what = "invalid threshold range"
		}
		l.el.add(pos, "flag --%s of %s: %s %q: %v", decl.Name, p.Name, what, v, err)
		return Value{}, false
	}
	if decl.Kind == registry.KindBool && v != "true" && v != "false" {
		l.el.add(pos, "flag --%s of %s is a switch: write true or false, not %q", decl.Name, p.Name, v)
		return Value{}, false
	}
	return Value{Lit: v, Pos: pos}, true
}

func (l *loader) resolveServers(re rawEnv, seen map[string]Pos) {
	cells := map[string]*Cell{}
	for _, c := range re.env.Cells {
		cells[c.Name] = c
	}
	for _, rs := range re.servers {
		n := rs.name
		if prev, dup := seen[n.Value]; dup {
			l.el.add(n.Pos, "duplicate Nagios server %s (first listed at %s)", n.Value, prev)
			continue
		}
		seen[n.Value] = n.Pos
		s := &Server{Name: n.Value, Env: re.env.Name, Pos: n.Pos, Address: rs.address, AddressPos: rs.addrPos, Port: rs.port}
		for _, sc := range l.classes {
			m := sc.re.FindStringSubmatch(n.Value)
			if m == nil {
				continue
			}
			s.Class = sc.class
			if sc.class != ClassGlobal {
				s.Cell = m[sc.re.SubexpIndex("cell")]
			}
			break
		}
		if s.Class == "" {
			l.el.add(n.Pos, "Nagios server %s matches no server_classes pattern in defaults.yaml, so its class and cell are unknown", n.Value)
			continue
		}
		if s.Class != ClassGlobal {
			if c, ok := cells[s.Cell]; !ok || c.Global() {
				l.el.add(n.Pos, "Nagios server %s is the %s server of cell %q, which environment %s does not have", n.Value, s.Class, s.Cell, re.env.Name)
				continue
			}
		}
		re.env.Servers = append(re.env.Servers, s)
		l.fleet.Servers = append(l.fleet.Servers, s)
	}
	for _, rc := range re.cells {
		c := rc.cell
		covered := false
		for _, s := range re.env.Servers {
			if c.Global() && (s.Class == ClassGlobal || s.Class == ClassMixed) ||
				!c.Global() && s.Cell == c.Name {
				covered = true
			}
		}
		if !covered {
			if c.Global() {
				l.el.add(rc.pos, "the global control plane of environment %s has no Nagios server: list a global or mixed server under servers in %s", re.env.Name, re.env.File)
			} else {
				l.el.add(rc.pos, "cell %s has no Nagios server: list a cell or mixed server for %s under servers in %s", c.Name, c.Name, re.env.File)
			}
		}
	}
}

func (l *loader) resolveHost(re rawEnv, rc rawCell, rh rawHost) {
	h := rh.host
	chain := []*layer{l.defaults, re.layer, rc.layer, rh.layer}
	generic := builtin
	for _, ly := range chain {
		generic.apply(&ly.settings)
	}
	h.Settings = toResolved(generic)
	have, order := l.hostServices(rh)
	for _, sn := range order {
		o := have[sn]
		p, ok := l.cat[o.def.check.v]
		if !ok {
			continue // reported by checkStatic
		}
		eff, flags, disabled := l.effective(chain, sn, o.def)
		if disabled {
			continue
		}
		h.Services = append(h.Services, l.resolveService(h, sn, o.role, p, eff, flags))
	}
}

// An owned service is a role's service definition and the role's name.
type owned struct {
	def  *svcDef
	role string
}

// hostServices returns which services a host has, and from which role,
// with their names sorted; it reports a service given by two roles and a
// host override of a service none of its roles has.
func (l *loader) hostServices(rh rawHost) (map[string]owned, []string) {
	h := rh.host
	have := map[string]owned{}
	var order []string
	for i, rn := range h.Roles {
		r := l.roles[rn]
		for _, sn := range r.order {
			if prev, dup := have[sn]; dup {
				l.el.add(rh.roles[i].Pos, "host %s gets service %s from both role %s and role %s", h.Name, sn, prev.role, rn)
				continue
			}
			have[sn] = owned{r.services[sn], rn}
			order = append(order, sn)
		}
	}
	for _, sn := range rh.layer.svcOrder {
		if _, ok := have[sn]; !ok {
			l.el.add(rh.layer.services[sn].pos, "host %s has no service %s (its roles: %s)", h.Name, sn, strings.Join(h.Roles, ", "))
		}
	}
	sort.Strings(order)
	return have, order
}

// effective merges the settings, flags and disabled of service sn over
// the layer chain (defaults, environment, cell, host). Precedence, lowest
// first: built-in, the defaults layer's generic settings, the role's
// definition, the defaults layer's override of this service, then for
// environment, cell and host: the layer's generic settings, then its
// override of this service.
func (l *loader) effective(chain []*layer, sn string, def *svcDef) (settings, map[string]flagSrc, bool) {
	eff := builtin
	eff.apply(&l.defaults.settings)
	eff.apply(&def.settings)
	flags := map[string]flagSrc{}
	mergeFlags(flags, def.flags)
	disabled := setting[bool]{}
	apply := func(d *svcDef) {
		if d == nil {
			return
		}
		eff.apply(&d.settings)
		mergeFlags(flags, d.flags)
		disabled.over(d.disabled)
	}
	apply(l.defaults.services[sn])
	for _, ly := range chain[1:] {
		eff.apply(&ly.settings)
		apply(ly.services[sn])
	}
	return eff, flags, disabled.v
}

// resolveService builds one service of host h from its effective
// settings and flags: the check's flag values, the snmp-extend relay's
// flags, and the sudoers check of agent_plugin_dir.
func (l *loader) resolveService(h *Host, sn, role string, p *Plugin, eff settings, flags map[string]flagSrc) *Service {
	svc := &Service{Name: sn, Role: role, Plugin: p, Resolved: toResolved(eff)}
	svc.Flags = l.flagValues(p, flags, h, true)
	if svc.RunMode == ModeSNMPExtend {
		relay, ok := l.cat[SnmpExtendCheck]
		if !ok {
			pos := eff.runMode.pos
			if pos.File == "" {
				pos = h.Pos
			}
			l.el.add(pos, "run_mode snmp-extend needs %s, which is not in the plugin registry", SnmpExtendCheck)
		} else {
			for _, need := range []string{"hostname", "name"} {
				if relay.Decl(need) == nil {
					l.el.add(eff.runMode.pos, "run_mode snmp-extend needs --%s on %s, which its registry declarations lack", need, SnmpExtendCheck)
				}
			}
			svc.SnmpExtendFlags = l.flagValues(relay, eff.snmpFlags, h, false)
		}
	}
	if svc.Sudo && svc.RunMode != ModeLocal && !sudoersSafe.MatchString(svc.AgentPluginDir) {
		pos := eff.agentDir.pos
		if pos.File == "" {
			pos = eff.sudo.pos
		}
		l.el.add(pos, "service %s of host %s runs through sudo, and a sudoers file cannot name agent_plugin_dir %q as it is: use letters, digits and / _ . + - only", sn, h.Name, svc.AgentPluginDir)
	}
	return svc
}

// sudoersSafe matches a directory a sudoers command can name without
// escaping.
var sudoersSafe = regexp.MustCompile(`^/[A-Za-z0-9_./+-]*\z`)

func mergeFlags(dst, src map[string]flagSrc) {
	for k, v := range src {
		if v.unset {
			delete(dst, k)
		} else {
			dst[k] = v
		}
	}
}

// flagValues orders a service's flags as the plugin declares them,
// expanding placeholders, and reports a missing required flag.
func (l *loader) flagValues(p *Plugin, flags map[string]flagSrc, h *Host, requireAll bool) []FlagValue {
	var out []FlagValue
	for _, d := range p.Decls {
		f, ok := flags[d.Name]
		if !ok {
			if d.Required && requireAll {
				l.el.add(h.Pos, "host %s: %s needs --%s (required), which no layer sets for this service", h.Name, p.Name, d.Name)
			}
			continue
		}
		if p.Decl(d.Name) == nil || d.Name == "help" || d.Name == "version" {
			continue
		}
		fv := FlagValue{Decl: d, Values: make([]Value, 0, len(f.vals))}
		good := true
		for i, v := range f.vals {
			if strings.IndexByte(v, '{') < 0 && !strings.HasPrefix(v, "secret:") {
				// A literal was validated where it was written (checkStatic).
				fv.Values = append(fv.Values, Value{Lit: v, Pos: f.posOf[i]})
				continue
			}
			if !strings.HasPrefix(v, "secret:") {
				// Placeholder names were checked where the value was
				// written; per host only the expanded value's type is.
				x := expand(v, h)
				if d.Kind != registry.KindString && d.Kind != registry.KindStrings {
					if _, ok := l.checkValue(p, d, x, f.posOf[i], nil); !ok {
						good = false
						continue
					}
				}
				fv.Values = append(fv.Values, Value{Lit: x, Pos: f.posOf[i]})
				continue
			}
			val, ok := l.checkValue(p, d, v, f.posOf[i], h)
			if !ok {
				good = false
				continue
			}
			fv.Values = append(fv.Values, val)
		}
		if good && len(fv.Values) > 0 {
			out = append(out, fv)
		}
	}
	return out
}

// String names a value for messages.
func (v Value) String() string {
	if v.Secret != nil {
		return "secret:" + v.Secret.Name
	}
	return fmt.Sprintf("%q", v.Lit)
}

// expand replaces the placeholders {host}, {host.short}, {host.address},
// {cell} and {env} in v.
func expand(v string, h *Host) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(v, '{')
		if i < 0 {
			b.WriteString(v)
			return b.String()
		}
		j := strings.IndexByte(v[i:], '}')
		if j < 0 {
			b.WriteString(v)
			return b.String()
		}
		b.WriteString(v[:i])
		switch v[i : i+j+1] {
		case "{host}":
			b.WriteString(h.Name)
		case "{host.short}":
			b.WriteString(h.Short())
		case "{host.address}":
			b.WriteString(h.Address)
		case "{cell}":
			b.WriteString(h.Cell.Name)
		case "{env}":
			b.WriteString(h.Cell.Env.Name)
		default:
			b.WriteString(v[i : i+j+1])
		}
		v = v[i+j+1:]
	}
}
