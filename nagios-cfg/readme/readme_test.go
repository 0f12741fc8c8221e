package readme

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"edgecheck/nagios-cfg/inventory"
	"edgecheck/nagios-cfg/render"
	_ "edgecheck/plugins/all"
	"edgecheck/shared/registry"
)

func catalogue() inventory.Catalogue { return inventory.Catalogue(registry.All()) }

func plugin(t *testing.T, name string) registry.Plugin {
	t.Helper()
	p, ok := registry.Lookup(name)
	if !ok {
		t.Fatalf("%s is not registered", name)
	}
	return p
}

// fenced returns the contents of every ``` block of a rendered block.
func fenced(body string) []string {
	var out []string
	parts := strings.Split(body, "```\n")
	for i := 1; i+1 < len(parts); i += 2 {
		out = append(out, strings.TrimSuffix(parts[i], "\n"))
	}
	return out
}

// TestCommandsAreTheFleetsCommands: the commands block of every plugin is
// byte for byte in the files `nagios-cfg render` writes for the
// repository's own inventory (environments/).
func TestCommandsAreTheFleetsCommands(t *testing.T) {
	fleet, err := inventory.Load(filepath.Join("..", "..", "environments"), catalogue())
	if err != nil {
		t.Fatal(err)
	}
	tree, err := render.Render(fleet)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range registry.All() {
		body, err := Commands(catalogue(), p, "")
		if err != nil {
			t.Fatal(err)
		}
		blocks := fenced(body)
		if len(blocks) != 2 {
			t.Fatalf("%s: %d fenced blocks, want 2:\n%s", p.Name, len(blocks), body)
		}
		for i, file := range []string{"common/cell/commands.cfg", render.CommandsFile} {
			if !strings.Contains(string(tree[file]), blocks[i]+"\n") {
				t.Errorf("%s: %s lacks the README's snippet:\n%s", p.Name, file, blocks[i])
			}
		}
		if !strings.Contains(blocks[0], "command_name                edgecheck_"+p.Name+"\n") || !strings.HasPrefix(blocks[1], fmt.Sprintf("object CheckCommand %q {", p.Name)) {
			t.Errorf("%s: the snippets are another check's:\n%s", p.Name, body)
		}
	}
}

// TestEveryExampleRenders: each --help example of each plugin is a valid
// service for nagios-cfg's loader in every run mode, so any of them can
// be a README's service block.
func TestEveryExampleRenders(t *testing.T) {
	for _, p := range registry.All() {
		for i := range p.Examples {
			for _, mode := range inventory.RunModes {
				arg := fmt.Sprintf("%s,example=%d", mode, i+1)
				if _, err := Service(catalogue(), p, arg); err != nil {
					t.Errorf("%s service:%s: %v", p.Name, arg, err)
				}
			}
		}
	}
}

// TestServiceBlocks pins what each run mode's block shows, from the real
// renderer: the agent line with its quoting, the sudo and relay parts.
func TestServiceBlocks(t *testing.T) {
	for _, tc := range []struct {
		check, arg string
		want       []string
		not        []string
	}{
		{"check_rabbitmq_queues", "nrpe", []string{
			"command[ec_rabbitmq_queues]=/usr/lib/nagios/plugins/check_rabbitmq_queues --vhost=nova --credentials-file=/etc/nagios/rabbitmq.yaml '--queue-regex=^compute\\.' --warning=100 --critical=1000\n",
			"host `rabbitmq-c0001-001.prod.example.net` of role `rabbitmq`",
			"    check_command               edgecheck_nrpe\n",
			"\tvars.nrpe_command = \"ec_rabbitmq_queues\"\n",
		}, []string{"sudoers"}},
		{"check_ovs_controller", "icinga-agent,sudo,example=2", []string{
			"check_ovs_controller-sudo` variant",
			"nagios ALL=(root) NOPASSWD: /usr/lib/nagios/plugins/check_ovs_controller *\n",
			"\tcheck_command = \"check_ovs_controller-sudo\"\n\tcommand_endpoint = \"hypervisor-c0001-001.prod.example.net\"\n",
			"\tvars.ovs_controller_bridge = [ \"br-int\" ]\n\tvars.ovs_controller_require_master = true\n",
		}, []string{"command[", "define service"}},
		{"check_snmp_extend", "snmp-extend,sudo,check=check_ovs_controller", []string{
			"extend ec_ovs_controller /usr/bin/sudo -n /usr/lib/nagios/plugins/check_ovs_controller --grace=30\n",
			"Debian-snmp ALL=(root) NOPASSWD: /usr/lib/nagios/plugins/check_ovs_controller *\n",
			"--name=ec_ovs_controller",
			"relay's flags `--credentials-file /etc/nagios/snmp-v3.yaml --protocol 3`",
		}, nil},
		{"check_snmp_vlans", "local,role=switch,example=2", []string{
			"edgecheck_check_snmp_vlans!",
			"--hostname=sw2",
			"\tvars.snmp_vlans_expect_vlans = \"10,20\"\n",
		}, []string{"command[", "extend "}},
	} {
		t.Run(tc.check+" "+tc.arg, func(t *testing.T) {
			body, err := Service(catalogue(), plugin(t, tc.check), tc.arg)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("block lacks %q:\n%s", w, body)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(body, n) {
					t.Errorf("block has %q:\n%s", n, body)
				}
			}
		})
	}
}

func TestServiceRefusesBadBlockNames(t *testing.T) {
	p := plugin(t, "check_ovs_kmod")
	for _, tc := range []struct{ arg, want string }{
		{"", `run mode "": want service:MODE`},
		{"ssh", `run mode "ssh"`},
		{"nrpe,root", `unknown option "root" (known: sudo, example=N, role=NAME, check=NAME)`},
		{"nrpe,example=9", "example=9: check_ovs_kmod has examples 1 to 3"},
		{"nrpe,example=x", "example=x"},
		{"nrpe,check=check_nope", "check=check_nope: no such check"},
	} {
		if _, err := Service(catalogue(), p, tc.arg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("service:%s: err %v, want %q", tc.arg, err, tc.want)
		}
	}
	if _, err := Commands(catalogue(), p, "x"); err == nil {
		t.Error("commands:x: no error")
	}
}

func TestExampleFlags(t *testing.T) {
	p := plugin(t, "check_ovs_controller")
	for _, tc := range []struct {
		cmd  string
		want map[string]any
		err  string
	}{
		{"check_ovs_controller --bridge br-int --require-master --grace=60 -t 5 --bridge 'br ex'",
			map[string]any{"bridge": []string{"br-int", "br ex"}, "require-master": "true", "grace": "60", "timeout": "5"}, ""},
		{`check_ovs_controller --db "unix:/a \"b\"" --state-file /x\ y`,
			map[string]any{"db": `unix:/a "b"`, "state-file": "/x y"}, ""},
		{"check_ovs_controller -vv", nil, `"-vv" is not a flag`},
		{"check_ovs_controller -v", nil, `"-v" is not a flag`},
		{"check_ovs_controller --help", nil, `"--help" is not a flag`},
		{"check_ovs_controller --grace", nil, "--grace needs a value"},
		{"check_ovs_kmod --mode generic", nil, "does not start with check_ovs_controller"},
		{"check_ovs_controller --db 'unix:/x", nil, "unterminated single quote"},
	} {
		got, err := ExampleFlags(p, registry.Example{Command: tc.cmd})
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.cmd, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, %v; want %v", tc.cmd, got, err, tc.want)
		}
	}
}
