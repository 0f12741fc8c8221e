//go:build integration

package icinga2

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mountScript gives a command its node's Icinga 2 directories at the
// Debian paths, in a private mount namespace (nothing outside changes):
// $1 is the node directory, $2 the plugin directory, the rest the command.
const mountScript = `set -e
n=$1 p=$2; shift 2
mount --bind "$n/etc" /etc/icinga2
mount --bind "$n/lib" /var/lib/icinga2
mount --bind "$n/cache" /var/cache/icinga2
mount --bind "$n/log" /var/log/icinga2
mount --bind "$n/spool" /var/spool/icinga2
mount --bind "$p" /usr/lib/nagios/plugins
mount -t tmpfs -o mode=0755 edgecheck-run /run
mkdir -p /run/icinga2/cmd
exec "$@"`

// A cluster owns the namespaces and daemons of one test run.
type cluster struct {
	t       *testing.T
	work    string
	plugins string
	prefix  string // namespace and interface name prefix, unique per run
}

// A node is one Icinga 2 node: its namespace, its directories and, once
// started, its daemon.
type node struct {
	c      *cluster
	name   string
	ns     string
	dir    string
	daemon *exec.Cmd
	done   chan struct{}
}

func newCluster(t *testing.T, work, plugins string) *cluster {
	return &cluster{t: t, work: work, plugins: plugins, prefix: "ec" + strconv.Itoa(os.Getpid()%100000)}
}

func (c *cluster) run(args ...string) {
	c.t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		c.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// node creates a node's namespace and its directories: a copy of this
// machine's /etc/icinga2 (the package defaults) and empty state.
func (c *cluster) node(name, short string) *node {
	t := c.t
	n := &node{c: c, name: name, ns: c.prefix + "-" + short, dir: filepath.Join(c.work, "nodes", name)}
	c.run("ip", "netns", "add", n.ns)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", n.ns).Run() })
	c.run("ip", "-n", n.ns, "link", "set", "lo", "up")
	for _, d := range []string{"lib/certs", "cache", "log", "spool"} {
		if err := os.MkdirAll(filepath.Join(n.dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	c.run("cp", "-a", "/etc/icinga2", filepath.Join(n.dir, "etc"))
	return n
}

// link joins two nodes with a veth pair.
func (c *cluster) link(a *node, aIP string, b *node, bIP string) {
	ai, bi := a.ns+"-"+b.ns[len(b.ns)-1:], b.ns+"-"+a.ns[len(a.ns)-1:]
	c.run("ip", "-n", a.ns, "link", "add", ai, "type", "veth", "peer", "name", bi, "netns", b.ns)
	c.run("ip", "-n", a.ns, "addr", "add", aIP+"/30", "dev", ai)
	c.run("ip", "-n", b.ns, "addr", "add", bIP+"/30", "dev", bi)
	c.run("ip", "-n", a.ns, "link", "set", ai, "up")
	c.run("ip", "-n", b.ns, "link", "set", bi, "up")
}

// icinga runs the icinga2 CLI as the node.
func (n *node) icinga(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", n.ns, "unshare", "-m", "--propagation", "private",
		"/bin/sh", "-c", mountScript, "sh", n.dir, n.c.plugins, "icinga2"}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// bootstrap follows the steps `nagios-cfg bootstrap` prints: its files
// over the node's /etc/icinga2 (zones.d replaced on the master), the api
// feature on, notifications off except on the master.
func (n *node) bootstrap(t *testing.T, cfg, inv string) {
	t.Helper()
	out := filepath.Join(n.c.work, "bootstrap", n.name)
	cmd := exec.Command(cfg, "bootstrap", "--inventory", inv, "--node", n.name, "--out", out)
	steps, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bootstrap %s: %v\n%s", n.name, err, steps)
	}
	t.Logf("bootstrap %s:\n%s", n.name, steps)
	etc := filepath.Join(n.dir, "etc")
	if _, err := os.Stat(filepath.Join(out, "zones.d")); err == nil {
		n.c.run("rm", "-rf", filepath.Join(etc, "zones.d"))
	}
	n.c.run("cp", "-r", out+"/.", etc)
	// The steps install the files as nagios, whom the icinga2 CLI runs as.
	n.c.run("chown", "-R", "nagios:nagios", n.dir)
	for _, line := range strings.Split(string(steps), "\n") {
		if strings.HasPrefix(line, "icinga2 feature ") {
			if o, err := n.icinga(t, strings.Fields(line)[1:]...); err != nil {
				t.Fatalf("%s: %s: %v\n%s", n.name, line, err, o)
			}
		}
	}
}

// pki gives every node a certificate from the master's CA, as the
// bootstrap steps say (new-ca, new-cert, sign-csr on the master).
func (c *cluster) pki(m *node, others ...*node) {
	t := c.t
	if out, err := m.icinga(t, "pki", "new-ca"); err != nil {
		t.Fatalf("pki new-ca: %v\n%s", err, out)
	}
	sign := filepath.Join(c.work, "csr")
	if err := os.MkdirAll(sign, 0o755); err != nil {
		t.Fatal(err)
	}
	c.run("chown", "nagios:nagios", sign)
	for _, n := range append([]*node{m}, others...) {
		key, csr := "/var/lib/icinga2/certs/"+n.name+".key", "/var/lib/icinga2/certs/"+n.name+".csr"
		if out, err := n.icinga(t, "pki", "new-cert", "--cn", n.name, "--key", key, "--csr", csr); err != nil {
			t.Fatalf("%s: pki new-cert: %v\n%s", n.name, err, out)
		}
		c.run("cp", filepath.Join(n.dir, "lib", "certs", n.name+".csr"), sign+"/")
		c.run("chown", "-R", "nagios:nagios", sign)
		crt := filepath.Join(sign, n.name+".crt")
		if out, err := m.icinga(t, "pki", "sign-csr", "--csr", filepath.Join(sign, n.name+".csr"), "--cert", crt); err != nil {
			t.Fatalf("%s: pki sign-csr: %v\n%s", n.name, err, out)
		}
		c.run("cp", crt, filepath.Join(m.dir, "lib", "ca", "ca.crt"), filepath.Join(n.dir, "lib", "certs")+"/")
		c.run("chown", "-R", "nagios:nagios", filepath.Join(n.dir, "lib"))
	}
}

// start runs the node's daemon. It runs as root (-DRunAsUser): the lab's
// OVSDB socket is root's, as on a real hypervisor where the inventory
// would set sudo: true instead.
func (n *node) start(t *testing.T) {
	t.Helper()
	log, err := os.Create(filepath.Join(n.dir, "daemon.out"))
	if err != nil {
		t.Fatal(err)
	}
	n.daemon = exec.Command("ip", "netns", "exec", n.ns, "unshare", "-m", "--propagation", "private",
		"/bin/sh", "-c", mountScript, "sh", n.dir, n.c.plugins, "icinga2", "daemon", "-DRunAsUser=root", "-DRunAsGroup=root")
	n.daemon.Stdout, n.daemon.Stderr = log, log
	if err := n.daemon.Start(); err != nil {
		t.Fatal(err)
	}
	n.done = make(chan struct{})
	go func() { _ = n.daemon.Wait(); log.Close(); close(n.done) }()
	t.Cleanup(func() {
		n.kill(t)
		if t.Failed() {
			data, _ := os.ReadFile(filepath.Join(n.dir, "log", "icinga2.log"))
			t.Logf("%s icinga2.log (last 3000 bytes):\n%s", n.name, tail(string(data), 3000))
		}
	})
}

// kill stops the node's daemon and every process it left in its
// namespace (the icinga2 worker), by PID, with SIGKILL: a node that dies.
func (n *node) kill(t *testing.T) {
	if n.daemon == nil {
		return
	}
	out, _ := exec.Command("ip", "netns", "pids", n.ns).Output()
	for _, f := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(f); err == nil {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	_ = n.daemon.Process.Kill()
	select {
	case <-n.done:
	case <-time.After(30 * time.Second):
		t.Errorf("%s: icinga2 did not exit after SIGKILL", n.name)
	}
	n.daemon = nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
