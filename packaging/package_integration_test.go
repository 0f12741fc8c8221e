//go:build integration

// Package packaging holds the nfpm configuration of the edgecheck .deb and
// the test that builds, installs, runs and removes it on this machine.
package packaging

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"edgecheck/nagios-cfg/render"
	"edgecheck/nagios-cfg/validate"
	_ "edgecheck/plugins/all"
	"edgecheck/shared/labtest"
	"edgecheck/shared/registry"
)

const (
	pluginDir  = "/usr/lib/nagios/plugins"
	icingaConf = "/usr/share/icinga2/include/plugins-contrib.d/edgecheck.conf"
)

// TestPackageIntegration runs `make package`, installs the .deb with dpkg,
// runs checks from /usr/lib/nagios/plugins (--version and a real run
// against the lab's OVSDB), proves Icinga 2 picks up the generated
// CheckCommands through `include <plugins-contrib>`, and purges the package
// again, leaving none of its files behind.
func TestPackageIntegration(t *testing.T) {
	env := labtest.Need(t, "OVS_DB", "OVS_BRIDGE")
	if os.Geteuid() != 0 {
		t.Fatal("installing a package needs root")
	}
	if out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", "edgecheck").Output(); err == nil && strings.Contains(string(out), "installed") {
		t.Fatal("an edgecheck package is already installed on this machine; remove it (dpkg --purge edgecheck) before running this test")
	}
	root := labtest.RepoRoot(t)

	out := run(t, root, 10*time.Minute, "make", "--no-print-directory", "package")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	deb := filepath.Join(root, lines[len(lines)-1])
	if !strings.HasSuffix(deb, ".deb") {
		t.Fatalf("make package did not print the package path last:\n%s", out)
	}
	info := run(t, root, time.Minute, "dpkg-deb", "--field", deb, "Package", "Version", "Architecture")
	if !strings.Contains(info, "Package: edgecheck") {
		t.Fatalf("dpkg-deb --field: %s", info)
	}
	version := field(info, "Version")
	upstream := strings.TrimSuffix(version, "-1")

	t.Cleanup(func() {
		if out, err := exec.Command("dpkg", "--purge", "edgecheck").CombinedOutput(); err != nil {
			t.Errorf("dpkg --purge edgecheck: %v\n%s", err, out)
		}
	})
	run(t, root, 2*time.Minute, "dpkg", "-i", deb)

	listed := run(t, root, time.Minute, "dpkg", "-L", "edgecheck")
	want := []string{"/usr/bin/nagios-cfg", icingaConf}
	for _, p := range registry.All() {
		want = append(want, filepath.Join(pluginDir, p.Name))
	}
	for _, w := range want {
		if !strings.Contains(listed, w+"\n") {
			t.Errorf("the package does not install %s", w)
		}
		if st, err := os.Stat(w); err != nil {
			t.Errorf("%s: %v", w, err)
		} else if w != icingaConf && st.Mode().Perm() != 0o755 {
			t.Errorf("%s is mode %v, want 0755", w, st.Mode().Perm())
		}
	}

	// Every installed check answers --version with the package's version.
	for _, p := range registry.All() {
		r := labtest.Exec(t, filepath.Join(pluginDir, p.Name), nil, "--version")
		if r.Code != 3 || strings.TrimSpace(r.Stdout) != p.Name+" "+upstream+" (edgecheck)" {
			t.Errorf("%s --version: exit %d, %q (want %q)", p.Name, r.Code, r.Stdout, p.Name+" "+upstream+" (edgecheck)")
		}
	}

	// A real run from the installed path against the lab's OVS bridge.
	r := labtest.Exec(t, filepath.Join(pluginDir, "check_ovs_controller"), nil, "--db", env["OVS_DB"], "--bridge", env["OVS_BRIDGE"], "--timeout", "10")
	if r.Code != 0 || !strings.HasPrefix(r.Stdout, "OVS_CONTROLLER OK - ") || !strings.Contains(r.Stdout, env["OVS_BRIDGE"]) {
		t.Errorf("installed check_ovs_controller against the lab: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}

	r = labtest.Exec(t, "/usr/bin/nagios-cfg", nil, "--help")
	if r.Code != 0 || !strings.Contains(r.Stdout, "nagios-cfg render") {
		t.Errorf("/usr/bin/nagios-cfg --help: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}

	// Icinga 2 sees the CheckCommands where plugin-contrib commands live: a
	// service using check_ovs_controller validates only with the package.
	conf := icingaProbe(t)
	if out, err := icingaCheck(conf); err != nil {
		t.Errorf("icinga2 daemon -C with the package installed: %v\n%s", err, out)
	}
	data, err := os.ReadFile(icingaConf)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range registry.All() {
		if !strings.Contains(string(data), `object CheckCommand "`+p.Name+`"`) {
			t.Errorf("%s has no CheckCommand for %s", icingaConf, p.Name)
		}
	}

	packagedTree(t, root, data)

	run(t, root, 2*time.Minute, "dpkg", "--purge", "edgecheck")
	for _, w := range want {
		if _, err := os.Stat(w); err == nil {
			t.Errorf("%s is still there after dpkg --purge", w)
		}
	}
	if out, err := icingaCheck(conf); err == nil {
		t.Errorf("icinga2 daemon -C passed without the package: the probe proves nothing\n%s", out)
	} else if !strings.Contains(out, "check_ovs_controller") {
		t.Errorf("icinga2 failed without the package, but not for the missing CheckCommand:\n%s", out)
	}
}

// packagedTree renders the project's inventory with the installed
// nagios-cfg and validates every environment's Icinga 2 tree against the
// package's CheckCommands (include <plugins-contrib>) with the real
// icinga2: the tree must not define them again, must carry what the
// package lacks (the -sudo variants), and its own copy of the
// CheckCommands, for sites without the package, must be the package's
// file byte for byte, in the tree and in the global zone.
func packagedTree(t *testing.T, root string, packaged []byte) {
	out := filepath.Join(t.TempDir(), "repo")
	run(t, root, 2*time.Minute, "/usr/bin/nagios-cfg", "render", "--inventory", filepath.Join(root, "environments"), "--out", out)
	tree, err := os.ReadFile(filepath.Join(out, render.CommandsFile))
	if err != nil {
		t.Fatal(err)
	}
	if string(tree) != string(packaged) {
		t.Errorf("%s differs from the package's %s", render.CommandsFile, icingaConf)
	}
	sudo, err := os.ReadFile(filepath.Join(out, render.SudoCommandsFile))
	if err != nil || !strings.Contains(string(sudo), "-sudo\" {") {
		t.Errorf("the rendered tree has no -sudo CheckCommands in %s (%v)", render.SudoCommandsFile, err)
	}
	bin, err := exec.LookPath("icinga2")
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := os.ReadDir(filepath.Join(out, "icinga2"))
	if err != nil {
		t.Fatal(err)
	}
	var envs []string
	for _, d := range dirs {
		if d.IsDir() && d.Name() != "zones.d" {
			envs = append(envs, d.Name())
		}
	}
	if len(envs) == 0 {
		t.Fatalf("no Icinga 2 environment in %s", out)
	}
	for _, env := range envs {
		r, err := validate.IcingaPackaged(context.Background(), out, env, bin, 2*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if !r.OK {
			t.Errorf("%s failed:\n%s", r.What, r.Output)
		}
	}
	// The global zone's copy (for a master or node without the package) is
	// the same guarded file: with the package loaded first it is skipped,
	// which the validations above (package + tree) have just shown.
	if g, err := os.ReadFile(filepath.Join(out, render.GlobalCommandsFile)); err != nil || string(g) != string(packaged) {
		t.Errorf("%s is not the package's %s (%v)", render.GlobalCommandsFile, icingaConf, err)
	}
}

// icingaProbe writes an Icinga 2 config that loads the ITL with
// plugins-contrib, as Debian's icinga2.conf does, and one service that uses
// an edgecheck CheckCommand.
func icingaProbe(t *testing.T) string {
	// icinga2 drops to its own user (nagios on Debian) before reading the
	// config.
	dir := labtest.PublicDir(t, "edgecheck-icinga-probe-")
	conf := filepath.Join(dir, "icinga2.conf")
	data := `const PluginDir = "` + pluginDir + `"
const PluginContribDir = "` + pluginDir + `"
const ManubulonPluginDir = "` + pluginDir + `"
const NodeName = "edgecheck-package-test"
include <itl>
include <plugins>
include <plugins-contrib>
object Host "hv1" {
	check_command = "dummy"
}
object Service "ovs_controller" {
	host_name = "hv1"
	check_command = "check_ovs_controller"
}
`
	if err := os.WriteFile(conf, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return conf
}

func icingaCheck(conf string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "icinga2", "daemon", "-C", "-c", conf).CombinedOutput()
	return string(out), err
}

func run(t *testing.T, dir string, limit time.Duration, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func field(info, name string) string {
	for _, l := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(l, name+": "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
