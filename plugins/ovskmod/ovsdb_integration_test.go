//go:build integration

package ovskmod

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"edgecheck/shared/command"
	"edgecheck/shared/labtest"
)

// TestIntegrationUserspaceVersion reads the userspace OVS version from the
// lab's real OVSDB and ovs-vswitchd. The lab starts the daemons without
// ovs-ctl, so ovs_version starts empty and the check must fall back to
// `ovs-vswitchd --version`; once set (as ovs-ctl does), OVSDB answers.
func TestIntegrationUserspaceVersion(t *testing.T) {
	env := labtest.Need(t, "OVS_DB")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.Command("ovs-vswitchd", "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := parseVswitchdVersion(string(out))
	if err != nil {
		t.Fatal(err)
	}
	vsctl := func(args ...string) string {
		t.Helper()
		full := append([]string{"--db=" + env["OVS_DB"], "--timeout=10"}, args...)
		o, err := exec.Command("ovs-vsctl", full...).CombinedOutput()
		if err != nil {
			t.Fatalf("ovs-vsctl %s: %v\n%s", strings.Join(args, " "), err, o)
		}
		return strings.TrimSpace(string(o))
	}
	before := vsctl("get", "Open_vSwitch", ".", "ovs_version")
	t.Cleanup(func() {
		if before == "[]" || before == `""` {
			vsctl("clear", "Open_vSwitch", ".", "ovs_version")
		} else {
			vsctl("set", "Open_vSwitch", ".", "ovs_version="+before)
		}
	})
	c := &Check{Root: "/", DB: env["OVS_DB"], Exec: command.Output, OVSDBVersion: ovsdbVersion}

	vsctl("clear", "Open_vSwitch", ".", "ovs_version")
	if _, err := ovsdbVersion(ctx, env["OVS_DB"]); err == nil || !strings.Contains(err.Error(), "ovs_version is empty") {
		t.Errorf("empty ovs_version: err = %v", err)
	}
	v, src, err := c.userspaceVersion(ctx)
	if err != nil || v != bin.Version || src != "ovs-vswitchd --version" {
		t.Errorf("fallback: got %q from %q, %v; want %q from ovs-vswitchd --version", v, src, err, bin.Version)
	}

	vsctl("set", "Open_vSwitch", ".", "ovs_version="+bin.Version)
	v, src, err = c.userspaceVersion(ctx)
	if err != nil || v != bin.Version || src != "OVSDB ovs_version" {
		t.Errorf("OVSDB: got %q from %q, %v; want %q from OVSDB", v, src, err, bin.Version)
	}
}
