package inventory

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// File names inside the inventory directory.
const (
	DefaultsFile = "defaults.yaml"
	EnvFile      = "env.yaml"
	CellFile     = "cell.yaml"
)

type role struct {
	name     string
	pos      Pos
	services map[string]*svcDef
	order    []string
}

type serverClass struct {
	re    *regexp.Regexp
	class string
	pos   Pos
}

type rawHost struct {
	host  *Host
	layer *layer
	roles []*Node
}

type loader struct {
	el       errList
	cat      map[string]*Plugin
	plugins  []*Plugin
	defaults *layer
	roles    map[string]*role
	classes  []serverClass
	secrets  map[string]*Secret
	groups   map[string]bool
	fleet    *Fleet
}

// Load reads, validates and resolves the inventory in dir. On any problem
// it returns Errors, each at file:line:col, and no Fleet.
func Load(dir string, cat Catalogue) (*Fleet, error) {
	l := &loader{cat: map[string]*Plugin{}, roles: map[string]*role{}, secrets: map[string]*Secret{}, groups: map[string]bool{}}
	l.plugins = Plugins(cat)
	for _, p := range l.plugins {
		l.cat[p.Name] = p
	}
	dir = filepath.Clean(dir)
	l.fleet = &Fleet{Name: filepath.Base(dir), Root: dir, Plugins: l.plugins, RoleDesc: map[string]string{}}
	l.fleet.DefaultsFile = filepath.Join(dir, DefaultsFile)

	root, err := l.read(filepath.Join(dir, DefaultsFile))
	if err != nil {
		return nil, err
	}
	l.decodeDefaults(root)

	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var envs []rawEnv
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if re, ok := l.loadEnv(dir, e.Name()); ok {
			envs = append(envs, re)
		}
	}
	if err := l.el.err(); err != nil {
		return nil, err
	}
	l.resolve(envs)
	if err := l.el.err(); err != nil {
		return nil, err
	}
	return l.fleet, nil
}

// Plugins reads each catalogue entry's declarations once, sorted by name.
func Plugins(cat Catalogue) []*Plugin {
	out := make([]*Plugin, 0, len(cat))
	for _, p := range cat {
		out = append(out, &Plugin{Plugin: p, Decls: p.Flags()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// read parses one YAML file; a syntax error stops the load at once.
func (l *loader) read(path string) (*Node, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		what := map[string]string{
			DefaultsFile: "the inventory directory needs defaults.yaml",
			EnvFile:      "every environment directory needs env.yaml (its servers and environment layer)",
			CellFile:     "every cell directory needs cell.yaml (its hosts and cell layer)",
		}[filepath.Base(path)]
		return nil, &Error{Pos: Pos{File: path, Line: 1, Col: 1}, Msg: "missing: " + what}
	}
	if err != nil {
		return nil, &Error{Pos: Pos{File: path, Line: 1, Col: 1}, Msg: fmt.Sprintf("cannot read: %v", err)}
	}
	n, err := parseYAML(path, data)
	if err != nil {
		if es, ok := err.(Errors); ok {
			return nil, es
		}
		return nil, err
	}
	return n, nil
}

func (l *loader) decodeDefaults(root *Node) {
	if root.Kind == Null {
		root = &Node{Kind: Map, Pos: root.Pos}
	}
	if !isMap(root, &l.el, "defaults.yaml") {
		return
	}
	l.defaults = &layer{services: map[string]*svcDef{}}
	for _, k := range root.Keys {
		if !slices.Contains([]string{"defaults", "roles", "server_classes", "secrets", "contacts", "contact_groups"}, k.Value) {
			l.el.add(k.Pos, "unknown key %q in defaults.yaml (known: defaults, roles, server_classes, secrets, contacts, contact_groups)", k.Value)
		}
	}
	// Decoded in dependency order, whatever the order in the file.
	if v := root.Get("contacts"); v != nil {
		l.decodeContacts(v)
	}
	if v := root.Get("contact_groups"); v != nil {
		l.decodeGroups(v)
	}
	if v := root.Get("secrets"); v != nil {
		l.decodeSecrets(v)
	}
	if v := root.Get("server_classes"); v != nil {
		l.decodeClasses(v)
	}
	if v := root.Get("roles"); v != nil {
		l.decodeRoles(v)
	}
	if v := root.Get("defaults"); v != nil {
		l.defaults = decodeLayer(v, "defaults", nil, &l.el)
	}
	if len(l.classes) == 0 {
		l.el.add(root.Pos, "defaults.yaml has no server_classes: list the hostname patterns that make a Nagios server global, cell or mixed")
	}
}

func (l *loader) decodeRoles(n *Node) {
	if !isMap(n, &l.el, "roles") {
		return
	}
	for i, k := range n.Keys {
		if !checkName(k, "role", &l.el) {
			continue
		}
		r := &role{name: k.Value, pos: k.Pos, services: map[string]*svcDef{}}
		l.roles[k.Value] = r
		l.fleet.Roles = append(l.fleet.Roles, k.Value)
		v := n.Vals[i]
		if !isMap(v, &l.el, "role "+k.Value) {
			continue
		}
		for j, rk := range v.Keys {
			rv := v.Vals[j]
			switch rk.Value {
			case "description":
				if s, ok := scalar(rv, &l.el, "description"); ok {
					if msg := unsafeText(s); msg != "" {
						l.el.add(rv.Pos, "description %s", msg)
					}
					l.fleet.RoleDesc[k.Value] = s
				}
			case "services":
				if !isMap(rv, &l.el, "services") {
					continue
				}
				for m, sk := range rv.Keys {
					if !checkName(sk, "service", &l.el) {
						continue
					}
					r.services[sk.Value] = decodeSvc(sk.Value, sk.Pos, rv.Vals[m], true, &l.el)
					r.order = append(r.order, sk.Value)
				}
			default:
				l.el.add(rk.Pos, "unknown key %q in role %s (known: description, services)", rk.Value, k.Value)
			}
		}
	}
	sort.Strings(l.fleet.Roles)
}

func (l *loader) decodeClasses(n *Node) {
	if n.Kind != Seq {
		l.el.add(n.Pos, "server_classes must be a list of {match: REGEX, class: global|cell|mixed}, not %s", n.Kind)
		return
	}
	for _, it := range n.Items {
		if !isMap(it, &l.el, "a server class") {
			continue
		}
		sc := serverClass{pos: it.Pos}
		for i, k := range it.Keys {
			v := it.Vals[i]
			s, ok := scalar(v, &l.el, k.Value)
			if !ok {
				continue
			}
			switch k.Value {
			case "match":
				re, err := regexp.Compile(s)
				if err != nil {
					l.el.add(v.Pos, "invalid hostname pattern %q: %v", s, err)
					continue
				}
				sc.re = re
			case "class":
				if !slices.Contains(Classes, s) {
					l.el.add(v.Pos, "unknown server class %q (one of global, cell, mixed)", s)
					continue
				}
				sc.class = s
			default:
				l.el.add(k.Pos, "unknown key %q in a server class (known: match, class)", k.Value)
			}
		}
		if sc.re == nil || sc.class == "" {
			l.el.add(it.Pos, "a server class needs both match and class")
			continue
		}
		if sc.class != ClassGlobal && sc.re.SubexpIndex("cell") < 0 {
			l.el.add(it.Pos, "a %s server pattern must capture the cell with (?P<cell>...)", sc.class)
			continue
		}
		l.classes = append(l.classes, sc)
	}
}

var (
	userMacro  = regexp.MustCompile(`^USER([1-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-6])$`)
	icingaName = regexp.MustCompile(`^[A-Z][A-Za-z0-9_]*$`)
)

func (l *loader) decodeSecrets(n *Node) {
	if !isMap(n, &l.el, "secrets") {
		return
	}
	for i, k := range n.Keys {
		if !checkName(k, "secret", &l.el) {
			continue
		}
		v := n.Vals[i]
		if !isMap(v, &l.el, "secret "+k.Value) {
			continue
		}
		s := &Secret{Name: k.Value}
		for j, sk := range v.Keys {
			sv := v.Vals[j]
			str, ok := scalar(sv, &l.el, sk.Value)
			if !ok {
				continue
			}
			switch sk.Value {
			case "nagios":
				if !userMacro.MatchString(str) {
					l.el.add(sv.Pos, "secret %s: nagios must name a resource macro USER1…USER256, not %q", k.Value, str)
				}
				s.Nagios = str
			case "icinga":
				if !icingaName.MatchString(str) {
					l.el.add(sv.Pos, "secret %s: icinga must be a constant name such as RabbitmqCredentials, not %q", k.Value, str)
				}
				s.Icinga = str
			case "agent":
				if msg := unsafeText(str); msg != "" {
					l.el.add(sv.Pos, "secret %s: agent value %s", k.Value, msg)
				}
				s.Agent = str
			default:
				l.el.add(sk.Pos, "unknown key %q in secret %s (known: nagios, icinga, agent)", sk.Value, k.Value)
			}
		}
		if s.Nagios == "" || s.Icinga == "" || s.Agent == "" {
			l.el.add(k.Pos, "secret %s needs nagios ($USERn$ macro name), icinga (constant name) and agent (value on the host)", k.Value)
		}
		l.secrets[k.Value] = s
		l.fleet.Secrets = append(l.fleet.Secrets, s)
	}
	sort.Slice(l.fleet.Secrets, func(i, j int) bool { return l.fleet.Secrets[i].Name < l.fleet.Secrets[j].Name })
}

func (l *loader) decodeContacts(n *Node) {
	if !isMap(n, &l.el, "contacts") {
		return
	}
	for i, k := range n.Keys {
		if !checkName(k, "contact", &l.el) {
			continue
		}
		c := Contact{Name: k.Value, Alias: k.Value}
		v := n.Vals[i]
		if isMap(v, &l.el, "contact "+k.Value) {
			for j, ck := range v.Keys {
				str, ok := scalar(v.Vals[j], &l.el, ck.Value)
				if !ok {
					continue
				}
				if msg := unsafeText(str); msg != "" {
					l.el.add(v.Vals[j].Pos, "%s %s", ck.Value, msg)
				}
				switch ck.Value {
				case "alias":
					c.Alias = str
				case "email":
					c.Email = str
				default:
					l.el.add(ck.Pos, "unknown key %q in contact %s (known: alias, email)", ck.Value, k.Value)
				}
			}
		}
		l.fleet.Contacts = append(l.fleet.Contacts, c)
	}
	sort.Slice(l.fleet.Contacts, func(i, j int) bool { return l.fleet.Contacts[i].Name < l.fleet.Contacts[j].Name })
}

func (l *loader) decodeGroups(n *Node) {
	if !isMap(n, &l.el, "contact_groups") {
		return
	}
	contacts := map[string]bool{}
	for _, c := range l.fleet.Contacts {
		contacts[c.Name] = true
	}
	for i, k := range n.Keys {
		if !checkName(k, "contact group", &l.el) {
			continue
		}
		g := ContactGroup{Name: k.Value, Alias: k.Value}
		v := n.Vals[i]
		if isMap(v, &l.el, "contact group "+k.Value) {
			for j, gk := range v.Keys {
				gv := v.Vals[j]
				switch gk.Value {
				case "alias":
					if s, ok := scalar(gv, &l.el, "alias"); ok {
						if msg := unsafeText(s); msg != "" {
							l.el.add(gv.Pos, "alias %s", msg)
						}
						g.Alias = s
					}
				case "members":
					ms := nameList(gv, &l.el, "contact")
					for mi, m := range ms.v {
						if !contacts[m] {
							l.el.add(gv.Items[mi].Pos, "unknown contact %q (define it under contacts)", m)
						}
					}
					g.Members = ms.v
				default:
					l.el.add(gk.Pos, "unknown key %q in contact group %s (known: alias, members)", gk.Value, k.Value)
				}
			}
		}
		if len(g.Members) == 0 {
			l.el.add(k.Pos, "contact group %s has no members", k.Value)
		}
		l.groups[k.Value] = true
		l.fleet.ContactGroups = append(l.fleet.ContactGroups, g)
	}
	sort.Slice(l.fleet.ContactGroups, func(i, j int) bool { return l.fleet.ContactGroups[i].Name < l.fleet.ContactGroups[j].Name })
}

type rawEnv struct {
	env     *Env
	layer   *layer
	pos     Pos
	servers []rawServer
	cells   []rawCell
}

type rawCell struct {
	cell  *Cell
	layer *layer
	pos   Pos
	hosts []rawHost
}

func (l *loader) loadEnv(dir, name string) (rawEnv, bool) {
	path := filepath.Join(dir, name, EnvFile)
	re := rawEnv{env: &Env{Name: name, File: path}, pos: Pos{File: path, Line: 1, Col: 1}}
	if msg := badName(name); msg != "" {
		l.el.add(Pos{File: filepath.Join(dir, name), Line: 1, Col: 1}, "invalid environment name %q: %s", name, msg)
		return re, false
	}
	root, err := l.read(path)
	if err != nil {
		l.el.merge(err)
		return re, false
	}
	re.layer = &layer{services: map[string]*svcDef{}}
	if root.Kind != Null && isMap(root, &l.el, EnvFile) {
		for i, k := range root.Keys {
			v := root.Vals[i]
			switch k.Value {
			case "environment":
				re.layer = decodeLayer(v, "environment", nil, &l.el)
			case "servers":
				if v.Kind != Seq {
					l.el.add(v.Pos, "servers must be a list of Nagios server hostnames, not %s", v.Kind)
					continue
				}
				for _, it := range v.Items {
					if rs, ok := l.decodeServer(it); ok {
						re.servers = append(re.servers, rs)
					}
				}
			default:
				l.el.add(k.Pos, "unknown key %q in env.yaml (known: environment, servers)", k.Value)
			}
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, name))
	if err != nil {
		l.el.add(re.pos, "cannot list environment: %v", err)
		return re, false
	}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if rc, ok := l.loadCell(re.env, filepath.Join(dir, name, e.Name()), e.Name()); ok {
			re.cells = append(re.cells, rc)
			re.env.Cells = append(re.env.Cells, rc.cell)
		}
	}
	if !slices.ContainsFunc(entries, func(e os.DirEntry) bool { return e.IsDir() && !strings.HasPrefix(e.Name(), ".") }) {
		l.el.add(re.pos, "environment %s has no cells: its servers would get no hosts and no services, which Nagios refuses; add a cell directory with a cell.yaml, or remove the environment", name)
	}
	return re, true
}

func (l *loader) loadCell(env *Env, dir, name string) (rawCell, bool) {
	path := filepath.Join(dir, CellFile)
	rc := rawCell{cell: &Cell{Name: name, Env: env, File: path}, pos: Pos{File: path, Line: 1, Col: 1}}
	if msg := badName(name); msg != "" {
		l.el.add(Pos{File: dir, Line: 1, Col: 1}, "invalid cell name %q: %s", name, msg)
		return rc, false
	}
	root, err := l.read(path)
	if err != nil {
		l.el.merge(err)
		return rc, false
	}
	rc.layer = &layer{services: map[string]*svcDef{}}
	if root.Kind == Null || !isMap(root, &l.el, CellFile) {
		l.el.add(rc.pos, "cell %s has no hosts: the Nagios server watching only this cell would refuse to start (no hosts, no services); list its hosts under hosts, or remove the cell directory", name)
		return rc, true
	}
	rc.pos = root.Pos
	if hs := root.Get("hosts"); hs == nil || (hs.Kind == Seq && len(hs.Items) == 0) {
		pos := rc.pos
		if hs != nil {
			pos = hs.Pos
		}
		l.el.add(pos, "cell %s has no hosts: the Nagios server watching only this cell would refuse to start (no hosts, no services); list its hosts under hosts, or remove the cell directory", name)
	}
	for i, k := range root.Keys {
		v := root.Vals[i]
		switch k.Value {
		case "cell":
			rc.layer = decodeLayer(v, "cell", nil, &l.el)
		case "hosts":
			if v.Kind != Seq {
				l.el.add(v.Pos, "hosts must be a list, not %s", v.Kind)
				continue
			}
			for _, it := range v.Items {
				if h, ok := l.decodeHost(rc.cell, it); ok {
					rc.hosts = append(rc.hosts, h)
				}
			}
		default:
			l.el.add(k.Pos, "unknown key %q in cell.yaml (known: cell, hosts)", k.Value)
		}
	}
	return rc, true
}

func (l *loader) decodeHost(c *Cell, n *Node) (rawHost, bool) {
	if !isMap(n, &l.el, "a host") {
		return rawHost{}, false
	}
	h := &Host{Cell: c, Pos: n.Pos}
	rh := rawHost{host: h}
	nameNode := n.Get("name")
	if nameNode == nil || nameNode.Kind != Scalar {
		l.el.add(n.Pos, "a host needs a name")
		return rawHost{}, false
	}
	h.Pos = nameNode.Pos
	if !checkName(nameNode, "host", &l.el) {
		return rawHost{}, false
	}
	h.Name = nameNode.Value
	if a := n.Get("address"); a != nil {
		if s, ok := scalar(a, &l.el, "address"); ok {
			if msg := badName(strings.ReplaceAll(s, ":", "_")); msg != "" {
				l.el.add(a.Pos, "invalid address %q: an address is an IP address or a DNS name", s)
			}
			h.Address = s
		}
	} else {
		h.Address = h.Name
	}
	if r := n.Get("roles"); r != nil {
		if r.Kind != Seq {
			l.el.add(r.Pos, "roles must be a list, not %s", r.Kind)
		} else {
			for _, it := range r.Items {
				if it.Kind != Scalar {
					l.el.add(it.Pos, "a role must be a name, not %s", it.Kind)
					continue
				}
				if _, ok := l.roles[it.Value]; !ok {
					l.el.add(it.Pos, "unknown role %q for host %s (defined roles: %s)", it.Value, h.Name, strings.Join(l.fleet.Roles, ", "))
					continue
				}
				rh.roles = append(rh.roles, it)
				h.Roles = append(h.Roles, it.Value)
			}
		}
	}
	switch r := n.Get("roles"); {
	case r == nil:
		l.el.add(h.Pos, "host %s has no roles", h.Name)
	case r.Kind == Seq && len(r.Items) == 0:
		// Nagios refuses a bare hostgroups directive, and a host without
		// services is monitored by nothing: say so where it is written.
		l.el.add(r.Pos, "host %s has no roles (roles: []): give it at least one role, or remove the host", h.Name)
	}
	rh.layer = decodeLayer(n, "host "+h.Name, []string{"name", "address", "roles"}, &l.el)
	return rh, true
}
