package ovscontroller

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"edgecheck/shared/statefile"
)

// OVS cannot say how long a target has been down: lib/rconn.c rewrites
// status:sec_since_disconnect on every failed reconnect (timeout, "No route
// to host", a controller that accepts TCP and never sends OFPT_HELLO), so
// that key never exceeds max_backoff (8 s), and ovs-vswitchd forgets
// sec_since_connect when it restarts. The check therefore remembers, per
// target, when it first found the target unconnected and when it last saw
// it connected, in one state file per OVSDB (shared/statefile: locked,
// written atomically).

// memoryVersion is the layout of the state file.
const memoryVersion = 1

// A memory is the state file's content.
type memory struct {
	Version int `json:"version"`
	// DB is the --db the memory belongs to.
	DB string `json:"db"`
	// LastRun is when the previous run read OVSDB. Every run records every
	// configured target (whatever --bridge says), so a target without a
	// record in a memory with a LastRun was configured after that run.
	LastRun *time.Time `json:"last_run,omitempty"`
	// Targets is keyed "manager TARGET" or "bridge NAME controller TARGET".
	Targets map[string]*record `json:"targets"`
}

// A record is what the check remembers of one target.
type record struct {
	// Row is the target's Manager or Controller row _uuid.
	Row string `json:"row,omitempty"`
	// Observed is when the OVSDB read behind this record was made; a run
	// never replaces a record observed later than its own read (two
	// concurrent runs).
	Observed time.Time `json:"observed"`
	// DownSince is the start of the current unconnected spell: the
	// earliest moment the target is taken to have been continuously
	// unconnected. Nil while connected.
	DownSince *time.Time `json:"down_since,omitempty"`
	// LastConnected is the last read that showed the target connected.
	LastConnected *time.Time `json:"last_connected,omitempty"`
}

func newMemory(db string) *memory {
	return &memory{Version: memoryVersion, DB: db, Targets: map[string]*record{}}
}

// DefaultStatePath is the state file used without --state-file: one per
// OVSDB under statefile.DefaultDir.
func DefaultStatePath(db string) string {
	return filepath.Join(statefile.DefaultDir, "ovs_controller_"+statefile.SafeName(db)+".json")
}

// loadMemory reads the state file under its lock. A missing file is an
// empty memory. A corrupt file, or one written for another --db, is an
// error naming the file: trusting or silently dropping it would hide how
// long targets have been down (documented choice: the operator removes it).
func loadMemory(f *statefile.File, db string) (*memory, error) {
	m := newMemory(db)
	found, err := f.Read(m)
	switch {
	case errors.Is(err, statefile.ErrCorrupt):
		return nil, fmt.Errorf("%v; remove %s (the down-time memory starts over) and rerun", err, f.Path)
	case err != nil:
		return nil, err
	case !found:
		return newMemory(db), nil
	case m.Version != memoryVersion:
		return nil, fmt.Errorf("state file %s has layout version %d, not %d: remove it (the down-time memory starts over) and rerun", f.Path, m.Version, memoryVersion)
	case m.DB != db:
		return nil, fmt.Errorf("state file %s belongs to --db %s, not %s: give each --db its own --state-file", f.Path, m.DB, db)
	}
	if m.Targets == nil {
		m.Targets = map[string]*record{}
	}
	return m, nil
}

// withMemory runs fn on the memory of c.DB under the state file's lock and
// writes the memory back when fn succeeds.
func (c *Check) withMemory(ctx context.Context, fn func(*memory)) error {
	f := &statefile.File{Path: c.statePath(), Flag: "--state-file"}
	if err := f.Lock(ctx); err != nil {
		return err
	}
	defer f.Unlock()
	m, err := loadMemory(f, c.DB)
	if err != nil {
		return err
	}
	fn(m)
	return f.Write(m)
}

// An outage is how long one unconnected target has been unconnected.
type outage struct {
	// Since is the start of the unconnected spell (never nil from
	// dateOutage).
	Since *time.Time
	// How says where Since comes from, for the item line; %d is the number
	// of seconds since Since.
	How string
}

// Seconds is the length of the spell at now.
func (o outage) Seconds(now time.Time) int64 {
	if o.Since == nil {
		return 0
	}
	d := int64(now.Sub(*o.Since).Seconds())
	if d < 0 {
		return 0
	}
	return d
}

// Text is How with the spell's length filled in.
func (o outage) Text(now time.Time) string { return fmt.Sprintf(o.How, o.Seconds(now)) }

// downFacts is what OVS and the host say about one unconnected target.
type downFacts struct {
	now time.Time
	// lastConnect is now - status:sec_since_connect, when present.
	lastConnect *time.Time
	// lastDisconnect is now - status:sec_since_disconnect, when present.
	lastDisconnect *time.Time
	// daemonStart is when the daemon writing the status started, when
	// known; daemon is its name.
	daemonStart *time.Time
	daemon      string
	// configuredAfter is the previous run's time for a target that the
	// previous run did not see: it was configured since.
	configuredAfter *time.Time
	noStatus        bool
}

// dateOutage dates the unconnected spell of one target from OVS's facts and
// the remembered record, and updates the record. The spell starts at the
// earliest of:
//   - the remembered start, unless OVS reports a connect after it;
//   - the last moment the target is known to have been connected: the
//     later of sec_since_connect and this check's last connected sighting;
//   - for a target that never connected under the running daemon and has
//     a status, the daemon's start (not earlier than the last connected
//     sighting, nor than the previous run when that run did not see the
//     target configured);
//   - the last failed attempt (sec_since_disconnect), a lower bound only.
//
// A target that nothing dates (no status, no memory, no daemon start) is
// dated from now, its first sighting.
func dateOutage(rec *record, f downFacts) outage {
	if rec.DownSince != nil && f.lastConnect != nil && f.lastConnect.After(*rec.DownSince) {
		rec.DownSince = nil // it connected again since we first saw it down
	}
	var best outage
	consider := func(t *time.Time, how string) {
		if t == nil || t.After(f.now) {
			return
		}
		if best.Since == nil || t.Before(*best.Since) {
			v := *t
			best = outage{Since: &v, How: how}
		}
	}
	if rec.DownSince != nil {
		consider(rec.DownSince, "not connected for %ds (since "+rec.DownSince.UTC().Format(time.RFC3339)+", this check's memory)")
	}
	sighting := "not connected since this check last saw it connected %ds ago"
	switch {
	case f.lastConnect != nil:
		last, how := *f.lastConnect, "not connected since its last connect %ds ago (sec_since_connect)"
		if rec.LastConnected != nil && rec.LastConnected.After(last) {
			last, how = *rec.LastConnected, sighting
		}
		consider(&last, how)
	case f.daemonStart != nil && !f.noStatus:
		// Without any status the daemon may not have set the target up
		// yet (just configured): its start says nothing then.
		start, how := *f.daemonStart, "never connected since "+f.daemon+" started %ds ago"
		if rec.LastConnected != nil && rec.LastConnected.After(start) {
			start, how = *rec.LastConnected, sighting
		}
		if f.configuredAfter != nil && f.configuredAfter.After(start) {
			start, how = *f.configuredAfter, "never connected since it was configured, after this check's previous run %ds ago"
		}
		consider(&start, how)
	}
	if f.lastDisconnect != nil {
		consider(f.lastDisconnect, "not connected for at least %ds (its last failed attempt; OVS resets sec_since_disconnect on every retry)")
	}
	if best.Since == nil {
		// Nothing dates it: the spell starts at this first sighting.
		consider(&f.now, "not connected for at least %ds (first found unconnected by this check now)")
	}
	if best.Since != nil {
		v := *best.Since
		rec.DownSince = &v
	}
	rec.Observed = f.now
	return best
}

// markConnected records a connected sighting.
func markConnected(rec *record, now time.Time) {
	rec.DownSince = nil
	t := now
	rec.LastConnected = &t
	rec.Observed = now
}
