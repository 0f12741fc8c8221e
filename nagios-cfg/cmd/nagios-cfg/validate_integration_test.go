//go:build integration

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"edgecheck/nagios-cfg/fsutil"
	"edgecheck/shared/labtest"
)

// renderSample builds nagios-cfg and renders the project's environments/.
func renderSample(t *testing.T) (bin, out string, env []string) {
	t.Helper()
	lab := labtest.Need(t, "NAGIOS4_BIN", "ICINGA2_BIN")
	env = []string{"NAGIOS4_BIN=" + lab["NAGIOS4_BIN"], "ICINGA2_BIN=" + lab["ICINGA2_BIN"]}
	bin = labtest.Binary(t, "./nagios-cfg/cmd/nagios-cfg")
	out = filepath.Join(t.TempDir(), "repo")
	r := labtest.Exec(t, bin, nil, "render", "--inventory", filepath.Join(labtest.RepoRoot(t), "environments"), "--out", out)
	if r.Code != 0 {
		t.Fatalf("render: exit %d\n%s", r.Code, r.Stderr)
	}
	return bin, out, env
}

// TestIntegrationValidateSample runs the real nagios4 -v on every
// server's assembled conf.d and icinga2 daemon -C on every environment.
func TestIntegrationValidateSample(t *testing.T) {
	bin, out, env := renderSample(t)
	r := labtest.Exec(t, bin, env, "validate", out)
	if r.Code != 0 {
		t.Fatalf("validate: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	for _, want := range []string{
		"ok     nagios4 -v for server nagios-global.prod.example.net\n",
		"ok     nagios4 -v for server nagios-c0001.prod.example.net\n",
		"ok     nagios4 -v for server nagios-c0002.prod.example.net\n",
		"ok     nagios4 -v for server nagios-mixed-c0003.test.example.net\n",
		"ok     nagios4 -v for server nagios-mixed-lab1.lab.example.net\n",
		"ok     icinga2 daemon -C for environment prod\n",
		"ok     icinga2 daemon -C for environment test\n",
		"ok     icinga2 daemon -C for environment lab\n",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("validate output lacks %q:\n%s", want, r.Stdout)
		}
	}
	// The checks really ran: -v prints nagios4's own summary.
	v := labtest.Exec(t, bin, env, "validate", "--verbose", out)
	if !strings.Contains(v.Stdout, "Things look okay - No serious problems were detected during the pre-flight check") ||
		!strings.Contains(v.Stdout, "Finished validating the configuration file(s).") {
		t.Errorf("verbose validate does not show the daemons' own verdicts:\n%s", v.Stdout)
	}
}

func edit(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s lacks %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestIntegrationValidateCatchesBrokenTree breaks a rendered tree by hand
// and expects the real daemons to reject it.
func TestIntegrationValidateCatchesBrokenTree(t *testing.T) {
	t.Run("nagios", func(t *testing.T) {
		bin, out, env := renderSample(t)
		edit(t, filepath.Join(out, "environments", "prod", "c0001", "services.cfg"),
			"check_command               edgecheck_nrpe\n", "check_command               edgecheck_no_such_command\n")
		r := labtest.Exec(t, bin, env, "validate", out)
		if r.Code != 1 {
			t.Fatalf("validate: exit %d, want 1\n%s%s", r.Code, r.Stdout, r.Stderr)
		}
		if !strings.Contains(r.Stdout, "FAILED nagios4 -v for server nagios-c0001.prod.example.net") ||
			!strings.Contains(r.Stdout, "ok     nagios4 -v for server nagios-c0002.prod.example.net") {
			t.Errorf("only c0001 should fail:\n%s", r.Stdout)
		}
		if !strings.Contains(r.Stderr, "edgecheck_no_such_command") {
			t.Errorf("the failure does not name the broken command:\n%s", r.Stderr)
		}
	})
	t.Run("icinga2", func(t *testing.T) {
		bin, out, env := renderSample(t)
		edit(t, filepath.Join(out, "icinga2", "prod", "zones.d", "c0001", "c0001.conf"),
			"\timport \"edgecheck-service\"\n", "\timport \"edgecheck-no-such-template\"\n")
		r := labtest.Exec(t, bin, env, "validate", out)
		if r.Code != 1 || !strings.Contains(r.Stdout, "FAILED icinga2 daemon -C for environment prod") ||
			!strings.Contains(r.Stdout, "ok     icinga2 daemon -C for environment test") {
			t.Fatalf("validate: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
		}
		if !strings.Contains(r.Stderr, "edgecheck-no-such-template") {
			t.Errorf("the failure does not name the broken import:\n%s", r.Stderr)
		}
	})
	t.Run("syntax", func(t *testing.T) {
		bin, out, env := renderSample(t)
		edit(t, filepath.Join(out, "common", "cell", "templates.cfg"), "define service {\n", "define service {\n    {\n")
		r := labtest.Exec(t, bin, env, "validate", out)
		if r.Code != 1 || !strings.Contains(r.Stdout, "FAILED nagios4 -v for server nagios-c0001.prod.example.net") {
			t.Fatalf("validate: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
		}
	})
}

// TestIntegrationValidateGolden: the golden tree of the unit tests (test
// plugins, secrets as $USERn$ inside arguments, the snmp-extend relay, an
// icinga-agent zone) is accepted by the real daemons too, each Nagios
// server with the minimal and with the stock Debian nagios.cfg.
func TestIntegrationValidateGolden(t *testing.T) {
	lab := labtest.Need(t, "NAGIOS4_BIN", "ICINGA2_BIN")
	bin := labtest.Binary(t, "./nagios-cfg/cmd/nagios-cfg")
	golden := filepath.Join(labtest.RepoRoot(t), "nagios-cfg", "testdata", "golden", "fleet", "want")
	r := labtest.Exec(t, bin, []string{"NAGIOS4_BIN=" + lab["NAGIOS4_BIN"], "ICINGA2_BIN=" + lab["ICINGA2_BIN"]}, "validate", golden)
	if r.Code != 0 || strings.Count(r.Stdout, "ok     ") != 8 || strings.Count(r.Stdout, "ok     nagios4 -v with the stock ") != 3 {
		t.Fatalf("validate golden: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}

// TestIntegrationStandaloneCheckCommands: the CheckCommands a package
// installs (nagios-cfg commands --format icinga2) load in a bare Icinga 2.
func TestIntegrationStandaloneCheckCommands(t *testing.T) {
	lab := labtest.Need(t, "ICINGA2_BIN")
	bin := labtest.Binary(t, "./nagios-cfg/cmd/nagios-cfg")
	r := labtest.Exec(t, bin, nil, "commands", "--format", "icinga2")
	if r.Code != 0 {
		t.Fatalf("commands: %d %s", r.Code, r.Stderr)
	}
	// icinga2 drops privileges to nagios.
	dir := labtest.PublicDir(t, "nagios-cfg-commands-")
	cmds := filepath.Join(dir, "edgecheck.conf")
	conf := filepath.Join(dir, "icinga2.conf")
	os.WriteFile(cmds, []byte(r.Stdout), 0o644)
	os.WriteFile(conf, []byte("const PluginDir = \"/usr/lib/nagios/plugins\"\ninclude <itl>\ninclude \""+cmds+"\"\n"), 0o644)
	v := labtest.Exec(t, lab["ICINGA2_BIN"], nil, "daemon", "-C", "-c", conf, "-DVarsPath="+filepath.Join(dir, "vars"), "-DObjectsPath="+filepath.Join(dir, "objects"))
	if v.Code != 0 {
		t.Fatalf("icinga2 daemon -C: exit %d\n%s%s", v.Code, v.Stdout, v.Stderr)
	}
}

// TestIntegrationSudoersParse runs the real visudo -c on every sudoers
// drop-in the sample renders (the OVS checks of prod and test run through
// sudo), and on a broken one, which it must refuse.
func TestIntegrationSudoersParse(t *testing.T) {
	visudo := labtest.Need(t, "VISUDO_BIN")["VISUDO_BIN"]
	_, out, _ := renderSample(t)
	files, err := filepath.Glob(filepath.Join(out, "agents", "*", "*", "sudoers", "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("the sample renders no sudoers drop-in")
	}
	for _, f := range files {
		r := labtest.Exec(t, visudo, nil, "-c", "-f", f)
		if r.Code != 0 || !strings.Contains(r.Stdout, "parsed OK") {
			t.Errorf("visudo -c -f %s: exit %d\n%s%s", f, r.Code, r.Stdout, r.Stderr)
		}
	}
	hv := filepath.Join(out, "agents", "prod", "c0001", "sudoers", "hypervisor")
	data, err := os.ReadFile(hv)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"nagios ALL=(root) NOPASSWD: /usr/lib/nagios/plugins/check_ovs_controller *\n",
		"nagios ALL=(root) NOPASSWD: /usr/lib/nagios/plugins/check_htb_drift *\n",
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("%s lacks %q:\n%s", hv, want, data)
		}
	}
	bad := filepath.Join(t.TempDir(), "broken")
	if err := os.WriteFile(bad, append(data, "nagios ALL=(root NOPASSWD: /bin/true\n"...), 0o440); err != nil {
		t.Fatal(err)
	}
	if r := labtest.Exec(t, visudo, nil, "-c", "-f", bad); r.Code == 0 {
		t.Errorf("visudo accepted a broken drop-in:\n%s%s", r.Stdout, r.Stderr)
	}
}

// TestIntegrationValidateGoesOn: a server whose view cannot even be
// assembled (its cell's directory is gone) is reported as failed, and
// every other server and environment is still checked.
func TestIntegrationValidateGoesOn(t *testing.T) {
	bin, out, env := renderSample(t)
	if err := os.RemoveAll(filepath.Join(out, "environments", "prod", "c0001")); err != nil {
		t.Fatal(err)
	}
	r := labtest.Exec(t, bin, env, "validate", out)
	if r.Code != 1 || !strings.Contains(r.Stdout, "FAILED nagios4 -v for server nagios-c0001.prod.example.net") {
		t.Fatalf("validate: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	for _, want := range []string{
		"ok     nagios4 -v for server nagios-c0002.prod.example.net\n",
		"ok     nagios4 -v with the stock /etc/nagios4/nagios.cfg for server nagios-mixed-lab1.lab.example.net\n",
		"ok     icinga2 daemon -C for environment test\n",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("validate stopped before %q:\n%s", want, r.Stdout)
		}
	}
}

// TestIntegrationValidateServerAlsoAgentHost: the sample inventory with
// its mixed server also listed as a host with icinga-agent services
// renders one Endpoint for it, which the real icinga2 daemon -C accepts
// (two would be "re-defined").
func TestIntegrationValidateServerAlsoAgentHost(t *testing.T) {
	lab := labtest.Need(t, "NAGIOS4_BIN", "ICINGA2_BIN")
	env := []string{"NAGIOS4_BIN=" + lab["NAGIOS4_BIN"], "ICINGA2_BIN=" + lab["ICINGA2_BIN"]}
	bin := labtest.Binary(t, "./nagios-cfg/cmd/nagios-cfg")
	files, err := fsutil.ReadFiles(filepath.Join(labtest.RepoRoot(t), "environments"))
	if err != nil {
		t.Fatal(err)
	}
	files["test/global/cell.yaml"] = append(files["test/global/cell.yaml"],
		"  - name: nagios-mixed-c0003.test.example.net\n    address: 10.103.0.9\n    roles: [controlplane]\n"...)
	inv := filepath.Join(t.TempDir(), "environments")
	if err := fsutil.WriteFiles(inv, files); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "repo")
	if r := labtest.Exec(t, bin, nil, "render", "--inventory", inv, "--out", out); r.Code != 0 {
		t.Fatalf("render: exit %d\n%s", r.Code, r.Stderr)
	}
	zones, err := os.ReadFile(filepath.Join(out, "icinga2", "test", "zones.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(zones), "object Endpoint \"nagios-mixed-c0003.test.example.net\""); n != 1 {
		t.Errorf("icinga2/test/zones.conf defines the server's Endpoint %d times, want 1", n)
	}
	r := labtest.Exec(t, bin, env, "validate", out)
	if r.Code != 0 || !strings.Contains(r.Stdout, "ok     icinga2 daemon -C for environment test\n") {
		t.Fatalf("validate: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
}
