// Package benchcmp runs edgecheck and a peer tool side by side in one Go
// benchmark and reports wall time, peak RSS and their ratio. Each result is
// also appended as one JSON line to $EDGECHECK_BENCH_OUT, from which
// `make bench` writes BENCHMARKS.md.
package benchcmp

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// timeBinary is GNU time (Debian package "time", installed by scripts/bench.sh).
const timeBinary = "/usr/bin/time"

// A Side is one command line to time: edgecheck's or the peer's.
type Side struct {
	Label string   // e.g. "check_ovs_controller", "ovs-vsctl shell-out"
	Argv  []string // run directly, never through a shell unless Argv says so
	Env   []string
	// OK, when set, validates each run's output so a benchmark never times
	// a failing command. It gets stdout and the exit code.
	OK func(stdout string, code int) bool
}

// A Case is one comparison.
type Case struct {
	Group    string // issue area, e.g. "ovs", "rabbitmq", "snmp", "nagios-cfg"
	Workload string // what both sides do, in words
	Ours     Side
	Peer     *Side // nil when there is no peer (a scaling series)
	// Extra metrics to report, e.g. {"http-requests": 1}.
	Extra map[string]float64
}

// A Record is one line of the results file.
type Record struct {
	Group      string             `json:"group"`
	Workload   string             `json:"workload"`
	Ours       string             `json:"ours"`
	Peer       string             `json:"peer,omitempty"`
	Runs       int                `json:"runs"`
	OursMs     float64            `json:"ours_ms"`
	PeerMs     float64            `json:"peer_ms,omitempty"`
	Ratio      float64            `json:"ratio,omitempty"` // peer time / our time: >1 means we are faster
	OursRSSMB  float64            `json:"ours_rss_mb"`
	PeerRSSMB  float64            `json:"peer_rss_mb,omitempty"`
	Extra      map[string]float64 `json:"extra,omitempty"`
	RecordedAt string             `json:"recorded_at"`
}

type sample struct {
	wall  time.Duration
	rssKB int64
}

// runOnce runs one side. With measureRSS it runs under GNU time to take
// the peak RSS; timed runs go without it, so that time's own start-up cost
// does not narrow the ratio.
func runOnce(b *testing.B, s Side, measureRSS bool) sample {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// A child's ru_maxrss includes the pages of the (large) Go test process
	// it was forked from, so peak RSS is taken from GNU time, which forks
	// the measured command from its own small process.
	rssFile, err := os.CreateTemp("", "benchcmp-rss-")
	if err != nil {
		b.Fatal(err)
	}
	rssFile.Close()
	defer os.Remove(rssFile.Name())
	argv := s.Argv
	if measureRSS {
		argv = append([]string{timeBinary, "-q", "-f", "%M", "-o", rssFile.Name()}, s.Argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), s.Env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			b.Fatalf("%s: %v", s.Label, err)
		}
		code = ee.ExitCode()
	}
	if s.OK != nil && !s.OK(out.String(), code) {
		b.Fatalf("%s gave unexpected output (exit %d):\n%s%s", s.Label, code, out.String(), errOut.String())
	}
	var rss int64
	if data, err := os.ReadFile(rssFile.Name()); err == nil {
		// GNU time appends its own notes (e.g. "Command exited with non-zero
		// status") before the figure; the figure is the last line.
		lines := strings.Fields(strings.TrimSpace(string(data)))
		if len(lines) > 0 {
			rss, _ = strconv.ParseInt(lines[len(lines)-1], 10, 64)
		}
	}
	return sample{wall: wall, rssKB: rss}
}

func median(xs []time.Duration) time.Duration {
	s := append([]time.Duration(nil), xs...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// Run times both sides alternately b.N times (use -benchtime=Nx) and reports
// medians, the ratio and peak RSS.
func Run(b *testing.B, c Case) Record {
	b.Helper()
	// One warm-up each, which also takes the peak RSS, so page cache and
	// daemon caches are equal for the timed runs.
	oursRSS := runOnce(b, c.Ours, true).rssKB
	var peerRSS int64
	if c.Peer != nil {
		peerRSS = runOnce(b, *c.Peer, true).rssKB
	}
	var ours, peer []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ours = append(ours, runOnce(b, c.Ours, false).wall)
		if c.Peer != nil {
			peer = append(peer, runOnce(b, *c.Peer, false).wall)
		}
	}
	b.StopTimer()
	rec := Record{
		Group: c.Group, Workload: c.Workload, Ours: c.Ours.Label, Runs: b.N,
		OursMs:     float64(median(ours).Microseconds()) / 1000,
		OursRSSMB:  float64(oursRSS) / 1024,
		Extra:      c.Extra,
		RecordedAt: time.Now().UTC().Format(time.RFC3339),
	}
	b.ReportMetric(rec.OursMs, "ours-ms")
	b.ReportMetric(rec.OursRSSMB, "ours-rss-MB")
	if c.Peer != nil {
		rec.Peer = c.Peer.Label
		rec.PeerMs = float64(median(peer).Microseconds()) / 1000
		rec.PeerRSSMB = float64(peerRSS) / 1024
		if rec.OursMs > 0 {
			rec.Ratio = rec.PeerMs / rec.OursMs
		}
		b.ReportMetric(rec.PeerMs, "peer-ms")
		b.ReportMetric(rec.Ratio, "x-faster")
	}
	for k, v := range c.Extra {
		b.ReportMetric(v, k)
	}
	b.Logf("%s: %s %.2f ms (%.1f MB RSS) vs %s %.2f ms: %.1fx", c.Workload, rec.Ours, rec.OursMs, rec.OursRSSMB, rec.Peer, rec.PeerMs, rec.Ratio)
	Save(b, rec)
	return rec
}

// Save appends a record to $EDGECHECK_BENCH_OUT, when set.
func Save(b *testing.B, rec Record) {
	path := os.Getenv("EDGECHECK_BENCH_OUT")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		b.Fatalf("bench output: %v", err)
	}
	defer f.Close()
	line, _ := json.Marshal(rec)
	if _, err := f.Write(append(line, '\n')); err != nil {
		b.Fatalf("bench output: %v", err)
	}
}
