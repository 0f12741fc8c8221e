package render

import (
	"fmt"
	"strconv"
	"strings"

	"edgecheck/nagios-cfg/inventory"
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

// MaxCommandArgs is Nagios 4's MAX_COMMAND_ARGUMENTS: $ARG1$ to $ARG32$.
const MaxCommandArgs = 32

// nagiosCheck is what one service runs, as Nagios sees it.
type nagiosCheck struct {
	plugin *inventory.Plugin
	flags  []inventory.FlagValue
}

func (c nagiosCheck) command() string { return "edgecheck_" + c.plugin.Name }

// nagiosArgEscaper escapes a literal for a check_command argument, as
// Nagios 4.4 reads it (checked with the argv round-trip test): an
// unescaped '!' ends the argument and \! is a '!'; the object parser cuts
// a line at an unescaped ';' and reads \; as ';'; macros are expanded
// inside the argument, $$ being a '$'. Any other backslash is kept as
// it is. $ARGn$ itself is never cleaned of illegal_macro_output_chars,
// unlike the $_SERVICE...$ custom variables.
var nagiosArgEscaper = strings.NewReplacer("!", `\!`, ";", `\;`, "$", "$$")

// nagiosArg renders one flag as the text of its $ARGn$: its words,
// shell-quoted where needed (Nagios hands a command line with shell
// metacharacters to /bin/sh, and otherwise splits it on blanks, honouring
// the same quotes), each escaped for the check_command line. A secret is
// its $USERn$ macro, which Nagios expands inside the argument.
func nagiosArg(fv inventory.FlagValue) string {
	var words []string
	for _, w := range flagWords(fv) {
		if w.secret != nil {
			words = append(words, w.prefix+"$"+w.secret.Nagios+"$")
			continue
		}
		words = append(words, nagiosArgEscaper.Replace(shellQuote(w.prefix+w.lit)))
	}
	return strings.Join(words, " ")
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
		return nagiosCheck{plugin: relay, flags: relayFlags(relay, h, s, a.names[s])}, true
	}
	return nagiosCheck{plugin: s.Plugin, flags: s.Flags}, true
}

func renderNagios(t sink, f *inventory.Fleet) {
	src := f.Source(f.DefaultsFile)
	for _, class := range inventory.Classes {
		dir := "common/" + class + "/"
		t.put(dir+"commands.cfg", nagiosCommands(f, src))
		t.put(dir+"templates.cfg", nagiosTemplates(f, class, src))
		t.put(dir+"contacts.cfg", nagiosContacts(f, src))
		t.put(dir+"hostgroups.cfg", nagiosHostgroups(f, src))
		t.put(dir+"timeperiods.cfg", nagiosTimeperiods(src))
	}
}

// commandLine is a check's Nagios command line: one $ARGn$ per flag, in
// declaration order. It holds no shell metacharacter of its own, so Nagios
// execs the check directly unless a quoted value needs /bin/sh, which reads
// the quotes the same way.
func commandLine(p *inventory.Plugin) string {
	words := []string{MacroEdgecheckDir + "/" + p.Name}
	for i := range passedFlags(p) {
		words = append(words, fmt.Sprintf("$ARG%d$", i+1))
	}
	return strings.Join(words, " ")
}

// checkCommandLine is a service's check_command: the command and one
// argument per flag of the check ("" for a flag the service does not set),
// trailing empty arguments dropped.
func checkCommandLine(nc nagiosCheck) string {
	byName := map[string]inventory.FlagValue{}
	for _, fv := range nc.flags {
		byName[fv.Decl.Name] = fv
	}
	args := []string{nc.command()}
	last := 0
	for i, d := range passedFlags(nc.plugin) {
		arg := ""
		if fv, ok := byName[d.Name]; ok {
			arg = nagiosArg(fv)
		}
		if arg != "" {
			last = i + 1
		}
		args = append(args, arg)
	}
	return strings.Join(args[:last+1], "!")
}

func nagiosCommands(f *inventory.Fleet, sources ...string) string {
	var b strings.Builder
	b.WriteString(header(append([]string{"the plugin registry"}, sources...)...))
	b.WriteString("# One command per check, generated from its flag declarations: $ARGn$ is\n" +
		"# the n-th declared flag (below), the whole --flag=value words or nothing\n" +
		"# (the check's own default applies). Arguments, unlike $_SERVICE...$ custom\n" +
		"# variables, are not cleaned of illegal_macro_output_chars, and Nagios\n" +
		"# expands the $USERn$ macro of a secret inside them.\n\n")
	for _, p := range f.Plugins {
		var doc []string
		for i, d := range passedFlags(p) {
			doc = append(doc, fmt.Sprintf("# $ARG%d$ --%s", i+1, d.Name))
		}
		b.WriteString(strings.Join(doc, "\n") + "\n")
		writeObject(&b, "command", []kv{
			{"command_name", "edgecheck_" + p.Name},
			{"command_line", commandLine(p)},
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
		{"check_period", nagiosPeriod("24x7")},
		{"check_interval", "5"},
		{"retry_interval", "1"},
		{"notification_interval", "60"},
		{"notification_period", nagiosPeriod("24x7")},
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
	b.WriteString("# One template per check; a service passes its flags as the check_command's\n# arguments, one per declared flag.\n\n")
	for _, p := range f.Plugins {
		writeObject(b, "service", []kv{{"name", "ec-" + p.Name}, {"register", "0"}, {"check_command", "edgecheck_" + p.Name}})
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
			{"host_notification_period", nagiosPeriod("24x7")},
			{"service_notification_period", nagiosPeriod("24x7")},
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
	all := []kv{{"timeperiod_name", nagiosPeriod("24x7")}, {"alias", "24 hours a day, 7 days a week"}}
	for _, d := range days {
		all = append(all, kv{d, "00:00-24:00"})
	}
	writeObject(&b, "timeperiod", all)
	work := []kv{{"timeperiod_name", nagiosPeriod("workhours")}, {"alias", "Monday to Friday, 09:00 to 17:00"}}
	for _, d := range days[:5] {
		work = append(work, kv{d, "09:00-17:00"})
	}
	writeObject(&b, "timeperiod", work)
	return strings.TrimSuffix(b.String(), "\n")
}

// nagiosPeriod is the Nagios name of an inventory time period: prefixed,
// as on Icinga 2, because Debian's stock nagios.cfg still loads
// objects/timeperiods.cfg, which defines 24x7 and workhours itself.
func nagiosPeriod(p string) string { return "edgecheck-" + p }

func yesNo(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

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
			{"check_period", nagiosPeriod(h.Settings.CheckPeriod)},
			{"notifications_enabled", yesNo(h.Settings.Notifications)},
			{"notification_interval", strconv.Itoa(h.Settings.NotifInterval)},
			{"notification_period", nagiosPeriod(h.Settings.NotifPeriod)},
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
		fields = append(fields, kv{"check_command", checkCommandLine(nc)})
	} else {
		fields = append(fields, kv{"check_command", NRPECommand})
	}
	fields = append(fields,
		kv{"check_interval", strconv.Itoa(s.CheckInterval)},
		kv{"retry_interval", strconv.Itoa(s.RetryInterval)},
		kv{"max_check_attempts", strconv.Itoa(s.MaxCheckAttempts)},
		kv{"check_period", nagiosPeriod(s.CheckPeriod)},
		kv{"notifications_enabled", yesNo(s.Notifications)},
		kv{"notification_interval", strconv.Itoa(s.NotifInterval)},
		kv{"notification_period", nagiosPeriod(s.NotifPeriod)},
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
	return fields
}
