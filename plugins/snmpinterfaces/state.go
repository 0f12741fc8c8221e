package snmpinterfaces

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"time"

	"edgecheck/shared/statefile"
)

// A Sample is one interface's counters at one moment, as kept in the state
// file between runs.
type Sample struct {
	Name        string    `json:"name"`
	Time        time.Time `json:"time"`
	SysUpTime   uint64    `json:"sys_uptime"` // centiseconds, to detect an agent restart
	HC          bool      `json:"hc"`         // octets are 64-bit (ifHC*) counters
	InOctets    uint64    `json:"in_octets"`
	OutOctets   uint64    `json:"out_octets"`
	InErrors    uint64    `json:"in_errors"`
	OutErrors   uint64    `json:"out_errors"`
	InDiscards  uint64    `json:"in_discards"`
	OutDiscards uint64    `json:"out_discards"`
}

// State is the state file's content: the last sample per ifIndex.
type State struct {
	Version    int                `json:"version"`
	Agent      string             `json:"agent"`
	Interfaces map[string]*Sample `json:"interfaces"`
}

const stateVersion = 1

// restartSlack absorbs request latency when comparing the agent's uptime
// with the time between two samples.
const restartSlack = time.Second

// Delta returns how much a counter of the given width advanced from prev to
// cur. A smaller cur means the counter wrapped once; for a 64-bit counter,
// which cannot wrap in practice, it means a reset, reported as !ok.
func Delta(prev, cur uint64, bits int) (uint64, bool) {
	if cur >= prev {
		return cur - prev, true
	}
	if bits >= 64 {
		return 0, false
	}
	limit := uint64(1) << bits
	if prev >= limit {
		return 0, false // prev could not have come from this counter
	}
	return limit - prev + cur, true
}

// Rates are per-second rates between two samples.
type Rates struct {
	Seconds     float64
	InBps       float64 // bits per second
	OutBps      float64
	Errors      float64 // in + out per second
	Discards    float64
	Problems    []string // why a rate could not be computed
	Initialised bool     // false: no usable previous sample
	// OctetsUnknown, when set, says why InBps and OutBps are unknown
	// although the samples are usable: a 32-bit octet counter may have
	// wrapped more than once between them.
	OctetsUnknown string
}

// WrapBound is how many octets a 32-bit ifInOctets/ifOutOctets can count
// before it wraps (RFC 2863: Counter32, 2^32).
const WrapBound = 1 << 32

// MultiWrapPossible tells whether a 32-bit octet counter on a link of
// speedBps (bits per second; 0 when ifSpeed/ifHighSpeed are unknown) may
// have wrapped more than once in seconds: then the difference of two
// samples does not give the traffic. RFC 2863 3.1.6: "at 1Gbs, the minimum
// [wrap time] is 34 seconds". It returns the shortest wrap time (0 when the
// speed is unknown) for the message.
func MultiWrapPossible(speedBps, seconds float64) (bool, time.Duration) {
	if speedBps <= 0 {
		return true, 0
	}
	wrap := WrapBound * 8 / speedBps
	return speedBps/8*seconds >= WrapBound, time.Duration(wrap * float64(time.Second))
}

// Compare computes rates from prev to cur on a link of speedBps (bits per
// second, 0 when unknown). A nil prev, another interface under the same
// ifIndex, an agent restart or a reset counter gives Initialised=false with
// the reason in Problems. 32-bit octet counters that may have wrapped more
// than once give OctetsUnknown: the octet rates are unknown, never guessed.
func Compare(prev, cur *Sample, speedBps float64) Rates {
	var r Rates
	switch {
	case prev == nil:
		return r
	case prev.Name != cur.Name:
		r.Problems = append(r.Problems, fmt.Sprintf("ifIndex now names %s instead of %s; counters restarted", cur.Name, prev.Name))
		return r
	case cur.SysUpTime < prev.SysUpTime:
		r.Problems = append(r.Problems, "agent restarted (sysUpTime went back); counters restarted")
		return r
	case cur.Time.Sub(prev.Time) > time.Duration(cur.SysUpTime)*10*time.Millisecond+restartSlack:
		// Up for less time than has passed since the last sample: it
		// restarted in between, even though sysUpTime is higher again.
		r.Problems = append(r.Problems, "agent restarted since the last run (sysUpTime is shorter than the interval); counters restarted")
		return r
	case prev.HC != cur.HC:
		r.Problems = append(r.Problems, "counter width changed; counters restarted")
		return r
	}
	r.Seconds = cur.Time.Sub(prev.Time).Seconds()
	if r.Seconds <= 0 {
		r.Problems = append(r.Problems, "the previous sample is not older than this one (clock went back)")
		return r
	}
	octetBits := 32
	if cur.HC {
		octetBits = 64
	}
	in, ok1 := Delta(prev.InOctets, cur.InOctets, octetBits)
	out, ok2 := Delta(prev.OutOctets, cur.OutOctets, octetBits)
	ie, ok3 := Delta(prev.InErrors, cur.InErrors, 32)
	oe, ok4 := Delta(prev.OutErrors, cur.OutErrors, 32)
	id, ok5 := Delta(prev.InDiscards, cur.InDiscards, 32)
	od, ok6 := Delta(prev.OutDiscards, cur.OutDiscards, 32)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		r.Problems = append(r.Problems, "a counter went back (counter reset); rates from the next run")
		return r
	}
	r.InBps = float64(in) * 8 / r.Seconds
	r.OutBps = float64(out) * 8 / r.Seconds
	if multi, wrap := MultiWrapPossible(speedBps, r.Seconds); !cur.HC && multi {
		r.InBps, r.OutBps = 0, 0
		interval := time.Duration(r.Seconds * float64(time.Second)).Round(time.Second)
		if wrap == 0 {
			r.OctetsUnknown = fmt.Sprintf("rates unknown: 32-bit octet counters and no ifSpeed/ifHighSpeed, so a counter may have wrapped more than once in %s; use the 64-bit ifHC* counters (ifXTable, SNMPv2c/v3)", interval)
		} else {
			r.OctetsUnknown = fmt.Sprintf("rates unknown: 32-bit octet counters can wrap more than once in %s at %s (every %s at line rate); poll at least every %s or use the 64-bit ifHC* counters (ifXTable, SNMPv2c/v3)",
				interval, humanBits(speedBps), wrap.Round(100*time.Millisecond), wrap.Truncate(time.Second))
		}
	}
	r.Errors = float64(ie+oe) / r.Seconds
	r.Discards = float64(id+od) / r.Seconds
	r.Initialised = true
	return r
}

// A StateFile is the JSON file keeping the previous samples. Runs for the
// same agent may share it (different --interface-regex): each run updates
// only its own interfaces, under the exclusive lock of shared/statefile,
// which also replaces the file atomically.
type StateFile struct {
	Path string
	file *statefile.File
}

func (s *StateFile) backing() *statefile.File {
	if s.file == nil {
		s.file = &statefile.File{Path: s.Path, Flag: "--state-file"}
	}
	return s.file
}

// Lock takes the exclusive lock, waiting until ctx ends.
func (s *StateFile) Lock(ctx context.Context) error { return s.backing().Lock(ctx) }

// Unlock releases the lock.
func (s *StateFile) Unlock() { s.backing().Unlock() }

// Read loads the state. A missing file is an empty state; a corrupt one is
// an empty state plus a note, since the counters are only a previous sample
// and the next write repairs it; a permission problem is an error.
func (s *StateFile) Read(agent string) (*State, string, error) {
	empty := &State{Version: stateVersion, Agent: agent, Interfaces: map[string]*Sample{}}
	var st State
	found, err := s.backing().Read(&st)
	switch {
	case errors.Is(err, statefile.ErrCorrupt):
		return empty, fmt.Sprintf("state file %s was unreadable and is started over", s.Path), nil
	case err != nil:
		return nil, "", err
	case !found:
		return empty, "", nil
	case st.Version != stateVersion || st.Interfaces == nil:
		return empty, fmt.Sprintf("state file %s was unreadable and is started over", s.Path), nil
	case st.Agent != agent:
		return empty, fmt.Sprintf("state file %s held counters of %s, not %s, and is started over (give each agent its own --state-file)", s.Path, st.Agent, agent), nil
	}
	return &st, "", nil
}

// Write replaces the state file atomically.
func (s *StateFile) Write(st *State) error { return s.backing().Write(st) }

// DefaultStatePath is the state file used when --state-file is not given:
// one per agent.
func DefaultStatePath(host string, port int) string {
	return filepath.Join(defaultStateDir, "snmp_interfaces_"+statefile.SafeName(host)+"_"+strconv.Itoa(port)+".json")
}

const defaultStateDir = statefile.DefaultDir

// humanBits formats bits per second.
func humanBits(bps float64) string {
	units := []string{"b/s", "kb/s", "Mb/s", "Gb/s", "Tb/s"}
	i := 0
	for bps >= 1000 && i < len(units)-1 {
		bps /= 1000
		i++
	}
	if i == 0 || bps >= 100 {
		return fmt.Sprintf("%.0f %s", math.Round(bps), units[i])
	}
	return fmt.Sprintf("%.1f %s", bps, units[i])
}
