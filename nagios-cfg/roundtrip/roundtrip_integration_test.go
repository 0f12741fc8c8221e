//go:build integration

package roundtrip

import (
	"context"
	"fmt"
	"iter"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"edgecheck/nagios-cfg/deploy"
	"edgecheck/nagios-cfg/fsutil"
	"edgecheck/nagios-cfg/inventory"
	"edgecheck/nagios-cfg/render"
	_ "edgecheck/plugins/all"
	"edgecheck/shared/labtest"
	"edgecheck/shared/registry"
)

// freePort returns a loopback port that is free now, for a private
// daemon (network is "tcp" or "udp").
func freePort(t *testing.T, network string) int {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// A world is one rendered inventory with its stub checks.
type world struct {
	lab   map[string]string
	f     *inventory.Fleet
	repo  string // the rendered repository
	dir   string // scratch space, readable and writable by the nagios user
	stubs string // this daemon's stub checks: every plugin, check_nrpe and sudo
	recs  string // one file per stub run: its argv, NUL-terminated (newStubs)
	names map[*inventory.Service]string
}

// TestArgvRoundTripIntegration renders the project's inventories
// (environments/: the sample environments and the lab) and an inventory
// whose values hold every character a value may hold; then lets the real
// nagios4 (every server's view), NRPE and snmpd (every host's role
// snippets) and icinga2 (every environment) run every service once with
// stub checks that record their argv, and compares each argv with the one
// the inventory means: the check, then --flag=value per value in
// declaration order, a bare --flag for a switch that is on.
func TestArgvRoundTripIntegration(t *testing.T) {
	lab := labtest.Need(t, "NAGIOS4_BIN", "ICINGA2_BIN", "NRPE_BIN", "CHECK_NRPE_BIN", "SNMPD_BIN", "SNMPGET_BIN")
	root := labtest.RepoRoot(t)
	for _, inv := range []string{filepath.Join(root, "environments"), filepath.Join(root, "nagios-cfg", "roundtrip", "testdata", "metachars")} {
		t.Run(filepath.Base(inv), func(t *testing.T) {
			w := newWorld(t, lab, inv)
			servers, err := deploy.Servers(w.repo)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range servers {
				t.Run("nagios4 "+s.Name, func(t *testing.T) { w.nagios(t, s) })
			}
			t.Run("nrpe", w.nrpe)
			t.Run("snmpd", w.snmpd)
			for _, e := range w.f.Envs {
				t.Run("icinga2 "+e.Name, func(t *testing.T) { w.icinga(t, e) })
			}
		})
	}
}

func newWorld(t *testing.T, lab map[string]string, inv string) *world {
	f, err := inventory.Load(inv, inventory.Catalogue(registry.All()))
	if err != nil {
		t.Fatalf("inventory %s: %v", inv, err)
	}
	tree, err := render.Render(f)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "edgecheck-argv-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	mkdirs(t, dir) // the daemons' users (nagios) reach everything below
	w := &world{lab: lab, f: f, repo: filepath.Join(dir, "repo"), dir: dir, names: render.AgentNames(f)}
	if err := fsutil.WriteFiles(w.repo, tree); err != nil {
		t.Fatal(err)
	}
	return w
}

// newStubs gives a daemon's run its own stub checks and record
// directory, so that a check a previous daemon left running cannot
// record into this run.
func (w *world) newStubs(t *testing.T, name string) {
	w.stubs = filepath.Join(w.dir, name, "stubs")
	w.recs = filepath.Join(w.dir, name, "argv")
	mkdirs(t, filepath.Join(w.dir, name), w.stubs, w.recs)
	progs := []string{"check_nrpe", "sudo"}
	for _, p := range w.f.Plugins {
		progs = append(progs, p.Name)
	}
	for _, p := range progs {
		stub := fmt.Sprintf("#!/bin/sh\nf=$(mktemp %s/argv.XXXXXXXX) || exit 3\nprintf '%%s\\0' %s \"$@\" > \"$f\"\necho 'OK - stub %s'\n", w.recs, p, p)
		writeFile(t, filepath.Join(w.stubs, p), stub, 0o755)
	}
}

// mkdirs creates directories that the daemons' users (nagios, Debian-snmp,
// root) may all write.
func mkdirs(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d, 0o777); err != nil {
			t.Fatal(err)
		}
	}
}

func writeFile(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// takeRecords reads and removes the argv records written so far.
func (w *world) takeRecords(t *testing.T) [][]string {
	t.Helper()
	entries, err := os.ReadDir(w.recs)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, e := range entries {
		p := filepath.Join(w.recs, e.Name())
		data, err := os.ReadFile(p)
		if err != nil || len(data) == 0 || data[len(data)-1] != 0 {
			continue // still being written: the next round reads it
		}
		out = append(out, strings.Split(string(data[:len(data)-1]), "\x00"))
		os.Remove(p)
	}
	return out
}

// flagArgv is what the inventory means for a check's flags.
func flagArgv(flags []inventory.FlagValue) []string {
	var out []string
	for _, fv := range flags {
		for _, v := range fv.Values {
			if fv.Decl.Kind == registry.KindBool {
				if v.Lit == "true" {
					out = append(out, "--"+fv.Decl.Name)
				}
				continue
			}
			val := v.Lit
			if v.Secret != nil {
				val = v.Secret.Agent // resource.cfg, the constant and the host all hold it
			}
			out = append(out, "--"+fv.Decl.Name+"="+val)
		}
	}
	return out
}

// agentArgv is what the host runs for a service: the check, behind
// sudo -n when the service is set to sudo.
func (w *world) agentArgv(s *inventory.Service) []string {
	argv := append([]string{s.Plugin.Name}, flagArgv(s.Flags)...)
	if s.Sudo {
		argv = append([]string{"sudo", "-n", filepath.Join(w.stubs, s.Plugin.Name)}, argv[1:]...)
	}
	return argv
}

// relayArgv is check_snmp_extend's argv for an snmp-extend service.
func (w *world) relayArgv(h *inventory.Host, s *inventory.Service) []string {
	var relay *inventory.Plugin
	for _, p := range w.f.Plugins {
		if p.Name == inventory.SnmpExtendCheck {
			relay = p
		}
	}
	given := map[string]inventory.FlagValue{}
	for _, fv := range s.SnmpExtendFlags {
		given[fv.Decl.Name] = fv
	}
	argv := []string{relay.Name}
	for _, d := range relay.Decls {
		switch d.Name {
		case "hostname":
			argv = append(argv, "--hostname="+h.Address)
		case "name":
			argv = append(argv, "--name="+w.names[s])
		default:
			if fv, ok := given[d.Name]; ok {
				argv = append(argv, flagArgv([]inventory.FlagValue{fv})...)
			}
		}
	}
	return argv
}

func key(argv []string) string { return strings.Join(argv, "\x00") }

// collect gathers records until every wanted argv has been seen or the
// deadline passes; it returns what was seen, deduplicated.
func (w *world) collect(t *testing.T, want map[string]bool, limit time.Duration) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	deadline := time.Now().Add(limit)
	for {
		for _, r := range w.takeRecords(t) {
			seen[key(r)] = true
		}
		all := true
		for k := range want {
			all = all && seen[k]
		}
		if all || time.Now().After(deadline) {
			return seen
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// compare reports every wanted argv not seen and every argv seen that the
// inventory does not mean.
func compare(t *testing.T, what string, want, seen map[string]bool) {
	t.Helper()
	var missing, extra []string
	for k := range want {
		if !seen[k] {
			missing = append(missing, fmt.Sprintf("%q", strings.Split(k, "\x00")))
		}
	}
	for k := range seen {
		if !want[k] {
			extra = append(extra, fmt.Sprintf("%q", strings.Split(k, "\x00")))
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing)+len(extra) > 0 {
		t.Errorf("%s: the inventory means these argv, which no check received:\n  %s\nchecks received these argv, which the inventory does not mean:\n  %s",
			what, strings.Join(missing, "\n  "), strings.Join(extra, "\n  "))
	}
}

// start runs a daemon in its own process group, killed with the test.
func start(t *testing.T, dir, name string, args ...string) *exec.Cmd {
	t.Helper()
	log, err := os.Create(filepath.Join(dir, filepath.Base(name)+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		log.Close()
	})
	return cmd
}

func daemonLog(dir, name string) string {
	data, _ := os.ReadFile(filepath.Join(dir, filepath.Base(name)+".log"))
	if len(data) > 3000 {
		data = data[len(data)-3000:]
	}
	return string(data)
}

// nagios runs one server's deployed view in a private nagios4 with
// Debian's illegal_macro_output_chars, $USER1$ and $USER2$ at the stubs,
// and each secret's $USERn$ holding its agent-side value.
func (w *world) nagios(t *testing.T, s deploy.Server) {
	w.newStubs(t, "stubs-nagios-"+s.Name)
	dir := filepath.Join(w.dir, "nagios-"+s.Name)
	mkdirs(t, dir, filepath.Join(dir, "var"), filepath.Join(dir, "checkresults"), filepath.Join(dir, "tmp"))
	plan, err := deploy.NewPlan(w.repo, s.Name, filepath.Join(dir, "conf.d"))
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Apply(); err != nil {
		t.Fatal(err)
	}
	res := fmt.Sprintf("$USER1$=%s\n$USER2$=%s\n", w.stubs, w.stubs)
	for _, sec := range w.f.Secrets {
		res += fmt.Sprintf("$%s$=%s\n", sec.Nagios, sec.Agent)
	}
	writeFile(t, filepath.Join(dir, "resource.cfg"), res, 0o644)
	cfg := fmt.Sprintf(`log_file=%[1]s/var/nagios.log
cfg_dir=%[1]s/conf.d
object_cache_file=%[1]s/var/objects.cache
precached_object_file=%[1]s/var/objects.precache
resource_file=%[1]s/resource.cfg
status_file=%[1]s/var/status.dat
nagios_user=nagios
nagios_group=nagios
check_external_commands=0
command_file=%[1]s/var/nagios.cmd
lock_file=%[1]s/var/nagios.lock
temp_file=%[1]s/var/nagios.tmp
temp_path=%[1]s/tmp
check_result_path=%[1]s/checkresults
state_retention_file=%[1]s/var/retention.dat
retain_state_information=0
interval_length=1
service_inter_check_delay_method=n
max_service_check_spread=1
execute_host_checks=0
enable_notifications=0
use_syslog=0
log_rotation_method=n
log_archive_path=%[1]s/var
illegal_object_name_chars=`+"`"+`~!$%%^&*|'"<>?,()=
illegal_macro_output_chars=`+"`"+`~$&|'"<>
check_for_updates=0
`, dir)
	writeFile(t, filepath.Join(dir, "nagios.cfg"), cfg, 0o644)
	exec.Command("chown", "-R", "nagios:nagios", dir).Run()

	want := map[string]bool{}
	for _, e := range w.f.Envs {
		if e.Name != s.Env {
			continue
		}
		for _, c := range e.Cells {
			if !slices.Contains(s.Cells, c.Name) {
				continue
			}
			for _, h := range c.Hosts {
				for _, svc := range h.Services {
					want[key(w.nagiosArgv(h, svc))] = true
				}
			}
		}
	}
	w.server(t, "nagios4 "+s.Name, want, dir, w.lab["NAGIOS4_BIN"], filepath.Join(dir, "nagios.cfg"))
}

// server starts a monitoring server (bin with args, in dir) and checks
// that what it runs is exactly want (what, e.g. "nagios4 prod", names it);
// on a failure the server's log is shown.
func (w *world) server(t *testing.T, what string, want map[string]bool, dir, bin string, args ...string) {
	t.Helper()
	w.takeRecords(t)
	start(t, dir, bin, args...)
	compare(t, what, want, w.collect(t, want, 90*time.Second))
	if t.Failed() {
		t.Logf("%s output:\n%s", what, daemonLog(dir, bin))
	}
}

// nagiosArgv is what a Nagios server runs for a service.
func (w *world) nagiosArgv(h *inventory.Host, s *inventory.Service) []string {
	switch s.RunMode {
	case inventory.ModeNRPE, inventory.ModeIcingaAgent:
		return []string{"check_nrpe", "-H", h.Address, "-p", strconv.Itoa(s.NRPEPort), "-t", strconv.Itoa(s.NRPETimeout), "-c", w.names[s]}
	case inventory.ModeSNMPExtend:
		return w.relayArgv(h, s)
	}
	return append([]string{s.Plugin.Name}, flagArgv(s.Flags)...)
}

// A hostGroup is the hosts of one cell with the same roles: one agent
// configuration includes the same role snippets.
type hostGroup struct {
	env, cell string
	roles     []string
	hosts     []*inventory.Host
}

func (w *world) groups() []*hostGroup {
	var out []*hostGroup
	for _, e := range w.f.Envs {
		for _, c := range e.Cells {
			by := map[string]*hostGroup{}
			for _, h := range c.Hosts {
				k := strings.Join(h.Roles, ",")
				if by[k] == nil {
					by[k] = &hostGroup{env: e.Name, cell: c.Name, roles: h.Roles}
					out = append(out, by[k])
				}
				by[k].hosts = append(by[k].hosts, h)
			}
		}
	}
	return out
}

// snippet copies a role's agent snippet with the checks' directories and
// sudo pointing at the stubs; it returns "" when the role has none.
func (w *world) snippet(t *testing.T, g *hostGroup, kind, role, ext string) string {
	src := filepath.Join(w.repo, "agents", g.env, g.cell, kind, role+ext)
	data, err := os.ReadFile(src)
	if err != nil {
		return ""
	}
	text := string(data)
	for _, e := range w.f.Envs {
		for _, c := range e.Cells {
			for _, h := range c.Hosts {
				for _, s := range h.Services {
					text = strings.ReplaceAll(text, s.AgentPluginDir+"/", w.stubs+"/")
				}
			}
		}
	}
	text = strings.ReplaceAll(text, inventory.Sudo+" ", filepath.Join(w.stubs, "sudo")+" ")
	dst := filepath.Join(w.dir, kind+"-"+g.env+"-"+g.cell+"-"+role+ext)
	writeFile(t, dst, text, 0o644)
	return dst
}

// nrpe starts a private NRPE per host group with its role snippets and
// asks it for each service's command, as check_nrpe on the server does.
func (w *world) nrpe(t *testing.T) {
	w.agents(t, "nrpe", ".cfg", "include=", "tcp", func(g *hostGroup, incs []string, port int, dir string) {
		writeFile(t, filepath.Join(dir, "nrpe.cfg"), fmt.Sprintf("pid_file=%s/nrpe.pid\nserver_port=%d\nserver_address=127.0.0.1\nnrpe_user=nagios\nnrpe_group=nagios\nallowed_hosts=127.0.0.1\ndont_blame_nrpe=0\ncommand_timeout=30\n%s\n", dir, port, strings.Join(incs, "\n")), 0o644)
		start(t, dir, w.lab["NRPE_BIN"], "-c", filepath.Join(dir, "nrpe.cfg"), "-f")
		waitTCP(t, fmt.Sprintf("127.0.0.1:%d", port))
		for h, s := range g.services(inventory.ModeNRPE, inventory.ModeIcingaAgent) {
			w.takeRecords(t)
			out, err := exec.Command(w.lab["CHECK_NRPE_BIN"], "-H", "127.0.0.1", "-p", strconv.Itoa(port), "-t", "30", "-c", w.names[s]).CombinedOutput()
			if err != nil {
				t.Errorf("%s %s: check_nrpe -c %s: %v: %s", h.Name, s.Name, w.names[s], err, out)
				continue
			}
			w.one(t, fmt.Sprintf("NRPE command %s of %s", w.names[s], h.Name), w.agentArgv(s))
		}
	})
}

// agents runs daemon for each host group that has role snippets of kind
// (nrpe, snmpd; files ending in ext), with their include lines (include
// then the snippet's path), a port free now on network and a new
// directory named after kind and the port.
func (w *world) agents(t *testing.T, kind, ext, include, network string, daemon func(g *hostGroup, incs []string, port int, dir string)) {
	w.newStubs(t, "stubs-"+kind)
	for _, g := range w.groups() {
		var incs []string
		for _, r := range g.roles {
			if p := w.snippet(t, g, kind, r, ext); p != "" {
				incs = append(incs, include+p)
			}
		}
		if len(incs) == 0 {
			continue
		}
		port := freePort(t, network)
		dir := filepath.Join(w.dir, fmt.Sprintf("%s-%d", kind, port))
		mkdirs(t, dir)
		daemon(g, incs, port, dir)
	}
}

// services yields the group's services run in one of modes, with their
// host.
func (g *hostGroup) services(modes ...string) iter.Seq2[*inventory.Host, *inventory.Service] {
	return func(yield func(*inventory.Host, *inventory.Service) bool) {
		for _, h := range g.hosts {
			for _, s := range h.Services {
				if slices.Contains(modes, s.RunMode) && !yield(h, s) {
					return
				}
			}
		}
	}
}

// one checks that exactly the wanted argv was recorded.
func (w *world) one(t *testing.T, what string, argv []string) {
	t.Helper()
	want := map[string]bool{key(argv): true}
	compare(t, what, want, w.collect(t, want, 10*time.Second))
}

func waitTCP(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s: %v", addr, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// extendOID is NET-SNMP-EXTEND-MIB::nsExtendOutput1Line."name".
func extendOID(name string) string {
	oid := ".1.3.6.1.4.1.8072.1.3.2.3.1.1." + strconv.Itoa(len(name))
	for _, b := range []byte(name) {
		oid += "." + strconv.Itoa(int(b))
	}
	return oid
}

// snmpd starts a private snmpd per host group with its role snippets and
// reads each service's extend, which makes snmpd run it.
func (w *world) snmpd(t *testing.T) {
	w.agents(t, "snmpd", ".conf", "includeFile ", "udp", func(g *hostGroup, incs []string, port int, dir string) {
		writeFile(t, filepath.Join(dir, "snmpd.conf"), "rocommunity roundtrip 127.0.0.1\n"+strings.Join(incs, "\n")+"\n", 0o644)
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		start(t, dir, w.lab["SNMPD_BIN"], "-f", "-Lo", "-C", "-c", filepath.Join(dir, "snmpd.conf"), "-p", filepath.Join(dir, "snmpd.pid"), "udp:"+addr)
		// snmpd caches an extend's output for a few seconds: ask each name
		// once; the hosts sharing a name must mean the same argv.
		asked := map[string][]string{}
		for h, s := range g.services(inventory.ModeSNMPExtend) {
			if prev, ok := asked[w.names[s]]; ok {
				if key(prev) != key(w.agentArgv(s)) {
					t.Errorf("extend %s means %q on one host and %q on %s", w.names[s], prev, w.agentArgv(s), h.Name)
				}
				continue
			}
			asked[w.names[s]] = w.agentArgv(s)
			w.takeRecords(t)
			out, err := snmpget(w.lab["SNMPGET_BIN"], addr, extendOID(w.names[s]))
			if err != nil {
				t.Errorf("%s %s: snmpget extend %s: %v: %s\n%s", h.Name, s.Name, w.names[s], err, out, daemonLog(dir, w.lab["SNMPD_BIN"]))
				continue
			}
			w.one(t, fmt.Sprintf("snmpd extend %s of %s (snmpget: %s)", w.names[s], h.Name, strings.TrimSpace(out)), w.agentArgv(s))
		}
	})
}

// snmpget reads one OID, retrying while snmpd starts.
func snmpget(bin, addr, oid string) (string, error) {
	var out []byte
	var err error
	for i := 0; i < 30; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		out, err = exec.CommandContext(ctx, bin, "-v2c", "-c", "roundtrip", "-t", "5", "-r", "0", "-On", addr, oid).CombinedOutput()
		cancel()
		if err == nil && strings.Contains(string(out), oid) {
			return string(out), nil
		}
		time.Sleep(500 * time.Millisecond)
	}
	return string(out), fmt.Errorf("no answer: %v", err)
}

var (
	commandEndpoint = regexp.MustCompile(`(?m)^\tcommand_endpoint = .*\n`)
	checkInterval   = regexp.MustCompile(`(?m)^\t(check|retry)_interval = .*$`)
)

// icinga runs one environment's objects in a private icinga2 with the
// checker and PluginDir at the stubs. All zones' objects load on this one
// node; command_endpoint is dropped, so an icinga-agent service runs its
// CheckCommand here with the macros the agent would get (the agent runs the
// same CheckCommand definition). Intervals become 1s, to run each check at
// once.
func (w *world) icinga(t *testing.T, e *inventory.Env) {
	w.newStubs(t, "stubs-icinga2-"+e.Name)
	dir := filepath.Join(w.dir, "icinga2-"+e.Name)
	for _, d := range []string{"conf", "data", "log/icinga2", "cache/icinga2", "spool/icinga2/tmp", "run/icinga2/cmd"} {
		mkdirs(t, filepath.Join(dir, d))
	}
	var incs []string
	add := func(src string, edit func(string) string) {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, "conf", fmt.Sprintf("%03d-%s", len(incs), filepath.Base(src)))
		writeFile(t, dst, edit(string(data)), 0o644)
		incs = append(incs, fmt.Sprintf("include %q", dst))
	}
	same := func(s string) string { return s }
	add(filepath.Join(w.repo, render.SecretsExample), same)
	add(filepath.Join(w.repo, render.CommandsFile), same)
	global, _ := filepath.Glob(filepath.Join(w.repo, render.GlobalTemplatesDir, "*.conf"))
	for _, g := range global {
		add(g, func(s string) string {
			return strings.ReplaceAll(s, `"`+inventory.Sudo+`"`, fmt.Sprintf("%q", filepath.Join(w.stubs, "sudo")))
		})
	}
	zones, _ := filepath.Glob(filepath.Join(w.repo, "icinga2", e.Name, "zones.d", "*", "*.conf"))
	for _, z := range zones {
		add(z, func(s string) string {
			s = commandEndpoint.ReplaceAllString(s, "")
			return checkInterval.ReplaceAllString(s, "\t${1}_interval = 1s")
		})
	}
	conf := fmt.Sprintf(`const NodeName = "roundtrip"
const ZoneName = "master"
const PluginDir = %q
include <itl>
include <plugins>
object CheckerComponent "checker" {}
object Endpoint NodeName {}
object Zone ZoneName { endpoints = [ NodeName ] }
%s
`, w.stubs, strings.Join(incs, "\n"))
	writeFile(t, filepath.Join(dir, "icinga2.conf"), conf, 0o644)

	want := map[string]bool{}
	for _, c := range e.Cells {
		for _, h := range c.Hosts {
			for _, s := range h.Services {
				want[key(w.icingaArgv(h, s))] = true
			}
		}
	}
	w.server(t, "icinga2 "+e.Name, want, dir, w.lab["ICINGA2_BIN"], "daemon", "-c", filepath.Join(dir, "icinga2.conf"),
		"-DRunAsUser=root", "-DRunAsGroup=root", "-DDataDir="+filepath.Join(dir, "data"), "-DLogDir="+filepath.Join(dir, "log"),
		"-DCacheDir="+filepath.Join(dir, "cache"), "-DSpoolDir="+filepath.Join(dir, "spool"), "-DInitRunDir="+filepath.Join(dir, "run"))
}

// icingaArgv is what Icinga 2 runs for a service: nrpe through the ITL's
// nrpe CheckCommand (its arguments sorted by key), the rest through the
// generated CheckCommands.
func (w *world) icingaArgv(h *inventory.Host, s *inventory.Service) []string {
	switch s.RunMode {
	case inventory.ModeNRPE:
		return []string{"check_nrpe", "-H", h.Address, "-c", w.names[s], "-p", strconv.Itoa(s.NRPEPort), "-t", strconv.Itoa(s.NRPETimeout)}
	case inventory.ModeSNMPExtend:
		return w.relayArgv(h, s)
	case inventory.ModeIcingaAgent:
		return w.agentArgv(s)
	}
	return append([]string{s.Plugin.Name}, flagArgv(s.Flags)...)
}
