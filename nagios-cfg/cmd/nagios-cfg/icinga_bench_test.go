//go:build bench

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"edgecheck/nagios-cfg/validate"
	"edgecheck/shared/benchcmp"
	"edgecheck/shared/labtest"
)

// BenchmarkIcingaFleet renders a 10,000-hypervisor fleet (10 cells of
// 1,000, syntheticFleet) and compiles, with the real `icinga2 daemon -C`,
// what two nodes load: the master (its bootstrap: every zone in zones.d,
// 60,000 services) and the satellite of cell c0001 (its bootstrap plus
// what config sync gives it: zone c0001 and global-templates). It prints
// the wall time and peak RSS of each and their ratio.
func BenchmarkIcingaFleet(b *testing.B) {
	const hosts = 10000
	lab := labtest.Need(b, "ICINGA2_BIN")
	bin := labtest.Binary(b, "./nagios-cfg/cmd/nagios-cfg")
	dir := b.TempDir()
	if keep := os.Getenv("EDGECHECK_BENCH_DIR"); keep != "" {
		dir = keep // kept for compiling variants by hand
	}
	inv := filepath.Join(dir, "environments")
	repo := filepath.Join(dir, "repo")
	cells := syntheticFleet(b, inv, hosts)
	if out, err := exec.Command(bin, "render", "--inventory", inv, "--out", repo).CombinedOutput(); err != nil {
		b.Fatalf("render: %v\n%s", err, out)
	}
	master := bootstrapNode(b, bin, inv, dir, "nagios-global.bench")
	sat := bootstrapNode(b, bin, inv, dir, "nagios-c0001.bench")
	if err := os.MkdirAll(filepath.Join(sat, "zones.d"), 0o755); err != nil {
		b.Fatal(err)
	}
	for _, z := range []string{"icinga2/bench/zones.d/c0001", "icinga2/zones.d/global-templates"} {
		if out, err := exec.Command("cp", "-r", filepath.Join(repo, z), filepath.Join(sat, "zones.d")+"/").CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
	}
	type result struct{ ms, rssMB float64 }
	got := map[string]result{}
	for _, n := range []struct {
		name, dir, what string
		services        int
	}{
		{"master", master, fmt.Sprintf("%d hypervisors x 6 services in %d satellite zones", hosts, cells), hosts*6 + 10},
		{"satellite", sat, "zone c0001 (1,000 hypervisors) and global-templates", benchCellSize * 6},
	} {
		b.Run(n.name, func(b *testing.B) {
			rec := benchcmp.Run(b, benchcmp.Case{
				Group:    "nagios-cfg",
				Workload: "icinga2 daemon -C of the " + n.name + "'s config: " + n.what,
				Ours: benchcmp.Side{
					Label: "icinga2 daemon -C (" + n.name + ")",
					Argv:  icingaCompile(b, lab["ICINGA2_BIN"], n.dir),
					OK: func(stdout string, code int) bool {
						return code == 0 && strings.Contains(stdout, fmt.Sprintf("Instantiated %d Services.", n.services))
					},
				},
				Extra: map[string]float64{"hosts": hosts},
			})
			got[n.name] = result{rec.OursMs, rec.OursRSSMB}
		})
	}
	m, s := got["master"], got["satellite"]
	if m.ms > 0 && s.ms > 0 {
		fmt.Printf("icinga2 daemon -C at %d hypervisors: master %.1f s, %.0f MB peak RSS; satellite (1 of %d cells) %.1f s, %.0f MB; master/satellite %.1fx time, %.1fx RSS\n",
			hosts, m.ms/1000, m.rssMB, cells, s.ms/1000, s.rssMB, m.ms/s.ms, m.rssMB/s.rssMB)
	}
}

// bootstrapNode writes a node's /etc/icinga2 files with nagios-cfg
// bootstrap and returns their directory.
func bootstrapNode(b *testing.B, bin, inv, dir, node string) string {
	b.Helper()
	out := filepath.Join(dir, "nodes", node)
	if o, err := exec.Command(bin, "bootstrap", "--inventory", inv, "--node", node, "--out", out).CombinedOutput(); err != nil {
		b.Fatalf("bootstrap %s: %v\n%s", node, err, o)
	}
	// /etc/icinga2 always has it (the package's, with no feature of the
	// compile enabled here)
	if err := os.MkdirAll(filepath.Join(out, "features-enabled"), 0o755); err != nil {
		b.Fatal(err)
	}
	return out
}

// icingaCompile is the argv that compiles a node's config directory as
// its ConfigDir, in validate's sandbox (state under the directory, as the
// current user).
func icingaCompile(b *testing.B, icinga, conf string) []string {
	b.Helper()
	defs, err := validate.SandboxDefines(filepath.Join(conf, "sandbox"))
	if err != nil {
		b.Fatal(err)
	}
	// ZonesDir is derived from ConfigDir before -D applies: give both, the
	// node's zones.d after the sandbox's empty one (the last define wins).
	argv := append([]string{icinga, "daemon", "-C", "-c", filepath.Join(conf, "icinga2.conf"), "-DConfigDir=" + conf}, defs...)
	return append(argv, "-DZonesDir="+filepath.Join(conf, "zones.d"))
}
