//go:build bench

package main

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"edgecheck/nagios-cfg/fsutil"
	"edgecheck/shared/benchcmp"
	"edgecheck/shared/labtest"
)

const benchCellSize = 1000

// syntheticFleet writes an inventory of hosts hypervisors × 6 services in
// cells of 1,000, a global control plane, one global server and one cell
// server per cell. The services use the real checks in all their run
// modes, with per-host placeholders, so every host renders its own lines.
func syntheticFleet(b *testing.B, dir string, hosts int) (cells int) {
	b.Helper()
	files := map[string][]byte{}
	files["defaults.yaml"] = []byte(`server_classes:
  - {match: '^nagios-global[.]', class: global}
  - {match: '^nagios-(?P<cell>c[0-9]{4})[.]', class: cell}
contacts:
  oncall: {email: oncall@example.net}
contact_groups:
  ops: {members: [oncall]}
secrets:
  mq: {nagios: USER5, icinga: MqCredentials, agent: /etc/edgecheck/mq.yaml}
  snmp: {nagios: USER6, icinga: SnmpCredentials, agent: /etc/edgecheck/snmp.yaml}
defaults:
  notifications: {contact_groups: [ops]}
  snmp_extend_flags: {credentials-file: secret:snmp}
roles:
  hypervisor:
    services:
      ovs_controller:
        check: check_ovs_controller
        run_mode: nrpe
        flags: {grace: 60, bridge: [br-int]}
      ovs_kmod:
        check: check_ovs_kmod
        run_mode: snmp-extend
      htb_drift:
        check: check_htb_drift
        run_mode: nrpe
        flags: {warning: "10", critical: "25"}
      lldp_uplinks:
        check: check_lldp
        run_mode: nrpe
        flags: {interface: [eth0, eth1], expect: ["eth0=tor-{cell}-a", "eth1=tor-{cell}-b"]}
      nova_compute_queue:
        check: check_rabbitmq_queues
        flags: {url: "http://mq.{cell}:15672", host: ["{host.short}"], credentials-file: secret:mq, warning: "50", critical: "500"}
      uplink_interfaces:
        check: check_snmp_interfaces
        flags: {hostname: "{host.address}", credentials-file: secret:snmp, critical-errors: "10"}
  controlplane:
    services:
      ovs_controller:
        check: check_ovs_controller
        run_mode: icinga-agent
`)
	cells = (hosts + benchCellSize - 1) / benchCellSize
	var env strings.Builder
	env.WriteString("servers:\n  - {name: nagios-global.bench, address: 10.255.0.1}\n")
	for c := 1; c <= cells; c++ {
		fmt.Fprintf(&env, "  - nagios-c%04d.bench\n", c)
	}
	files["bench/env.yaml"] = []byte(env.String())
	var g strings.Builder
	g.WriteString("hosts:\n")
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&g, "  - {name: net%02d.bench, address: 10.0.0.%d, roles: [controlplane]}\n", i, i)
	}
	files["bench/global/cell.yaml"] = []byte(g.String())
	n := 0
	for c := 1; c <= cells; c++ {
		var cb strings.Builder
		cb.WriteString("hosts:\n")
		for i := 0; i < benchCellSize && n < hosts; i++ {
			n++
			fmt.Fprintf(&cb, "  - {name: hv%06d.c%04d.bench, address: 10.%d.%d.%d, roles: [hypervisor]}\n", n, c, c%250, i/250, i%250+1)
		}
		files[fmt.Sprintf("bench/c%04d/cell.yaml", c)] = []byte(cb.String())
	}
	if err := fsutil.WriteFiles(dir, files); err != nil {
		b.Fatal(err)
	}
	return cells
}

// nagiosPeerConfig is a nagios.cfg that loads the whole rendered fleet
// (common/cell and every cell of the environment) for nagios4 -v.
func nagiosPeerConfig(b *testing.B, dir, out string) string {
	b.Helper()
	who, err := user.Current()
	if err != nil {
		b.Fatal(err)
	}
	grp, err := user.LookupGroupId(who.Gid)
	if err != nil {
		b.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "resource.cfg"), []byte("$USER1$=/usr/lib/nagios/plugins\n$USER2$=/usr/lib/nagios/plugins\n"), 0o644)
	cfg := fmt.Sprintf(`cfg_dir=%[2]s/common/cell
cfg_dir=%[2]s/environments/bench
resource_file=%[1]s/resource.cfg
log_file=%[1]s/nagios.log
status_file=%[1]s/status.dat
temp_file=%[1]s/nagios.tmp
temp_path=%[1]s
lock_file=%[1]s/nagios.lock
check_result_path=%[1]s
object_cache_file=%[1]s/objects.cache
precached_object_file=%[1]s/objects.precache
state_retention_file=%[1]s/retention.dat
command_file=%[1]s/nagios.cmd
nagios_user=%[3]s
nagios_group=%[4]s
`, dir, out, who.Username, grp.Name)
	p := filepath.Join(dir, "nagios.cfg")
	if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkRenderFleet renders 1,000, 10,000 and 50,000 hypervisors × 6
// services and times nagios4 -v on the same output as the peer. Target
// (SPEC section 4): < 2 s and < 500 MB RSS at 10,000 hosts, linear cost.
func BenchmarkRenderFleet(b *testing.B) {
	lab := labtest.Need(b, "NAGIOS4_BIN")
	bin := labtest.Binary(b, "./nagios-cfg/cmd/nagios-cfg")
	type point struct {
		hosts     int
		ms, rssMB float64
		peerMs    float64
	}
	sizes := []int{1000, 10000, 50000}
	// Go runs each sub-benchmark once with b.N=1 before the real run: keep
	// the last record per size.
	points := map[int]point{}
	for _, hosts := range sizes {
		b.Run(fmt.Sprintf("hosts=%d", hosts), func(b *testing.B) {
			dir := b.TempDir()
			inv := filepath.Join(dir, "environments")
			out := filepath.Join(dir, "repo")
			cells := syntheticFleet(b, inv, hosts)
			cfg := nagiosPeerConfig(b, dir, out)
			rec := benchcmp.Run(b, benchcmp.Case{
				Group:    "nagios-cfg",
				Workload: fmt.Sprintf("render %d hypervisors x 6 services, %d cells, %d servers (Nagios, Icinga 2, agents)", hosts, cells, cells+1),
				Ours: benchcmp.Side{
					Label: "nagios-cfg render",
					Argv:  []string{bin, "render", "--inventory", inv, "--out", out},
					OK:    func(stdout string, code int) bool { return code == 0 && strings.HasPrefix(stdout, "rendered ") },
				},
				Peer: &benchcmp.Side{
					Label: "nagios4 -v on the rendered fleet",
					Argv:  []string{lab["NAGIOS4_BIN"], "-v", cfg},
					OK: func(stdout string, code int) bool {
						return code == 0 && strings.Contains(stdout, fmt.Sprintf("Checked %d services.", hosts*6+10))
					},
				},
				Extra: map[string]float64{"hosts": float64(hosts), "services": float64(hosts*6 + 10)},
			})
			points[hosts] = point{hosts, rec.OursMs, rec.OursRSSMB, rec.PeerMs}
		})
	}
	if len(points) > 1 {
		var lines []string
		for _, n := range sizes {
			p, ok := points[n]
			if !ok {
				continue
			}
			lines = append(lines, fmt.Sprintf("%6d hosts: render %8.1f ms (%6.1f µs/host) %6.1f MB RSS (%.1f KB/host); nagios4 -v %8.1f ms",
				p.hosts, p.ms, p.ms*1000/float64(p.hosts), p.rssMB, p.rssMB*1024/float64(p.hosts), p.peerMs))
		}
		// Printed, not logged: a parent benchmark's log is not shown.
		fmt.Printf("nagios-cfg render scaling:\n%s\n", strings.Join(lines, "\n"))
	}
}
