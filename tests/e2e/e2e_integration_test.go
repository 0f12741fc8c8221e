//go:build integration

// Package e2e is the operator's first hour as a test: nagios-cfg renders
// the `lab` environment from environments/, a real Nagios 4 runs it against
// the lab daemons through all three run modes (local, NRPE, snmpd extend
// relayed by check_snmp_extend), and each check's fault and repair must
// show up in Nagios' own status data, not just in plugin exit codes.
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	amqp "github.com/rabbitmq/amqp091-go"

	"edgecheck/shared/labtest"
	"edgecheck/shared/nagiosstatus"
)

const (
	server = "nagios-mixed-lab1.lab.example.net" // the lab environment's Nagios server
	env    = "lab"
	cell   = "lab1"
	// kmodRelease is the running kernel of the check_ovs_kmod fixture root.
	kmodRelease = "6.1.0-18-amd64"
	// settle bounds each wait for Nagios to show a state; forced checks
	// make the usual wait a few seconds.
	settle = 90 * time.Second
)

// A fault is one induced failure and its repair, and the state Nagios must
// show for the services it breaks.
type fault struct {
	name     string
	services []svc // host/service pairs that must leave OK
	want     []string
	inject   func(t *testing.T)
	repair   func(t *testing.T)
}

type svc struct{ host, service string }

func (s svc) String() string { return s.host + "/" + s.service }

func TestEndToEndIntegration(t *testing.T) {
	lab := labtest.Need(t, "NAGIOS_STATUS_FILE", "NAGIOS_COMMAND_FILE", "NAGIOS_DIR", "NRPE_INCLUDE_DIR", "HV_SNMP_PORT", "HV_SNMP_EXTEND_DIR", "HV_SNMP_CREDENTIALS",
		"OVS_DB", "HTB_PORT", "LLDP_SOCKET", "RABBITMQ_AMQP_URL", "RABBITMQ_VHOST", "RABBITMQ_CREDENTIALS_FILE",
		"SNMP_PORT", "SNMP_V2_CREDENTIALS", "SNMP_VLAN_PORT_VLANS", "PROCS_SNMP_PORT")
	root := labtest.RepoRoot(t)
	labDir := labtest.Dir()
	e := &e2e{t: t, lab: lab, root: root, labDir: labDir,
		status: lab["NAGIOS_STATUS_FILE"], cmd: nagiosstatus.CommandFile(lab["NAGIOS_COMMAND_FILE"])}

	e.build()
	repo := e.render()
	e.agents(repo)
	e.kmodRoot()
	e.computeQueue()
	confd := e.deploy(repo)
	e.resources()

	t.Cleanup(func() { labtest.Lab(t, "nagios", "start") }) // back to the self test
	labtest.Lab(t, "nagios", "start", confd)

	// Every service Nagios knows comes from the rendered config; all of
	// them must first be OK, each with a real check result.
	st := e.waitAll("OK", time.Time{})
	if len(st.Services) < 8 {
		t.Fatalf("Nagios runs only %d services from the lab environment:\n%s", len(st.Services), table(st))
	}
	t.Logf("baseline, read from Nagios' status.dat:\n%s", table(st))
	e.runModes(st)

	for _, f := range e.faults() {
		outer := e.t
		t.Run(f.name, func(t *testing.T) {
			e.t = t
			defer func() { e.t = outer }()
			t.Cleanup(func() { f.repair(t) }) // repair even when an assertion fails
			at := time.Now()
			f.inject(t)
			for _, s := range f.services {
				e.waitState(s, f.want, at)
			}
			at = time.Now()
			f.repair(t)
			for _, s := range f.services {
				e.waitState(s, []string{"OK"}, at)
			}
		})
	}
	st = e.waitAll("OK", time.Time{})
	t.Logf("after every repair:\n%s", table(st))
}

type e2e struct {
	t      *testing.T
	lab    map[string]string
	root   string
	labDir string
	status string
	cmd    nagiosstatus.CommandFile
	bin    string
	amqp   *amqp.Connection
	// snmpCreds is the credentials file of the agent that runs the extend
	// lines: the lab's `snmp` secret.
	snmpCreds string
}

// build puts every check and nagios-cfg into $LAB_DIR/bin, the plugin
// directory of both the lab Nagios ($USER2$) and the lab agents.
func (e *e2e) build() {
	e.bin = filepath.Join(e.labDir, "bin")
	must(e.t, os.MkdirAll(e.bin, 0o755))
	must(e.t, os.Chmod(e.bin, 0o755))
	e.run(e.root, "go", "build", "-o", e.bin+"/", "./checks/...")
	e.run(e.root, "go", "build", "-o", filepath.Join(e.bin, "nagios-cfg"), "./nagios-cfg/cmd/nagios-cfg")
}

func (e *e2e) render() string {
	repo := filepath.Join(e.labDir, "e2e", "repo")
	must(e.t, os.RemoveAll(repo))
	e.run(e.root, filepath.Join(e.bin, "nagios-cfg"), "render", "--inventory", e.inventory(), "--out", repo)
	return repo
}

// inventory is environments/, or EDGECHECK_E2E_INVENTORY when a developer
// tries an inventory change before committing it.
func (e *e2e) inventory() string {
	if d := os.Getenv("EDGECHECK_E2E_INVENTORY"); d != "" {
		return d
	}
	return filepath.Join(e.root, "environments")
}

func (e *e2e) deploy(repo string) string {
	confd := filepath.Join(e.labDir, "e2e", "conf.d")
	e.run(e.root, filepath.Join(e.bin, "nagios-cfg"), "deploy", "--hostname", server, "--repo", repo, "--conf-dir", confd)
	if _, err := os.Stat(filepath.Join(confd, cell)); err != nil {
		e.t.Fatalf("deploy did not link the %s cell into %s: %v", cell, confd, err)
	}
	return confd
}

// agents installs the rendered agent-side snippets where the lab's NRPE
// and snmpd read them, and checks they name binaries that exist.
func (e *e2e) agents(repo string) {
	t := e.t
	dir := filepath.Join(repo, "agents", env, cell)
	nrpe, _ := filepath.Glob(filepath.Join(dir, "nrpe", "*.cfg"))
	snmpd, _ := filepath.Glob(filepath.Join(dir, "snmpd", "*.conf"))
	// Missing modes are reported by runModes, from what Nagios runs.
	for _, f := range append(append([]string{}, nrpe...), snmpd...) {
		e.agentBinaries(f)
	}
	for _, f := range nrpe {
		dst := filepath.Join(e.lab["NRPE_INCLUDE_DIR"], "edgecheck-"+filepath.Base(f))
		copyFile(t, f, dst, 0o644)
		t.Cleanup(func() { os.Remove(dst) })
	}
	labtest.Lab(t, "nagios", "nrpe_reload")
	t.Cleanup(func() { labtest.Lab(t, "nagios", "nrpe_reload") })

	if len(snmpd) == 0 {
		return
	}
	// The extend lines go to the agent the snmp-extend services query: the
	// hypervisor's snmpd of the nagios lab component, or the switch snmpd
	// of the snmpd component when it offers an include directory.
	dir, reload := "", []string{}
	switch port := e.extendPort(repo); port {
	case e.lab["HV_SNMP_PORT"]:
		dir, reload = e.lab["HV_SNMP_EXTEND_DIR"], []string{"nagios", "hv_snmpd_reload"}
		e.snmpCreds = e.lab["HV_SNMP_CREDENTIALS"]
	case e.lab["SNMP_PORT"]:
		dir, reload = e.lab["SNMPD_EXTEND_DIR"], []string{"snmpd", "restart"}
		e.snmpCreds = e.lab["SNMP_V2_CREDENTIALS"]
	default:
		t.Fatalf("the snmp-extend services query port %q, which is no lab snmpd (hypervisor agent %s, switch agent %s)",
			port, e.lab["HV_SNMP_PORT"], e.lab["SNMP_PORT"])
	}
	if dir == "" {
		t.Fatalf("the snmp-extend services query the switch snmpd on %s, which has no include directory for extend lines: "+
			"either set snmp_extend_flags.port: %s in environments/lab/env.yaml (the hypervisor's own snmpd, lab component nagios, "+
			"whose extend directory is %s), or give lab/components/40-snmpd.sh an `includeDir` published as SNMPD_EXTEND_DIR",
			e.lab["SNMP_PORT"], e.lab["HV_SNMP_PORT"], e.lab["HV_SNMP_EXTEND_DIR"])
	}
	for _, f := range snmpd {
		dst := filepath.Join(dir, "edgecheck-"+filepath.Base(f))
		copyFile(t, f, dst, 0o644)
		t.Cleanup(func() { os.Remove(dst) })
	}
	labtest.Lab(t, reload...)
	t.Cleanup(func() { labtest.Lab(t, reload...) })
}

// extendPort is the --port of the rendered snmp-extend services.
func (e *e2e) extendPort(repo string) string {
	data, err := os.ReadFile(filepath.Join(repo, "environments", env, cell, "services.cfg"))
	must(e.t, err)
	for _, block := range strings.Split(string(data), "define service") {
		if !strings.Contains(block, " snmp-extend\n") {
			continue
		}
		// The relay's flags are the check_command's arguments, one per flag.
		for _, line := range strings.Split(block, "\n") {
			f := strings.Fields(line)
			if len(f) != 2 || f[0] != "check_command" {
				continue
			}
			for _, arg := range strings.Split(f[1], "!") {
				if strings.HasPrefix(arg, "--port=") {
					return strings.TrimPrefix(arg, "--port=")
				}
			}
		}
	}
	e.t.Fatal("no snmp-extend service with --port in the rendered lab cell")
	return ""
}

// agentBinaries fails when a snippet runs a binary that does not exist:
// the lab environment's agent_plugin_dir must be where build() put them.
func (e *e2e) agentBinaries(snippet string) {
	data, err := os.ReadFile(snippet)
	must(e.t, err)
	for _, line := range strings.Split(string(data), "\n") {
		var fields []string
		switch {
		case strings.HasPrefix(line, "command["):
			_, cmd, _ := strings.Cut(line, "=")
			fields = strings.Fields(cmd)
		case strings.HasPrefix(line, "extend "):
			fields = strings.Fields(line)[2:]
		default:
			continue
		}
		if len(fields) == 0 {
			continue
		}
		if _, err := os.Stat(fields[0]); err != nil {
			e.t.Fatalf("%s runs %s, which does not exist: the lab environment's agent_plugin_dir must be %s (where the e2e run builds the checks)",
				snippet, fields[0], e.bin)
		}
	}
}

// kmodRoot provides the fixture host tree the lab environment's
// check_ovs_kmod reads: the running kernel and the next-boot kernel both
// have a matching openvswitch module.
func (e *e2e) kmodRoot() {
	dst := filepath.Join(e.labDir, "kmod-root")
	must(e.t, os.RemoveAll(dst))
	src := filepath.Join(e.root, "plugins", "ovskmod", "testdata", "debian-match", "root")
	e.run(e.root, "cp", "-a", src, dst)
	e.t.Cleanup(func() { os.RemoveAll(dst) })
}

// computeQueue declares nova's compute.hv01 queue with one consumer, as a
// running nova-compute on hv01 would have.
func (e *e2e) computeQueue() {
	t := e.t
	conn, err := amqp.Dial(e.lab["RABBITMQ_AMQP_URL"])
	must(t, err)
	e.amqp = conn
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	must(t, err)
	_, err = ch.QueueDeclare("compute.hv01", false, true, false, false, nil)
	must(t, err)
	must(t, ch.Qos(1, 0, false))
	// The consumer never acks: at most one message is unacked, the rest of
	// a backlog stays ready.
	_, err = ch.Consume("compute.hv01", "nova-compute-hv01", false, false, false, false, nil)
	must(t, err)
}

// resources points $USERn$ at the lab: the edgecheck plugin directory and
// each secret of the inventory at the lab's credentials file.
func (e *e2e) resources() {
	data, err := os.ReadFile(filepath.Join(e.inventory(), "defaults.yaml"))
	must(e.t, err)
	var inv struct {
		Secrets map[string]struct {
			Nagios string `yaml:"nagios"`
		} `yaml:"secrets"`
	}
	must(e.t, yaml.Unmarshal(data, &inv))
	// In the lab environment the snmp secret is what check_snmp_extend
	// uses to reach the agent running the extends; switch checks name
	// their file.
	files := map[string]string{
		"rabbitmq_monitor": e.lab["RABBITMQ_CREDENTIALS_FILE"],
		"snmp":             e.snmpCreds,
	}
	args := []string{"nagios", "resource", "USER2=" + e.bin}
	for name, s := range inv.Secrets {
		f, ok := files[name]
		if !ok {
			e.t.Fatalf("the inventory has secret %q, which the e2e run cannot map to a lab credentials file", name)
		}
		args = append(args, s.Nagios+"="+f)
	}
	labtest.Lab(e.t, args...)
}

// runModes asserts the three run modes really are in play: a service whose
// command is check_nrpe, one relayed through snmpd extend, and local ones.
func (e *e2e) runModes(st *nagiosstatus.Status) {
	modes := map[string][]string{}
	for _, s := range st.Services {
		cmd := s.Fields["check_command"]
		switch {
		case strings.Contains(cmd, "nrpe"):
			modes["nrpe"] = append(modes["nrpe"], s.Description)
		case strings.Contains(cmd, "snmp_extend") && !strings.HasPrefix(s.PluginOutput, "SNMP_EXTEND"):
			modes["snmp-extend"] = append(modes["snmp-extend"], s.Description)
		default:
			modes["local"] = append(modes["local"], s.Description)
		}
	}
	for _, m := range []string{"local", "nrpe", "snmp-extend"} {
		if len(modes[m]) == 0 {
			e.t.Errorf("no service runs in mode %s (modes: %v)", m, modes)
		}
	}
	e.t.Logf("run modes: %v", modes)
}

func (e *e2e) faults() []fault {
	hv := func(s string) svc { return svc{"hv01.lab", s} }
	lab := func(args ...string) func(*testing.T) {
		return func(t *testing.T) { labtest.Lab(t, args...) }
	}
	kmod := filepath.Join(e.labDir, "kmod-root")
	// The VLAN to remove: the last single VLAN (not a range) the port carries.
	vlan := ""
	for _, v := range strings.Split(e.lab["SNMP_VLAN_PORT_VLANS"], ",") {
		if !strings.Contains(v, "-") {
			vlan = v
		}
	}
	return []fault{
		{name: "controller down (nrpe)", services: []svc{hv("ovs_controller")}, want: []string{"CRITICAL"},
			inject: lab("ovs", "stop_controller"), repair: lab("ovs", "restart")},
		{name: "pending kernel without a module (snmp-extend)", services: []svc{hv("ovs_kmod")}, want: []string{"CRITICAL"},
			inject: func(t *testing.T) {
				next := "6.1.0-99-amd64"
				must(t, os.MkdirAll(filepath.Join(kmod, "lib", "modules", next), 0o755))
				must(t, os.WriteFile(filepath.Join(kmod, "boot", "vmlinuz-"+next), nil, 0o644))
				relink(t, filepath.Join(kmod, "vmlinuz"), "boot/vmlinuz-"+next)
			},
			repair: func(t *testing.T) { relink(t, filepath.Join(kmod, "vmlinuz"), "boot/vmlinuz-"+kmodRelease) }},
		{name: "tc class changed (local)", services: []svc{hv("htb_drift")}, want: []string{"CRITICAL"},
			inject: lab("htb", "change_class", "1", "5mbit", "80mbit"), repair: lab("htb", "reset")},
		{name: "lldpd stopped (local)", services: []svc{hv("lldp_uplinks")}, want: []string{"CRITICAL"},
			inject: lab("lldp", "stop_hv"), repair: lab("lldp", "start_hv")},
		{name: "queue backlog (local)", services: []svc{hv("nova_compute_queue"), {"rabbitmq01.lab", "compute_queues"}}, want: []string{"CRITICAL"},
			inject: func(t *testing.T) { e.publish(t, "compute.hv01", 1200) },
			repair: func(t *testing.T) { e.purge(t, "compute.hv01") }},
		{name: "VLAN removed (local)", services: []svc{{"sw1.lab", "trunk_vlans"}}, want: []string{"WARNING", "CRITICAL"},
			inject: lab("snmpd", "remove_vlan", vlan), repair: lab("snmpd", "restore_vlans")},
		{name: "uplink down (local)", services: []svc{hv("uplink_interfaces")}, want: []string{"WARNING", "CRITICAL"},
			inject: lab("snmpd", "link_down"), repair: lab("snmpd", "link_up")},
		// check_snmp_procs against the procs snmpd: on the XenServer dom0
		// ovs-xapi-sync (python3 SCRIPT) dies; on the KVM hypervisor
		// nova-compute dies leaving a zombie, which does not count.
		{name: "ovs-xapi-sync killed (local, SNMP)", services: []svc{{"xs01.lab", "sdn_daemons"}}, want: []string{"CRITICAL"},
			inject: lab("procs", "kill", "ovs-xapi-sync"), repair: lab("procs", "start", "ovs-xapi-sync")},
		{name: "nova-compute left as a zombie (local, SNMP)", services: []svc{hv("sdn_daemons")}, want: []string{"CRITICAL"},
			inject: lab("procs", "zombie", "nova-compute"), repair: lab("procs", "start", "nova-compute")},
		// The switch's own agent dies: its checks cannot tell the state of
		// the switch, which is UNKNOWN, not CRITICAL.
		{name: "switch SNMP agent down (local)", services: []svc{{"sw1.lab", "switch_interfaces"}, {"sw1.lab", "trunk_vlans"}}, want: []string{"UNKNOWN"},
			inject: lab("snmpd", "stop"), repair: lab("snmpd", "start")},
	}
}

func (e *e2e) publish(t *testing.T, queue string, n int) {
	ch, err := e.amqp.Channel()
	must(t, err)
	defer ch.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i := 0; i < n; i++ {
		must(t, ch.PublishWithContext(ctx, "", queue, false, false, amqp.Publishing{Body: []byte(fmt.Sprintf("backlog %d", i))}))
	}
}

func (e *e2e) purge(t *testing.T, queue string) {
	ch, err := e.amqp.Channel()
	must(t, err)
	defer ch.Close()
	_, err = ch.QueuePurge(queue, false)
	must(t, err)
}

// waitState forces checks of s until Nagios shows one of want from a check
// that ran after since.
func (e *e2e) waitState(s svc, want []string, since time.Time) {
	t := e.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), settle)
	defer cancel()
	lastForce := time.Time{}
	st, err := nagiosstatus.Wait(ctx, e.status, 250*time.Millisecond, func(st *nagiosstatus.Status) bool {
		if time.Since(lastForce) > 2*time.Second {
			lastForce = time.Now()
			if err := e.cmd.ForceServiceCheck(s.host, s.service); err != nil {
				t.Logf("forcing %s: %v", s, err)
			}
		}
		got, ok := st.Service(s.host, s.service)
		return ok && !got.LastCheck.Before(since.Truncate(time.Second)) && contains(want, got.StateName())
	})
	if err != nil {
		got, _ := st.Service(s.host, s.service)
		t.Fatalf("%s did not reach %v in Nagios within %s: it shows %s (%s), last check %v\n%s",
			s, want, settle, got.StateName(), got.PluginOutput, got.LastCheck, table(st))
	}
	got, _ := st.Service(s.host, s.service)
	t.Logf("%s: %s - %s", s, got.StateName(), got.PluginOutput)
}

// waitAll waits until every service shows state from a check after since.
func (e *e2e) waitAll(state string, since time.Time) *nagiosstatus.Status {
	ctx, cancel := context.WithTimeout(context.Background(), settle)
	defer cancel()
	forced := map[string]bool{}
	st, err := nagiosstatus.Wait(ctx, e.status, 500*time.Millisecond, func(st *nagiosstatus.Status) bool {
		if len(st.Services) == 0 {
			return false
		}
		all := true
		for _, s := range st.Services {
			if !s.HasBeenChecked || s.LastCheck.Before(since) || s.StateName() != state {
				all = false
				if s.HasBeenChecked && !forced[s.HostName+"/"+s.Description] {
					// A first result that is not yet OK (a rate check
					// initialising counters) gets one forced re-check.
					forced[s.HostName+"/"+s.Description] = true
					_ = e.cmd.ForceServiceCheck(s.HostName, s.Description)
				}
			}
		}
		return all
	})
	if err != nil {
		e.t.Fatalf("not every service is %s in Nagios after %s:\n%s", state, settle, table(st))
	}
	return st
}

// table is the status of every service as Nagios shows it.
func table(st *nagiosstatus.Status) string {
	if st == nil {
		return "(no status.dat)"
	}
	var rows []string
	for _, s := range st.Services {
		out := s.PluginOutput
		if len(out) > 110 {
			out = out[:110] + "..."
		}
		rows = append(rows, fmt.Sprintf("  %-16s %-20s %-8s %s", s.HostName, s.Description, s.StateName(), out))
	}
	sort.Strings(rows)
	return strings.Join(rows, "\n")
}

func (e *e2e) run(dir string, name string, args ...string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		e.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func relink(t *testing.T, link, target string) {
	tmp := link + ".new"
	os.Remove(tmp)
	must(t, os.Symlink(target, tmp))
	must(t, os.Rename(tmp, link))
}

func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	data, err := os.ReadFile(src)
	must(t, err)
	must(t, os.WriteFile(dst+".tmp", data, mode))
	must(t, os.Rename(dst+".tmp", dst))
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
