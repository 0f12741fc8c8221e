package inventory

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// settings are the fields every layer and every service definition may set.
// What each one means, how it is decoded and checked, how a more specific
// layer overrides it, what it becomes in Resolved and its JSON Schema are
// declared once, in settingTable.
type settings struct {
	runMode       setting[string]
	checkInterval setting[int]
	retryInterval setting[int]
	maxAttempts   setting[int]
	checkPeriod   setting[string]
	notifEnabled  setting[bool]
	notifInterval setting[int]
	notifPeriod   setting[string]
	notifOptions  setting[string]
	contactGroups setting[[]string]
	agentDir      setting[string]
	nrpePort      setting[int]
	nrpeTimeout   setting[int]
	sudo          setting[bool]
	nrpeUser      setting[string]
	snmpdUser     setting[string]
	snmpFlags     map[string]flagSrc
}

// A settingSpec declares one inventory setting. about.path is where it
// is written: a key of a layer or service ("check_interval"), or group.key
// for the settings grouped under one mapping ("notifications.interval").
type settingSpec struct {
	about
	// schema is the JSON Schema (draft 2020-12) of the value.
	schema map[string]any
	decode func(v *Node, el *errList, s *settings)
	// merge lays what src sets over dst.
	merge func(dst, src *settings)
	// resolve copies the merged value into Resolved; nil for the settings
	// resolved elsewhere (snmp_extend_flags, with the check's flags).
	resolve func(s *settings, r *Resolved)
	// setDefault puts the built-in default in; nil where there is none.
	setDefault func(s *settings)
}

// notificationOptions are the service notification options of Nagios
// (object definitions, "notification_options") that the generator passes on.
var notificationOptions = []string{"w", "u", "c", "r", "f", "s", "n"}

// An about describes a setting for people: its path, the unit of its
// value (named in error messages, "check_interval (minutes)"), what it does
// and, in Markdown, its built-in default (written from the default value
// itself where there is one).
type about struct {
	path, unit, doc, def string
}

var settingTable = []settingSpec{
	scalarSetting(aboutSetting("run_mode", "", "how the check runs: `"+strings.Join(RunModes, "`, `")+"` (see Run modes)"),
		ModeLocal, jsonEnum(RunModes), func(s *settings) *setting[string] { return &s.runMode }, runMode,
		func(r *Resolved, v string) { r.RunMode = v }),
	scalarSetting(aboutSetting("check_interval", "minutes", "time between checks"),
		5, jsonInt(1), func(s *settings) *setting[int] { return &s.checkInterval }, posInt,
		func(r *Resolved, v int) { r.CheckInterval = v }),
	scalarSetting(aboutSetting("retry_interval", "minutes", "time between checks while a problem is soft"),
		1, jsonInt(1), func(s *settings) *setting[int] { return &s.retryInterval }, posInt,
		func(r *Resolved, v int) { r.RetryInterval = v }),
	scalarSetting(aboutSetting("max_check_attempts", "", "checks before a problem turns hard and notifies"),
		3, jsonInt(1), func(s *settings) *setting[int] { return &s.maxAttempts }, posInt,
		func(r *Resolved, v int) { r.MaxCheckAttempts = v }),
	scalarSetting(aboutSetting("check_period", "", "`24x7` or `workhours` (generated as `edgecheck-24x7`, `edgecheck-workhours`)"),
		"24x7", jsonEnum(periodNames), func(s *settings) *setting[string] { return &s.checkPeriod }, period,
		func(r *Resolved, v string) { r.CheckPeriod = v }),
	scalarSetting(aboutSetting("notifications.enabled", "", "whether problems notify"),
		true, jsonType("boolean"), func(s *settings) *setting[bool] { return &s.notifEnabled }, boolean,
		func(r *Resolved, v bool) { r.Notifications = v }),
	scalarSetting(aboutSetting("notifications.interval", "minutes, 0 notifies once", "time between repeated notifications of a problem"),
		60, jsonInt(0), func(s *settings) *setting[int] { return &s.notifInterval }, nonNegInt,
		func(r *Resolved, v int) { r.NotifInterval = v }),
	scalarSetting(aboutSetting("notifications.period", "", "`24x7` or `workhours`: when notifications go out"),
		"24x7", jsonEnum(periodNames), func(s *settings) *setting[string] { return &s.notifPeriod }, period,
		func(r *Resolved, v string) { r.NotifPeriod = v }),
	scalarSetting(aboutSetting("notifications.options", "", "the states that notify, as Nagios `notification_options`: `"+strings.Join(notificationOptions, "`, `")+"`"),
		"w,u,c,r", map[string]any{"type": "array", "items": jsonEnum(notificationOptions)},
		func(s *settings) *setting[string] { return &s.notifOptions }, notifOptions,
		func(r *Resolved, v string) { r.NotifOptions = v }),
	scalarSetting(aboutSetting("notifications.contact_groups", "", "who is notified: groups defined under `contact_groups` in defaults.yaml"),
		nil, jsonList(), func(s *settings) *setting[[]string] { return &s.contactGroups },
		func(n *Node, el *errList, _ string) setting[[]string] { return nameList(n, el, "contact group") },
		func(r *Resolved, v []string) { r.ContactGroups = v }),
	scalarSetting(aboutSetting("agent_plugin_dir", "", "where the checks live on the hosts (NRPE `command[]` and snmpd `extend` lines)"),
		"/usr/lib/nagios/plugins", map[string]any{"type": "string", "pattern": "^/[^ \t]*$"}, func(s *settings) *setting[string] { return &s.agentDir }, absDir,
		func(r *Resolved, v string) { r.AgentPluginDir = v }),
	scalarSetting(aboutSetting("nrpe.port", "", "the port check_nrpe connects to"),
		5666, jsonInt(1), func(s *settings) *setting[int] { return &s.nrpePort }, posInt,
		func(r *Resolved, v int) { r.NRPEPort = v }),
	scalarSetting(aboutSetting("nrpe.timeout", "seconds", "check_nrpe's `-t`"),
		30, jsonInt(1), func(s *settings) *setting[int] { return &s.nrpeTimeout }, posInt,
		func(r *Resolved, v int) { r.NRPETimeout = v }),
	{
		about: about{path: "snmp_extend_flags", doc: "flags of `check_snmp_extend` in snmp-extend mode (`port`, `protocol`, `credentials-file`, `timeout`); `null` removes one a less specific layer set", def: "the check's defaults"},
		// flagValue is defined by the schema generator, from the
		// registry's flag kinds.
		schema: map[string]any{"type": "object", "additionalProperties": map[string]any{"$ref": "#/$defs/flagValue"}},
		decode: func(v *Node, el *errList, s *settings) { s.snmpFlags = decodeFlags(v, el, "snmp_extend_flags") },
		merge:  mergeSNMPFlags,
	},
	scalarSetting(aboutSetting("sudo", "", "`true`: the host's agent runs the check as root through `/usr/bin/sudo -n` (nrpe, snmp-extend and icinga-agent modes; ignored in `local` mode), and the cell gets a sudoers drop-in (see \"Checks that need root\")"),
		false, jsonType("boolean"), func(s *settings) *setting[bool] { return &s.sudo }, boolean,
		func(r *Resolved, v bool) { r.Sudo = v }),
	scalarSetting(aboutSetting("agent_users.nrpe", "", "the user NRPE (and a Debian Icinga 2 agent) runs commands as on the hosts, named in the sudoers drop-in"),
		"nagios", jsonPattern(validUser), func(s *settings) *setting[string] { return &s.nrpeUser }, userName,
		func(r *Resolved, v string) { r.NRPEUser = v }),
	scalarSetting(aboutSetting("agent_users.snmpd", "", "the user snmpd runs extend commands as on the hosts, named in the sudoers drop-in"),
		"Debian-snmp", jsonPattern(validUser), func(s *settings) *setting[string] { return &s.snmpdUser }, userName,
		func(r *Resolved, v string) { r.SNMPDUser = v }),
}

func aboutSetting(path, unit, doc string) about { return about{path: path, unit: unit, doc: doc} }

// scalarSetting declares a setting held in one settings field, with its
// built-in default def.
func scalarSetting[T any](a about, def T, schema map[string]any, field func(*settings) *setting[T],
	decode func(*Node, *errList, string) setting[T], resolve func(*Resolved, T)) settingSpec {
	what := a.path
	if a.def == "" {
		a.def = defaultText(def)
	}
	if a.unit != "" {
		what += " (" + a.unit + ")"
	}
	return settingSpec{
		about:      a,
		schema:     withDescription(schema, a.doc, a.unit),
		decode:     func(v *Node, el *errList, s *settings) { *field(s) = decode(v, el, what) },
		merge:      func(dst, src *settings) { field(dst).over(*field(src)) },
		resolve:    func(s *settings, r *Resolved) { resolve(r, field(s).v) },
		setDefault: func(s *settings) { *field(s) = setting[T]{v: def, set: true} },
	}
}

// defaultText writes a default for the docs: text in backticks, a missing
// list as "none".
func defaultText(v any) string {
	switch v := v.(type) {
	case string:
		return "`" + v + "`"
	case []string:
		if len(v) == 0 {
			return "none"
		}
		return "`" + strings.Join(v, ", ") + "`"
	}
	return fmt.Sprint(v)
}

// builtin holds the values every service starts from: each setting's
// default.
var builtin = func() settings {
	var s settings
	for _, sp := range settingTable {
		if sp.setDefault != nil {
			sp.setDefault(&s)
		}
	}
	return s
}()

// A SettingDoc describes one inventory setting for the docs: Key is its
// path (group.key for a grouped one), Doc and Default are Markdown.
type SettingDoc struct {
	Key, Unit, Doc, Default string
}

// SettingDocs lists every setting in declaration order.
func SettingDocs() []SettingDoc {
	out := make([]SettingDoc, 0, len(settingTable))
	for _, sp := range settingTable {
		out = append(out, SettingDoc{Key: sp.path, Unit: sp.unit, Doc: sp.doc, Default: sp.def})
	}
	return out
}

// mergeSNMPFlags lays src's snmp_extend_flags over dst's, flag by flag; a flag
// written as null removes the value of a less specific layer.
func mergeSNMPFlags(dst, src *settings) {
	if len(src.snmpFlags) > 0 && dst.snmpFlags == nil {
		dst.snmpFlags = map[string]flagSrc{}
	}
	for k, v := range src.snmpFlags {
		if v.unset {
			delete(dst.snmpFlags, k)
		} else {
			dst.snmpFlags[k] = v
		}
	}
}

// settingKeys are the keys a layer or service may set, a group once, in
// the order of settingTable.
var settingKeys = func() []string {
	var keys []string
	for _, sp := range settingTable {
		top, _, _ := strings.Cut(sp.path, ".")
		if !slices.Contains(keys, top) {
			keys = append(keys, top)
		}
	}
	return keys
}()

func isSettingKey(k string) bool { return slices.Contains(settingKeys, k) }

func settingAt(path string) *settingSpec {
	for i := range settingTable {
		if settingTable[i].path == path {
			return &settingTable[i]
		}
	}
	return nil
}

// groupKeys lists the keys under a group ("notifications"), or nil when
// group is not one.
func groupKeys(group string) []string {
	var keys []string
	for _, sp := range settingTable {
		if g, k, ok := strings.Cut(sp.path, "."); ok && g == group {
			keys = append(keys, k)
		}
	}
	return keys
}

// decodeSettings reads the settings of a layer or service mapping; keys it
// does not know are left to the caller (handled) or reported.
func decodeSettings(n *Node, s *settings, el *errList) {
	for i, k := range n.Keys {
		v := n.Vals[i]
		if sp := settingAt(k.Value); sp != nil {
			sp.decode(v, el, s)
			continue
		}
		keys := groupKeys(k.Value)
		if keys == nil || !isMap(v, el, k.Value) {
			continue
		}
		for j, gk := range v.Keys {
			if sp := settingAt(k.Value + "." + gk.Value); sp != nil {
				sp.decode(v.Vals[j], el, s)
			} else {
				el.add(gk.Pos, "unknown key %q in %s (known: %s)", gk.Value, k.Value, strings.Join(keys, ", "))
			}
		}
	}
}

// apply merges o over s setting by setting: whatever o sets wins.
func (s *settings) apply(o *settings) {
	if o == nil {
		return
	}
	for _, sp := range settingTable {
		sp.merge(s, o)
	}
}

func toResolved(s settings) Resolved {
	var r Resolved
	for _, sp := range settingTable {
		if sp.resolve != nil {
			sp.resolve(&s, &r)
		}
	}
	return r
}

// SettingKeys returns the keys every layer and service may set (run_mode,
// check_interval, …, a group such as notifications once), in the order the
// decoder lists them.
func SettingKeys() []string { return slices.Clone(settingKeys) }

// SettingSchemas returns the JSON Schema (draft 2020-12) of each key of
// SettingKeys: a group is a closed object of its settings. The schema
// generator (nagios-cfg/schema) publishes it; "#/$defs/flagValue" is left
// for that generator to define.
func SettingSchemas() map[string]any {
	out := map[string]any{}
	for _, sp := range settingTable {
		g, k, grouped := strings.Cut(sp.path, ".")
		if !grouped {
			out[sp.path] = sp.schema
			continue
		}
		if out[g] == nil {
			out[g] = map[string]any{"type": "object", "properties": map[string]any{}, "additionalProperties": false}
		}
		out[g].(map[string]any)["properties"].(map[string]any)[k] = sp.schema
	}
	return out
}

func jsonType(t string) map[string]any { return map[string]any{"type": t} }

func jsonInt(min int) map[string]any { return map[string]any{"type": "integer", "minimum": min} }

func jsonEnum(values []string) map[string]any {
	return map[string]any{"type": "string", "enum": slices.Clone(values)}
}

// jsonList is a list of object names (contact groups): badName's rules.
func jsonList() map[string]any {
	return map[string]any{"type": "array", "items": jsonPattern(validName)}
}

func jsonPattern(re *regexp.Regexp) map[string]any {
	// JSON Schema patterns are ECMA-262: \z is written $.
	return map[string]any{"type": "string", "pattern": strings.TrimSuffix(re.String(), `\z`) + "$"}
}

// withDescription gives a schema the setting's doc, for editors to show.
func withDescription(schema map[string]any, doc, unit string) map[string]any {
	d := strings.ReplaceAll(doc, "`", "")
	if unit != "" {
		d += " (" + unit + ")"
	}
	out := map[string]any{"description": d}
	for k, v := range schema {
		out[k] = v
	}
	return out
}
