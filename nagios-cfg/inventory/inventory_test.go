package inventory_test

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"edgecheck/nagios-cfg/fsutil"
	"edgecheck/nagios-cfg/internal/testplugins"
	"edgecheck/nagios-cfg/inventory"
)

func load(t *testing.T, files map[string]string) (*inventory.Fleet, error) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "environments")
	b := map[string][]byte{}
	for p, c := range files {
		b[p] = []byte(c)
	}
	if err := fsutil.WriteFiles(dir, b); err != nil {
		t.Fatal(err)
	}
	return inventory.Load(dir, testplugins.Catalogue())
}

const layered = `server_classes:
  - {match: '^nagios-(?P<cell>c[0-9]+)', class: cell}
contacts:
  a: {email: a@example.net}
contact_groups:
  ops: {members: [a]}
  noc: {members: [a]}
defaults:
  check_interval: 5
  notifications: {interval: 60, contact_groups: [ops]}
  services:
    vswitch:
      flags: {grace: 40}
roles:
  hypervisor:
    services:
      vswitch:
        check: check_vswitch
        run_mode: nrpe
        check_interval: 3
        flags: {grace: 30, warning: "10", critical: "20", bridge: [br-int]}
`

func service(t *testing.T, f *inventory.Fleet, host, name string) *inventory.Service {
	t.Helper()
	for _, e := range f.Envs {
		for _, c := range e.Cells {
			for _, h := range c.Hosts {
				if h.Name != host {
					continue
				}
				for _, s := range h.Services {
					if s.Name == name {
						return s
					}
				}
			}
		}
	}
	t.Fatalf("no service %s on %s", name, host)
	return nil
}

func flags(s *inventory.Service) map[string][]string {
	out := map[string][]string{}
	for _, fv := range s.Flags {
		for _, v := range fv.Values {
			out[fv.Decl.Name] = append(out[fv.Decl.Name], v.Lit)
		}
	}
	return out
}

// TestLayeringFieldByField: each layer changes only the fields it sets,
// and the more specific layer wins.
func TestLayeringFieldByField(t *testing.T) {
	f, err := load(t, map[string]string{
		"defaults.yaml": layered,
		"prod/env.yaml": `environment:
  notifications: {interval: 30}
  services:
    vswitch:
      flags: {critical: "25"}
servers: [nagios-c1]
`,
		"prod/c1/cell.yaml": `cell:
  check_interval: 7
  services:
    vswitch:
      flags: {warning: "12"}
hosts:
  - name: hv1
    roles: [hypervisor]
  - name: hv2
    roles: [hypervisor]
    run_mode: local
    notifications: {contact_groups: [noc]}
    services:
      vswitch:
        flags: {bridge: [br-ex, br-tun], warning: null}
  - name: hv3
    roles: [hypervisor]
    services:
      vswitch:
        disabled: true
`,
	})
	if err != nil {
		t.Fatal(err)
	}
	hv1 := service(t, f, "hv1", "vswitch")
	// grace: role 30 < defaults override 40; critical: env; warning: cell.
	if got, want := flags(hv1), map[string][]string{"grace": {"40"}, "bridge": {"br-int"}, "warning": {"12"}, "critical": {"25"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("hv1 flags = %v, want %v", got, want)
	}
	// check_interval: role 3 beats defaults' generic 5; the cell's generic 7
	// beats the role. notification interval: env 30 over defaults 60,
	// contact groups still from defaults (field by field).
	if hv1.RunMode != inventory.ModeNRPE || hv1.CheckInterval != 7 || hv1.NotifInterval != 30 || !reflect.DeepEqual(hv1.ContactGroups, []string{"ops"}) {
		t.Errorf("hv1 settings = %+v", hv1.Resolved)
	}
	hv2 := service(t, f, "hv2", "vswitch")
	// The host replaces the repeatable bridge list and removes warning.
	if got, want := flags(hv2), map[string][]string{"grace": {"40"}, "bridge": {"br-ex", "br-tun"}, "critical": {"25"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("hv2 flags = %v, want %v", got, want)
	}
	if hv2.RunMode != inventory.ModeLocal || hv2.NotifInterval != 30 || !reflect.DeepEqual(hv2.ContactGroups, []string{"noc"}) {
		t.Errorf("hv2 settings = %+v", hv2.Resolved)
	}
	for _, e := range f.Envs {
		for _, c := range e.Cells {
			for _, h := range c.Hosts {
				if h.Name == "hv3" && len(h.Services) != 0 {
					t.Errorf("hv3 keeps a disabled service: %v", h.Services)
				}
			}
		}
	}
}

func TestPlaceholdersAndSecrets(t *testing.T) {
	f, err := load(t, map[string]string{
		"defaults.yaml": `server_classes:
  - {match: '^nagios-(?P<cell>c[0-9]+)', class: cell}
secrets:
  mq: {nagios: USER7, icinga: MqCreds, agent: /etc/mq.yaml}
roles:
  compute:
    services:
      queue:
        check: check_queue
        flags:
          url: "http://mq.{cell}.{env}:15672"
          queue: ["compute.{host.short}", "{host}@{host.address}"]
          credentials-file: secret:mq
`,
		"prod/env.yaml":     "servers: [nagios-c1]\n",
		"prod/c1/cell.yaml": "hosts:\n  - {name: hv1.example.net, address: 192.0.2.1, roles: [compute]}\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	s := service(t, f, "hv1.example.net", "queue")
	got := flags(s)
	if got["url"][0] != "http://mq.c1.prod:15672" || !reflect.DeepEqual(got["queue"], []string{"compute.hv1", "hv1.example.net@192.0.2.1"}) {
		t.Errorf("placeholders: %v", got)
	}
	for _, fv := range s.Flags {
		if fv.Decl.Name == "credentials-file" && (fv.Values[0].Secret == nil || fv.Values[0].Secret.Nagios != "USER7") {
			t.Errorf("secret not resolved: %+v", fv.Values[0])
		}
	}
}

func TestServerClasses(t *testing.T) {
	f, err := load(t, map[string]string{
		"defaults.yaml": `server_classes:
  - {match: '^nagios-global', class: global}
  - {match: '^nagios-mixed-(?P<cell>c[0-9]+)', class: mixed}
  - {match: '(?P<cell>c[0-9]{4})', class: cell}
roles:
  r: {services: {s: {check: check_vswitch}}}
`,
		"prod/env.yaml":         "servers: [nagios-global.x, mon-c0001.x]\n",
		"prod/global/cell.yaml": "hosts: [{name: n1, roles: [r]}]\n",
		"prod/c0001/cell.yaml":  "hosts: [{name: h1, roles: [r]}]\n",
		"test/env.yaml":         "servers: [nagios-mixed-c0002.y]\n",
		"test/global/cell.yaml": "hosts: [{name: n2, roles: [r]}]\n",
		"test/c0002/cell.yaml":  "hosts: [{name: h2, roles: [r]}]\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range f.Envs {
		for _, s := range e.Servers {
			got[s.Name] = s.Class + " " + s.Cell + " " + strings.Join(s.Cells(e), ",")
		}
	}
	want := map[string]string{
		"nagios-global.x":      "global  global",
		"mon-c0001.x":          "cell c0001 c0001",
		"nagios-mixed-c0002.y": "mixed c0002 c0002,global",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("servers = %v, want %v", got, want)
	}
}

// FuzzLoad feeds arbitrary YAML as a cell file: the loader must return a
// Fleet or positioned errors, never panic.
func FuzzLoad(f *testing.F) {
	f.Add("hosts:\n  - name: hv1\n    roles: [r]\n")
	f.Add("hosts: [{name: 'a;b', roles: [x]}]\n")
	f.Add("cell:\n  services:\n    s: {flags: {warning: '@~:5', bridge: [a, b]}}\nhosts: []\n")
	f.Add("hosts:\n  - &a {name: x}\n  - *a\n")
	f.Add("- [\n")
	f.Fuzz(func(t *testing.T, cell string) {
		_, err := load(t, map[string]string{
			"defaults.yaml":     "server_classes: [{match: 'c1', class: cell}]\nroles:\n  r: {services: {s: {check: check_vswitch}}}\n",
			"prod/env.yaml":     "servers: [nagios-c1]\n",
			"prod/c1/cell.yaml": cell,
		})
		if err == nil {
			return
		}
		var es inventory.Errors
		var e *inventory.Error
		switch v := err.(type) {
		case inventory.Errors:
			es = v
		case *inventory.Error:
			es = inventory.Errors{v}
		default:
			t.Fatalf("unpositioned error %T: %v", err, err)
		}
		for _, x := range es {
			e = x
			if e.Pos.Line < 1 || e.Pos.Col < 0 || e.Pos.File == "" {
				t.Fatalf("bad position in %q", e.Error())
			}
		}
	})
}

// TestSudoAndAgentUsers: sudo and the agent users start from their
// built-in values and change field by field, like every other setting.
func TestSudoAndAgentUsers(t *testing.T) {
	f, err := load(t, map[string]string{
		"defaults.yaml": layered,
		"prod/env.yaml": "environment:\n  agent_users: {snmpd: snmp}\n  services:\n    vswitch: {sudo: true}\nservers: [nagios-c1.prod]\n",
		"prod/c1/cell.yaml": "hosts:\n  - {name: hv1, roles: [hypervisor]}\n" +
			"  - {name: hv2, roles: [hypervisor], agent_users: {nrpe: nrpe}, services: {vswitch: {sudo: false}}}\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		host       string
		sudo       bool
		nrpe, snmp string
	}{
		{"hv1", true, "nagios", "snmp"},
		{"hv2", false, "nrpe", "snmp"},
	} {
		s := service(t, f, tc.host, "vswitch")
		if s.Sudo != tc.sudo || s.NRPEUser != tc.nrpe || s.SNMPDUser != tc.snmp {
			t.Errorf("%s: sudo %t, users %s/%s; want %t, %s/%s", tc.host, s.Sudo, s.NRPEUser, s.SNMPDUser, tc.sudo, tc.nrpe, tc.snmp)
		}
	}
	f, err = load(t, map[string]string{
		"defaults.yaml":     layered,
		"prod/env.yaml":     "servers: [nagios-c1.prod]\n",
		"prod/c1/cell.yaml": "hosts:\n  - {name: hv1, roles: [hypervisor]}\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := service(t, f, "hv1", "vswitch"); s.Sudo || s.NRPEUser != "nagios" || s.SNMPDUser != "Debian-snmp" {
		t.Errorf("built-in: sudo %t, users %s/%s", s.Sudo, s.NRPEUser, s.SNMPDUser)
	}
}
