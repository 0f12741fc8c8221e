package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"edgecheck/nagios-cfg/fsutil"
)

// cellServers is the server_classes of the inventories here: one Nagios
// server per cell, nagios-<cell>.<env>.
const cellServers = `server_classes:
  - match: '^nagios-(?P<cell>c[0-9]+)[.]'
    class: cell
`

// base is a small valid inventory; each bad-input case changes one file.
var base = map[string]string{
	"defaults.yaml": cellServers + `roles:
  hypervisor:
    services:
      vswitch:
        check: check_vswitch
        flags:
          warning: "10"
`,
	"prod/env.yaml": `servers:
  - nagios-c1.prod
`,
	"prod/c1/cell.yaml": `hosts:
  - name: hv1
    address: 192.0.2.1
    roles: [hypervisor]
  - name: hv2
    roles: [hypervisor]
`,
}

func writeInventory(t *testing.T, change map[string]string) string {
	t.Helper()
	files := map[string][]byte{}
	for p, c := range base {
		files[p] = []byte(c)
	}
	for p, c := range change {
		files[p] = []byte(c)
	}
	dir := filepath.Join(t.TempDir(), "environments")
	if err := fsutil.WriteFiles(dir, files); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestBaseInventoryIsValid(t *testing.T) {
	renderFiles(t, writeInventory(t, nil))
}

// renderFiles renders the inventory inv, failing t unless render
// succeeds, and returns the files it wrote.
func renderFiles(t *testing.T, inv string) map[string][]byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	if r := run(t, "render", "--inventory", inv, "--out", out); r.code != ExitOK {
		t.Fatalf("render: %d\n%s", r.code, r.stderr)
	}
	files, err := fsutil.ReadFiles(out)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestBadInput: every bad inventory fails with file:line:col and a clear
// reason, and render writes nothing.
func TestBadInput(t *testing.T) {
	cases := []struct {
		name   string
		change map[string]string
		want   string // path relative to the inventory, then :line:col: reason
	}{
		{"YAML syntax error", map[string]string{"prod/c1/cell.yaml": "hosts:\n  - name: hv1\n    roles: [hypervisor\n"},
			"prod/c1/cell.yaml:3:12: YAML syntax error: "},
		{"YAML tab indentation", map[string]string{"prod/env.yaml": "servers:\n\t- nagios-c1.prod\n"},
			"prod/env.yaml:2:1: YAML syntax error: "},
		{"unknown check", map[string]string{"defaults.yaml": strings.Replace(base["defaults.yaml"], "check: check_vswitch", "check: check_vswitcj", 1)},
			`defaults.yaml:8:16: unknown check "check_vswitcj" in service vswitch of role hypervisor (known checks: check_queue, check_snmp_extend, check_vswitch)`},
		{"unknown flag", map[string]string{"defaults.yaml": strings.Replace(base["defaults.yaml"], `warning: "10"`, `warnnig: "10"`, 1)},
			"defaults.yaml:10:11: unknown flag --warnnig for check_vswitch (its flags: --timeout, --verbose, --db, --grace, --bridge, --require-master, --warning, --critical, --kernel-release)"},
		{"unknown flag in a host override", map[string]string{"prod/c1/cell.yaml": base["prod/c1/cell.yaml"] + "    services:\n      vswitch:\n        flags:\n          gracee: 5\n"},
			"prod/c1/cell.yaml:10:11: unknown flag --gracee for check_vswitch"},
		{"missing required flag", map[string]string{"defaults.yaml": base["defaults.yaml"] + "      queue:\n        check: check_queue\n"},
			"prod/c1/cell.yaml:2:11: host hv1: check_queue needs --url (required), which no layer sets for this service"},
		{"invalid threshold range", map[string]string{"defaults.yaml": strings.Replace(base["defaults.yaml"], `warning: "10"`, `warning: "2:1"`, 1)},
			`defaults.yaml:10:20: flag --warning of check_vswitch: invalid threshold range "2:1": invalid range "2:1": start is greater than end`},
		{"invalid range in a cell override", map[string]string{"prod/c1/cell.yaml": "cell:\n  services:\n    vswitch:\n      flags:\n        critical: 1-10\n" + base["prod/c1/cell.yaml"]},
			`prod/c1/cell.yaml:5:19: flag --critical of check_vswitch: invalid threshold range "1-10"`},
		{"invalid duration", map[string]string{"defaults.yaml": strings.Replace(base["defaults.yaml"], `warning: "10"`, `grace: soon`, 1)},
			`defaults.yaml:10:18: flag --grace of check_vswitch: invalid value "soon"`},
		{"list for a single-valued flag", map[string]string{"defaults.yaml": strings.Replace(base["defaults.yaml"], `warning: "10"`, `db: [a, b]`, 1)},
			"defaults.yaml:10:15: flag --db of check_vswitch takes one value, not a list"},
		{"duplicate host", map[string]string{"prod/c1/cell.yaml": base["prod/c1/cell.yaml"] + "  - name: hv1\n    roles: [hypervisor]\n"},
			"prod/c1/cell.yaml:7:11: duplicate host hv1 (first defined at "},
		{"duplicate host across environments", map[string]string{
			"test/env.yaml":     "servers:\n  - nagios-c2.test\n",
			"test/c2/cell.yaml": "hosts:\n  - name: hv2\n    roles: [hypervisor]\n"},
			"test/c2/cell.yaml:2:11: duplicate host hv2 (first defined at "},
		{"duplicate key", map[string]string{"prod/c1/cell.yaml": "hosts:\n  - name: hv1\n    name: hv3\n    roles: [hypervisor]\n"},
			`prod/c1/cell.yaml:3:5: YAML syntax error: mapping key "name" already defined at [2:5]`},
		{"unknown role", map[string]string{"prod/c1/cell.yaml": strings.Replace(base["prod/c1/cell.yaml"], "roles: [hypervisor]\n  - name: hv2", "roles: [hypervisor, rabbitmq]\n  - name: hv2", 1)},
			`prod/c1/cell.yaml:4:25: unknown role "rabbitmq" for host hv1 (defined roles: hypervisor)`},
		{"unknown run mode", map[string]string{"prod/env.yaml": "environment:\n  run_mode: ssh\n" + base["prod/env.yaml"]},
			`prod/env.yaml:2:13: unknown run_mode "ssh" (one of local, nrpe, snmp-extend, icinga-agent)`},
		{"unknown key", map[string]string{"prod/env.yaml": "environment:\n  check_intervall: 5\n" + base["prod/env.yaml"]},
			`prod/env.yaml:2:3: unknown key "check_intervall" in environment`},
		{"cell without a Nagios server", map[string]string{"prod/c2/cell.yaml": "hosts:\n  - name: hv9\n    roles: [hypervisor]\n"},
			"prod/c2/cell.yaml:1:1: cell c2 has no Nagios server: list a cell or mixed server for c2 under servers in "},
		{"global control plane without a server", map[string]string{"prod/global/cell.yaml": "hosts:\n  - name: net1\n    roles: [hypervisor]\n"},
			"prod/global/cell.yaml:1:1: the global control plane of environment prod has no Nagios server"},
		{"server matching no class", map[string]string{"prod/env.yaml": "servers:\n  - nagios-c1.prod\n  - icinga.prod\n"},
			"prod/env.yaml:3:5: Nagios server icinga.prod matches no server_classes pattern"},
		{"server of a missing cell", map[string]string{"prod/env.yaml": "servers:\n  - nagios-c1.prod\n  - nagios-c7.prod\n"},
			`prod/env.yaml:3:5: Nagios server nagios-c7.prod is the cell server of cell "c7", which environment prod does not have`},
		{"semicolon in a host name", map[string]string{"prod/c1/cell.yaml": strings.Replace(base["prod/c1/cell.yaml"], "name: hv2", "name: hv2;rm", 1)},
			`prod/c1/cell.yaml:5:11: invalid host name "hv2;rm": it contains ';', which would break Nagios/Icinga 2 object syntax`},
		{"bang in a service name", map[string]string{"defaults.yaml": strings.Replace(base["defaults.yaml"], "vswitch:", "vswitch!1:", 1)},
			`defaults.yaml:7:7: invalid service name "vswitch!1": it contains '!', which would break Nagios/Icinga 2 object syntax`},
		{"newline in a host name", map[string]string{"prod/c1/cell.yaml": strings.Replace(base["prod/c1/cell.yaml"], "name: hv2", `name: "hv2\nhost_name evil"`, 1)},
			`prod/c1/cell.yaml:5:11: invalid host name "hv2\nhost_name evil": it contains a newline`},
		{"misplaced quote in a host name", map[string]string{"prod/c1/cell.yaml": strings.Replace(base["prod/c1/cell.yaml"], "name: hv2", `name: hv2"x`, 1)},
			`prod/c1/cell.yaml:5:11: invalid host name "hv2\"x": it contains '"'`},
		{"space in a role name", map[string]string{"defaults.yaml": strings.Replace(base["defaults.yaml"], "  hypervisor:", "  \"hyper visor\":", 1)},
			`defaults.yaml:5:3: invalid role name "hyper visor": it contains a space`},
		{"newline in a flag value", map[string]string{"defaults.yaml": strings.Replace(base["defaults.yaml"], `warning: "10"`, `db: "unix:/run/db.sock\nreboot"`, 1)},
			`defaults.yaml:10:15: flag --db of check_vswitch: value "unix:/run/db.sock\nreboot" contains a newline, which no run mode can pass`},
		{"unknown secret", map[string]string{"defaults.yaml": strings.Replace(base["defaults.yaml"], `warning: "10"`, `db: secret:nope`, 1)},
			`defaults.yaml:10:15: flag --db of check_vswitch: unknown secret "nope"`},
		{"secret in a list", map[string]string{"defaults.yaml": strings.Replace(base["defaults.yaml"], `warning: "10"`, `bridge: [br-int, "secret:x"]`, 1)},
			`defaults.yaml:10:28: flag --bridge of check_vswitch: a secret must be the flag's only value`},
		{"cell directory without cell.yaml", map[string]string{"prod/c2/notes.txt": "todo\n"},
			"prod/c2/cell.yaml:1:1: missing: every cell directory needs cell.yaml"},
		{"non-boolean sudo", map[string]string{"prod/c1/cell.yaml": "cell:\n  services:\n    vswitch:\n      sudo: yes\n" + base["prod/c1/cell.yaml"]},
			`prod/c1/cell.yaml:4:13: sudo must be true or false, not "yes"`},
		{"sudo as a list", map[string]string{"prod/env.yaml": "environment:\n  sudo: [true]\n" + base["prod/env.yaml"]},
			`prod/env.yaml:2:9: sudo must be a single value, not a list`},
		{"bad agent user", map[string]string{"prod/env.yaml": "environment:\n  agent_users: {nrpe: \"nagios ALL\"}\n" + base["prod/env.yaml"]},
			`prod/env.yaml:2:23: agent_users.nrpe "nagios ALL" is not a user name a sudoers file can carry`},
		{"unknown agent user key", map[string]string{"prod/env.yaml": "environment:\n  agent_users: {icinga: icinga}\n" + base["prod/env.yaml"]},
			`prod/env.yaml:2:17: unknown key "icinga" in agent_users (known: nrpe, snmpd)`},
		{"plugin dir sudoers cannot name", map[string]string{"prod/env.yaml": "environment:\n  run_mode: nrpe\n  sudo: true\n  agent_plugin_dir: /opt/a:b\n" + base["prod/env.yaml"]},
			`prod/env.yaml:4:21: service vswitch of host hv1 runs through sudo, and a sudoers file cannot name agent_plugin_dir "/opt/a:b" as it is`},
		{"switch value for a count", map[string]string{"defaults.yaml": strings.Replace(base["defaults.yaml"], `warning: "10"`, `verbose: true`, 1)},
			`defaults.yaml:10:20: flag --verbose of check_vswitch is a count: write a number such as 1 (-v) or 2 (-vv), not "true"`},
		{"cell without hosts", map[string]string{"prod/c1/cell.yaml": "hosts: []\n"},
			`prod/c1/cell.yaml:1:8: cell c1 has no hosts`},
		{"host with empty roles", map[string]string{"prod/c1/cell.yaml": "hosts:\n  - name: hv1\n    roles: []\n" + strings.TrimPrefix(base["prod/c1/cell.yaml"], "hosts:\n")},
			`prod/c1/cell.yaml:3:12: host hv1 has no roles (roles: [])`},
		{"environment without cells", map[string]string{"test/env.yaml": "servers:\n  - nagios-c9.test\n"},
			`test/env.yaml:1:1: environment test has no cells`},
		{"unknown placeholder", map[string]string{"defaults.yaml": strings.Replace(base["defaults.yaml"], `warning: "10"`, `db: "unix:/{hostname}.sock"`, 1)},
			`defaults.yaml:10:15: flag --db of check_vswitch: unknown placeholder {hostname}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inv := writeInventory(t, tc.change)
			parent := t.TempDir()
			out := filepath.Join(parent, "out")
			r := run(t, "render", "--inventory", inv, "--out", out)
			if r.code != ExitFail {
				t.Fatalf("exit %d, want %d\n%s", r.code, ExitFail, r.stderr)
			}
			want := filepath.Join(inv, tc.want)
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr lacks\n  %s\ngot:\n%s", want, r.stderr)
			}
			if !strings.Contains(r.stderr, "nothing written") {
				t.Errorf("stderr does not say nothing was written:\n%s", r.stderr)
			}
			if entries, _ := os.ReadDir(parent); len(entries) != 0 {
				t.Errorf("render wrote %v despite the bad inventory", entries)
			}
			// check reports the same problem and does not pass.
			if c := run(t, "check", "--inventory", inv, "--against", parent); c.code != ExitFail || !strings.Contains(c.stderr, want) {
				t.Errorf("check: exit %d\n%s", c.code, c.stderr)
			}
		})
	}
}

// TestBadInputKeepsPreviousRender: a failing render leaves the earlier
// tree untouched.
func TestBadInputKeepsPreviousRender(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if r := run(t, "render", "--inventory", writeInventory(t, nil), "--out", out); r.code != ExitOK {
		t.Fatal(r.stderr)
	}
	before, _ := fsutil.ReadFiles(out)
	bad := writeInventory(t, map[string]string{"prod/env.yaml": "servers: [\n"})
	if r := run(t, "render", "--inventory", bad, "--out", out); r.code != ExitFail {
		t.Fatalf("exit %d", r.code)
	}
	after, _ := fsutil.ReadFiles(out)
	if len(before) != len(after) {
		t.Fatalf("tree changed: %d -> %d files", len(before), len(after))
	}
	for p := range before {
		if string(before[p]) != string(after[p]) {
			t.Errorf("%s changed", p)
		}
	}
}

// TestAgentNamesUniquePerHost: two roles of one host with services whose
// names differ only in '-' and '_' get two NRPE commands, not one defined
// twice (NRPE would answer both services with one of the definitions).
func TestAgentNamesUniquePerHost(t *testing.T) {
	inv := writeInventory(t, map[string]string{
		"defaults.yaml": cellServers + `roles:
  hypervisor:
    services:
      v_switch:
        check: check_vswitch
        run_mode: nrpe
        flags: {bridge: [br-int]}
  storage:
    services:
      v-switch:
        check: check_vswitch
        run_mode: nrpe
        flags: {bridge: [br-storage]}
`,
		"prod/c1/cell.yaml": "hosts:\n  - name: hv1\n    roles: [hypervisor, storage]\n",
	})
	files := renderFiles(t, inv)
	hv, st := string(files["agents/prod/c1/nrpe/hypervisor.cfg"]), string(files["agents/prod/c1/nrpe/storage.cfg"])
	if !strings.Contains(hv, "command[ec_v_switch]=") || !strings.Contains(st, "command[ec_v-switch]=") {
		t.Errorf("NRPE commands not named apart:\n%s\n%s", hv, st)
	}
	svc := string(files["environments/prod/c1/services.cfg"])
	for _, want := range []string{"_EDGECHECK_NRPE_COMMAND     ec_v_switch\n", "_EDGECHECK_NRPE_COMMAND     ec_v-switch\n"} {
		if !strings.Contains(svc, want) {
			t.Errorf("services.cfg lacks %q", want)
		}
	}
}
