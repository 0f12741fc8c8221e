package readme

import (
	"encoding/json"
	"fmt"
	"strings"

	"edgecheck/nagios-cfg/inventory"
	"edgecheck/shared/registry"
)

// Inventory returns the files of the representative inventory of a
// service block (path relative to the inventory directory -> contents):
// environment prod with one cell server nagios-c0001.prod.example.net and
// one host ROLE-c0001-001.prod.example.net (192.0.2.11) of role role,
// whose one service (named after the check, without check_) runs p in run
// mode mode with the flags of ex. JSON is YAML, so the files are JSON.
func Inventory(p registry.Plugin, mode string, sudo bool, role string, ex registry.Example) (map[string][]byte, error) {
	flags, err := ExampleFlags(p, ex)
	if err != nil {
		return nil, err
	}
	svc := map[string]any{"check": p.Name, "run_mode": mode, "flags": flags}
	if sudo {
		svc["sudo"] = true
	}
	defaults := map[string]any{
		"server_classes": []any{map[string]any{"match": `^nagios-(?P<cell>c[0-9]{4})[.]`, "class": inventory.ClassCell}},
		"defaults":       map[string]any{"snmp_extend_flags": RelayFlags},
		"roles":          map[string]any{role: map[string]any{"services": map[string]any{serviceName(p): svc}}},
	}
	env := map[string]any{"servers": []any{map[string]any{"name": "nagios-c0001.prod.example.net", "address": "192.0.2.2"}}}
	cell := map[string]any{"hosts": []any{map[string]any{"name": role + "-c0001-001.prod.example.net", "address": "192.0.2.11", "roles": []string{role}}}}
	out := map[string][]byte{}
	for path, v := range map[string]any{inventory.DefaultsFile: defaults, "prod/env.yaml": env, "prod/c0001/cell.yaml": cell} {
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return nil, err
		}
		out[path] = append(data, '\n')
	}
	return out, nil
}

// RelayFlags are check_snmp_extend's flags in the representative
// inventory (snmp_extend_flags), for run mode snmp-extend.
var RelayFlags = map[string]any{"protocol": "3", "credentials-file": "/etc/nagios/snmp-v3.yaml"}

// ExampleFlags turns an example's command line into inventory flags:
// flag long name -> value ("true" for a switch, a list for a repeatable
// flag). It reads the words as /bin/sh would (single and double quotes,
// backslash) and knows the flags from the plugin's declarations.
func ExampleFlags(p registry.Plugin, ex registry.Example) (map[string]any, error) {
	words, err := registry.ShellWords(ex.Command)
	if err != nil {
		return nil, fmt.Errorf("example %q: %w", ex.Command, err)
	}
	if len(words) == 0 || words[0] != p.Name {
		return nil, fmt.Errorf("example %q does not start with %s", ex.Command, p.Name)
	}
	decls := p.Flags()
	lookup := func(w string) *registry.Flag {
		for _, d := range decls {
			if w == "--"+d.Name || (d.Short != "" && w == "-"+d.Short) {
				return d
			}
		}
		return nil
	}
	out := map[string]any{}
	for i := 1; i < len(words); i++ {
		w, val, hasVal := strings.Cut(words[i], "=")
		d := lookup(w)
		if d == nil || d.Kind == registry.KindCount || d.Name == "help" || d.Name == "version" {
			return nil, fmt.Errorf("example %q: %q is not a flag an inventory can set", ex.Command, words[i])
		}
		switch {
		case d.Kind == registry.KindBool:
			out[d.Name] = "true"
			continue
		case !hasVal:
			if i+1 >= len(words) {
				return nil, fmt.Errorf("example %q: %s needs a value", ex.Command, w)
			}
			i++
			val = words[i]
		}
		if d.Repeatable() {
			list, _ := out[d.Name].([]string)
			out[d.Name] = append(list, val)
		} else {
			out[d.Name] = val
		}
	}
	return out, nil
}
