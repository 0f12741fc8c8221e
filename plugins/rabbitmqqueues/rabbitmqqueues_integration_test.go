//go:build integration

package rabbitmqqueues

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"
	amqp "github.com/rabbitmq/amqp091-go"

	"edgecheck/shared/credentials"
	"edgecheck/shared/labtest"
)

// A lab is the real broker started by `lab/lab.sh up rabbitmq`.
type lab struct {
	t      *testing.T
	env    map[string]string
	bin    string
	conn   *amqp.Connection
	ch     *amqp.Channel
	admin  *rabbithole.Client
	prefix string // unique per test, so tests never see each other's queues
}

func newLab(t *testing.T) *lab {
	t.Helper()
	env := labtest.Need(t, "RABBITMQ_URL", "RABBITMQ_AMQP_URL", "RABBITMQ_VHOST", "RABBITMQ_CREDENTIALS_FILE", "RABBITMQ_ADMIN_CREDENTIALS_FILE")
	l := &lab{t: t, env: env, bin: labtest.Binary(t, "check_rabbitmq_queues")}
	var err error
	l.conn, err = amqp.DialConfig(env["RABBITMQ_AMQP_URL"], amqp.Config{Dial: amqp.DefaultDial(10 * time.Second)})
	if err != nil {
		t.Fatalf("AMQP dial: %v", err)
	}
	t.Cleanup(func() { l.conn.Close() })
	l.ch = l.mustChannel()
	if err := l.ch.Confirm(false); err != nil {
		t.Fatal(err)
	}
	var cr creds
	if err := credentials.Load(env["RABBITMQ_ADMIN_CREDENTIALS_FILE"], &cr); err != nil {
		t.Fatal(err)
	}
	l.admin, err = rabbithole.NewClient(env["RABBITMQ_URL"], cr.Username, cr.Password)
	if err != nil {
		t.Fatal(err)
	}
	l.admin.SetTimeout(10 * time.Second)
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	l.prefix = "it" + hex.EncodeToString(b)
	return l
}

func (l *lab) mustChannel() *amqp.Channel {
	ch, err := l.conn.Channel()
	if err != nil {
		l.t.Fatal(err)
	}
	return ch
}

// host returns a unique compute host name; its queue is compute.<host>.
func (l *lab) host(n string) string { return l.prefix + "-" + n }

// healthyAndStuck declares the queues of two compute hosts of this test
// and returns the hosts: the first queue has a consumer, the second holds
// stuck messages and has no consumer.
func (l *lab) healthyAndStuck(stuck int) (healthy, stuckHost string) {
	healthy, stuckHost = l.host("a"), l.host("b")
	l.declare("compute." + healthy)
	l.declare("compute." + stuckHost)
	l.consume("compute."+healthy, 10)
	l.publish("compute."+stuckHost, stuck)
	return healthy, stuckHost
}

// declare creates a durable queue and deletes it when the test ends.
func (l *lab) declare(name string) {
	l.t.Helper()
	if _, err := l.ch.QueueDeclare(name, true, false, false, false, nil); err != nil {
		l.t.Fatalf("declare %s: %v", name, err)
	}
	l.t.Cleanup(func() {
		ch, err := l.conn.Channel()
		if err == nil {
			_, _ = ch.QueueDelete(name, false, false, false)
			ch.Close()
		}
	})
}

// publish sends n messages and waits for the broker's confirms.
func (l *lab) publish(queue string, n int) {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := 0; i < n; i++ {
		dc, err := l.ch.PublishWithDeferredConfirmWithContext(ctx, "", queue, true, false, amqp.Publishing{Body: []byte("work")})
		if err != nil {
			l.t.Fatalf("publish: %v", err)
		}
		if i == n-1 {
			if ok, err := dc.WaitContext(ctx); !ok || err != nil {
				l.t.Fatalf("publish confirm: %v %v", ok, err)
			}
		}
	}
}

// consume attaches a consumer that never acks (prefetch limits how many it
// holds as unacked) and detaches it when the test ends.
func (l *lab) consume(queue string, prefetch int) *amqp.Channel {
	l.t.Helper()
	ch := l.mustChannel()
	if err := ch.Qos(prefetch, 0, false); err != nil {
		l.t.Fatal(err)
	}
	if _, err := ch.Consume(queue, "", false, false, false, false, nil); err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() { ch.Close() })
	return ch
}

// waitFor polls the management API (it publishes statistics once a second
// in the lab) until the queue shows the wanted counters. It reads the raw
// JSON, because a just-declared queue has no counters at all yet and
// rabbit-hole would decode that as zeros.
func (l *lab) waitFor(queue string, messages, unacked, consumers int) {
	l.t.Helper()
	u := l.env["RABBITMQ_URL"] + "/api/queues/" + url.PathEscape(l.env["RABBITMQ_VHOST"]) + "/" + url.PathEscape(queue) +
		"?columns=messages,messages_unacknowledged,consumers"
	client := &http.Client{Timeout: 10 * time.Second}
	deadline := time.Now().Add(45 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.SetBasicAuth(l.admin.Username, l.admin.Password)
		resp, err := client.Do(req)
		if err == nil {
			var got map[string]*int
			err = json.NewDecoder(resp.Body).Decode(&got)
			resp.Body.Close()
			if err == nil {
				last = fmt.Sprintf("%v", got)
				m, ua, c := got["messages"], got["messages_unacknowledged"], got["consumers"]
				if m != nil && ua != nil && c != nil && *m == messages && *ua == unacked && *c == consumers {
					return
				}
			}
		}
		if err != nil {
			last = err.Error()
		}
		time.Sleep(250 * time.Millisecond)
	}
	l.t.Fatalf("queue %s never reached messages=%d unacked=%d consumers=%d (last: %s)", queue, messages, unacked, consumers, last)
}

// check runs the real binary against the lab broker.
func (l *lab) check(args ...string) labtest.Run {
	l.t.Helper()
	base := []string{"--url", l.env["RABBITMQ_URL"], "--vhost", l.env["RABBITMQ_VHOST"], "--credentials-file", l.env["RABBITMQ_CREDENTIALS_FILE"]}
	return labtest.Exec(l.t, l.bin, nil, append(base, args...)...)
}

func TestIntegrationDepthThresholds(t *testing.T) {
	l := newLab(t)
	h := l.host("n1")
	q := "compute." + h
	l.declare(q)
	l.publish(q, 30)
	l.waitFor(q, 30, 0, 0)
	base := []string{"--host", h, "--min-consumers", "0"}
	for _, tc := range []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"under", []string{"-w", "50", "-c", "100"}, 0, []string{"RABBITMQ_QUEUES OK - 1 queue OK", q + "=30", "'" + q + " messages'=30;50;100;0"}},
		{"over_warning", []string{"-w", "20", "-c", "100"}, 1, []string{"RABBITMQ_QUEUES WARNING - 1 of 1 queue alerting (1 over threshold); worst " + q + "=30", "messages 30 outside warning 20"}},
		{"over_critical", []string{"-w", "10", "-c", "25"}, 2, []string{"RABBITMQ_QUEUES CRITICAL", "messages 30 outside critical 25"}},
		{"ready_under", []string{"--warning-ready", "30", "--critical-ready", "40"}, 0, []string{"OK"}},
		{"ready_over", []string{"--warning-ready", "29", "--critical-ready", "40"}, 1, []string{"ready 30 outside warning 29"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			labtest.WantOutput(t, l.check(append(base, tc.args...)...), tc.code, tc.wants...)
		})
	}

	// A consumer that holds 10 messages without acking them.
	l.consume(q, 10)
	l.waitFor(q, 30, 10, 1)
	for _, tc := range []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"unacked_under", []string{"--warning-unacked", "10", "--critical-unacked", "20"}, 0, []string{"OK", "'" + q + " unacked'=10;10;20;0"}},
		{"unacked_over_warning", []string{"--warning-unacked", "5", "--critical-unacked", "20"}, 1, []string{"unacked 10 outside warning 5"}},
		{"unacked_over_critical", []string{"--warning-unacked", "5", "--critical-unacked", "9"}, 2, []string{"unacked 10 outside critical 9"}},
		{"ready_now_20", []string{"--critical-ready", "19"}, 2, []string{"ready 20 outside critical 19"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			labtest.WantOutput(t, l.check(append(base, tc.args...)...), tc.code, tc.wants...)
		})
	}
}

func TestIntegrationConsumerAttached(t *testing.T) {
	l := newLab(t)
	h := l.host("n2")
	q := "compute." + h
	l.declare(q)
	l.publish(q, 3)
	l.waitFor(q, 3, 0, 0)
	labtest.WantOutput(t, l.check("--host", h), 2, "1 short of consumers", "0 consumers, fewer than 1", "nova-compute")
	l.consume(q, 1)
	l.waitFor(q, 3, 1, 1)
	labtest.WantOutput(t, l.check("--host", h), 0, "RABBITMQ_QUEUES OK", "'"+q+" consumers'=1;;;0")
	labtest.WantOutput(t, l.check("--host", h, "--min-consumers", "2"), 2, "1 consumers, fewer than 2")
}

func TestIntegrationExpectedHosts(t *testing.T) {
	l := newLab(t)
	for _, n := range []string{"a", "b"} {
		q := "compute." + l.host(n)
		l.declare(q)
		l.consume(q, 1)
		l.waitFor(q, 0, 0, 1)
	}
	file := filepath.Join(t.TempDir(), "hosts")
	body := fmt.Sprintf("# cell test\n%s\n%s\n%s  # decommissioned? no: expected\n", l.host("a"), l.host("b"), l.host("c"))
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	r := l.check("--expected-hosts-file", file, "-v")
	labtest.WantOutput(t, r, 2, "1 of 3 queues alerting (1 missing); worst compute."+l.host("c")+" missing",
		"[CRITICAL] compute."+l.host("c")+": queue missing: nova-compute on "+l.host("c"),
		"[OK] compute."+l.host("a")+":", "[OK] compute."+l.host("b")+":", "API: 1 HTTP request")
	// All present: OK.
	if err := os.WriteFile(file, []byte(l.host("a")+"\n"+l.host("b")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	labtest.WantOutput(t, l.check("--expected-hosts-file", file), 0, "2 queues OK")
}

// TestIntegrationWholeVhostPath: the three ways of reading a selection give
// the same depth and consumer counts: one page with statistics, several
// pages read at once (at most maxPagedPages), and, for a selection of more
// pages than that, the queue totals and the consumers without statistics.
// Eight idle fillers with a consumer each make the selection 11 queues, so
// that --page-size 1 needs more than maxPagedPages pages.
func TestIntegrationWholeVhostPath(t *testing.T) {
	l := newLab(t)
	names := map[string]string{}
	for _, n := range []string{"a", "b", "c"} {
		names[n] = "compute." + l.host(n)
		l.declare(names[n])
	}
	fillers := make([]string, maxPagedPages)
	for i := range fillers {
		fillers[i] = "compute." + l.host(fmt.Sprintf("zfill%d", i))
		l.declare(fillers[i])
		l.consume(fillers[i], 1)
	}
	l.publish(names["a"], 5)
	l.publish(names["b"], 3)
	l.consume(names["b"], 1)
	l.consume(names["c"], 1)
	l.consume(names["c"], 1)
	l.waitFor(names["a"], 5, 0, 0)
	l.waitFor(names["b"], 3, 1, 1)
	l.waitFor(names["c"], 0, 0, 2)
	for _, f := range fillers {
		l.waitFor(f, 0, 0, 1)
	}
	re := `^compute\.` + l.prefix + `-`
	const alerting = "1 of 11 queues alerting (1 short of consumers); worst "
	paged := l.check("--queue-regex", re, "-v")
	pages := l.check("--queue-regex", re, "-v", "--page-size", "2")
	whole := l.check("--queue-regex", re, "-v", "--page-size", "1")
	labtest.WantOutput(t, paged, 2, alerting+names["a"]+"=5", "API: 1 HTTP request, 1 name-filtered page")
	labtest.WantOutput(t, pages, 2, alerting+names["a"]+"=5", "API: 6 HTTP requests, 6 name-filtered pages of up to 2")
	labtest.WantOutput(t, whole, 2, alerting+names["a"]+"=5", "API: 4 HTTP requests, unpaged listings of all",
		"no rates needed (no queue above the growth floor); 11 matched name filter")
	for _, want := range []string{
		"[CRITICAL] " + names["a"] + ": 0 consumers, fewer than 1",
		names["a"] + ": 0 consumers, fewer than 1 (nobody is consuming: is the service, e.g. nova-compute, running and connected?) -- messages=5 ready=5 unacked=0 consumers=0",
		"[OK] " + names["b"] + ": messages=3 ready=2 unacked=1 consumers=1",
		"[OK] " + names["c"] + ": messages=0 ready=0 unacked=0 consumers=2",
	} {
		for _, r := range []labtest.Run{paged, pages, whole} {
			if !strings.Contains(r.Stdout, want) {
				t.Errorf("output lacks %q:\n%s", want, r.Stdout)
			}
		}
	}
	// The perfdata (depth and consumers of every queue) is the same.
	p := strings.SplitN(paged.Stdout, "\n", 2)[0]
	for _, r := range []labtest.Run{pages, whole} {
		if line := strings.SplitN(r.Stdout, "\n", 2)[0]; line != p {
			t.Errorf("line 1 differs:\none page: %s\nother: %s", p, line)
		}
	}
}

func TestIntegrationRegexSubset(t *testing.T) {
	l := newLab(t)
	for _, n := range []string{"a0", "a1", "a2", "b0", "b1"} {
		l.declare("compute." + l.host(n))
	}
	for _, n := range []string{"a0", "a1", "a2", "b0", "b1"} {
		l.waitFor("compute."+l.host(n), 0, 0, 0)
	}
	re := `^compute\.` + l.prefix + `-a`
	r := l.check("--queue-regex", re, "--min-consumers", "0", "-v", "--max-perfdata", "-1")
	labtest.WantOutput(t, r, 0, "3 queues OK", "API: 1 HTTP request, 1 name-filtered page", "matched server-side name filter (?:"+re+")")
	for _, n := range []string{"b0", "b1"} {
		if strings.Contains(r.Stdout, l.host(n)) {
			t.Errorf("regex %s selected %s:\n%s", re, l.host(n), r.Stdout)
		}
	}
	if got := strings.Count(strings.SplitN(r.Stdout, "\n", 2)[0], " consumers'="); got != 3 {
		t.Errorf("%d queues in perfdata, want 3", got)
	}
	// The same selection with the default min-consumers: three CRITICAL.
	labtest.WantOutput(t, l.check("--queue-regex", re), 2, "3 of 3 queues alerting (3 short of consumers)")
}

func TestIntegrationGrowingBacklog(t *testing.T) {
	l := newLab(t)
	h := l.host("grow")
	q := "compute." + h
	l.declare(q)
	l.publish(q, 50)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ch, err := l.conn.Channel()
		if err != nil {
			return
		}
		defer ch.Close()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				_ = ch.PublishWithContext(ctx, "", q, false, false, amqp.Publishing{Body: []byte("more")})
			}
		}
	}()
	defer func() { cancel(); wg.Wait() }()
	// Rates need two counter samples, which the broker aligns to multiples
	// of the window; poll the check itself until it sees the growth, which
	// must happen while publishing goes on.
	deadline := time.Now().Add(45 * time.Second)
	var r labtest.Run
	for time.Now().Before(deadline) {
		r = l.check("--host", h, "--min-consumers", "0", "--growth-floor", "20", "--rate-window", "5", "-c", "100000")
		if r.Code == 1 {
			break
		}
		time.Sleep(time.Second)
	}
	labtest.WantOutput(t, r, 1, "1 growing", "growing backlog: publish", "> drain 0.0/s over 5s, above the growth floor 20")
	// The same through the whole-vhost path (a filter matching more pages
	// than maxPagedPages, with idle fillers): totals and consumers without
	// statistics, then the rates of the one queue above the floor.
	for i := range maxPagedPages {
		idle := fmt.Sprintf("%s-idle%d", q, i)
		l.declare(idle)
		l.waitFor(idle, 0, 0, 0)
	}
	r = l.check("--queue-regex", `^compute\.`+h, "--page-size", "1", "--min-consumers", "0", "--growth-floor", "20", "--rate-window", "5", "-c", "100000", "-v")
	labtest.WantOutput(t, r, 1, fmt.Sprintf("1 of %d queues alerting (1 growing)", maxPagedPages+1), "["+"WARNING] "+q+": growing backlog: publish", "> drain 0.0/s over 5s, above the growth floor 20",
		"[OK] "+q+"-idle0: messages=0 ready=0 unacked=0 consumers=0 rates=not read (not needed for growth)",
		"API: 5 HTTP requests, unpaged listings of all", fmt.Sprintf("rates read for the 1 queue above the growth floor; %d matched", maxPagedPages+1))
	// Below the floor nothing is said about growth.
	r = l.check("--host", h, "--min-consumers", "0", "--growth-floor", "100000000")
	labtest.WantOutput(t, r, 0, "RABBITMQ_QUEUES OK")
}

func TestIntegrationWrongPassword(t *testing.T) {
	l := newLab(t)
	file := filepath.Join(t.TempDir(), "rabbit.yaml")
	if err := os.WriteFile(file, []byte("username: "+labtest.Env()["RABBITMQ_MONITOR_USER"]+"\npassword: wrong\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := labtest.Exec(t, l.bin, nil, "--url", l.env["RABBITMQ_URL"], "--vhost", l.env["RABBITMQ_VHOST"], "--credentials-file", file, "--queue-regex", ".")
	labtest.WantOutput(t, r, 3, "RABBITMQ_QUEUES UNKNOWN", "HTTP 401", "credentials file "+file)
	r = labtest.Exec(t, l.bin, []string{"RABBITMQ_USERNAME=nobody", "RABBITMQ_PASSWORD=wrong"}, "--url", l.env["RABBITMQ_URL"], "--vhost", l.env["RABBITMQ_VHOST"])
	labtest.WantOutput(t, r, 3, "HTTP 401", "environment variables RABBITMQ_USERNAME/RABBITMQ_PASSWORD")
}

func TestIntegrationWrongVhost(t *testing.T) {
	l := newLab(t)
	labtest.WantOutput(t, l.check("--vhost", "no-such-vhost-"+l.prefix, "--queue-regex", "."), 3, "RABBITMQ_QUEUES UNKNOWN", `vhost "no-such-vhost-`+l.prefix+`" does not exist`, "HTTP 404")
}

func TestIntegrationNoQueueMatched(t *testing.T) {
	l := newLab(t)
	labtest.WantOutput(t, l.check("--host", l.host("never")), 3, "RABBITMQ_QUEUES UNKNOWN - no queue in vhost", "matched the selection")
}

// TestIntegrationHangingServer: something accepts the connection and never
// answers; the check must give up with UNKNOWN naming the timeout.
func TestIntegrationHangingServer(t *testing.T) {
	l := newLab(t)
	target := hangingServer(t)
	r := labtest.Exec(t, l.bin, nil, "--url", target, "--vhost", "nova", "--credentials-file", l.env["RABBITMQ_CREDENTIALS_FILE"], "--host", "n1", "-t", "2")
	labtest.WantOutput(t, r, 3, `RABBITMQ_QUEUES UNKNOWN - timed out after 2s while querying queue "compute.n1" in vhost "nova"`, "no answer from the RabbitMQ management API")
}

// TestIntegrationStoppedBroker stops the lab broker; it is restarted in
// Cleanup. Keep it last: the restart takes several seconds.
func TestIntegrationStoppedBroker(t *testing.T) {
	l := newLab(t)
	labtest.Lab(t, "rabbitmq", "stop")
	t.Cleanup(func() { labtest.Lab(t, "rabbitmq", "start") })
	r := l.check("--host", "n1", "-t", "5")
	labtest.WantOutput(t, r, 3, "RABBITMQ_QUEUES UNKNOWN - cannot connect to the RabbitMQ management API at "+l.env["RABBITMQ_URL"]+": connection refused")
}
