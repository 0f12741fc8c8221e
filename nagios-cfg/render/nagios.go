package render

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"edgecheck/nagios-cfg/inventory"
	"edgecheck/shared/registry"
)

// Nagios resource macros the generated commands use. The operator's
// resource.cfg defines them (see "The configuration repository" in the README).
const (
	MacroPluginDir    = "$USER1$" // monitoring-plugins: check_nrpe
	MacroEdgecheckDir = "$USER2$" // the edgecheck check binaries
)

// NRPECommand is the Nagios command for the nrpe run mode.
const NRPECommand = "edgecheck_nrpe"

type kv struct{ k, v string }

const pad = "                            " // 28 spaces: the value column

func writeObject(b *strings.Builder, kind string, fields []kv) {
	b.WriteString("define ")
	b.WriteString(kind)
	b.WriteString(" {\n")
	for _, f := range fields {
		b.WriteString("    ")
		b.WriteString(f.k)
		if f.v != "" {
			if len(f.k) < 27 {
				b.WriteString(pad[:28-len(f.k)])
			} else {
				b.WriteByte(' ')
			}
			b.WriteString(f.v)
		}
		b.WriteByte('\n')
	}
	b.WriteString("}\n\n")
}

// binding is a flag whose value is a secret, which must sit in the command
// line itself: Nagios does not expand $USERn$ inside custom variables.
type binding struct {
	flag   string
	secret *inventory.Secret
}

// nagiosCheck is what one service runs, as Nagios sees it.
type nagiosCheck struct {
	plugin   *inventory.Plugin
	flags    []inventory.FlagValue
	bindings []binding
}

func (c nagiosCheck) command() string {
	name := "edgecheck_" + c.plugin.Name
	for _, b := range c.bindings {
		name += "__" + strings.ReplaceAll(b.flag, "-", "_") + "__" + b.secret.Name
	}
	return name
}

func bindingsOf(flags []inventory.FlagValue) []binding {
	var out []binding
	for _, fv := range flags {
		if len(fv.Values) == 1 && fv.Values[0].Secret != nil {
			out = append(out, binding{fv.Decl.Name, fv.Values[0].Secret})
		}
	}
	return out
}

func pluginByName(f *inventory.Fleet, name string) *inventory.Plugin {
	for _, p := range f.Plugins {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// relayFlags are check_snmp_extend's flags for one snmp-extend service, in
// its declaration order.
func relayFlags(relay *inventory.Plugin, h *inventory.Host, s *inventory.Service, extend string) []inventory.FlagValue {
	given := map[string]inventory.FlagValue{}
	for _, fv := range s.SnmpExtendFlags {
		given[fv.Decl.Name] = fv
	}
	given["hostname"] = inventory.FlagValue{Decl: relay.Decl("hostname"), Values: []inventory.Value{{Lit: h.Address}}}
	given["name"] = inventory.FlagValue{Decl: relay.Decl("name"), Values: []inventory.Value{{Lit: extend}}}
	var out []inventory.FlagValue
	for _, d := range relay.Decls {
		if fv, ok := given[d.Name]; ok && fv.Decl != nil {
			out = append(out, fv)
		}
	}
	return out
}

// checkOf returns what Nagios runs for a service; ok is false for the
// nrpe transport, which uses NRPECommand.
func checkOf(f *inventory.Fleet, h *inventory.Host, s *inventory.Service, a *agentNames) (nagiosCheck, bool) {
	switch kindOf(s) {
	case agentNRPE:
		return nagiosCheck{}, false
	case agentSNMP:
		relay := pluginByName(f, inventory.SnmpExtendCheck)
		flags := relayFlags(relay, h, s, a.names[s])
		return nagiosCheck{plugin: relay, flags: flags, bindings: bindingsOf(flags)}, true
	}
	return nagiosCheck{plugin: s.Plugin, flags: s.Flags, bindings: bindingsOf(s.Flags)}, true
}

func renderNagios(t sink, f *inventory.Fleet, a *agentNames) {
	// Every secret binding used anywhere gets its command variant, in
	// every class, so any server can be given any cell.
	variants := map[string]nagiosCheck{}
	for _, e := range f.Envs {
		for _, c := range e.Cells {
			for _, h := range c.Hosts {
				for _, s := range h.Services {
					if nc, ok := checkOf(f, h, s, a); ok && len(nc.bindings) > 0 {
						variants[nc.command()] = nc
					}
				}
			}
		}
	}
	src := f.Source(f.DefaultsFile)
	for _, class := range inventory.Classes {
		dir := "common/" + class + "/"
		t.put(dir+"commands.cfg", nagiosCommands(f, variants, src))
		t.put(dir+"templates.cfg", nagiosTemplates(f, class, src))
		t.put(dir+"contacts.cfg", nagiosContacts(f, src))
		t.put(dir+"hostgroups.cfg", nagiosHostgroups(f, src))
		t.put(dir+"timeperiods.cfg", nagiosTimeperiods(src))
	}
}

func commandLine(nc nagiosCheck) string {
	bound := map[string]*inventory.Secret{}
	for _, b := range nc.bindings {
		bound[b.flag] = b.secret
	}
	words := []string{MacroEdgecheckDir + "/" + nc.plugin.Name}
	for _, d := range passedFlags(nc.plugin) {
		if s, ok := bound[d.Name]; ok {
			words = append(words, "--"+d.Name+"=$"+s.Nagios+"$")
			continue
		}
		words = append(words, "$_SERVICE"+varName(d.Name)+"$")
	}
	return strings.Join(words, " ")
}

func nagiosCommands(f *inventory.Fleet, variants map[string]nagiosCheck, sources ...string) string {
	var b strings.Builder
	b.WriteString(header(append([]string{"the plugin registry"}, sources...)...))
	b.WriteString("# One command per check, generated from its flag declarations. Each flag\n" +
		"# comes from the service's custom variable _EC_<FLAG>, which holds the whole\n" +
		"# --flag=value fragment or nothing (the check's own default applies).\n" +
		"# A flag whose value is a secret is bound to its $USERn$ macro in a command\n" +
		"# variant, because Nagios does not expand macros inside custom variables.\n\n")
	for _, p := range f.Plugins {
		writeObject(&b, "command", []kv{
			{"command_name", "edgecheck_" + p.Name},
			{"command_line", commandLine(nagiosCheck{plugin: p})},
		})
	}
	names := make([]string, 0, len(variants))
	for n := range variants {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		writeObject(&b, "command", []kv{
			{"command_name", n},
			{"command_line", commandLine(variants[n])},
		})
	}
	writeObject(&b, "command", []kv{
		{"command_name", NRPECommand},
		{"command_line", MacroPluginDir + "/check_nrpe -H $HOSTADDRESS$ -p $_SERVICEEDGECHECK_NRPE_PORT$ -t $_SERVICEEDGECHECK_NRPE_TIMEOUT$ -c $_SERVICEEDGECHECK_NRPE_COMMAND$"},
	})
	writeObject(&b, "command", []kv{
		{"command_name", "edgecheck_notify_host"},
		{"command_line", `/usr/bin/printf "%b" "$NOTIFICATIONTYPE$: host $HOSTNAME$ is $HOSTSTATE$\n$HOSTOUTPUT$\n" | /usr/bin/mail -s "$NOTIFICATIONTYPE$ $HOSTNAME$ $HOSTSTATE$" $CONTACTEMAIL$`},
	})
	writeObject(&b, "command", []kv{
		{"command_name", "edgecheck_notify_service"},
		{"command_line", `/usr/bin/printf "%b" "$NOTIFICATIONTYPE$: $SERVICEDESC$ on $HOSTNAME$ is $SERVICESTATE$\n$SERVICEOUTPUT$\n" | /usr/bin/mail -s "$NOTIFICATIONTYPE$ $HOSTNAME$/$SERVICEDESC$ $SERVICESTATE$" $CONTACTEMAIL$`},
	})
	return strings.TrimSuffix(b.String(), "\n")
}

func nagiosTemplates(f *inventory.Fleet, class string, sources ...string) string {
	var b strings.Builder
	b.WriteString(header(append([]string{"the plugin registry"}, sources...)...))
	fmt.Fprintf(&b, "# Templates shared by every %s server.\n\n", class)
	host := []kv{
		{"name", "edgecheck-host"},
		{"register", "0"},
		{"max_check_attempts", "3"},
		{"check_period", "24x7"},
		{"check_interval", "5"},
		{"retry_interval", "1"},
		{"notification_interval", "60"},
		{"notification_period", "24x7"},
		{"notification_options", "d,u,r"},
		{"notifications_enabled", "1"},
		{"_EDGECHECK_SERVER_CLASS", class},
	}
	writeObject(&b, "host", host)
	writeObject(&b, "service", []kv{
		{"name", "edgecheck-service"},
		{"register", "0"},
		{"active_checks_enabled", "1"},
		{"passive_checks_enabled", "1"},
		{"parallelize_check", "1"},
		{"obsess_over_service", "0"},
		{"check_freshness", "0"},
		{"flap_detection_enabled", "1"},
		{"process_perf_data", "1"},
		{"retain_status_information", "1"},
		{"retain_nonstatus_information", "1"},
		{"is_volatile", "0"},
	})
	checkTemplates(&b, f)
	return strings.TrimSuffix(b.String(), "\n")
}

// checkTemplates writes one service template per check, declaring every
// flag's custom variable empty, and the NRPE transport's template.
func checkTemplates(b *strings.Builder, f *inventory.Fleet) {
	b.WriteString("# One template per check: every flag's custom variable, empty by default.\n\n")
	for _, p := range f.Plugins {
		fields := []kv{{"name", "ec-" + p.Name}, {"register", "0"}, {"check_command", "edgecheck_" + p.Name}}
		for _, d := range passedFlags(p) {
			fields = append(fields, kv{"_" + varName(d.Name), ""})
		}
		writeObject(b, "service", fields)
	}
	writeObject(b, "service", []kv{
		{"name", "ec-nrpe"},
		{"register", "0"},
		{"check_command", NRPECommand},
		{"_EDGECHECK_NRPE_COMMAND", ""},
		{"_EDGECHECK_NRPE_PORT", "5666"},
		{"_EDGECHECK_NRPE_TIMEOUT", "30"},
	})
}

func nagiosContacts(f *inventory.Fleet, src string) string {
	var b strings.Builder
	b.WriteString(header(src))
	b.WriteString("\n")
	for _, c := range f.Contacts {
		fields := []kv{
			{"contact_name", c.Name},
			{"alias", c.Alias},
			{"host_notifications_enabled", "1"},
			{"service_notifications_enabled", "1"},
			{"host_notification_period", "24x7"},
			{"service_notification_period", "24x7"},
			{"host_notification_options", "d,u,r"},
			{"service_notification_options", "w,u,c,r"},
			{"host_notification_commands", "edgecheck_notify_host"},
			{"service_notification_commands", "edgecheck_notify_service"},
		}
		if c.Email != "" {
			fields = append(fields, kv{"email", c.Email})
		}
		writeObject(&b, "contact", fields)
	}
	for _, g := range f.ContactGroups {
		writeObject(&b, "contactgroup", []kv{
			{"contactgroup_name", g.Name},
			{"alias", g.Alias},
			{"members", strings.Join(g.Members, ",")},
		})
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func nagiosHostgroups(f *inventory.Fleet, src string) string {
	var b strings.Builder
	b.WriteString(header(src))
	b.WriteString("# One hostgroup per role; hosts join through their hostgroups field.\n\n")
	for _, r := range f.Roles {
		alias := f.RoleDesc[r]
		if alias == "" {
			alias = "edgecheck role " + r
		}
		writeObject(&b, "hostgroup", []kv{{"hostgroup_name", r}, {"alias", alias}})
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func nagiosTimeperiods(src string) string {
	var b strings.Builder
	b.WriteString(header(src))
	b.WriteString("\n")
	days := []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
	all := []kv{{"timeperiod_name", "24x7"}, {"alias", "24 hours a day, 7 days a week"}}
	for _, d := range days {
		all = append(all, kv{d, "00:00-24:00"})
	}
	writeObject(&b, "timeperiod", all)
	work := []kv{{"timeperiod_name", "workhours"}, {"alias", "Monday to Friday, 09:00 to 17:00"}}
	for _, d := range days[:5] {
		work = append(work, kv{d, "09:00-17:00"})
	}
	writeObject(&b, "timeperiod", work)
	return strings.TrimSuffix(b.String(), "\n")
}

func yesNo(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func nagiosLit(v inventory.Value) string { return v.Lit }

func nagiosCell(f *inventory.Fleet, c *inventory.Cell, a *agentNames) (string, string) {
	src := header(cellSources(f, c)...)
	var hb, sb strings.Builder
	hb.Grow(len(c.Hosts) * 400)
	sb.Grow(len(c.Hosts) * 3000)
	hb.WriteString(src)
	fmt.Fprintf(&hb, "# Hosts of environment %s, cell %s.\n\n", c.Env.Name, c.Name)
	sb.WriteString(src)
	fmt.Fprintf(&sb, "# Services of environment %s, cell %s. service_description is the\n# stable service name from the role.\n\n", c.Env.Name, c.Name)
	for _, h := range c.Hosts {
		fields := []kv{
			{"use", "edgecheck-host"},
			{"host_name", h.Name},
			{"alias", h.Short()},
			{"address", h.Address},
			{"hostgroups", strings.Join(h.Roles, ",")},
			{"max_check_attempts", strconv.Itoa(h.Settings.MaxCheckAttempts)},
			{"check_period", h.Settings.CheckPeriod},
			{"notifications_enabled", yesNo(h.Settings.Notifications)},
			{"notification_interval", strconv.Itoa(h.Settings.NotifInterval)},
			{"notification_period", h.Settings.NotifPeriod},
		}
		if len(h.Settings.ContactGroups) > 0 {
			fields = append(fields, kv{"contact_groups", strings.Join(h.Settings.ContactGroups, ",")})
		}
		fields = append(fields, kv{"_EDGECHECK_ENV", c.Env.Name}, kv{"_EDGECHECK_CELL", c.Name})
		writeObject(&hb, "host", fields)
		for _, s := range h.Services {
			writeObject(&sb, "service", nagiosService(f, h, s, a))
		}
	}
	return strings.TrimSuffix(hb.String(), "\n"), strings.TrimSuffix(sb.String(), "\n")
}

func nagiosService(f *inventory.Fleet, h *inventory.Host, s *inventory.Service, a *agentNames) []kv {
	nc, direct := checkOf(f, h, s, a)
	var fields []kv
	if direct {
		fields = []kv{{"use", "ec-" + nc.plugin.Name + ",edgecheck-service"}}
	} else {
		fields = []kv{{"use", "ec-nrpe,edgecheck-service"}}
	}
	fields = append(fields,
		kv{"host_name", h.Name},
		kv{"service_description", s.Name},
	)
	if direct {
		fields = append(fields, kv{"check_command", nc.command()})
	} else {
		fields = append(fields, kv{"check_command", NRPECommand})
	}
	fields = append(fields,
		kv{"check_interval", strconv.Itoa(s.CheckInterval)},
		kv{"retry_interval", strconv.Itoa(s.RetryInterval)},
		kv{"max_check_attempts", strconv.Itoa(s.MaxCheckAttempts)},
		kv{"check_period", s.CheckPeriod},
		kv{"notifications_enabled", yesNo(s.Notifications)},
		kv{"notification_interval", strconv.Itoa(s.NotifInterval)},
		kv{"notification_period", s.NotifPeriod},
		kv{"notification_options", s.NotifOptions},
	)
	if len(s.ContactGroups) > 0 {
		fields = append(fields, kv{"contact_groups", strings.Join(s.ContactGroups, ",")})
	}
	fields = append(fields, kv{"_EDGECHECK_ROLE", s.Role}, kv{"_EDGECHECK_RUN_MODE", s.RunMode}, kv{"_EDGECHECK_CHECK", s.Plugin.Name})
	if !direct {
		fields = append(fields,
			kv{"_EDGECHECK_NRPE_COMMAND", a.names[s]},
			kv{"_EDGECHECK_NRPE_PORT", strconv.Itoa(s.NRPEPort)},
			kv{"_EDGECHECK_NRPE_TIMEOUT", strconv.Itoa(s.NRPETimeout)},
		)
		return fields
	}
	bound := map[string]bool{}
	for _, b := range nc.bindings {
		bound[b.flag] = true
	}
	for _, fv := range nc.flags {
		if bound[fv.Decl.Name] {
			continue
		}
		words := fragment(fv, nagiosLit, shellQuote)
		if len(words) == 0 {
			continue
		}
		fields = append(fields, kv{"_" + varName(fv.Decl.Name), strings.Join(words, " ")})
	}
	return fields
}

var _ = registry.KindBool
