package cli

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"edgecheck/nagios-cfg/fsutil"
	_ "edgecheck/plugins/all"
	"edgecheck/shared/registry"
)

// procsDefaults is an inventory with the real check_snmp_procs: a
// XenServer role polled over SNMP at the host's own address.
func procsDefaults(process string, extra string) string {
	return cellServers + `roles:
  xenserver:
    services:
      sdn_daemons:
        check: check_snmp_procs
        flags:
          hostname: "{host.address}"
          process: ` + process + `
` + extra
}

func runReal(args ...string) result {
	var out, errb bytes.Buffer
	code := Run(args, &out, &errb, registry.All())
	return result{code, out.String(), errb.String()}
}

// TestProcLines: the snmpd snippet of the role of a host whose
// check_snmp_procs polls it carries one `proc NAME` line per --process,
// sorted and deduplicated, a name longer than the kernel's 15 characters
// cut to them (what net-snmp compares and check_snmp_procs matches).
func TestProcLines(t *testing.T) {
	inv := writeInventory(t, map[string]string{
		"defaults.yaml": procsDefaults("[ovsdb-server, neutron-openvswitch-agent, ovs-vswitchd, ovsdb-server]", `      polled_elsewhere:
        check: check_snmp_procs
        flags:
          hostname: monitor.example.net
          process: [elsewhere]
      hr_only:
        check: check_snmp_procs
        flags:
          hostname: "{host.address}"
          source: host-resources
          process: [hr-only]
`),
		"prod/c1/cell.yaml": "hosts:\n  - name: xs1\n    address: 192.0.2.1\n    roles: [xenserver]\n",
	})
	out := filepath.Join(t.TempDir(), "out")
	if r := runReal("render", "--inventory", inv, "--out", out); r.code != ExitOK {
		t.Fatalf("%d\n%s", r.code, r.stderr)
	}
	files, err := fsutil.ReadFiles(out)
	if err != nil {
		t.Fatal(err)
	}
	conf := string(files["agents/prod/c1/snmpd/xenserver.conf"])
	want := "proc neutron-openvsw\nproc ovs-vswitchd\nproc ovsdb-server\n"
	if !strings.HasSuffix(conf, want) {
		t.Errorf("agents/prod/c1/snmpd/xenserver.conf ends\n%s\nwant it to end\n%s", conf, want)
	}
	for _, no := range []string{"elsewhere", "hr-only", "extend "} {
		if strings.Contains(conf, no) {
			t.Errorf("agents/prod/c1/snmpd/xenserver.conf has %q:\n%s", no, conf)
		}
	}
}

// TestProcLinesRefused: a --process that cannot be an snmpd `proc` line is
// refused at render with its file:line:col.
func TestProcLinesRefused(t *testing.T) {
	for _, tc := range []struct{ name, process, want string }{
		{"blank", `["ovs-vswitchd", " "]`, `defaults.yaml:11:37: host xs1, service sdn_daemons: a blank --process name cannot be an snmpd`},
		{"comment", `["ovs#1"]`, `defaults.yaml:11:21: host xs1, service sdn_daemons: --process "ovs#1" cannot be an snmpd`},
		{"blanks", `["ovs vswitchd"]`, `defaults.yaml:11:21: host xs1, service sdn_daemons: --process "ovs vswitchd" cannot be an snmpd`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := writeInventory(t, map[string]string{
				"defaults.yaml":     procsDefaults(tc.process, ""),
				"prod/c1/cell.yaml": "hosts:\n  - name: xs1\n    address: 192.0.2.1\n    roles: [xenserver]\n",
			})
			r := runReal("render", "--inventory", inv, "--out", filepath.Join(t.TempDir(), "out"))
			if r.code == ExitOK || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr\n%s\nwant it to contain\n%s", r.code, r.stderr, tc.want)
			}
		})
	}
}
