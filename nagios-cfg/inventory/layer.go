package inventory

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// A setting is one value with the position it was written at.
type setting[T any] struct {
	v   T
	pos Pos
	set bool
}

func (s *setting[T]) over(o setting[T]) {
	if o.set {
		*s = o
	}
}

// A flagSrc is one flag as written in one place.
type flagSrc struct {
	keyPos Pos
	valPos Pos
	vals   []string
	posOf  []Pos // per value
	list   bool
	unset  bool // written as null: removes a value set by a less specific layer
}

// A svcDef is a service as defined in a role, or overridden in a layer.
type svcDef struct {
	settings
	name     string
	pos      Pos
	check    setting[string]
	flags    map[string]flagSrc
	disabled setting[bool]
}

// A layer is defaults, an environment, a cell or a host.
type layer struct {
	settings
	services map[string]*svcDef
	svcOrder []string
}

var periodNames = []string{"24x7", "workhours"}

// runMode reads run_mode: one of RunModes.
func runMode(n *Node, el *errList, what string) setting[string] {
	str, ok := scalar(n, el, what)
	if !ok {
		return setting[string]{}
	}
	if !slices.Contains(RunModes, str) {
		el.add(n.Pos, "unknown run_mode %q (one of %s)", str, strings.Join(RunModes, ", "))
	}
	return setting[string]{str, n.Pos, true}
}

// absDir reads a directory on the hosts: an absolute path that a command
// line carries unquoted.
func absDir(n *Node, el *errList, what string) setting[string] {
	str, ok := scalar(n, el, what)
	if !ok {
		return setting[string]{}
	}
	if !strings.HasPrefix(str, "/") {
		el.add(n.Pos, "%s %q must be an absolute path", what, str)
	} else if msg := unsafeText(str); msg != "" {
		el.add(n.Pos, "%s %q %s", what, str, msg)
	} else if strings.ContainsAny(str, " \t") {
		el.add(n.Pos, "%s %q must not contain spaces", what, str)
	}
	return setting[string]{str, n.Pos, true}
}

func decodeFlags(v *Node, el *errList, what string) map[string]flagSrc {
	out := map[string]flagSrc{}
	if !isMap(v, el, what) {
		return out
	}
	for i, k := range v.Keys {
		fv := v.Vals[i]
		name := strings.TrimPrefix(k.Value, "--")
		f := flagSrc{keyPos: k.Pos, valPos: fv.Pos}
		switch fv.Kind {
		case Null:
			f.unset = true
		case Scalar:
			f.vals = []string{fv.Value}
			f.posOf = []Pos{fv.Pos}
		case Seq:
			f.list = true
			for _, it := range fv.Items {
				if it.Kind != Scalar {
					el.add(it.Pos, "flag --%s: each list item must be a single value, not %s", name, it.Kind)
					continue
				}
				f.vals = append(f.vals, it.Value)
				f.posOf = append(f.posOf, it.Pos)
			}
		default:
			el.add(fv.Pos, "flag --%s: value must be a single value or a list, not %s", name, fv.Kind)
			continue
		}
		out[name] = f
	}
	return out
}

func decodeSvc(name string, keyPos Pos, n *Node, inRole bool, el *errList) *svcDef {
	d := &svcDef{name: name, pos: keyPos}
	if n.Kind == Null {
		return d
	}
	if !isMap(n, el, "service "+name) {
		return d
	}
	decodeSettings(n, &d.settings, el)
	for i, k := range n.Keys {
		v := n.Vals[i]
		switch {
		case isSettingKey(k.Value):
		case k.Value == "check" && inRole:
			if s, ok := scalar(v, el, "check"); ok {
				d.check = setting[string]{s, v.Pos, true}
			}
		case k.Value == "check":
			el.add(k.Pos, "service %s: the check is chosen by the role; a layer can change its flags and settings, not its check", name)
		case k.Value == "flags":
			d.flags = decodeFlags(v, el, "flags")
		case k.Value == "disabled":
			d.disabled = boolean(v, el, "disabled")
		default:
			el.add(k.Pos, "unknown key %q in service %s (known: %s)", k.Value, name, strings.Join(append([]string{"check", "flags", "disabled"}, settingKeys...), ", "))
		}
	}
	if inRole && !d.check.set {
		el.add(keyPos, "service %s has no check: set check to a plugin name such as check_ovs_controller", name)
	}
	return d
}

// decodeLayer reads a layer mapping; extra lists the keys its caller
// handles itself (host name, roles, …).
func decodeLayer(n *Node, what string, extra []string, el *errList) *layer {
	l := &layer{services: map[string]*svcDef{}}
	if n == nil || n.Kind == Null {
		return l
	}
	if !isMap(n, el, what) {
		return l
	}
	decodeSettings(n, &l.settings, el)
	for i, k := range n.Keys {
		v := n.Vals[i]
		switch {
		case isSettingKey(k.Value), slices.Contains(extra, k.Value):
		case k.Value == "services":
			if !isMap(v, el, "services") {
				continue
			}
			for j, sk := range v.Keys {
				if !checkName(sk, "service", el) {
					continue
				}
				l.services[sk.Value] = decodeSvc(sk.Value, sk.Pos, v.Vals[j], false, el)
				l.svcOrder = append(l.svcOrder, sk.Value)
			}
		default:
			known := append(append([]string{"services"}, settingKeys...), extra...)
			sort.Strings(known)
			el.add(k.Pos, "unknown key %q in %s (known: %s)", k.Value, what, strings.Join(known, ", "))
		}
	}
	return l
}

func isMap(n *Node, el *errList, what string) bool {
	if n.Kind != Map {
		el.add(n.Pos, "%s must be a mapping (key: value), not %s", what, n.Kind)
		return false
	}
	return true
}

func scalar(n *Node, el *errList, what string) (string, bool) {
	if n.Kind != Scalar {
		el.add(n.Pos, "%s must be a single value, not %s", what, n.Kind)
		return "", false
	}
	return n.Value, true
}

func posInt(n *Node, el *errList, what string) setting[int] { return intAtLeast(n, el, what, 1) }

func nonNegInt(n *Node, el *errList, what string) setting[int] { return intAtLeast(n, el, what, 0) }

// intAtLeast decodes a whole number no smaller than min.
func intAtLeast(n *Node, el *errList, what string, min int) setting[int] {
	s, ok := scalar(n, el, what)
	if !ok {
		return setting[int]{}
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < min {
		el.add(n.Pos, "%s must be a whole number of at least %d, not %q", what, min, s)
		return setting[int]{}
	}
	return setting[int]{v, n.Pos, true}
}

func boolean(n *Node, el *errList, what string) setting[bool] {
	s, ok := scalar(n, el, what)
	if !ok {
		return setting[bool]{}
	}
	switch s {
	case "true":
		return setting[bool]{true, n.Pos, true}
	case "false":
		return setting[bool]{false, n.Pos, true}
	}
	el.add(n.Pos, "%s must be true or false, not %q", what, s)
	return setting[bool]{}
}

// userName reads the name of a local user on the hosts, as a sudoers
// drop-in names it.
func userName(n *Node, el *errList, what string) setting[string] {
	s, ok := scalar(n, el, what)
	if !ok {
		return setting[string]{}
	}
	if !validUser.MatchString(s) {
		el.add(n.Pos, "%s %q is not a user name a sudoers file can carry (letters, digits, '_', '.', '-', not starting with '-' or '.')", what, s)
		return setting[string]{}
	}
	return setting[string]{s, n.Pos, true}
}

var validUser = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*\z`)

// validName is what badName accepts, for the JSON Schema.
var validName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*\z`)

func period(n *Node, el *errList, what string) setting[string] {
	s, ok := scalar(n, el, what)
	if !ok {
		return setting[string]{}
	}
	if !slices.Contains(periodNames, s) {
		el.add(n.Pos, "%s %q is not a time period the generator defines (24x7, workhours)", what, s)
	}
	return setting[string]{s, n.Pos, true}
}

func notifOptions(n *Node, el *errList, what string) setting[string] {
	var opts []string
	switch n.Kind {
	case Scalar:
		opts = strings.Split(n.Value, ",")
	case Seq:
		for _, it := range n.Items {
			if it.Kind == Scalar {
				opts = append(opts, it.Value)
			}
		}
	default:
		el.add(n.Pos, "%s must be a list such as [w, c, r], not %s", what, n.Kind)
		return setting[string]{}
	}
	for i := range opts {
		opts[i] = strings.TrimSpace(opts[i])
		if !slices.Contains(notificationOptions, opts[i]) {
			el.add(n.Pos, "notification option %q is not one of w, u, c, r, f, s, n", opts[i])
			return setting[string]{}
		}
	}
	return setting[string]{strings.Join(opts, ","), n.Pos, true}
}

func nameList(n *Node, el *errList, what string) setting[[]string] {
	if n.Kind != Seq {
		el.add(n.Pos, "%ss must be a list, not %s", what, n.Kind)
		return setting[[]string]{}
	}
	var out []string
	for _, it := range n.Items {
		if it.Kind != Scalar {
			el.add(it.Pos, "a %s must be a single value, not %s", what, it.Kind)
			continue
		}
		if checkName(it, what, el) {
			out = append(out, it.Value)
		}
	}
	return setting[[]string]{out, n.Pos, true}
}

// checkName reports a name that would break Nagios or Icinga 2 syntax.
func checkName(n *Node, what string, el *errList) bool {
	if msg := badName(n.Value); msg != "" {
		el.add(n.Pos, "invalid %s name %q: %s", what, n.Value, msg)
		return false
	}
	return true
}

func badName(s string) string {
	if s == "" {
		return "it is empty"
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			continue
		}
		return fmt.Sprintf("it contains %s, which would break Nagios/Icinga 2 object syntax; names may use letters, digits, '.', '_' and '-'", describe(r))
	}
	if s[0] == '.' || s[0] == '-' {
		return "it must start with a letter, digit or '_'"
	}
	return ""
}

// unsafeText reports a character that a name-like text (a description,
// an alias, a secret's value, a directory) cannot carry through a Nagios
// object file, a shell command line and an Icinga 2 string unescaped.
func unsafeText(s string) string {
	for _, r := range s {
		switch r {
		case '\n', '\r', ';', '$', '\'', '"', '`', '\\', 0:
			return fmt.Sprintf("contains %s, which would break the Nagios/Icinga 2 configuration or the command line (use secret:NAME for $USERn$ macros)", describe(r))
		}
	}
	return ""
}

// unsafeValue reports a character that no run mode carries: every
// configuration the generator writes is line-based (a Nagios object
// directive, an NRPE command[...] line, an snmpd extend line), so a value
// cannot hold a line break; and an argv element ends at NUL. Every other
// character is escaped for each run mode (see "Which characters a value
// can hold" in the README).
func unsafeValue(s string) string {
	for _, r := range s {
		switch r {
		case '\n', '\r', 0:
			return fmt.Sprintf("contains %s, which no run mode can pass: Nagios, NRPE and snmpd read their configuration line by line", describe(r))
		}
	}
	return ""
}

func describe(r rune) string {
	switch r {
	case '\n':
		return "a newline"
	case '\r':
		return "a carriage return"
	case ' ':
		return "a space"
	case '\t':
		return "a tab"
	case 0:
		return "a NUL byte"
	}
	return strconv.QuoteRune(r)
}
