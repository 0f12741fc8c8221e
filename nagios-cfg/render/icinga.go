package render

import (
	"fmt"
	"strings"

	"edgecheck/nagios-cfg/inventory"
	"edgecheck/shared/registry"
)

// GlobalTemplatesDir holds what every Icinga 2 node of every environment
// shares (templates, the -sudo CheckCommand variants), synced through the
// global-templates zone.
const GlobalTemplatesDir = "icinga2/zones.d/global-templates"

// CommandsFile holds the CheckCommands generated from the plugin registry,
// byte for byte what `nagios-cfg commands --format icinga2` prints and the
// edgecheck package installs in plugins-contrib.d. It lies outside zones.d,
// as the Icinga Template Library does: every node gets the CheckCommands
// with the plugins (the package, loaded by `include <plugins-contrib>`),
// not through zone sync, so a master with the package installed does not
// see them twice. Sites without the package copy this file to each node
// and include it from icinga2.conf.
const CommandsFile = "icinga2/edgecheck-commands.conf"

// SudoCommandsFile holds the -sudo variants of the CheckCommands that some
// icinga-agent service runs through sudo. They depend on the inventory, so
// the package does not have them: they travel in the global-templates
// zone. The file exists only when some service needs one.
const SudoCommandsFile = GlobalTemplatesDir + "/edgecheck-sudo-commands.conf"

var istrEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`)

// istr quotes an Icinga 2 string.
func istr(s string) string {
	if !strings.ContainsAny(s, "\\\"\n\t") {
		return `"` + s + `"`
	}
	return `"` + istrEscaper.Replace(s) + `"`
}

func ilist(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = istr(x)
	}
	return "[ " + strings.Join(q, ", ") + " ]"
}

// ivalue renders a flag value: a secret becomes its Icinga 2 constant.
func ivalue(v inventory.Value) string {
	if v.Secret != nil {
		return v.Secret.Icinga
	}
	// Icinga 2 resolves macros inside a custom variable's value: $$ is '$'.
	return istr(strings.ReplaceAll(v.Lit, "$", "$$"))
}

func ivalues(fv inventory.FlagValue) string {
	if fv.Decl.Kind == registry.KindBool {
		if len(fv.Values) == 1 && fv.Values[0].Lit == "true" {
			return "true"
		}
		return "false"
	}
	if fv.Decl.Repeatable() {
		q := make([]string, len(fv.Values))
		for i, v := range fv.Values {
			q[i] = ivalue(v)
		}
		return "[ " + strings.Join(q, ", ") + " ]"
	}
	return ivalue(fv.Values[0])
}

// zoneOf is the Icinga 2 zone of a cell's objects: master for the global
// control plane, and for a cell whose only server is a mixed server that
// is itself the master.
func zoneOf(e *inventory.Env, c *inventory.Cell) string {
	if c.Global() || len(cellEndpoints(e, c.Name)) == 0 {
		return "master"
	}
	return c.Name
}

func masterEndpoints(e *inventory.Env) []string {
	var global, mixed []string
	for _, s := range e.Servers {
		switch s.Class {
		case inventory.ClassGlobal:
			global = append(global, s.Name)
		case inventory.ClassMixed:
			mixed = append(mixed, s.Name)
		}
	}
	if len(global) > 0 {
		return global
	}
	return mixed
}

func cellEndpoints(e *inventory.Env, cell string) []string {
	master := map[string]bool{}
	for _, m := range masterEndpoints(e) {
		master[m] = true
	}
	var out []string
	for _, s := range e.Servers {
		if s.Cell == cell && !master[s.Name] {
			out = append(out, s.Name)
		}
	}
	return out
}

func renderIcinga(t sink, f *inventory.Fleet) {
	src := f.Source(f.DefaultsFile)
	t.put(CommandsFile, icingaCommands(f))
	t.put(GlobalCommandsFile, icingaCommands(f))
	if sudo := icingaSudoCommands(f, src); sudo != "" {
		t.put(SudoCommandsFile, sudo)
	}
	t.put(GlobalTemplatesDir+"/edgecheck-templates.conf", icingaTemplates(f, src))
	t.put(SecretsExample, icingaSecrets(f, src))
	for _, e := range f.Envs {
		t.put("icinga2/"+e.Name+"/zones.conf", icingaZones(f, e))
		if cl := icingaCluster(f, e); cl != "" {
			t.put("icinga2/"+e.Name+"/zones.d/master/"+ClusterFile, cl)
		}
	}
}

// SecretsExample lists the Icinga 2 constants the tree expects; the
// operator defines them in constants.conf with the real values.
const SecretsExample = "icinga2/secrets.conf.example"

func icingaSecrets(f *inventory.Fleet, src string) string {
	var b strings.Builder
	b.WriteString(header(src))
	b.WriteString("# The constants the generated objects use for secrets. Copy these lines to\n" +
		"# constants.conf on every Icinga 2 node and put the real values in.\n")
	for _, s := range f.Secrets {
		fmt.Fprintf(&b, "const %s = %s // secret %s, $%s$ in Nagios\n", s.Icinga, istr(s.Agent), s.Name, s.Nagios)
	}
	return b.String()
}

// icingaCommands renders one CheckCommand per plugin, from the registry
// alone: the same text for every inventory, so that the tree's copy and
// the package's are interchangeable.
func icingaCommands(f *inventory.Fleet) string {
	var b strings.Builder
	b.WriteString(header("the plugin registry"))
	b.WriteString("# CheckCommands in the style of the Icinga Template Library, generated from\n" +
		"# each check's flag declarations: switches use set_if, repeatable flags\n" +
		"# repeat_key, required flags required, defaults are vars.\n")
	b.WriteString(commandsGuardOpen)
	for _, p := range f.Plugins {
		checkCommand(&b, p, p.Name, fmt.Sprintf("PluginDir + %s", istr("/"+p.Name)))
	}
	return strings.TrimSuffix(b.String(), "\n") + commandsGuardClose
}

// icingaSudoCommands renders the -sudo variants the inventory's
// icinga-agent services need, or "" when none does.
func icingaSudoCommands(f *inventory.Fleet, src string) string {
	sudo := sudoAgentChecks(f)
	if len(sudo) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(header("the plugin registry", src))
	b.WriteString("# The -sudo variants of the CheckCommands in " + CommandsFile + " (or the\n" +
		"# edgecheck package's plugins-contrib.d/edgecheck.conf) that icinga-agent\n" +
		"# services set to sudo run: the same arguments behind sudo -n.\n\n")
	for _, p := range f.Plugins {
		if sudo[p.Name] {
			checkCommand(&b, p, sudoCommand(p.Name), fmt.Sprintf("%s, \"-n\", PluginDir + %s", istr(inventory.Sudo), istr("/"+p.Name)))
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// sudoCommand names the variant of a CheckCommand that an icinga-agent
// service set to sudo runs: the same arguments behind sudo -n.
func sudoCommand(check string) string { return check + "-sudo" }

// sudoAgentChecks lists the checks some icinga-agent service runs through
// sudo: they get a -sudo variant of their CheckCommand.
func sudoAgentChecks(f *inventory.Fleet) map[string]bool {
	out := map[string]bool{}
	for _, e := range f.Envs {
		for _, c := range e.Cells {
			for _, h := range c.Hosts {
				for _, s := range h.Services {
					if s.RunMode == inventory.ModeIcingaAgent && s.Sudo {
						out[s.Plugin.Name] = true
					}
				}
			}
		}
	}
	return out
}

// checkCommand writes one CheckCommand for p under name, whose command
// array holds command. Every argument passes the same words as the Nagios
// command and the agent snippets: --flag=value (skip_key, so the key is not
// a word of its own), one --flag=value per element of a repeatable flag's
// array, a bare --flag for a switch that is on. An argument whose variable
// is unset is left out, so the check's own default applies, as on Nagios.
// Arguments keep the declaration order. Icinga 2 execs the array without a
// shell.
func checkCommand(b *strings.Builder, p *inventory.Plugin, name, command string) {
	fmt.Fprintf(b, "object CheckCommand %s {\n", istr(name))
	fmt.Fprintf(b, "\tcommand = [ %s ]\n\n", command)
	b.WriteString("\targuments = {\n")
	var defaults []string
	for i, d := range passedFlags(p) {
		v := icingaVar(p.Name, d.Name)
		fmt.Fprintf(b, "\t\t%s = {\n", istr("--"+d.Name))
		// Icinga 2 sorts arguments by order, then by key: keep the
		// declaration order, as the Nagios command does.
		fmt.Fprintf(b, "\t\t\torder = %d\n", i+1)
		switch {
		case d.Kind == registry.KindBool:
			fmt.Fprintf(b, "\t\t\tset_if = %s\n", istr("$"+v+"$"))
			defaults = append(defaults, fmt.Sprintf("\tvars.%s = false\n", v))
		case d.Repeatable():
			// The variable is an array; a lambda prefixes each element.
			fmt.Fprintf(b, "\t\t\tvalue = {{\n\t\t\t\tvar v = macro(%s)\n\t\t\t\tif (typeof(v) != Array) { return [] }\n\t\t\t\treturn v.map(x => %s + x)\n\t\t\t}}\n", istr("$"+v+"$"), istr("--"+d.Name+"="))
			fmt.Fprintf(b, "\t\t\tset_if = {{ typeof(macro(%s)) == Array }}\n", istr("$"+v+"$"))
			b.WriteString("\t\t\tskip_key = true\n")
		default:
			fmt.Fprintf(b, "\t\t\tvalue = %s\n", istr("--"+d.Name+"=$"+v+"$"))
			b.WriteString("\t\t\tskip_key = true\n")
		}
		if d.Required {
			b.WriteString("\t\t\trequired = true\n")
		}
		fmt.Fprintf(b, "\t\t\tdescription = %s\n", istr(d.Usage))
		b.WriteString("\t\t}\n")
	}
	b.WriteString("\t}\n")
	if len(defaults) > 0 {
		b.WriteString("\n" + strings.Join(defaults, ""))
	}
	b.WriteString("}\n\n")
}

func icingaTemplates(f *inventory.Fleet, src string) string {
	var b strings.Builder
	b.WriteString(header(src))
	b.WriteString("\n")
	b.WriteString(`object TimePeriod "edgecheck-24x7" {
	import "legacy-timeperiod"
	display_name = "24 hours a day, 7 days a week"
	ranges = {
		monday = "00:00-24:00"
		tuesday = "00:00-24:00"
		wednesday = "00:00-24:00"
		thursday = "00:00-24:00"
		friday = "00:00-24:00"
		saturday = "00:00-24:00"
		sunday = "00:00-24:00"
	}
}

object TimePeriod "edgecheck-workhours" {
	import "legacy-timeperiod"
	display_name = "Monday to Friday, 09:00 to 17:00"
	ranges = {
		monday = "09:00-17:00"
		tuesday = "09:00-17:00"
		wednesday = "09:00-17:00"
		thursday = "09:00-17:00"
		friday = "09:00-17:00"
	}
}

template Host "edgecheck-host" {
	check_command = "hostalive"
	max_check_attempts = 3
	check_interval = 5m
	retry_interval = 1m
	check_period = "edgecheck-24x7"
}

template Service "edgecheck-service" {
	max_check_attempts = 3
	check_interval = 5m
	retry_interval = 1m
	check_period = "edgecheck-24x7"
	enable_perfdata = true
}

`)
	icingaNotifications(&b, f)
	for _, r := range f.Roles {
		alias := f.RoleDesc[r]
		if alias == "" {
			alias = "edgecheck role " + r
		}
		fmt.Fprintf(&b, "object HostGroup %s {\n\tdisplay_name = %s\n}\n\n", istr(r), istr(alias))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func icingaPeriod(p string) string { return "edgecheck-" + p }

func icingaCell(f *inventory.Fleet, e *inventory.Env, c *inventory.Cell, a *agentNames) string {
	var b strings.Builder
	b.Grow(len(c.Hosts) * 3000)
	b.WriteString(header(cellSources(f, c)...))
	fmt.Fprintf(&b, "# Hosts and services of environment %s, cell %s (zone %s).\n\n", e.Name, c.Name, zoneOf(e, c))
	sat := "" // the satellite whose zone checks this cell, for the master's dependencies
	if zoneOf(e, c) != "master" {
		sat = cellEndpoints(e, c.Name)[0]
	}
	for _, h := range c.Hosts {
		fmt.Fprintf(&b, "object Host %s {\n\timport \"edgecheck-host\"\n", istr(h.Name))
		fmt.Fprintf(&b, "\tdisplay_name = %s\n\taddress = %s\n\tgroups = %s\n", istr(h.Short()), istr(h.Address), ilist(h.Roles))
		fmt.Fprintf(&b, "\tmax_check_attempts = %d\n\tcheck_period = %s\n\tenable_notifications = %t\n",
			h.Settings.MaxCheckAttempts, istr(icingaPeriod(h.Settings.CheckPeriod)), h.Settings.Notifications)
		fmt.Fprintf(&b, "\tvars.edgecheck_env = %s\n\tvars.edgecheck_cell = %s\n", istr(e.Name), istr(c.Name))
		agentHostCheck(&b, h)
		if sat != "" {
			fmt.Fprintf(&b, "\tvars.edgecheck_satellite = %s\n", istr(sat))
		}
		if len(h.Settings.ContactGroups) > 0 {
			fmt.Fprintf(&b, "\tvars.edgecheck_contact_groups = %s\n\tvars.edgecheck_notification_interval = %dm\n\tvars.edgecheck_notification_period = %s\n",
				ilist(h.Settings.ContactGroups), h.Settings.NotifInterval, istr(icingaPeriod(h.Settings.NotifPeriod)))
		}
		b.WriteString("}\n\n")
		for _, s := range h.Services {
			icingaService(&b, f, h, s, a)
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func icingaService(b *strings.Builder, f *inventory.Fleet, h *inventory.Host, s *inventory.Service, a *agentNames) {
	fmt.Fprintf(b, "object Service %s {\n\timport \"edgecheck-service\"\n\thost_name = %s\n", istr(s.Name), istr(h.Name))
	var flags []inventory.FlagValue
	check := s.Plugin
	switch s.RunMode {
	case inventory.ModeNRPE:
		b.WriteString("\tcheck_command = \"nrpe\"\n")
	case inventory.ModeSNMPExtend:
		check = pluginByName(f, inventory.SnmpExtendCheck)
		flags = relayFlags(check, h, s, a.names[s])
		fmt.Fprintf(b, "\tcheck_command = %s\n", istr(check.Name))
	default:
		flags = s.Flags
		name := check.Name
		if s.RunMode == inventory.ModeIcingaAgent && s.Sudo {
			name = sudoCommand(name)
		}
		fmt.Fprintf(b, "\tcheck_command = %s\n", istr(name))
	}
	if s.RunMode == inventory.ModeIcingaAgent {
		fmt.Fprintf(b, "\tcommand_endpoint = %s\n", istr(h.Name))
	}
	fmt.Fprintf(b, "\tcheck_interval = %dm\n\tretry_interval = %dm\n\tmax_check_attempts = %d\n\tcheck_period = %s\n\tenable_notifications = %t\n",
		s.CheckInterval, s.RetryInterval, s.MaxCheckAttempts, istr(icingaPeriod(s.CheckPeriod)), s.Notifications)
	if s.RunMode == inventory.ModeNRPE {
		fmt.Fprintf(b, "\tvars.nrpe_command = %s\n\tvars.nrpe_port = %d\n\tvars.nrpe_timeout = %d\n", istr(a.names[s]), s.NRPEPort, s.NRPETimeout)
	}
	for _, fv := range flags {
		fmt.Fprintf(b, "\tvars.%s = %s\n", icingaVar(check.Name, fv.Decl.Name), ivalues(fv))
	}
	fmt.Fprintf(b, "\tvars.edgecheck_role = %s\n\tvars.edgecheck_run_mode = %s\n\tvars.edgecheck_check = %s\n", istr(s.Role), istr(s.RunMode), istr(s.Plugin.Name))
	if len(s.ContactGroups) > 0 {
		states, types := icingaNotifyVars(s.Resolved)
		fmt.Fprintf(b, "\tvars.edgecheck_contact_groups = %s\n\tvars.edgecheck_notification_interval = %dm\n\tvars.edgecheck_notification_period = %s\n\tvars.edgecheck_notification_states = %s\n\tvars.edgecheck_notification_types = %s\n",
			ilist(s.ContactGroups), s.NotifInterval, istr(icingaPeriod(s.NotifPeriod)), states, types)
	}
	b.WriteString("}\n\n")
}

// icingaNotifications renders the contacts as Users and UserGroups, and
// apply rules that notify each object's contact groups with its own
// interval, period and options (vars.edgecheck_notification_*), through
// the mail scripts every Icinga 2 installation ships in ConfigDir/scripts.
func icingaNotifications(b *strings.Builder, f *inventory.Fleet) {
	for _, g := range f.ContactGroups {
		fmt.Fprintf(b, "object UserGroup %s {\n\tdisplay_name = %s\n}\n\n", istr(g.Name), istr(g.Alias))
	}
	groupsOf := map[string][]string{}
	for _, g := range f.ContactGroups {
		for _, m := range g.Members {
			groupsOf[m] = append(groupsOf[m], g.Name)
		}
	}
	for _, c := range f.Contacts {
		fmt.Fprintf(b, "object User %s {\n\tdisplay_name = %s\n", istr(c.Name), istr(c.Alias))
		if c.Email != "" {
			fmt.Fprintf(b, "\temail = %s\n", istr(c.Email))
		}
		if len(groupsOf[c.Name]) > 0 {
			fmt.Fprintf(b, "\tgroups = %s\n", ilist(groupsOf[c.Name]))
		}
		b.WriteString("}\n\n")
	}
	b.WriteString(`object NotificationCommand "edgecheck-mail-host" {
	command = [ ConfigDir + "/scripts/mail-host-notification.sh" ]
	arguments = {
		"-4" = "$address$"
		"-d" = {{ Date() }}
		"-l" = "$host.name$"
		"-n" = "$host.display_name$"
		"-o" = "$host.output$"
		"-r" = "$user.email$"
		"-s" = "$host.state$"
		"-t" = "$notification.type$"
	}
}

object NotificationCommand "edgecheck-mail-service" {
	command = [ ConfigDir + "/scripts/mail-service-notification.sh" ]
	arguments = {
		"-4" = "$address$"
		"-d" = {{ Date() }}
		"-e" = "$service.name$"
		"-l" = "$host.name$"
		"-n" = "$host.display_name$"
		"-o" = "$service.output$"
		"-r" = "$user.email$"
		"-s" = "$service.state$"
		"-t" = "$notification.type$"
		"-u" = "$service.display_name$"
	}
}

apply Notification "edgecheck-mail" to Host {
	command = "edgecheck-mail-host"
	user_groups = host.vars.edgecheck_contact_groups
	interval = host.vars.edgecheck_notification_interval
	period = host.vars.edgecheck_notification_period
	states = [ Up, Down ]
	types = [ Problem, Recovery ]
	assign where host.vars.edgecheck_contact_groups && host.enable_notifications
}

apply Notification "edgecheck-mail" to Service {
	command = "edgecheck-mail-service"
	user_groups = service.vars.edgecheck_contact_groups
	interval = service.vars.edgecheck_notification_interval
	period = service.vars.edgecheck_notification_period
	states = service.vars.edgecheck_notification_states
	types = service.vars.edgecheck_notification_types
	assign where service.vars.edgecheck_contact_groups && service.enable_notifications
}

`)
}

// icingaNotifyVars turns Nagios-style notification options into Icinga 2
// state and type filters.
func icingaNotifyVars(r inventory.Resolved) (states, types string) {
	st := []string{}
	ty := []string{}
	has := map[string]bool{}
	for _, o := range strings.Split(r.NotifOptions, ",") {
		has[o] = true
	}
	if has["n"] {
		return "[ ]", "[ ]"
	}
	if has["r"] {
		st = append(st, "OK")
	}
	for _, x := range []struct{ opt, state string }{{"w", "Warning"}, {"c", "Critical"}, {"u", "Unknown"}} {
		if has[x.opt] {
			st = append(st, x.state)
		}
	}
	if has["w"] || has["c"] || has["u"] {
		ty = append(ty, "Problem")
	}
	if has["r"] {
		ty = append(ty, "Recovery")
	}
	if has["f"] {
		ty = append(ty, "FlappingStart", "FlappingEnd")
	}
	if has["s"] {
		ty = append(ty, "DowntimeStart", "DowntimeEnd", "DowntimeRemoved")
	}
	return "[ " + strings.Join(st, ", ") + " ]", "[ " + strings.Join(ty, ", ") + " ]"
}
