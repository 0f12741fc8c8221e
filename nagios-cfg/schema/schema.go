// Package schema builds the JSON Schema (draft 2020-12) of the nagios-cfg
// inventory: defaults.yaml, env.yaml and cell.yaml. The settings come from
// the inventory's own declaration of them (inventory.SettingSchemas, the
// table its decoder runs on), the flags of each check from the plugin
// registry (registry.Flag.Kind).
//
// Editors (yaml-language-server) read the generated file through a
// "# yaml-language-server: $schema=..." comment; nagios-cfg itself still
// validates with file:line:col errors, which the schema does not replace.
package schema

//go:generate go run ./gen -out .

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"edgecheck/nagios-cfg/inventory"
	"edgecheck/shared/registry"
)

type obj = map[string]any

// The file kinds, named like the inventory's files.
const (
	KindDefaults = "defaults"
	KindEnv      = "env"
	KindCell     = "cell"
)

var (
	scalarTypes = []string{"string", "number", "integer", "boolean"}
	positiveInt = obj{"type": "integer", "minimum": 1}
	nameList    = obj{"type": "array", "items": obj{"type": "string"}}
)

// settingSchemas is the schema of each inventory setting, as the inventory
// declares it (inventory.SettingSchemas); snmp_extend_flags are the flags
// of the relay check, when the registry has it.
func settingSchemas(plugins []registry.Plugin) obj {
	out := inventory.SettingSchemas()
	for _, p := range plugins {
		if p.Name == inventory.SnmpExtendCheck {
			out["snmp_extend_flags"] = obj{"$ref": "#/$defs/flags/" + p.Name}
		}
	}
	return out
}

func closed(props obj) obj {
	return obj{"type": "object", "properties": props, "additionalProperties": false}
}

// flagKind is the schema of one flag value of a kind; null removes a value
// set by a less specific layer.
func flagKind(k registry.Kind) obj {
	numStr := func(pattern string, t string) obj {
		return obj{"anyOf": []any{obj{"type": t}, obj{"type": "string", "pattern": pattern}, obj{"type": "null"}}}
	}
	switch k {
	case registry.KindInt:
		return numStr(`^-?[0-9]+$`, "integer")
	case registry.KindCount:
		return obj{"anyOf": []any{obj{"type": "integer", "minimum": 0}, obj{"type": "string", "pattern": `^[0-9]+$`}, obj{"type": "null"}}}
	case registry.KindFloat:
		return numStr(`^-?[0-9]*[.]?[0-9]+([eE][-+]?[0-9]+)?$`, "number")
	case registry.KindDuration:
		return numStr(`^([0-9]+([.][0-9]+)?(ns|us|µs|ms|s|m|h)?)+$`, "number")
	case registry.KindBool:
		return obj{"anyOf": []any{obj{"type": "boolean"}, obj{"type": "string", "enum": []string{"true", "false"}}, obj{"type": "null"}}}
	case registry.KindRange:
		return obj{"type": []string{"string", "number", "integer", "null"}}
	case registry.KindString:
		return obj{"type": []string{"string", "number", "integer", "boolean", "null"}}
	}
	// KindStrings, and a flag whose check a layer does not know: one
	// value or a list of them.
	return obj{"anyOf": []any{obj{"type": scalarTypes}, obj{"type": "array", "items": obj{"type": scalarTypes}}, obj{"type": "null"}}}
}

// flagsOf is the closed flags mapping of one plugin.
func flagsOf(p registry.Plugin) obj {
	props := obj{}
	for _, f := range p.Flags() {
		s := flagKind(f.Kind)
		s["description"] = fmt.Sprintf("%s (%s)", f.Usage, f.Kind)
		props[f.Name] = s
	}
	return closed(props)
}

// service is a service definition; inRole allows check and requires it.
func service(plugins []registry.Plugin, inRole bool) obj {
	props := obj{"disabled": obj{"type": "boolean"}}
	for _, k := range inventory.SettingKeys() {
		props[k] = obj{"$ref": "#/$defs/settings/properties/" + k}
	}
	s := obj{"type": "object", "additionalProperties": false}
	if !inRole {
		props["flags"] = obj{"type": "object", "propertyNames": obj{"enum": allFlagNames(plugins)}, "additionalProperties": obj{"$ref": "#/$defs/flagValue"}}
		s["properties"] = props
		return obj{"anyOf": []any{s, obj{"type": "null"}}}
	}
	var names []string
	var ifs []any
	for _, p := range plugins {
		names = append(names, p.Name)
		ifs = append(ifs, obj{
			"if":   obj{"properties": obj{"check": obj{"const": p.Name}}, "required": []string{"check"}},
			"then": obj{"properties": obj{"flags": obj{"$ref": "#/$defs/flags/" + p.Name}}},
		})
	}
	props["check"] = obj{"type": "string", "enum": names}
	props["flags"] = obj{"type": "object"}
	s["properties"] = props
	s["required"] = []string{"check"}
	s["allOf"] = ifs
	return s
}

func allFlagNames(plugins []registry.Plugin) []string {
	var out []string
	for _, p := range plugins {
		for _, f := range p.Flags() {
			if !slices.Contains(out, f.Name) {
				out = append(out, f.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// layer is a defaults, environment, cell or host layer; extra are the
// keys its caller adds (a host's name, address, roles).
func layer(extra obj, required ...string) obj {
	props := obj{"services": obj{"type": "object", "additionalProperties": obj{"$ref": "#/$defs/layerService"}}}
	for _, k := range inventory.SettingKeys() {
		props[k] = obj{"$ref": "#/$defs/settings/properties/" + k}
	}
	for k, v := range extra {
		props[k] = v
	}
	s := obj{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func defs(plugins []registry.Plugin) obj {
	flags := obj{}
	for _, p := range plugins {
		flags[p.Name] = flagsOf(p)
	}
	server := obj{"anyOf": []any{
		obj{"type": "string"},
		obj{"type": "object", "required": []string{"name"}, "additionalProperties": false, "properties": obj{
			"name": obj{"type": "string"}, "address": obj{"type": "string"}, "port": positiveInt,
		}},
	}}
	host := layer(obj{
		"name":    obj{"type": "string"},
		"address": obj{"type": "string"},
		"roles":   obj{"type": "array", "items": obj{"type": "string"}},
	}, "name")
	return obj{
		"settings":     obj{"type": "object", "properties": settingSchemas(plugins)},
		"flagValue":    flagKind(""),
		"flags":        flags,
		"roleService":  service(plugins, true),
		"layerService": service(plugins, false),
		"layer":        layer(nil),
		"server":       server,
		"host":         host,
		KindDefaults: closed(obj{
			"defaults": obj{"$ref": "#/$defs/layer"},
			"roles": obj{"type": "object", "additionalProperties": closed(obj{
				"description": obj{"type": "string"},
				"services":    obj{"type": "object", "additionalProperties": obj{"$ref": "#/$defs/roleService"}},
			})},
			"server_classes": obj{"type": "array", "items": obj{
				"type": "object", "required": []string{"match", "class"}, "additionalProperties": false,
				"properties": obj{"match": obj{"type": "string"}, "class": obj{"type": "string", "enum": []string{"global", "mixed", "cell"}}},
			}},
			"secrets": obj{"type": "object", "additionalProperties": closed(obj{
				"nagios": obj{"type": "string", "pattern": "^USER[0-9]+$"}, "icinga": obj{"type": "string"}, "agent": obj{"type": "string"},
			})},
			"contacts": obj{"type": "object", "additionalProperties": closed(obj{
				"alias": obj{"type": "string"}, "email": obj{"type": "string"},
			})},
			"contact_groups": obj{"type": "object", "additionalProperties": closed(obj{
				"alias": obj{"type": "string"}, "members": nameList,
			})},
		}),
		KindEnv: closed(obj{
			"environment": obj{"$ref": "#/$defs/layer"},
			"servers":     obj{"type": "array", "items": obj{"$ref": "#/$defs/server"}},
		}),
		KindCell: closed(obj{
			"cell":  obj{"$ref": "#/$defs/layer"},
			"hosts": obj{"type": "array", "items": obj{"$ref": "#/$defs/host"}, "minItems": 1},
		}),
	}
}

// Generate returns the schema for one file kind (KindDefaults, KindEnv,
// KindCell) as indented JSON ending in a newline.
func Generate(kind string, plugins []registry.Plugin) ([]byte, error) {
	d := defs(plugins)
	if _, ok := d[kind]; !ok {
		return nil, fmt.Errorf("unknown inventory file kind %q (one of defaults, env, cell)", kind)
	}
	s := obj{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"$id":     "https://edgecheck.example.net/schema/" + kind + ".schema.json",
		"title":   "edgecheck inventory " + kind + ".yaml (generated by nagios-cfg/schema; do not edit)",
		"$ref":    "#/$defs/" + kind,
		"$defs":   d,
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
