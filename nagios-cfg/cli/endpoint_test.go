package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

const agentDefaults = cellServers + `roles:
  monitored:
    services:
      vswitch:
        check: check_vswitch
        run_mode: icinga-agent
        flags: {bridge: [br-int]}
`

// TestServerAlsoAgentHost: a monitoring server listed as a host with
// icinga-agent services in the cell it watches gets one Endpoint, and
// its agent checks run on it (command_endpoint in its own zone).
func TestServerAlsoAgentHost(t *testing.T) {
	inv := writeInventory(t, map[string]string{
		"defaults.yaml": agentDefaults,
		"prod/env.yaml": "servers:\n  - {name: nagios-c1.prod, address: 192.0.2.9}\n",
		"prod/c1/cell.yaml": "hosts:\n  - name: nagios-c1.prod\n    address: 192.0.2.9\n    roles: [monitored]\n" +
			"  - name: hv1\n    address: 192.0.2.1\n    roles: [monitored]\n",
	})
	files := renderFiles(t, inv)
	zones := string(files["icinga2/prod/zones.conf"])
	for name, want := range map[string]int{`object Endpoint "nagios-c1.prod"`: 1, `object Zone "nagios-c1.prod"`: 0, `object Endpoint "hv1"`: 1, `object Zone "hv1"`: 1} {
		if got := strings.Count(zones, name); got != want {
			t.Errorf("icinga2/prod/zones.conf defines %s %d times, want %d:\n%s", name, got, want, zones)
		}
	}
	cell := string(files["icinga2/prod/zones.d/c1/c1.conf"])
	if !strings.Contains(cell, "\tcommand_endpoint = \"nagios-c1.prod\"\n") {
		t.Errorf("icinga2/prod/zones.d/c1/c1.conf lacks command_endpoint nagios-c1.prod:\n%s", cell)
	}
}

// TestServerAlsoAgentHostConflicts: the two Endpoint definitions of a
// server that is also an agent host cannot be one: refused at render.
func TestServerAlsoAgentHostConflicts(t *testing.T) {
	for _, tc := range []struct{ name, env, cell, want string }{
		{"other zone",
			"servers:\n  - {name: nagios-c1.prod, address: 192.0.2.9}\n  - {name: nagios-c2.prod, address: 192.0.2.8}\n",
			"hosts:\n  - name: nagios-c2.prod\n    address: 192.0.2.8\n    roles: [monitored]\n",
			"prod/c1/cell.yaml:2:11: host nagios-c2.prod has icinga-agent services and is also the Icinga 2 satellite nagios-c2.prod of zone c2"},
		{"other address",
			"servers:\n  - {name: nagios-c1.prod, address: 192.0.2.9}\n",
			"hosts:\n  - name: nagios-c1.prod\n    address: 192.0.2.7\n    roles: [monitored]\n",
			"prod/c1/cell.yaml:2:11: host nagios-c1.prod has icinga-agent services and is also the Icinga 2 satellite nagios-c1.prod"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := writeInventory(t, map[string]string{"defaults.yaml": agentDefaults, "prod/env.yaml": tc.env, "prod/c1/cell.yaml": tc.cell})
			if tc.name == "other zone" {
				inv = writeInventory(t, map[string]string{"defaults.yaml": agentDefaults, "prod/env.yaml": tc.env, "prod/c1/cell.yaml": tc.cell,
					"prod/c2/cell.yaml": "hosts:\n  - name: hv2\n    roles: [monitored]\n"})
			}
			r := run(t, "render", "--inventory", inv, "--out", filepath.Join(t.TempDir(), "out"))
			if r.code == ExitOK || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr\n%s\nwant it to contain\n%s", r.code, r.stderr, tc.want)
			}
		})
	}
}

// TestMasterZoneWithoutEndpoint: an environment with cell servers only
// still defines the master zone its cell zones name as parent (icinga2
// daemon -C refuses "Object 'master' of type 'Zone' does not exist").
func TestMasterZoneWithoutEndpoint(t *testing.T) {
	files := renderFiles(t, writeInventory(t, nil))
	zones := string(files["icinga2/prod/zones.conf"])
	for _, want := range []string{"object Zone \"master\" {\n", "object Zone \"c1\" {\n\tendpoints = [ \"nagios-c1.prod\" ]\n\tparent = \"master\"\n}"} {
		if !strings.Contains(zones, want) {
			t.Errorf("icinga2/prod/zones.conf lacks\n%s\n%s", want, zones)
		}
	}
}
