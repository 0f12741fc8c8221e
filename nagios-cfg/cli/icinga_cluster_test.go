package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"edgecheck/nagios-cfg/fsutil"
)

// TestIcingaClusterLayout: the golden tree forms a cluster and watches it.
// The master has an address (and port) in env.yaml, so the satellite
// dials it; the agent is dialled at its host address; the master checks
// the satellite zone with cluster-zone and makes the zone's objects
// depend on it; the satellite checks its agent with cluster-zone.
func TestIcingaClusterLayout(t *testing.T) {
	files, err := fsutil.ReadFiles(goldenWant)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ file, want string }{
		{"icinga2/prod/zones.conf", "object Endpoint \"nagios-global.prod\" {\n\thost = \"192.0.2.10\"\n\tport = \"5670\"\n}"},
		{"icinga2/prod/zones.conf", "object Endpoint \"nagios-c0001.prod\" {\n}"},
		{"icinga2/prod/zones.conf", "object Endpoint \"net1.prod\" {\n\thost = \"192.0.2.1\"\n}"},
		{"icinga2/prod/zones.d/master/edgecheck-cluster.conf", "object Host \"nagios-c0001.prod\" {\n\timport \"edgecheck-cluster-zone\"\n"},
		{"icinga2/prod/zones.d/master/edgecheck-cluster.conf", "\tvars.cluster_zone = \"c0001\"\n"},
		{"icinga2/prod/zones.d/master/edgecheck-cluster.conf", "\tcheck_command = \"cluster-zone\"\n\tcheck_interval = 1m\n\tretry_interval = 30s\n\tmax_check_attempts = 3\n"},
		{"icinga2/prod/zones.d/master/edgecheck-cluster.conf", "apply Dependency \"edgecheck-satellite\" to Host {\n\tparent_host_name = host.vars.edgecheck_satellite\n"},
		{"icinga2/prod/zones.d/c0001/c0001.conf", "\tvars.edgecheck_satellite = \"nagios-c0001.prod\"\n"},
		{"icinga2/prod/zones.d/master/global.conf", "\tcheck_command = \"cluster-zone\"\n\tvars.cluster_zone = \"net1.prod\"\n"},
	}
	for _, c := range checks {
		if !strings.Contains(string(files[c.file]), c.want) {
			t.Errorf("%s lacks\n%s", c.file, c.want)
		}
	}
	// Services inherit their host's reachability (Icinga 2's implicit
	// service-to-host dependency): no Dependency per service.
	if strings.Contains(string(files["icinga2/prod/zones.d/master/edgecheck-cluster.conf"]), "to Service") {
		t.Error("a Dependency applied to every Service: 60,000 objects on a large master, which the implicit host dependency makes redundant")
	}
	// test has a mixed server only: no satellite, no cluster file.
	if _, ok := files["icinga2/test/zones.d/master/edgecheck-cluster.conf"]; ok {
		t.Error("environment test has no satellite but got a cluster health file")
	}
}

// TestServerAddresses: the servers' mapping form is checked where it is
// written, and a satellite connection no node can dial is refused at
// render (file:line:col) once the environment gives addresses, and
// warned about for bare hostnames.
func TestServerAddresses(t *testing.T) {
	two := "servers:\n  - nagios-global.prod\n  - nagios-c1.prod\n"
	defaults := strings.Replace(base["defaults.yaml"], "server_classes:\n", "server_classes:\n  - match: '^nagios-global[.]'\n    class: global\n", 1)
	bad := []struct{ name, env, want string }{
		{"bad address", "servers:\n  - {name: nagios-c1.prod, address: \"10.0.0.1 x\"}\n", `prod/env.yaml:2:37: invalid address "10.0.0.1 x" of server nagios-c1.prod`},
		{"port out of range", "servers:\n  - {name: nagios-c1.prod, port: 70000}\n", "prod/env.yaml:2:34: a server's port must be at most 65535"},
		{"port not a number", "servers:\n  - {name: nagios-c1.prod, port: api}\n", `prod/env.yaml:2:34: a server's port must be a whole number of at least 1, not "api"`},
		{"unknown key", "servers:\n  - {name: nagios-c1.prod, adress: 10.0.0.1}\n", `prod/env.yaml:2:28: unknown key "adress" in a server (known: name, address, port)`},
		{"no name", "servers:\n  - {address: 10.0.0.1}\n", "prod/env.yaml:2:6: a server mapping needs name: HOSTNAME"},
		{"strict: nobody can dial", "servers:\n  - nagios-global.prod\n  - {name: nagios-c1.prod, port: 5666}\n  - {name: nagios-c2.prod, address: 10.0.0.2}\n",
			"prod/env.yaml:3:12: Icinga 2 satellite nagios-c1.prod (zone c1) and its parent zone master have no address"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			inv := writeInventory(t, map[string]string{"defaults.yaml": defaults, "prod/env.yaml": tc.env,
				"prod/global/cell.yaml": oneHost("g1"), "prod/c2/cell.yaml": oneHost("hv21")})
			out := filepath.Join(t.TempDir(), "out")
			r := run(t, "render", "--inventory", inv, "--out", out)
			if r.code != ExitFail || !strings.Contains(r.stderr, filepath.Join(inv, tc.want)) || !strings.Contains(r.stderr, "nothing written") {
				t.Fatalf("exit %d, want %d and\n  %s\ngot:\n%s", r.code, ExitFail, filepath.Join(inv, tc.want), r.stderr)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("render wrote the tree despite the error")
			}
		})
	}
	// bare hostnames: rendered, with a warning at the satellite's line
	inv := writeInventory(t, map[string]string{"defaults.yaml": defaults, "prod/env.yaml": two, "prod/global/cell.yaml": oneHost("g1")})
	r := run(t, "render", "--inventory", inv, "--out", filepath.Join(t.TempDir(), "out"))
	if want := filepath.Join(inv, "prod/env.yaml:3:5: warning: Icinga 2 satellite nagios-c1.prod (zone c1)"); r.code != ExitOK || !strings.Contains(r.stderr, want) {
		t.Errorf("exit %d, want 0 and %q in:\n%s", r.code, want, r.stderr)
	}
	// ... and bootstrap refuses both ends of that connection
	for _, node := range []string{"nagios-c1.prod", "nagios-global.prod"} {
		b := run(t, "bootstrap", "--inventory", inv, "--node", node, "--out", filepath.Join(t.TempDir(), "b"))
		if want := filepath.Join(inv, "prod/env.yaml:3:5: Icinga 2 satellite nagios-c1.prod"); b.code != ExitFail || !strings.Contains(b.stderr, want) {
			t.Errorf("bootstrap %s: exit %d, want 1 and %q in:\n%s", node, b.code, want, b.stderr)
		}
	}
}

// TestBootstrap: each role gets its constants, its share of zones.conf,
// the api feature it needs and the steps, including the certificate.
func TestBootstrap(t *testing.T) {
	type want struct {
		file string
		has  []string
		not  []string
	}
	cases := []struct {
		node  string
		wants []want
		steps []string
	}{
		{"nagios-global.prod", []want{
			{"constants.conf", []string{"const NodeName = \"nagios-global.prod\"\n", "const ZoneName = \"master\"\n"}, nil},
			{"features-available/api.conf", []string{"\tbind_port = 5670\n", "\taccept_config = false\n\taccept_commands = false\n"}, nil},
			{"zones.conf", []string{"object Zone \"c0001\"", "object Zone \"net1.prod\""}, nil},
			{"icinga2.conf", []string{"include \"api-users.d/*.conf\"\n"}, []string{"conf.d"}},
			{"api-users.d/README", []string{"ApiUser"}, nil}, // the glob's directory must exist
			{"zones.d/master/edgecheck-cluster.conf", []string{"object Host \"nagios-c0001.prod\""}, nil},
			{"zones.d/c0001/c0001.conf", []string{"object Host \"hv1.prod\""}, nil},
			{"zones.d/global-templates/edgecheck-commands.conf", []string{"object CheckCommand \"check_vswitch\""}, nil},
		}, []string{"icinga2 pki new-ca", "icinga2 feature enable api\n", "/etc/icinga2/zones.d"}},
		{"nagios-c0001.prod", []want{
			{"constants.conf", []string{"const NodeName = \"nagios-c0001.prod\"\n", "const ZoneName = \"c0001\"\n"}, nil},
			{"features-available/api.conf", []string{"\taccept_config = true\n\taccept_commands = true\n"}, []string{"bind_port"}},
			{"zones.conf", []string{"object Endpoint \"nagios-global.prod\" {\n\thost = \"192.0.2.10\"\n\tport = \"5670\"\n}", "object Zone \"c0001\""}, []string{"object Zone \"net1.prod\""}},
		}, []string{"icinga2 pki new-cert --cn nagios-c0001.prod", "icinga2 feature disable notification"}},
		{"net1.prod", []want{
			{"constants.conf", []string{"const ZoneName = \"net1.prod\"\n"}, nil},
			{"features-available/api.conf", []string{"\taccept_config = true\n\taccept_commands = true\n"}, nil},
			{"zones.conf", []string{"object Zone \"master\"", "object Zone \"net1.prod\" {\n\tendpoints = [ \"net1.prod\" ]\n\tparent = \"master\""}, []string{"object Zone \"c0001\""}},
		}, []string{"sign-csr --csr net1.prod.csr"}},
	}
	for _, tc := range cases {
		t.Run(tc.node, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "etc")
			r := run(t, "bootstrap", "--inventory", goldenInv, "--node", tc.node, "--out", out)
			if r.code != ExitOK {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			files, err := fsutil.ReadFiles(out)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.wants {
				got := string(files[w.file])
				for _, s := range w.has {
					if !strings.Contains(got, s) {
						t.Errorf("%s lacks %q:\n%s", w.file, s, got)
					}
				}
				for _, s := range w.not {
					if strings.Contains(got, s) {
						t.Errorf("%s has %q:\n%s", w.file, s, got)
					}
				}
			}
			for _, s := range append(tc.steps, "install -D -o nagios -g nagios -m 0640 "+out+"/zones.conf /etc/icinga2/zones.conf\n") {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("steps lack %q:\n%s", s, r.stdout)
				}
			}
		})
	}
	if r := run(t, "bootstrap", "--inventory", goldenInv, "--node", "hv1.prod", "--out", t.TempDir()); r.code != ExitFail || !strings.Contains(r.stderr, "no Icinga 2 node \"hv1.prod\"") {
		t.Errorf("a host without an agent: exit %d\n%s", r.code, r.stderr)
	}
	// cell servers only: no master to join, said instead of a crash
	inv := writeInventory(t, nil)
	if r := run(t, "bootstrap", "--inventory", inv, "--node", "nagios-c1.prod", "--out", t.TempDir()); r.code != ExitFail || !strings.Contains(r.stderr, "has no global or mixed server") {
		t.Errorf("an environment without a master: exit %d\n%s", r.code, r.stderr)
	}
}

// oneHost is a cell with one hypervisor: a cell without hosts is refused.
func oneHost(name string) string {
	return "hosts:\n  - name: " + name + "\n    roles: [hypervisor]\n"
}
