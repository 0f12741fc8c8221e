// Package ovscontroller is check_ovs_controller: it checks that each OVS
// manager (Open_vSwitch.manager_options) and each bridge controller
// (Bridge.controller) is connected, tolerating short disconnections within a
// grace period, and detects a controller status left stale in OVSDB by a
// dead ovs-vswitchd.
package ovscontroller

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"edgecheck/shared/nagios"
	"edgecheck/shared/ovsdb"
	"edgecheck/shared/registry"
	"edgecheck/shared/statefile"
)

// vswitchdLock is the OVSDB lock ovs-vswitchd holds while it runs
// (vswitchd/bridge.c: ovsdb_idl_set_lock(idl, "ovs_vswitchd")). When
// ovsdb-server grants it to the check, no ovs-vswitchd is connected to the
// database and every Controller.status is stale (Manager.status is
// ovsdb-server's own and stays current). Other ways were worse: the
// pidfile is only local and says nothing about the OVSDB session,
// ovs-appctl is a helper program, and next_cfg/cur_cfg only diverge after a
// configuration change. One limit: two check runs overlapping within the
// millisecond one of them holds the free lock would see each other as
// ovs-vswitchd; the next run corrects it.
const vswitchdLock = "ovs_vswitchd"

// DefaultGrace is how long a target may be disconnected before it is
// CRITICAL: longer than an OVS restart or a controller failover takes.
const DefaultGrace = 30 * time.Second

// A Check is one configured run of check_ovs_controller.
type Check struct {
	DB            string
	Grace         time.Duration
	Bridges       []string
	RequireMaster bool
	// StateFile keeps, per target, when it was first found unconnected
	// and last seen connected (default DefaultStatePath(DB)).
	StateFile string

	// Now and ReadFile are seams for the daemon uptime lookup.
	Now      func() time.Time
	StatFile func(path string) (os.FileInfo, error)
	ReadFile func(path string) ([]byte, error)
}

func init() {
	registry.Register(registry.Plugin{
		Name:    "check_ovs_controller",
		Service: "OVS_CONTROLLER",
		Description: "Checks that every Open vSwitch manager (Open_vSwitch.manager_options) and every bridge " +
			"controller (Bridge.controller) is connected, reading OVSDB in one transaction. An active target " +
			"(tcp:, ssl:, unix:) unconnected for longer than --grace is CRITICAL, inside the grace window " +
			"WARNING, so that OVS restarts and controller failovers do not page anyone. OVS resets " +
			"sec_since_disconnect on every failed retry, so the check dates an outage from the last known connect " +
			"(sec_since_connect, or its own last connected sighting), from the daemon's start for a target that " +
			"never connected, and from its own memory (--state-file) across runs and daemon restarts. A target " +
			"without any status for longer than --grace (e.g. on a bridge ovs-vswitchd could not create) is CRITICAL. " +
			"Passive targets (ptcp:, pssl:, punix:) must be listening: a manager without status:bound_port, or a " +
			"local listener that refuses connections or does not answer OpenFlow, is CRITICAL. Each target's role, " +
			"state, last_error and seconds since connect or disconnect are reported, with perfdata per target. OVSDB keeps the last controller " +
			"status after ovs-vswitchd dies; the check asks ovsdb-server whether ovs-vswitchd still holds its " +
			"OVSDB lock and reports a dead ovs-vswitchd as CRITICAL (stale) instead of trusting that status.",
		Examples: []registry.Example{
			{Command: "check_ovs_controller --grace 30", Explain: "Every manager and every bridge controller on the local OVS (unix:/var/run/openvswitch/db.sock); a disconnection longer than 30s is CRITICAL."},
			{Command: "check_ovs_controller --bridge br-int --require-master --grace 60",
				Explain: "Only br-int's controllers; one of them must be connected in role master; disconnections up to 60s are WARNING."},
			{Command: "check_ovs_controller --db tcp:192.0.2.10:6640 -t 5",
				Explain: "A remote ovsdb-server (ovs-vsctl set-manager ptcp:6640) with a 5s limit."},
		},
		RunsOn:  "hypervisor",
		Catches: "an OVS manager or bridge controller disconnected beyond `--grace`; status left stale by a dead ovs-vswitchd; no master controller",
		Source:  "OVSDB (one transaction + the `ovs_vswitchd` lock)",
		New: func() registry.Check {
			return &Check{Now: time.Now, StatFile: os.Stat, ReadFile: os.ReadFile}
		},
	})
}

// Flags declares the check's flags.
func (c *Check) Flags(fs *registry.FlagSet) {
	fs.String(&c.DB, "db", ovsdb.DefaultTarget, "OVSDB to read, as in ovs-vsctl: unix:PATH or tcp:HOST:PORT.").WithMeta("TARGET")
	fs.Duration(&c.Grace, "grace", DefaultGrace, "An active target unconnected for up to this long is WARNING, longer is CRITICAL; the same for a target without any status from OVS.")
	fs.Strings(&c.Bridges, "bridge", "Check only this bridge's controllers (managers are then not checked); a named bridge without a controller is CRITICAL.").WithMeta("NAME")
	fs.Bool(&c.RequireMaster, "require-master", "Each checked bridge with active controllers needs at least one connected controller in role master; a bridge with only passive controllers is exempt (OVS reports no role for them).")
	fs.String(&c.StateFile, "state-file", "", "JSON file remembering, per target, when it was first found unconnected and last seen connected, since OVS resets "+
		"sec_since_disconnect on every failed retry; locked, so concurrent runs share it safely. Default: "+statefile.DefaultDir+"/ovs_controller_<--db>.json. "+
		"The check's user must be able to write it.").WithMeta("PATH")
}

// Validate checks the flags before any I/O; it changes nothing.
func (c *Check) Validate() error {
	if _, _, err := ovsdb.ParseTarget(c.DB); err != nil {
		return fmt.Errorf("--db: %v", err)
	}
	// The flag parser turns NaN, Inf and values beyond ~292 years into a
	// negative duration; evaluate builds the perfdata range from the grace,
	// so such a value must stop here and not as an internal error later.
	if c.Grace < 0 {
		return errors.New("--grace is out of range (give whole or decimal seconds, such as 30)")
	}
	for _, b := range c.Bridges {
		if strings.TrimSpace(b) == "" {
			return fmt.Errorf("--bridge: empty bridge name")
		}
	}
	return nil
}

// statePath is --state-file, or DefaultStatePath(--db) when it is not
// given (a default that depends on --db, so not a flag default).
func (c *Check) statePath() string {
	if c.StateFile != "" {
		return c.StateFile
	}
	return DefaultStatePath(c.DB)
}

// Run reads OVSDB once and evaluates every target.
func (c *Check) Run(ctx context.Context) (*nagios.Result, error) {
	nagios.SetStage(ctx, "connecting to OVSDB at "+c.DB)
	client, err := ovsdb.Dial(ctx, c.DB)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	nagios.SetStage(ctx, "asking OVSDB at "+c.DB+" whether ovs-vswitchd holds its lock")
	held, err := client.LockHeld(ctx, vswitchdLock)
	if err != nil {
		return nil, err
	}
	nagios.SetStage(ctx, "querying OVSDB at "+c.DB)
	results, err := client.Transact(ctx, ovsdb.OpenVSwitch, queryOps...)
	if err != nil {
		return nil, err
	}
	snap, err := decodeSnapshot(results, held)
	if err != nil {
		return nil, fmt.Errorf("unexpected data from OVSDB at %s: %v", c.DB, err)
	}
	now := c.Now()
	if err := checkBridgesExist(snap, c.Bridges, c.DB); err != nil {
		return nil, err
	}
	p := policy{Grace: c.Grace, Bridges: c.Bridges, RequireMaster: c.RequireMaster, Uptime: c.uptime,
		Verbose: nagios.Verbosity(ctx), Now: now}
	p.Listening = func(target, daemon string) listenerCheck {
		// Only a daemon running on this host (its pidfile next to the
		// local db.sock names a live process) listens where we can probe.
		if _, local := c.uptime(daemon); !local {
			return listenerCheck{Detail: "OVS does not report whether " + daemon + " listens on it, and " + daemon + " does not run on this host (no live pidfile next to " + c.DB + ")"}
		}
		nagios.SetStage(ctx, "probing the listener "+target)
		return probeListener(ctx, target, daemon)
	}
	nagios.SetStage(ctx, "updating state file "+c.statePath())
	var res *nagios.Result
	err = c.withMemory(ctx, func(m *memory) {
		p.Memory = m
		res = evaluate(snap, p)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// checkBridgesExist makes a --bridge that names no bridge an UNKNOWN with
// the list of bridges that do exist, since it is a configuration mistake.
func checkBridgesExist(s *Snapshot, want []string, db string) error {
	var names []string
	for _, b := range s.Bridges {
		names = append(names, b.Name)
	}
	for _, w := range want {
		if !slices.Contains(names, w) {
			have := strings.Join(names, ", ")
			if have == "" {
				have = "none"
			}
			return fmt.Errorf("--bridge %s: no such bridge in OVSDB at %s (bridges: %s)", w, db, have)
		}
	}
	return nil
}

// uptime returns how long daemon has been running, from the mtime of its
// pidfile next to a local database socket (OVS writes
// /var/run/openvswitch/ovs-vswitchd.pid at start). For a tcp: --db, or when
// the pidfile or its process is missing, the uptime is unknown.
func (c *Check) uptime(daemon string) (time.Duration, bool) {
	network, addr, err := ovsdb.ParseTarget(c.DB)
	if err != nil || network != "unix" {
		return 0, false
	}
	pidfile := filepath.Join(filepath.Dir(addr), daemon+".pid")
	data, err := c.ReadFile(pidfile)
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	if _, err := c.StatFile(filepath.Join("/proc", strconv.Itoa(pid))); err != nil {
		return 0, false
	}
	fi, err := c.StatFile(pidfile)
	if err != nil {
		return 0, false
	}
	up := c.Now().Sub(fi.ModTime())
	if up < 0 {
		up = 0
	}
	return up, true
}
