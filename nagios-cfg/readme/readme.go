// Package readme renders the configuration snippets of each plugin's
// README.md with nagios-cfg's own renderer (nagios-cfg/render), so that a
// snippet is byte for byte what `nagios-cfg render` and `nagios-cfg
// commands` write and cannot drift from the generated fleet configuration.
// It adds two block kinds to shared/docs:
//
//   - "commands": the check's Nagios `define command` (common/<class>/
//     commands.cfg) and Icinga 2 `object CheckCommand` (icinga2/
//     edgecheck-commands.conf), from the registry alone;
//   - "service:MODE[,sudo][,example=N][,role=ROLE][,check=NAME]": what
//     `nagios-cfg render` writes for one service of the check (or of check
//     NAME, for the relay's README) in run mode MODE (local, nrpe,
//     snmp-extend, icinga-agent) on one host of role ROLE, with the flags
//     of the check's N-th --help example (the first by default), run
//     through sudo when asked: the NRPE `command[...]=` line or snmpd
//     `extend` line, the sudoers line, the Nagios `define service` and the
//     Icinga 2 `object Service`.
//
// The service block's inventory is built here (Inventory), one host in
// environment prod, cell c0001, and loaded with nagios-cfg's own loader.
package readme

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"edgecheck/nagios-cfg/fsutil"
	"edgecheck/nagios-cfg/inventory"
	"edgecheck/nagios-cfg/render"
	"edgecheck/shared/docs"
	"edgecheck/shared/registry"
)

// Kinds returns the block kinds "commands" and "service" for the
// catalogue cat (registry.All() for the real READMEs).
func Kinds(cat inventory.Catalogue) []docs.Kind {
	return []docs.Kind{
		{Name: "commands", Render: func(p registry.Plugin, arg string) (string, error) { return Commands(cat, p, arg) }},
		{Name: "service", Render: func(p registry.Plugin, arg string) (string, error) { return Service(cat, p, arg) }},
	}
}

// Commands renders the "commands" block: the plugin's Nagios command and
// Icinga 2 CheckCommand, cut out of render.Commands.
func Commands(cat inventory.Catalogue, p registry.Plugin, arg string) (string, error) {
	if arg != "" {
		return "", fmt.Errorf("the commands block takes no argument, not %q", arg)
	}
	nagios, err := render.Commands(cat, "nagios")
	if err != nil {
		return "", err
	}
	icinga, err := render.Commands(cat, "icinga2")
	if err != nil {
		return "", err
	}
	command, err := nagiosObject(nagios, "command", "command_name", "edgecheck_"+p.Name)
	if err != nil {
		return "", err
	}
	check, err := icingaObject(icinga, "CheckCommand", p.Name)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "The Nagios command, in `common/<class>/commands.cfg` of every Nagios server (`nagios-cfg commands --format nagios` prints it alone). `$ARGn$` is the n-th declared flag, as whole `--flag=value` words, or nothing, so that the check's own default applies; a service passes its flags as `check_command edgecheck_%s!ARG1!ARG2…`:\n\n", p.Name)
	fence(&b, command)
	fmt.Fprintf(&b, "\nThe Icinga 2 `CheckCommand`, in `%s` (the edgecheck package installs the same text in `plugins-contrib.d`; `nagios-cfg commands --format icinga2` prints it). A service sets the `vars` named after the flags; an unset one is left out, so the check's own default applies:\n\n", render.CommandsFile)
	fence(&b, check)
	return b.String(), nil
}

// A spec is what a service block asks for.
type spec struct {
	check   registry.Plugin // the check the service runs
	mode    string
	sudo    bool
	example int // 1-based
	role    string
}

func parseSpec(cat inventory.Catalogue, p registry.Plugin, arg string) (spec, error) {
	parts := strings.Split(arg, ",")
	s := spec{check: p, mode: parts[0], example: 1, role: "hypervisor"}
	if !slices.Contains(inventory.RunModes, s.mode) {
		return s, fmt.Errorf("run mode %q: want service:MODE with MODE one of %s", s.mode, strings.Join(inventory.RunModes, ", "))
	}
	example := ""
	for _, opt := range parts[1:] {
		k, v, _ := strings.Cut(opt, "=")
		switch {
		case opt == "sudo":
			s.sudo = true
		case k == "example":
			example = v
		case k == "role" && v != "":
			s.role = v
		case k == "check":
			i := slices.IndexFunc(cat, func(c registry.Plugin) bool { return c.Name == v })
			if i < 0 {
				return s, fmt.Errorf("check=%s: no such check in the catalogue", v)
			}
			s.check = cat[i]
		default:
			return s, fmt.Errorf("unknown option %q (known: sudo, example=N, role=NAME, check=NAME)", opt)
		}
	}
	if example != "" {
		n, err := strconv.Atoi(example)
		if err != nil || n < 1 || n > len(s.check.Examples) {
			return s, fmt.Errorf("example=%s: %s has examples 1 to %d", example, s.check.Name, len(s.check.Examples))
		}
		s.example = n
	}
	if len(s.check.Examples) == 0 {
		return s, fmt.Errorf("%s has no --help example to take the flags from", s.check.Name)
	}
	if s.check.RunsOn == "rabbitmq-host" && !strings.Contains(arg, "role=") {
		s.role = "rabbitmq"
	}
	return s, nil
}

// Service renders the "service:…" block: the files of a one-host
// inventory's rendered tree that hold its one service.
func Service(cat inventory.Catalogue, p registry.Plugin, arg string) (string, error) {
	s, err := parseSpec(cat, p, arg)
	if err != nil {
		return "", err
	}
	p = s.check
	ex := p.Examples[s.example-1]
	tree, err := renderInventory(cat, p, s, ex)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	how := "run mode `" + s.mode + "`"
	if s.sudo {
		how += " with `sudo: true`"
	}
	fmt.Fprintf(&b, "What `nagios-cfg render` writes for one service `%s` (%s) on a host `%s` of role `%s`, with the flags of the example `%s`", serviceName(p), how, hostName(s), s.role, ex.Command)
	if s.mode == inventory.ModeSNMPExtend {
		var relay []string
		for _, k := range slices.Sorted(maps.Keys(RelayFlags)) {
			relay = append(relay, fmt.Sprintf("--%s %v", k, RelayFlags[k]))
		}
		fmt.Fprintf(&b, " and the relay's flags `%s` (`snmp_extend_flags`)", strings.Join(relay, " "))
	}
	agent := s.mode != inventory.ModeIcingaAgent
	if !agent {
		// Nagios reaches an icinga-agent service through NRPE: the
		// nrpe block shows that side.
		b.WriteString(" (the Icinga 2 side; on Nagios the same service runs through NRPE, as in run mode `nrpe`)")
		if s.sudo {
			fmt.Fprintf(&b, ". With sudo the service runs the `%s-sudo` variant of the CheckCommand, which `nagios-cfg render` writes to `%s`: the same arguments behind `%s -n`", p.Name, render.SudoCommandsFile, inventory.Sudo)
		}
	}
	b.WriteString(":\n")
	base := "agents/prod/c0001/"
	for _, part := range []struct {
		show        bool
		path, where string
	}{
		{agent, base + "nrpe/" + s.role + ".cfg", "on the host, included from `nrpe.cfg`"},
		{agent, base + "snmpd/" + s.role + ".conf", "on the host, included from `snmpd.conf`"},
		{true, base + "sudoers/" + strings.ReplaceAll(s.role, ".", "_"), "on the host, as `/etc/sudoers.d/edgecheck-" + strings.ReplaceAll(s.role, ".", "_") + "` (mode 0440)"},
	} {
		if data, ok := tree[part.path]; ok && part.show {
			fmt.Fprintf(&b, "\n`%s`, %s:\n\n", part.path, part.where)
			fence(&b, strings.TrimRight(dropHeader(string(data)), "\n"))
		}
	}
	if agent {
		svc, err := nagiosObject(string(tree["environments/prod/c0001/services.cfg"]), "service", "service_description", serviceName(p))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "\n`environments/prod/c0001/services.cfg`, on the Nagios server of the cell:\n\n")
		fence(&b, svc)
	}
	path := "icinga2/prod/zones.d/c0001/c0001.conf"
	obj, err := icingaObject(string(tree[path]), "Service", serviceName(p))
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "\n`%s`, the Icinga 2 zone of the cell:\n\n", path)
	fence(&b, obj)
	return b.String(), nil
}

func serviceName(p registry.Plugin) string { return strings.TrimPrefix(p.Name, "check_") }

func hostName(s spec) string { return s.role + "-c0001-001.prod.example.net" }

// renderInventory writes the one-host inventory to a temporary directory,
// loads it with inventory.Load and renders it with render.Render.
func renderInventory(cat inventory.Catalogue, p registry.Plugin, s spec, ex registry.Example) (render.Tree, error) {
	files, err := Inventory(p, s.mode, s.sudo, s.role, ex)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "edgecheck-readme-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "environments")
	if err := fsutil.WriteFiles(dir, files); err != nil {
		return nil, err
	}
	fleet, err := inventory.Load(dir, cat)
	if err != nil {
		return nil, fmt.Errorf("the representative inventory does not load: %w", err)
	}
	return render.Render(fleet)
}

// dropHeader removes the two lines render puts at the top of every file
// ("Generated by nagios-cfg from …", "Do not edit …"), which name the
// representative inventory.
func dropHeader(s string) string {
	for range 2 {
		if strings.HasPrefix(s, "# ") {
			_, s, _ = strings.Cut(s, "\n")
		}
	}
	return s
}

func fence(b *strings.Builder, body string) {
	b.WriteString("```\n")
	b.WriteString(body)
	b.WriteString("\n```\n")
}

// nagiosObject cuts the `define KIND` object whose field key is value out
// of a rendered Nagios file, with the comment lines right above it.
func nagiosObject(file, kind, key, value string) (string, error) {
	for _, para := range strings.Split(file, "\n\n") {
		if !strings.Contains(para, "define "+kind+" {\n") {
			continue
		}
		for _, line := range strings.Split(para, "\n") {
			if f := strings.Fields(line); len(f) == 2 && f[0] == key && f[1] == value {
				return strings.TrimRight(para, "\n"), nil
			}
		}
	}
	return "", fmt.Errorf("nagios-cfg rendered no `define %s` with %s %s", kind, key, value)
}

// icingaObject cuts `object KIND "name" { … }` out of a rendered Icinga 2
// file; the object ends at the first closing brace in column 1.
func icingaObject(file, kind, name string) (string, error) {
	start := strings.Index(file, "object "+kind+" "+strconv.Quote(name)+" {\n")
	if start < 0 {
		return "", fmt.Errorf("nagios-cfg rendered no Icinga 2 object %s %q", kind, name)
	}
	end := strings.Index(file[start:], "\n}\n")
	if end < 0 {
		return "", fmt.Errorf("the Icinga 2 object %s %q is not closed", kind, name)
	}
	return file[start : start+end+2], nil
}
