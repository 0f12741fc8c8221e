package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"edgecheck/nagios-cfg/cli"
	"edgecheck/nagios-cfg/fsutil"
	"edgecheck/nagios-cfg/inventory"
	"edgecheck/nagios-cfg/render"
	"edgecheck/shared/registry"
)

const sample = "../../../environments"

// TestSampleWithRealRegistry renders the project's environments/ with
// every registered plugin and checks acceptance 1 of the issue.
func TestSampleWithRealRegistry(t *testing.T) {
	fleet, err := inventory.Load(sample, registry.All())
	if err != nil {
		t.Fatalf("sample inventory: %v", err)
	}
	var envs, cells []string
	classes := map[string]bool{}
	modes := map[string]bool{}
	roles := map[string]bool{}
	for _, e := range fleet.Envs {
		envs = append(envs, e.Name)
		for _, s := range e.Servers {
			classes[s.Class] = true
		}
		for _, c := range e.Cells {
			if !c.Global() && e.Name != "lab" {
				cells = append(cells, e.Name+"/"+c.Name)
			}
			for _, h := range c.Hosts {
				for _, r := range h.Roles {
					roles[r] = true
				}
				for _, s := range h.Services {
					modes[s.RunMode] = true
				}
			}
		}
	}
	if strings.Join(envs, ",") != "lab,prod,test" {
		t.Errorf("environments %v", envs)
	}
	if len(cells) != 3 {
		t.Errorf("prod and test have cells %v, want three", cells)
	}
	for _, c := range inventory.Classes {
		if !classes[c] {
			t.Errorf("no %s server", c)
		}
	}
	for _, m := range inventory.RunModes {
		if !modes[m] {
			t.Errorf("no service runs in mode %s", m)
		}
	}
	for _, r := range []string{"hypervisor", "rabbitmq", "controlplane"} {
		if !roles[r] {
			t.Errorf("no host with role %s", r)
		}
	}

	out := filepath.Join(t.TempDir(), "repo")
	var stdout, stderr bytes.Buffer
	if code := cli.Run([]string{"render", "--inventory", sample, "--out", out}, &stdout, &stderr, registry.All()); code != 0 {
		t.Fatalf("render: %d\n%s", code, stderr.String())
	}
	files, err := fsutil.ReadFiles(out)
	if err != nil {
		t.Fatal(err)
	}
	cmds := string(files["common/cell/commands.cfg"])
	icinga := string(files["icinga2/edgecheck-commands.conf"])
	for _, p := range registry.All() {
		if !strings.Contains(cmds, "command_name                edgecheck_"+p.Name+"\n") {
			t.Errorf("no Nagios command for %s", p.Name)
		}
		if !strings.Contains(icinga, "object CheckCommand \""+p.Name+"\" {") {
			t.Errorf("no Icinga 2 CheckCommand for %s", p.Name)
		}
		// Every declared flag, except --help and --version, is passed as
		// its own argument, on Nagios and on Icinga 2.
		n := 0
		for _, f := range p.Flags() {
			if f.Name == "help" || f.Name == "version" {
				continue
			}
			n++
			if v := fmt.Sprintf("# $ARG%d$ --%s\n", n, f.Name); !strings.Contains(cmds, v) {
				t.Errorf("%s: --%s is not passed (%s)", p.Name, f.Name, v)
			}
			if v := "\t\t\"--" + f.Name + "\" = {"; !strings.Contains(icinga, v) {
				t.Errorf("%s: --%s is not an Icinga 2 argument", p.Name, f.Name)
			}
		}
		if n > render.MaxCommandArgs {
			t.Errorf("%s has %d flags; Nagios passes at most %d arguments", p.Name, n, render.MaxCommandArgs)
		}
	}
	if !strings.Contains(string(files["servers.conf"]), "nagios-mixed-lab1.lab.example.net mixed lab lab1\n") {
		t.Error("the lab server is missing from servers.conf")
	}
}
