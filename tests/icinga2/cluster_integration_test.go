//go:build integration

// Package icinga2 is the Icinga 2 operator's path as a test: nagios-cfg
// renders a small environment and bootstraps each node (master, the
// satellite of cell c1, an agent below it); real icinga2 daemons run them
// in network namespaces this test creates, with nothing edited by hand.
// The satellite and the agent run check_ovs_controller against the lab's
// OVSDB; the lab's controller is stopped and restarted and the master's
// REST API must show CRITICAL and OK again; the agent, then the satellite
// is killed and the master must put each one's Host DOWN.
package icinga2

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"edgecheck/shared/labtest"
)

const (
	masterName = "master.t"
	satName    = "sat-c1.t"
	agentName  = "net1.t"
	masterIP   = "10.231.0.1"
	satIP      = "10.231.0.2"
	satDownIP  = "10.231.1.1"
	agentIP    = "10.231.1.2"
	apiUser    = "edgecheck-test"
	apiPass    = "not-a-secret"
	// settle bounds each wait for the cluster to show a state.
	settle = 150 * time.Second
)

// inventory is the environment t: the master (with its address, so the
// satellite dials it), the satellite of cell c1 (a bare hostname: nobody
// needs to dial it) and, in c1, a hypervisor checked by the satellite
// and a network node whose Icinga 2 agent the satellite dials at its
// host address.
func inventory(ovsDB, bridge string) map[string]string {
	svc := fmt.Sprintf("        check: check_ovs_controller\n        flags:\n          db: %s\n          bridge: [%s]\n          grace: 1\n", ovsDB, bridge)
	return map[string]string{
		"defaults.yaml": `server_classes:
  - match: '^master[.]'
    class: global
  - match: '^sat-(?P<cell>c[0-9]+)[.]'
    class: cell
defaults:
  check_interval: 1
  retry_interval: 1
  max_check_attempts: 1
  notifications:
    enabled: false
roles:
  hypervisor:
    services:
      ovs_controller:
` + svc + `  network:
    services:
      ovs_controller:
        run_mode: icinga-agent
` + svc,
		"t/env.yaml": "servers:\n  - {name: " + masterName + ", address: " + masterIP + "}\n  - " + satName + "\n",
		"t/c1/cell.yaml": "hosts:\n  - name: hv1.t\n    address: 127.0.0.1\n    roles: [hypervisor]\n" +
			"  - name: " + agentName + "\n    address: " + agentIP + "\n    roles: [network]\n",
	}
}

func TestIntegrationIcingaCluster(t *testing.T) {
	lab := labtest.Need(t, "OVS_DB", "OVS_BRIDGE")
	need(t, os.Geteuid() == 0, "network namespaces and mounts need root")
	_, err := exec.LookPath("icinga2")
	need(t, err == nil, "icinga2 is not installed (Debian package icinga2-bin)")

	// icinga2 reads the nodes' directories as nagios.
	work := labtest.PublicDir(t, "edgecheck-icinga2-")
	inv := filepath.Join(work, "inventory")
	for p, data := range inventory(lab["OVS_DB"], lab["OVS_BRIDGE"]) {
		writeFile(t, filepath.Join(inv, p), data)
	}
	cfg := labtest.Binary(t, "edgecheck/nagios-cfg/cmd/nagios-cfg")
	plugins := pluginDir(t, work, labtest.Binary(t, "check_ovs_controller"))
	if r := labtest.Exec(t, cfg, nil, "render", "--inventory", inv, "--out", filepath.Join(work, "repo")); r.Code != 0 {
		t.Fatalf("render: %s%s", r.Stdout, r.Stderr)
	}

	c := newCluster(t, work, plugins)
	m := c.node(masterName, "m")
	s := c.node(satName, "s")
	a := c.node(agentName, "a")
	c.link(m, masterIP, s, satIP)
	c.link(s, satDownIP, a, agentIP)
	for _, n := range []*node{m, s, a} {
		n.bootstrap(t, cfg, inv)
	}
	writeFile(t, filepath.Join(m.dir, "etc", "api-users.d", "test.conf"),
		fmt.Sprintf("object ApiUser %q {\n\tpassword = %q\n\tpermissions = [ \"*\" ]\n}\n", apiUser, apiPass))
	c.pki(m, s, a)
	for _, n := range []*node{m, s, a} {
		if out, err := n.icinga(t, "daemon", "-C"); err != nil {
			t.Fatalf("%s: icinga2 daemon -C: %v\n%s", n.name, err, out)
		}
	}
	for _, n := range []*node{m, s, a} {
		n.start(t)
	}

	api := &masterAPI{t: t, m: m}
	api.waitConnected(satName, agentName)
	sources := map[string]string{"hv1.t!ovs_controller": satName, agentName + "!ovs_controller": agentName}
	api.waitServices("the healthy lab", sources, 0)

	labtest.Lab(t, "ovs", "stop_controller")
	t.Cleanup(func() { labtest.Lab(t, "ovs", "restart") })
	api.waitServices("the lab's OpenFlow controller stopped", sources, 2)
	labtest.Lab(t, "ovs", "restart")
	api.waitServices("the controller restarted", sources, 0)

	// An agent stops: the satellite's cluster-zone check of its Host
	// reaches the master as DOWN.
	a.kill(t)
	api.waitHostDown(agentName)
	// The satellite dies: the master's own cluster-zone check alerts.
	s.kill(t)
	api.waitHostDown(satName)
}

// need skips the test when cond is false, or fails it under
// EDGECHECK_REQUIRE_LAB=1.
func need(t *testing.T, cond bool, msg string) {
	t.Helper()
	if cond {
		return
	}
	if labtest.Required() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// pluginDir is what the nodes see as /usr/lib/nagios/plugins: the
// monitoring-plugins of this machine and the edgecheck check under test.
func pluginDir(t *testing.T, work, check string) string {
	t.Helper()
	dir := filepath.Join(work, "plugins")
	if out, err := exec.Command("cp", "-rL", "/usr/lib/nagios/plugins", dir).CombinedOutput(); err != nil {
		t.Fatalf("copying the monitoring plugins: %v\n%s", err, out)
	}
	if out, err := exec.Command("cp", check, dir+"/").CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return dir
}

// A masterAPI asks the master's REST API, from inside its namespace.
type masterAPI struct {
	t *testing.T
	m *node
}

func (a *masterAPI) call(method, path, body string, into any) error {
	args := []string{"netns", "exec", a.m.ns, "curl", "-k", "-s", "-S", "--max-time", "10", "-u", apiUser + ":" + apiPass,
		"-H", "Accept: application/json", "-X", method}
	if body != "" {
		args = append(args, "-d", body)
	}
	out, err := exec.Command("ip", append(args, "https://"+masterIP+":5665"+path)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("curl %s: %v: %s", path, err, out)
	}
	if into == nil {
		return nil
	}
	if err := json.Unmarshal(out, into); err != nil {
		return fmt.Errorf("%s: %v: %.300s", path, err, out)
	}
	return nil
}

type objects struct {
	Results []struct {
		Name  string         `json:"name"`
		Attrs map[string]any `json:"attrs"`
	} `json:"results"`
}

// until polls fn until it reports done, failing the test after settle
// with fn's last account of what it saw.
func until(t *testing.T, what string, fn func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(settle)
	last := ""
	for time.Now().Before(deadline) {
		done, seen := fn()
		if done {
			t.Logf("%s: %s", what, seen)
			return
		}
		last = seen
		time.Sleep(3 * time.Second)
	}
	t.Fatalf("%s: not reached within %s; last seen: %s", what, settle, last)
}

func (a *masterAPI) waitConnected(endpoints ...string) {
	until(a.t, "endpoints connected to the master", func() (bool, string) {
		var o objects
		if err := a.call("GET", "/v1/objects/endpoints?attrs=connected", "", &o); err != nil {
			return false, err.Error()
		}
		got := map[string]bool{}
		for _, r := range o.Results {
			got[r.Name] = r.Attrs["connected"] == true
		}
		return got[endpoints[0]], fmt.Sprint(got)
	})
}

// waitServices forces the cell's checks until every service of want has
// a result in state, run by the node want names (check_source).
func (a *masterAPI) waitServices(what string, want map[string]string, state float64) {
	until(a.t, what, func() (bool, string) {
		filter := url.QueryEscape(`host.vars.edgecheck_cell=="c1"`)
		_ = a.call("POST", "/v1/actions/reschedule-check", `{"type":"Service","filter":"host.vars.edgecheck_cell==\"c1\"","force":true}`, nil)
		var o objects
		if err := a.call("GET", "/v1/objects/services?attrs=state&attrs=last_check_result&filter="+filter, "", &o); err != nil {
			return false, err.Error()
		}
		ok, seen := 0, []string{}
		for _, r := range o.Results {
			res, _ := r.Attrs["last_check_result"].(map[string]any)
			src, out := "", ""
			if res != nil {
				src, _ = res["check_source"].(string)
				out, _ = res["output"].(string)
			}
			seen = append(seen, fmt.Sprintf("%s state %v from %q: %.120s", r.Name, r.Attrs["state"], src, out))
			if w, in := want[r.Name]; in && src == w && r.Attrs["state"] == state {
				ok++
			}
		}
		return ok == len(want), strings.Join(seen, "; ")
	})
}

// waitHostDown forces the cluster-zone check of a satellite's or an
// agent's Host until the master shows it DOWN in a hard state.
func (a *masterAPI) waitHostDown(host string) {
	until(a.t, "the master alerts on the lost node "+host, func() (bool, string) {
		_ = a.call("POST", "/v1/actions/reschedule-check", fmt.Sprintf(`{"type":"Host","filter":"host.name==\"%s\"","force":true}`, host), nil)
		var o objects
		if err := a.call("GET", "/v1/objects/hosts/"+host+"?attrs=state&attrs=state_type&attrs=last_check_result", "", &o); err != nil || len(o.Results) == 0 {
			return false, fmt.Sprint(err)
		}
		at := o.Results[0].Attrs
		res, _ := at["last_check_result"].(map[string]any)
		return at["state"] == 1.0 && at["state_type"] == 1.0, fmt.Sprintf("state %v type %v: %v", at["state"], at["state_type"], res["output"])
	})
}
