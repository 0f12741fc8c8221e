//go:build bench

package rabbitmqqueues

// The benchmark fills the lab broker with 10,000 queues
// (compute.bench-00000 ... compute.bench-09999, in vhost nova), then times
// check_rabbitmq_queues against Debian's check_rabbitmq_queue
// (nagios-plugins-rabbitmq) on the same selections:
//
//   - one queue among 10,000: one run of each;
//   - 50 queues among 10,000: one run of ours (server-side regex) against 50
//     runs of the peer, which checks one queue per run, so the ratio is the
//     cost of the whole selection, and per queue alike;
//   - all 10,000 queues selected by a regex (ours only): one filtered page
//     shows more than 500 matches, then the unpaged listing without
//     statistics and the consumer listing, concurrently;
//   - the whole vhost, no selection (ours only): the two unpaged listings.
//
// Run it against a vhost of its own when other tests use the lab (the
// 10,000 queues would land in their selections): point EDGECHECK_LAB_DIR
// at a copy of the lab's env.d whose rabbitmq.env names another vhost
// (RABBITMQ_VHOST and the vhost in RABBITMQ_AMQP_URL) on which both lab
// users have permissions.
//
// HTTP requests are counted by a reverse proxy in this process, in one extra
// run of each side outside the timed loop; the timed runs go straight to the
// broker. The 10,000 queues are deleted when the benchmarks end.

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"edgecheck/shared/benchcmp"
	"edgecheck/shared/credentials"
	"edgecheck/shared/labtest"
)

const benchQueues = 10000

func benchQueue(i int) string { return fmt.Sprintf("compute.bench-%05d", i) }

// allBenchQueues names the benchQueues queues.
func allBenchQueues() []string {
	names := make([]string, benchQueues)
	for i := range names {
		names[i] = benchQueue(i)
	}
	return names
}

var (
	benchOnce    sync.Once
	benchErr     error
	benchCreated bool
	benchEnv     map[string]string
)

// TestMain removes the benchmark's queues after every test and benchmark
// of this package has run.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchCreated {
		if err := forEachQueue(benchEnv["RABBITMQ_AMQP_URL"], allBenchQueues(), func(ch *amqp.Channel, name string) error {
			_, err := ch.QueueDelete(name, false, false, true)
			return err
		}); err != nil {
			fmt.Fprintf(os.Stderr, "deleting the %d benchmark queues: %v\n", benchQueues, err)
			if code == 0 {
				code = 1
			}
		}
		// Back to the lab's interval for whatever runs next on this lab.
		if out, err := exec.Command("../../lab/lab.sh", "rabbitmq", "stats_interval").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "restoring the lab's statistics interval: %v: %s\n", err, out)
		}
	}
	os.Exit(code)
}

// forEachQueue runs fn for every named queue on one channel, with noWait
// operations, then makes one synchronous round trip so that every
// operation has been processed (a channel's operations are ordered).
func forEachQueue(amqpURL string, names []string, fn func(*amqp.Channel, string) error) error {
	conn, err := amqp.DialConfig(amqpURL, amqp.Config{Dial: amqp.DefaultDial(10 * time.Second)})
	if err != nil {
		return err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := fn(ch, n); err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
	}
	// An exclusive queue vanishes with the connection.
	_, err = ch.QueueDeclare("bench.sync", false, true, true, false, nil)
	return err
}

// setupBench declares the 10,000 queues and puts a few messages in the
// ones the selections use, then waits until the broker has statistics for
// all of them (the check reports a queue without statistics as UNKNOWN).
func setupBench(b *testing.B, bin string) map[string]string {
	b.Helper()
	env := labtest.Need(b, "RABBITMQ_URL", "RABBITMQ_AMQP_URL", "RABBITMQ_VHOST", "RABBITMQ_CREDENTIALS_FILE", "RABBITMQ_PEER_CHECK")
	benchOnce.Do(func() {
		benchEnv = env
		// The queues get RabbitMQ's default statistics interval, not the
		// lab's 1 s: with 12,000 queues emitting every second the broker
		// spends most of two cores on statistics, which no production
		// broker does, and every request of both sides would measure that.
		labtest.Lab(b, "rabbitmq", "stats_interval", "5000")
		start := time.Now()
		benchCreated = true
		benchErr = forEachQueue(env["RABBITMQ_AMQP_URL"], allBenchQueues(), func(ch *amqp.Channel, name string) error {
			if _, err := ch.QueueDeclare(name, false, false, false, true, nil); err != nil {
				return err
			}
			if strings.HasPrefix(name, "compute.bench-000") {
				return ch.Publish("", name, false, false, amqp.Publishing{Body: []byte("work")})
			}
			return nil
		})
		if benchErr != nil {
			return
		}
		b.Logf("declared %d queues in %s", benchQueues, time.Since(start).Round(time.Millisecond))
		// Wait until every queue has statistics: our check over all of
		// them is OK (not UNKNOWN) only then.
		if benchErr = waitStatistics(bin, env, []string{"--queue-regex", `^compute\.bench-`}, benchQueues); benchErr != nil {
			return
		}
		b.Logf("statistics for all queues after %s", time.Since(start).Round(time.Millisecond))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return env
}

func firstLine(s string) string { return strings.SplitN(s, "\n", 2)[0] }

// waitStatistics runs the check on a selection until it reports n queues
// OK: the broker has no statistics for a queue until its first interval
// (5 s here) has passed, and the check rightly reports such a queue as
// UNKNOWN, which would fail a benchmark's first run.
func waitStatistics(bin string, env map[string]string, selection []string, n int) error {
	deadline := time.Now().Add(3 * time.Minute)
	for {
		argv := append([]string{"--url", env["RABBITMQ_URL"], "--vhost", env["RABBITMQ_VHOST"], "--credentials-file", env["RABBITMQ_CREDENTIALS_FILE"],
			"--min-consumers", "0", "--max-perfdata", "0", "-t", "30"}, selection...)
		out, err := exec.Command(bin, argv...).Output()
		if err == nil && strings.Contains(string(out), fmt.Sprintf("%d queues OK", n)) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the broker never had statistics for all %d queues: %s", n, firstLine(string(out)))
		}
		time.Sleep(2 * time.Second)
	}
}

// countingProxy forwards to the broker and counts requests.
type countingProxy struct {
	srv   *http.Server
	addr  string
	count atomic.Int64
}

func newCountingProxy(b *testing.B, target string) *countingProxy {
	b.Helper()
	u, err := url.Parse(target)
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	p := &countingProxy{addr: ln.Addr().String()}
	rp := httputil.NewSingleHostReverseProxy(u)
	p.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.count.Add(1)
		rp.ServeHTTP(w, r)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	b.Cleanup(func() { _ = p.srv.Shutdown(context.Background()) })
	return p
}

// requests runs argv once and returns how many requests reached the proxy.
func (p *countingProxy) requests(b *testing.B, argv []string) int {
	b.Helper()
	before := p.count.Load()
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		b.Fatalf("%s through the counting proxy: %v\n%s", argv[0], err, out)
	}
	return int(p.count.Load() - before)
}

type benchSetup struct {
	env      map[string]string
	ours     string
	peer     string
	user     string
	password string
	mgmtHost string
	mgmtPort string
}

func newBenchSetup(b *testing.B) benchSetup {
	b.Helper()
	bin := labtest.Binary(b, "check_rabbitmq_queues")
	env := setupBench(b, bin)
	var cr creds
	if err := credentials.Load(env["RABBITMQ_CREDENTIALS_FILE"], &cr); err != nil {
		b.Fatal(err)
	}
	u, _ := url.Parse(env["RABBITMQ_URL"])
	return benchSetup{env: env, ours: bin, peer: env["RABBITMQ_PEER_CHECK"], user: cr.Username, password: cr.Password,
		mgmtHost: u.Hostname(), mgmtPort: u.Port()}
}

func (s benchSetup) oursArgv(base string, args ...string) []string {
	return append([]string{s.ours, "--url", base, "--vhost", s.env["RABBITMQ_VHOST"],
		"--credentials-file", s.env["RABBITMQ_CREDENTIALS_FILE"], "--min-consumers", "0", "-w", "1000", "-c", "2000"}, args...)
}

// peerArgv checks the given queues one after the other, as an operator
// would have to with check_rabbitmq_queue: one process per queue. With more
// than one queue it runs through /bin/sh, which stops at the first failure.
func (s benchSetup) peerArgv(host, port string, queues []string) []string {
	args := []string{"-H", host, "--port", port, "-u", s.user, "-p", s.password, "--vhost", s.env["RABBITMQ_VHOST"], "-w", "1000", "-c", "2000"}
	if len(queues) == 1 {
		return append(append([]string{s.peer}, args...), "--queue", queues[0])
	}
	// argv is: sh -c LOOP sh PEER PEER-ARGS... -- QUEUES...
	loop := `peer=$1; shift; set -f
args=""; while [ "$1" != "--" ]; do args="$args $1"; shift; done; shift
for q in "$@"; do "$peer" $args --queue "$q" >/dev/null || exit $?; done`
	argv := []string{"/bin/sh", "-c", loop, "sh", s.peer}
	argv = append(argv, args...)
	argv = append(argv, "--")
	return append(argv, queues...)
}

// proxyArgs is the argv of the run that counts requests through the proxy:
// a baseline file learns its broker's URL, so that run keeps its own file
// and the measured runs find theirs unmixed.
func proxyArgs(args []string) []string {
	out := slices.Clone(args)
	for i := range out {
		if out[i] == "--baseline-file" && i+1 < len(out) {
			out[i+1] += ".proxy"
		}
	}
	return out
}

func okOurs(want string) func(string, int) bool {
	return func(out string, code int) bool { return code == 0 && strings.Contains(out, want) }
}

func okPeer(out string, code int) bool {
	return code == 0 && (out == "" || strings.HasPrefix(out, "RABBITMQ_QUEUE OK"))
}

func runCase(b *testing.B, s benchSetup, workload string, selected int, queues []string, oursArgs []string, wantOurs string) {
	proxy := newCountingProxy(b, s.env["RABBITMQ_URL"])
	pHost, pPort, _ := net.SplitHostPort(proxy.addr)
	oursReq := proxy.requests(b, s.oursArgv("http://"+proxy.addr, proxyArgs(oursArgs)...))
	c := benchcmp.Case{
		Group:    "rabbitmq",
		Workload: workload,
		Ours:     benchcmp.Side{Label: "check_rabbitmq_queues", Argv: s.oursArgv(s.env["RABBITMQ_URL"], oursArgs...), OK: okOurs(wantOurs)},
		Extra:    map[string]float64{"ours-http-requests": float64(oursReq), "queues-in-vhost": benchQueues, "queues-selected": float64(selected)},
	}
	if queues != nil {
		peerReq := proxy.requests(b, s.peerArgv(pHost, pPort, queues))
		c.Peer = &benchcmp.Side{Label: "check_rabbitmq_queue (Debian, one process per queue)", Argv: s.peerArgv(s.mgmtHost, s.mgmtPort, queues), OK: okPeer}
		c.Extra["peer-http-requests"] = float64(peerReq)
	}
	rec := benchcmp.Run(b, c)
	if rec.PeerMs > 0 && len(queues) > 0 {
		b.ReportMetric(rec.OursMs/float64(len(queues)), "ours-ms/queue")
		b.ReportMetric(rec.PeerMs/float64(len(queues)), "peer-ms/queue")
	}
	b.ReportMetric(float64(oursReq), "ours-http-requests")
	if v, ok := c.Extra["peer-http-requests"]; ok {
		b.ReportMetric(v, "peer-http-requests")
	}
}

// BenchmarkRabbitMQOneQueueOf10000: one compute queue among 10,000.
func BenchmarkRabbitMQOneQueueOf10000(b *testing.B) {
	s := newBenchSetup(b)
	q := benchQueue(42)
	runCase(b, s, "1 queue of 10,000 (--host bench-00042)", 1, []string{q}, []string{"--host", "bench-00042"}, "1 queue OK")
}

// BenchmarkRabbitMQ50QueuesOf10000: 50 compute queues among 10,000, ours in
// one run with a server-side regex, the peer once per queue.
func BenchmarkRabbitMQ50QueuesOf10000(b *testing.B) {
	s := newBenchSetup(b)
	var queues []string
	for i := 0; i < 50; i++ {
		queues = append(queues, benchQueue(i))
	}
	runCase(b, s, "50 queues of 10,000 (regex ^compute\\.bench-000[0-4][0-9]$)", len(queues), queues,
		[]string{"--queue-regex", `^compute\.bench-000[0-4][0-9]$`}, "50 queues OK")
}

// BenchmarkRabbitMQAll10000: every one of the 10,000 queues, by regex.
// The peer has no way to do this short of 10,000 processes.
func BenchmarkRabbitMQAll10000(b *testing.B) {
	s := newBenchSetup(b)
	runCase(b, s, "all 10,000 queues (regex ^compute\\.bench-)", benchQueues, nil,
		[]string{"--queue-regex", `^compute\.bench-`, "--max-perfdata", "10", "-t", "60"}, strconv.Itoa(benchQueues)+" queues OK")
}

// BenchmarkRabbitMQWholeVhost10000: no selection, every queue of the vhost
// (the 10,000 and whatever else the vhost holds).
func BenchmarkRabbitMQWholeVhost10000(b *testing.B) {
	s := newBenchSetup(b)
	runCase(b, s, "whole vhost of 10,000 queues (no selection)", benchQueues, nil,
		[]string{"--max-perfdata", "10", "-t", "60"}, " queues OK in vhost")
}

// benchFQDNHosts is the size of the expected-hosts benchmark: a cell of
// 2,000 hypervisors whose nova CONF.host is an FQDN (30 characters).
const benchFQDNHosts = 2000

func fqdnHost(i int) string { return fmt.Sprintf("cmp-r%02d-u%04d.cell1.example.net", i/40, i) }

// peerSample is how many of a large selection's queues the peer checks per
// run (one process each, about 0.1 s per queue): its per-queue time is
// reported, and peer-ms-all extrapolates it to the whole selection.
const peerSample = 50

// runLargeCase is runCase for a selection of thousands of queues: ours in
// one run, the peer on the first peerSample queues.
func runLargeCase(b *testing.B, s benchSetup, workload string, queues []string, oursArgs []string, wantOurs string) {
	proxy := newCountingProxy(b, s.env["RABBITMQ_URL"])
	pHost, pPort, _ := net.SplitHostPort(proxy.addr)
	oursReq := proxy.requests(b, s.oursArgv("http://"+proxy.addr, proxyArgs(oursArgs)...))
	sample := queues[:min(peerSample, len(queues))]
	peerReq := proxy.requests(b, s.peerArgv(pHost, pPort, sample))
	c := benchcmp.Case{
		Group:    "rabbitmq",
		Workload: workload,
		Ours:     benchcmp.Side{Label: "check_rabbitmq_queues", Argv: s.oursArgv(s.env["RABBITMQ_URL"], oursArgs...), OK: okOurs(wantOurs)},
		Peer: &benchcmp.Side{Label: fmt.Sprintf("check_rabbitmq_queue (Debian, one process per queue; %d of the %d queues)", len(sample), len(queues)),
			Argv: s.peerArgv(s.mgmtHost, s.mgmtPort, sample), OK: okPeer},
		Extra: map[string]float64{"ours-http-requests": float64(oursReq), "peer-http-requests": float64(peerReq),
			"queues-selected": float64(len(queues)), "peer-queues-run": float64(len(sample))},
	}
	rec := benchcmp.Run(b, c)
	b.ReportMetric(float64(oursReq), "ours-http-requests")
	b.ReportMetric(float64(peerReq), "peer-http-requests")
	b.ReportMetric(rec.OursMs/float64(len(queues)), "ours-ms/queue")
	if rec.PeerMs > 0 {
		b.ReportMetric(rec.PeerMs/float64(len(sample)), "peer-ms/queue")
		b.ReportMetric(rec.PeerMs/float64(len(sample))*float64(len(queues)), "peer-ms-all")
	}
}

// BenchmarkRabbitMQExpectedHosts2000FQDN: --expected-hosts-file with 2,000
// FQDN hosts, each with its compute.<fqdn> queue, in a vhost that also
// holds the 10,000 benchmark queues. The name filter (about 90,000
// characters) cannot go into one URL (HTTP 414) nor into regexes of 1,024
// characters in few requests, so the check reads the four pages of one
// regex covering the names (^compute\.cmp-r.*\.cell1\.example\.net$) at
// once, and keeps the selected queues.
func BenchmarkRabbitMQExpectedHosts2000FQDN(b *testing.B) {
	s := newBenchSetup(b)
	var queues, hosts []string
	for i := range benchFQDNHosts {
		hosts = append(hosts, fqdnHost(i))
		queues = append(queues, "compute."+fqdnHost(i))
	}
	declareExtra(b, s.env["RABBITMQ_AMQP_URL"], queues)
	file := b.TempDir() + "/compute-hosts"
	if err := os.WriteFile(file, []byte(strings.Join(hosts, "\n")+"\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := waitStatistics(s.ours, s.env, []string{"--expected-hosts-file", file}, benchFQDNHosts); err != nil {
		b.Fatal(err)
	}
	runLargeCase(b, s, "expected-hosts file of 2,000 FQDN hosts (10,000 other queues in the vhost)", queues,
		[]string{"--expected-hosts-file", file, "--max-perfdata", "10", "-t", "60"}, strconv.Itoa(benchFQDNHosts)+" queues OK")
}

// BenchmarkRabbitMQRegex2000Of10000: a regex selecting 2,000 of the 10,000
// queues: page 1, then pages 2 to 4 concurrently.
func BenchmarkRabbitMQRegex2000Of10000(b *testing.B) {
	s := newBenchSetup(b)
	var queues []string
	for i := range 2000 {
		queues = append(queues, benchQueue(i))
	}
	runLargeCase(b, s, "regex selecting 2,000 of 10,000 queues (^compute\\.bench-0[01])", queues,
		[]string{"--queue-regex", `^compute\.bench-0[01]`, "--max-perfdata", "10", "-t", "60"}, "2000 queues OK")
}

// declareExtra declares the named queues for one benchmark and deletes them
// when it ends.
func declareExtra(b *testing.B, amqpURL string, names []string) {
	b.Helper()
	each := func(fn func(*amqp.Channel, string) error) error { return forEachQueue(amqpURL, names, fn) }
	b.Cleanup(func() {
		if err := each(func(ch *amqp.Channel, n string) error { _, err := ch.QueueDelete(n, false, false, true); return err }); err != nil {
			b.Errorf("deleting the benchmark queues: %v", err)
		}
	})
	if err := each(func(ch *amqp.Channel, n string) error {
		_, err := ch.QueueDeclare(n, false, false, false, true, nil)
		return err
	}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRabbitMQAll10000Baseline: every one of the 10,000 queues with
// --baseline-file on: read, assess, learn and atomically rewrite the state
// file of 10,000 queues on every run. The file's size is reported.
func BenchmarkRabbitMQAll10000Baseline(b *testing.B) {
	s := newBenchSetup(b)
	file := b.TempDir() + "/rabbitmq.baseline"
	args := []string{"--queue-regex", `^compute\.bench-`, "--max-perfdata", "10", "-t", "60", "--baseline-file", file}
	runCase(b, s, "all 10,000 queues (regex ^compute\\.bench-) with --baseline-file", benchQueues, nil, args, "baseline learning: ")
	st, err := os.Stat(file)
	if err != nil {
		b.Fatalf("no baseline file after the runs: %v", err)
	}
	b.ReportMetric(float64(st.Size()), "state-file-bytes")
	b.Logf("baseline state file for %d queues: %d bytes (%.1f KB per queue)", benchQueues, st.Size(), float64(st.Size())/1024/benchQueues)
}
