package rabbitmqqueues

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"

	"edgecheck/shared/golden"
	"edgecheck/shared/runner"
)

const (
	testUser = "edgecheck-monitor"
	testPass = "s3cret"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// An api is a fake management API that serves captured bodies and records
// each request's query.
type api struct {
	t       *testing.T
	mu      sync.Mutex
	queries []url.Values
	paths   []string
	// respond picks status and body for a request.
	respond func(r *http.Request) (int, []byte)
}

func newAPI(t *testing.T, respond func(r *http.Request) (int, []byte)) (*api, *httptest.Server) {
	a := &api{t: t, respond: respond}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.queries = append(a.queries, r.URL.Query())
		a.paths = append(a.paths, r.URL.EscapedPath())
		a.mu.Unlock()
		if u, p, ok := r.BasicAuth(); !ok || u != testUser || p != testPass {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write(fixture(t, "error_401.json"))
			return
		}
		status, body := a.respond(r)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return a, srv
}

func static(status int, body []byte) func(*http.Request) (int, []byte) {
	return func(*http.Request) (int, []byte) { return status, body }
}

// fromPage serves a captured listing the way the broker does: the listing
// for /api/queues/VHOST, and one item of it (same columns, same shape) for
// /api/queues/VHOST/NAME, or the broker's 404 when the page lacks it.
func fromPage(t *testing.T, name string) func(*http.Request) (int, []byte) {
	return fromPages(t, name)
}

// fromPages is fromPage for a listing captured in several pages (served by
// the page parameter), and it answers the two unpaged requests of a large
// selection the way RabbitMQ 3.10 does:
//   - GET /api/queues/VHOST?disable_stats=true&enable_queue_totals=true:
//     a JSON array of every item, with only the basic fields and the three
//     message totals (no consumers, no message_stats), shaped like
//     testdata/queues_totals.json;
//   - GET /api/consumers/VHOST?columns=queue.name: one {"queue":{"name"}}
//     per consumer, shaped like testdata/consumers_columns.json;
//   - GET /api/queues/VHOST without paging: a JSON array of every item.
func fromPages(t *testing.T, names ...string) func(*http.Request) (int, []byte) {
	var pages [][]byte
	var items []map[string]json.RawMessage
	for _, name := range names {
		page := fixture(t, name)
		var p struct {
			Items []map[string]json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(page, &p); err != nil {
			t.Fatal(err)
		}
		pages = append(pages, page)
		items = append(items, p.Items...)
	}
	marshal := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return func(r *http.Request) (int, []byte) {
		q := r.URL.Query()
		if strings.HasPrefix(r.URL.EscapedPath(), "/api/consumers/") {
			if q.Get("columns") != "queue.name" {
				return 400, []byte(`{"error":"test","reason":"consumer listing without columns=queue.name"}`)
			}
			out := []map[string]map[string]json.RawMessage{}
			for _, it := range items {
				var n int
				_ = json.Unmarshal(it["consumers"], &n)
				for k := 0; k < n; k++ {
					out = append(out, map[string]map[string]json.RawMessage{"queue": {"name": it["name"]}})
				}
			}
			return 200, marshal(out)
		}
		parts := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/api/queues/"), "/")
		if len(parts) == 1 {
			switch {
			case q.Get("disable_stats") == "true":
				out := []map[string]json.RawMessage{}
				for _, it := range items {
					m := map[string]json.RawMessage{}
					for _, k := range []string{"name", "state", "messages", "messages_ready", "messages_unacknowledged"} {
						v, ok := it[k]
						if ok && (k == "name" || k == "state" || q.Get("enable_queue_totals") == "true") {
							m[k] = v
						}
					}
					out = append(out, m)
				}
				return 200, marshal(out)
			case q.Get("page") == "":
				return 200, marshal(items)
			}
			n, err := strconv.Atoi(q.Get("page"))
			if err != nil || n < 1 || n > len(pages) {
				return 400, []byte(`{"error":"bad_request","reason":"bad page"}`)
			}
			return 200, pages[n-1]
		}
		want, _ := url.PathUnescape(parts[1])
		for _, it := range items {
			var n string
			_ = json.Unmarshal(it["name"], &n)
			if n == want {
				return 200, marshal(it)
			}
		}
		return 404, fixture(t, "error_404_vhost.json")
	}
}

func run(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := runner.Execute("check_rabbitmq_queues", args, &out, &errOut)
	return out.String(), code
}

func withEnvCreds(t *testing.T) {
	t.Setenv(EnvUsername, testUser)
	t.Setenv(EnvPassword, testPass)
}

// TestGolden runs the real plugin on captured API answers, one case per
// state, and compares the whole output.
func TestGolden(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		args     []string
		wantCode int
	}{
		{"ok", "queues_page.json", []string{"--queue", "compute.n3", "-w", "100", "-c", "1000"}, 0},
		{"warning_depth", "queues_page.json", []string{"--queue-regex", `^compute\.n[23]$`, "-w", "10", "-c", "100"}, 1},
		{"warning_growth", "queues_page.json", []string{"--queue", "compute.n4", "--min-consumers", "0", "-c", "1000", "-v"}, 1},
		{"warning_growth_listing", "queues_page.json", []string{"--queue-regex", `n4$`, "--min-consumers", "0", "-c", "1000", "-v"}, 1},
		{"critical_mixed", "queues_page.json", []string{"--queue-regex", `^compute\.`, "--host", "n9", "-w", "5", "-c", "400", "--warning-unacked", "4", "--max-perfdata", "2"}, 2},
		{"critical_no_consumer", "queues_page.json", []string{"--host", "n1"}, 2},
		{"unknown_no_stats_yet", "queues_no_stats_yet.json", []string{"--host", "n1"}, 3},
		{"ok_idle_verbose", "queues_idle_no_message_stats.json", []string{"--queue", "fresh.q", "--min-consumers", "0", "-v"}, 0},
		{"unknown_no_match", "queues_empty.json", []string{"--host", "n1"}, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			withEnvCreds(t)
			_, srv := newAPI(t, fromPage(t, tc.body))
			out, code := run(t, append([]string{"--url", srv.URL, "--vhost", "nova"}, tc.args...)...)
			out = strings.ReplaceAll(out, srv.URL, "http://SERVER")
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d\n%s", code, tc.wantCode, out)
			}
			golden.Text(t, tc.name, out)
		})
	}
}

// TestServerSideFilter asserts the one request the check sends: paged,
// column-filtered, with one anchored, quoted regex for exact names.
func TestServerSideFilter(t *testing.T) {
	withEnvCreds(t)
	a, srv := newAPI(t, fromPage(t, "queues_page.json"))
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte("# cell c1\nn1\n n7 \n\nn1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := run(t, "--url", srv.URL, "--vhost", "nova", "--queue", "a.b(c)", "--host", "n3", "--expected-hosts-file", hosts, "--queue-regex", "^sched")
	if code == 3 {
		t.Fatalf("unexpected UNKNOWN:\n%s", out)
	}
	if len(a.queries) != 1 {
		t.Fatalf("%d requests, want 1", len(a.queries))
	}
	q := a.queries[0]
	for k, want := range map[string]string{
		"page":      "1",
		"page_size": "500",
		"use_regex": "true",
		"name":      `^(?:a\.b\(c\)|compute\.n3|compute\.n1|compute\.n7)$|(?:^sched)`,
		"columns":   columns,
	} {
		if got := q.Get(k); got != want {
			t.Errorf("query %s = %q, want %q", k, got, want)
		}
	}
	if a.paths[0] != "/api/queues/nova" {
		t.Errorf("path %q, want /api/queues/nova", a.paths[0])
	}
	// The expected host n7 and the queue a.b(c) are not in the fixture.
	for _, want := range []string{"[CRITICAL] compute.n7: queue missing", "[CRITICAL] a.b(c): queue missing"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestDefaultVhostIsEscaped(t *testing.T) {
	withEnvCreds(t)
	a, srv := newAPI(t, fromPage(t, "queues_page.json"))
	out, _ := run(t, "--url", srv.URL, "--growth-floor", "-1")
	paths := append([]string(nil), a.paths...)
	sort.Strings(paths)
	if len(paths) != 3 || paths[0] != "/api/consumers/%2F" || paths[1] != "/api/queues/%2F" || paths[2] != "/api/queues/%2F" {
		t.Fatalf("paths %q, want /api/queues/%%2F twice (records and totals) and /api/consumers/%%2F\n%s", a.paths, out)
	}
	for _, q := range a.queries {
		if q.Has("name") {
			t.Errorf("no selection must not send a name filter, got %q", q.Get("name"))
		}
	}
}

// TestWholeVhost: every queue of the vhost is one unpaged listing without
// statistics plus the consumer listing, concurrently; rates are read for
// the queues above the growth floor only (here compute.n4, 453 messages,
// with one direct lookup).
func TestWholeVhost(t *testing.T) {
	withEnvCreds(t)
	a, srv := newAPI(t, fromPage(t, "queues_page.json"))
	out, code := run(t, "--url", srv.URL, "--vhost", "nova", "-c", "1000", "-v")
	if code != 2 {
		t.Errorf("exit %d, want 2 (compute.n1 and scheduler without consumer)\n%s", code, out)
	}
	if len(a.paths) != 4 || a.paths[3] != "/api/queues/nova/compute.n4" {
		t.Fatalf("requests %q, want the records, the totals, the consumers, then compute.n4\n%s", a.paths, out)
	}
	for i, q := range a.queries[:3] {
		switch a.paths[i] {
		case "/api/queues/nova":
			totals := q.Get("enable_queue_totals") == "true" && q.Get("columns") == "name,state,messages,messages_ready,messages_unacknowledged"
			records := !q.Has("enable_queue_totals") && q.Get("columns") == "name,type,state,leader,members,online"
			if q.Get("disable_stats") != "true" || q.Has("page") || q.Has("name") || (!totals && !records) {
				t.Errorf("queue listing query %v", q)
			}
		case "/api/consumers/nova":
			if q.Get("columns") != "queue.name" {
				t.Errorf("consumer listing query %v", q)
			}
		default:
			t.Errorf("unexpected request %s", a.paths[i])
		}
	}
	if q := a.queries[3]; q.Get("columns") != columns || q.Get("msg_rates_age") != "60" {
		t.Errorf("rate lookup query %v", q)
	}
	for _, want := range []string{
		"[CRITICAL] compute.n4: 0 consumers, fewer than 1 (nobody is consuming: is the service, e.g. nova-compute, running and connected?); growing backlog: publish 2.6/s > drain 0.0/s over 60s",
		"compute.n2: messages=20 ready=15 unacked=5 consumers=1 rates=not read (not needed for growth)",
		"[CRITICAL] scheduler: 0 consumers",
		"API: 4 HTTP requests, unpaged listings of all 6 queues in vhost nova (queue records, queue totals without statistics, consumers), concurrently; rates read for the 1 queue above the growth floor; 6 matched name filter (none: every queue)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestLargeSelection: a name filter matching more than one page (and at
// most maxPagedPages) is read page by page, the pages after the first
// concurrently; the rates come with the pages.
func TestLargeSelection(t *testing.T) {
	withEnvCreds(t)
	a, srv := newAPI(t, fromPages(t, "queues_paged_1of2.json", "queues_paged_2of2.json"))
	out, code := run(t, "--url", srv.URL, "--vhost", "nova", "--page-size", "2", "--queue-regex", `^compute\.`, "--min-consumers", "0", "-c", "1000", "-v")
	if len(a.queries) != 2 {
		t.Fatalf("%d requests, want 2 (%q)\n%s", len(a.queries), a.paths, out)
	}
	if q := a.queries[0]; q.Get("page") != "1" || q.Get("page_size") != "2" || q.Get("name") != `(?:^compute\.)` {
		t.Errorf("first request %v", q)
	}
	if q := a.queries[1]; q.Get("page") != "2" || q.Get("name") != `(?:^compute\.)` {
		t.Errorf("second request %v", q)
	}
	if code != 1 {
		t.Errorf("exit %d, want 1 (compute.n4 growing)\n%s", code, out)
	}
	for _, want := range []string{"4 queues", "compute.n1:", "compute.n2:", "compute.n3:", "growing backlog: publish", "API: 2 HTTP requests, 2 name-filtered pages of up to 2"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestPagedFallsBackToTotals: the unpaged listings take over when the
// filter spans more than maxPagedPages pages, and when the matching queues
// changed between the pages (filtered_count differs: a page may have
// skipped a queue); the result is the same as with pages.
func TestPagedFallsBackToTotals(t *testing.T) {
	withEnvCreds(t)
	pages := fromPages(t, "queues_paged_1of2.json", "queues_paged_2of2.json")
	edit := func(body []byte, key string, v int) []byte {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		m[key] = json.RawMessage(strconv.Itoa(v))
		b, _ := json.Marshal(m)
		return b
	}
	cases := []struct {
		name string
		page func(n int, body []byte) []byte
	}{
		{"more pages than maxPagedPages", func(n int, body []byte) []byte { return edit(body, "page_count", maxPagedPages+1) }},
		{"filtered_count changed between pages", func(n int, body []byte) []byte {
			if n == 2 {
				return edit(body, "filtered_count", 5)
			}
			return body
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, srv := newAPI(t, func(r *http.Request) (int, []byte) {
				code, body := pages(r)
				if n, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && code == 200 {
					body = c.page(n, body)
				}
				return code, body
			})
			out, code := run(t, "--url", srv.URL, "--vhost", "nova", "--page-size", "2", "--queue-regex", `^compute\.`, "--min-consumers", "0", "-c", "1000", "-v")
			if code != 1 || !strings.Contains(out, "4 queues") || !strings.Contains(out, "unpaged listings of all 4 queues") {
				t.Errorf("exit %d, want 1 from the unpaged listings (%q)\n%s", code, a.paths, out)
			}
		})
	}
}

// TestExpectedHostsCover: an expected-hosts file too large for two name
// regexes is read through one regex covering its names (their common
// prefix and suffix), the pages its names fill at once; queues the cover
// matches beyond the selection are not judged.
func TestExpectedHostsCover(t *testing.T) {
	withEnvCreds(t)
	var hosts []string
	for i := range 300 {
		hosts = append(hosts, fmt.Sprintf("cmp-%04d.cell1.example.net", i))
	}
	file := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(file, []byte(strings.Join(hosts, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The broker holds the 300 queues and one more the cover matches.
	var items []map[string]any
	for _, h := range append(slices.Clone(hosts), "cmp-0spare.cell1.example.net") {
		items = append(items, map[string]any{"name": "compute." + h, "state": "running", "messages": 3, "messages_ready": 3, "messages_unacknowledged": 0, "consumers": 1})
	}
	a, srv := newAPI(t, func(r *http.Request) (int, []byte) {
		q := r.URL.Query()
		n, _ := strconv.Atoi(q.Get("page"))
		size, _ := strconv.Atoi(q.Get("page_size"))
		if n < 1 || q.Get("use_regex") != "true" {
			return 400, []byte(`{"error":"test","reason":"only paged, filtered listings expected"}`)
		}
		rx := regexp.MustCompile(q.Get("name"))
		var match []map[string]any
		for _, it := range items {
			if rx.MatchString(it["name"].(string)) {
				match = append(match, it)
			}
		}
		lo, hi := min((n-1)*size, len(match)), min(n*size, len(match))
		b, _ := json.Marshal(map[string]any{"page": n, "page_size": size, "page_count": (len(match) + size - 1) / size,
			"filtered_count": len(match), "total_count": len(items) + 50, "item_count": hi - lo, "items": match[lo:hi]})
		return 200, b
	})
	out, code := run(t, "--url", srv.URL, "--vhost", "nova", "--page-size", "100", "--expected-hosts-file", file, "-v")
	if code != 0 || !strings.Contains(out, "300 queues OK") {
		t.Fatalf("exit %d (%q)\n%s", code, a.paths, out)
	}
	if strings.Contains(out, "cmp-0spare") {
		t.Errorf("a queue outside the selection was judged:\n%s", out)
	}
	want := `^compute\.cmp-0.*\.cell1\.example\.net$`
	if len(a.queries) != 4 {
		t.Errorf("%d requests, want 4 (3 pages the names fill, then the 4th the spare queue spills into)", len(a.queries))
	}
	for _, q := range a.queries {
		if q.Get("name") != want {
			t.Errorf("name filter %q, want the cover %q", q.Get("name"), want)
		}
	}
}

// TestCover: the covering regex of a selection of exact names.
func TestCover(t *testing.T) {
	for _, c := range []struct {
		names []string
		user  string
		want  string
	}{
		{[]string{"compute.a.example.net", "compute.b.example.net"}, "", `^compute\..*\.example\.net$`},
		{[]string{"compute.aa", "compute.a"}, "", `^compute\.a.*$`},
		{[]string{"abc", "abcabc"}, "", `^abc.*$`},
		{[]string{"x.q", "y.q"}, "", `^.*\.q$`},
		{[]string{"a", "b"}, "", ""},
		{[]string{"compute.one"}, "", ""},
		{[]string{"compute.a", "compute.b"}, "^compute", ""},
	} {
		sel := selection{exact: c.names}
		if c.user != "" {
			sel.user = regexp.MustCompile(c.user)
		}
		got := sel.cover()
		if got != c.want {
			t.Errorf("cover(%q) = %q, want %q", c.names, got, c.want)
		}
		if got != "" {
			for _, n := range c.names {
				if !regexp.MustCompile(got).MatchString(n) {
					t.Errorf("cover %q misses %q", got, n)
				}
			}
		}
	}
}

// TestFailures: every failure of the check itself is UNKNOWN with an
// actionable line; nothing crashes.
func TestFailures(t *testing.T) {
	page := fixture(t, "queues_page.json")
	tests := []struct {
		name   string
		status int
		body   []byte
		user   string
		want   []string
		single bool // also true for a one-queue selection (GET /api/queues/VHOST/NAME)
	}{
		{"truncated", 200, page[:len(page)/2], testUser, []string{"truncated answer", "retry"}, true},
		{"truncated_at_start", 200, page[:1], testUser, []string{"truncated answer"}, true},
		{"empty_body", 200, nil, testUser, []string{"truncated answer", "0 bytes"}, true},
		{"html", 200, []byte("<html><body>Welcome to nginx</body></html>"), testUser, []string{"not the management API's JSON", "--url"}, true},
		{"trailing_garbage", 200, append(append([]byte{}, page...), []byte("}garbage")...), testUser, []string{"malformed JSON"}, false},
		{"wrong_type", 200, []byte(`{"items":[{"name":"q","messages":"many"}],"page_count":1}`), testUser, []string{"not the management API's JSON"}, false},
		{"negative", 200, []byte(`{"items":[{"name":"q","messages":-1}],"page_count":1}`), testUser, []string{"negative counters"}, false},
		{"nameless", 200, []byte(`{"items":[{"messages":1}],"page_count":1}`), testUser, []string{"has no name"}, false},
		{"absurd_pages", 200, []byte(`{"items":[],"page_count":99999}`), testUser, []string{"implausible paging"}, false},
		{"unauthorized", 0, nil, "someone-else", []string{"HTTP 401", `user "someone-else"`, "environment variables RABBITMQ_USERNAME/RABBITMQ_PASSWORD"}, true},
		{"forbidden", 403, []byte(`{"error":"not_authorised","reason":"Access refused."}`), testUser, []string{"HTTP 403", "set_permissions -p nova"}, true},
		{"vhost_missing", 404, fixture(t, "error_404_vhost.json"), testUser, []string{`vhost "nova" does not exist`, "HTTP 404", "--vhost"}, true},
		{"server_error", 500, []byte(`{"error":"internal","reason":"boom"}`), testUser, []string{"HTTP 500", "internal boom"}, true},
		{"server_error_html", 502, []byte(`<html>Bad Gateway</html>`), testUser, []string{"HTTP 502"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvUsername, tc.user)
			t.Setenv(EnvPassword, testPass)
			_, srv := newAPI(t, static(tc.status, tc.body))
			selections := [][]string{{"--queue-regex", "."}}
			if tc.single {
				// Also the direct lookup, and the unpaged listings of
				// the whole vhost (no selection).
				selections = append(selections, []string{"--host", "n1"}, nil)
			}
			for _, sel := range selections {
				out, code := run(t, append([]string{"--url", srv.URL, "--vhost", "nova"}, sel...)...)
				if code != 3 {
					t.Errorf("%v: exit %d, want 3\n%s", sel, code, out)
				}
				if !strings.HasPrefix(out, "RABBITMQ_QUEUES UNKNOWN - ") || strings.Count(strings.TrimSpace(out), "\n") != 0 {
					t.Errorf("%v: want one UNKNOWN line, got:\n%s", sel, out)
				}
				for _, w := range tc.want {
					if !strings.Contains(out, w) {
						t.Errorf("%v: output lacks %q:\n%s", sel, w, out)
					}
				}
			}
		})
	}
}

// TestSingleQueue: a one-queue selection is one direct lookup; a missing
// queue costs a second request that tells it from a missing vhost.
func TestSingleQueue(t *testing.T) {
	withEnvCreds(t)
	a, srv := newAPI(t, fromPage(t, "queues_page.json"))
	out, code := run(t, "--url", srv.URL, "--vhost", "nova", "--host", "n2", "-v")
	if code != 0 || len(a.paths) != 1 || a.paths[0] != "/api/queues/nova/compute.n2" || a.queries[0].Get("columns") != columns {
		t.Fatalf("exit %d, requests %q %v:\n%s", code, a.paths, a.queries, out)
	}
	if !strings.Contains(out, "API: 1 HTTP request, direct lookup of queue compute.n2 in vhost nova") {
		t.Errorf("verbose line missing:\n%s", out)
	}

	a, srv = newAPI(t, fromPage(t, "queues_page.json"))
	out, code = run(t, "--url", srv.URL, "--vhost", "nova", "--queue", "no/such queue")
	if code != 3 || !strings.Contains(out, "no queue in vhost \"nova\" (6 queues) matched") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if len(a.paths) != 2 || a.paths[0] != "/api/queues/nova/no%2Fsuch%20queue" || a.paths[1] != "/api/queues/nova" {
		t.Errorf("requests %q", a.paths)
	}
}

func TestConnectionRefused(t *testing.T) {
	withEnvCreds(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	out, code := run(t, "--url", "http://"+addr, "--host", "n1")
	if code != 3 || !strings.Contains(out, "connection refused") || !strings.Contains(out, "is rabbitmq-server running") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// hangingServer accepts connections on a loopback port and never answers,
// holding them until the test ends; it returns the server's http:// URL.
func hangingServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

// TestHangingServer: a server that accepts and never answers ends in
// UNKNOWN naming the timeout and the stage.
func TestHangingServer(t *testing.T) {
	withEnvCreds(t)
	target := hangingServer(t)
	out, code := run(t, "--url", target, "--vhost", "nova", "--host", "n1", "-t", "0.5")
	if code != 3 {
		t.Errorf("exit %d, want 3\n%s", code, out)
	}
	for _, want := range []string{"timed out after 0.5s", `while querying queue "compute.n1" in vhost "nova"`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCredentials(t *testing.T) {
	_, srv := newAPI(t, fromPage(t, "queues_page.json"))
	dir := t.TempDir()
	write := func(name, body string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yaml", "username: "+testUser+"\npassword: "+testPass+"\n", 0o600)
	open := write("open.yaml", "username: "+testUser+"\npassword: "+testPass+"\n", 0o644)
	wrong := write("wrong.yaml", "username: "+testUser+"\npassword: nope\n", 0o400)
	partial := write("partial.yaml", "username: "+testUser+"\n", 0o600)
	typo := write("typo.yaml", "user: "+testUser+"\npassword: x\n", 0o600)
	tests := []struct {
		name     string
		args     []string
		env      bool
		wantCode int
		want     string
	}{
		{"file", []string{"--credentials-file", good}, false, 2, "compute.n1"},
		{"file_wins_over_env", []string{"--credentials-file", good}, true, 2, "compute.n1"},
		{"group_readable", []string{"--credentials-file", open}, false, 3, "chmod 600"},
		{"wrong_password", []string{"--credentials-file", wrong}, false, 3, "HTTP 401 \"Login failed\") from credentials file " + wrong},
		{"partial", []string{"--credentials-file", partial}, false, 3, "needs both `username` and `password`"},
		{"typo", []string{"--credentials-file", typo}, false, 3, "credentials file " + typo},
		{"missing_file", []string{"--credentials-file", filepath.Join(dir, "nope")}, false, 3, "no such file"},
		{"env", nil, true, 2, "compute.n1"},
		{"none", nil, false, 3, "no RabbitMQ credentials"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env {
				withEnvCreds(t)
				if tc.name == "file_wins_over_env" {
					t.Setenv(EnvPassword, "not-this-one")
				}
			} else {
				t.Setenv(EnvUsername, "")
				t.Setenv(EnvPassword, "")
			}
			out, code := run(t, append([]string{"--url", srv.URL, "--vhost", "nova", "--host", "n1"}, tc.args...)...)
			if code != tc.wantCode || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d (want %d), want %q in:\n%s", code, tc.wantCode, tc.want, out)
			}
		})
	}
}

func TestBadArguments(t *testing.T) {
	withEnvCreds(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad_range", []string{"-w", "2:1"}, "invalid range"},
		{"bad_ready_range", []string{"--critical-ready", "foo"}, "critical-ready"},
		{"url_with_password", []string{"--url", "http://u:p@127.0.0.1:15672"}, "must not carry credentials"},
		{"url_scheme", []string{"--url", "amqp://127.0.0.1:5672"}, "not an http:// or https:// URL"},
		{"bad_regex", []string{"--queue-regex", "("}, "--queue-regex"},
		{"page_size", []string{"--page-size", "501"}, "between 1 and 500"},
		{"min_consumers", []string{"--min-consumers", "-1"}, "--min-consumers"},
		{"insecure_and_ca", []string{"--insecure", "--ca-file", "/x"}, "contradict"},
		{"unknown_flag", []string{"--password", "x"}, "bad arguments"},
		{"missing_ca", []string{"--url", "https://127.0.0.1:1", "--ca-file", "/nonexistent.pem"}, "--ca-file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, code := run(t, tc.args...)
			if code != 3 || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d, want 3 and %q:\n%s", code, tc.want, out)
			}
		})
	}
}

func TestPerfdataBound(t *testing.T) {
	withEnvCreds(t)
	_, srv := newAPI(t, fromPage(t, "queues_page.json"))
	for _, tc := range []struct {
		max        string
		wantQueues int
	}{{"0", 0}, {"1", 1}, {"3", 3}, {"-1", 6}} {
		out, _ := run(t, "--url", srv.URL, "--vhost", "nova", "--max-perfdata", tc.max, "-c", "100")
		line := strings.SplitN(out, "\n", 2)[0]
		if got := strings.Count(line, " messages'="); got != tc.wantQueues {
			t.Errorf("--max-perfdata %s: %d queues in perfdata, want %d:\n%s", tc.max, got, tc.wantQueues, line)
		}
		if !strings.Contains(line, "'queues'=6;;;0") {
			t.Errorf("totals missing:\n%s", line)
		}
	}
	// The worst queue comes first: compute.n4 (454 > 100) is CRITICAL.
	out, _ := run(t, "--url", srv.URL, "--vhost", "nova", "--max-perfdata", "1", "-c", "100")
	if !strings.Contains(out, "'compute.n4 messages'=453;;100;0") {
		t.Errorf("want compute.n4 as the only perfdata queue:\n%s", out)
	}
}

// memTransport answers every request with one canned body (consumers for
// the consumer listing), for the fuzz target: the real rabbit-hole
// decoding path without a network.
type memTransport struct{ body, consumers []byte }

func (m memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	body := m.body
	if strings.HasPrefix(r.URL.Path, "/api/consumers/") {
		body = m.consumers
	}
	return &http.Response{StatusCode: 200, Body: io.NopCloser(bytes.NewReader(body)), Request: r, Header: http.Header{}}, nil
}

// FuzzDecode feeds arbitrary bodies through rabbit-hole's decoding and the
// check's validation: the result is an error or sane queues, never a panic.
// mode 0 is the paged listing, 1 the direct lookup of one queue, 2 the
// unpaged listing without statistics with the consumer listing.
func FuzzDecode(f *testing.F) {
	totals, consumers := fixture(f, "queues_totals.json"), fixture(f, "consumers_columns.json")
	for _, name := range []string{"queues_page.json", "queues_paged_1of2.json", "queues_paged_2of2.json", "queues_no_stats_yet.json", "queues_empty.json", "queues_idle_no_message_stats.json", "error_404_vhost.json"} {
		f.Add(fixture(f, name), consumers, uint8(0))
	}
	f.Add(fixture(f, "queue_single.json"), consumers, uint8(1))
	f.Add(totals, consumers, uint8(2))
	f.Add([]byte(`[]`), []byte(`[]`), uint8(2))
	f.Add(totals, []byte(`[{"queue":{}}]`), uint8(2))
	f.Add([]byte(`[{"name":"q","messages":null}]`), []byte(`[{"queue":{"name":"q"}},{"queue":{"name":"x"}}]`), uint8(2))
	f.Add([]byte(`{"items":[{"name":"q","messages":1e400}]}`), consumers, uint8(0))
	f.Add([]byte(`{"items":null,"page_count":-1}`), consumers, uint8(0))
	f.Add([]byte(`{"consumers":1,"messages":3,"messages_ready":2,"messages_unacknowledged":1,"name":"q","state":"running"}`), consumers, uint8(1))
	f.Add([]byte(`{"name":"q"}`), consumers, uint8(1))
	f.Add([]byte(`null`), consumers, uint8(1))
	f.Fuzz(func(t *testing.T, body, cbody []byte, mode uint8) {
		ctx := context.Background()
		tr := &transport{ctx: ctx, base: memTransport{body: body, consumers: cbody}}
		client, err := rabbithole.NewTLSClient("http://fuzz", "u", "p", tr)
		if err != nil {
			t.Fatal(err)
		}
		ctr := &transport{ctx: ctx, base: memTransport{body: body, consumers: cbody}}
		cclient, err := rabbithole.NewTLSClient("http://fuzz", "u", "p", ctr)
		if err != nil {
			t.Fatal(err)
		}
		btr := &transport{ctx: ctx, base: memTransport{body: body, consumers: cbody}}
		bclient, err := rabbithole.NewTLSClient("http://fuzz", "u", "p", btr)
		if err != nil {
			t.Fatal(err)
		}
		fe := &fetcher{client: client, tr: tr, cclient: cclient, ctr: ctr, bclient: bclient, btr: btr, endpoint: "http://fuzz", vhost: "nova", pageSize: 500,
			regex: ".", chunks: []string{"."}, wants: func(string) bool { return true }, floor: 100, source: "test", user: "u"}
		switch mode % 3 {
		case 1:
			fe.single = "q"
		case 2:
			fe.regex, fe.chunks = "", nil
		}
		lst, err := fe.fetch(ctx)
		if err != nil {
			return
		}
		if lst.Requests > 6 {
			t.Fatalf("%d requests", lst.Requests)
		}
		for _, q := range lst.Queues {
			if q.Name == "" || q.Messages < 0 || q.Ready < 0 || q.Unacked < 0 || q.Consumer < 0 {
				t.Fatalf("insane queue accepted: %+v", q)
			}
		}
		c := New()
		if _, err := c.evaluate(ctx, selection{all: true}, lst, ""); err != nil && !strings.Contains(err.Error(), "no queue") {
			t.Fatalf("evaluate: %v", err)
		}
	})
}

// TestCapturedTotals runs the whole-vhost path on the listings captured
// from the broker: consumer counts come from the consumer listing.
func TestCapturedTotals(t *testing.T) {
	withEnvCreds(t)
	for _, tc := range []struct {
		name, consumers string
		code            int
		want            []string
	}{
		{"ok", "consumers_columns.json", 2, []string{
			"2 of 4 queues alerting (2 short of consumers); worst compute.n1=5",
			"[OK] compute.n3: messages=0 ready=0 unacked=0 consumers=2 rates=not read (not needed for growth)",
			"[OK] compute.n2: messages=3 ready=2 unacked=1 consumers=1 rates=not read (not needed for growth)",
			"API: 3 HTTP requests, unpaged listings of all 4 queues in vhost nova (queue records, queue totals without statistics, consumers), concurrently; no rates needed (no queue above the growth floor)",
		}},
		{"nameless_consumer", "", 3, []string{"UNKNOWN - unreadable answer", "consumer #1 names no queue"}},
		{"truncated_consumers", "", 3, []string{"UNKNOWN - truncated answer"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cons := []byte(`[{"queue":{}}]`)
			switch {
			case tc.consumers != "":
				cons = fixture(t, tc.consumers)
			case tc.name == "truncated_consumers":
				cons = fixture(t, "consumers_columns.json")[:10]
			}
			_, srv := newAPI(t, func(r *http.Request) (int, []byte) {
				if strings.HasPrefix(r.URL.Path, "/api/consumers/") {
					return 200, cons
				}
				return 200, fixture(t, "queues_totals.json")
			})
			out, code := run(t, "--url", srv.URL, "--vhost", "nova", "-v")
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestEmptyVhost(t *testing.T) {
	withEnvCreds(t)
	_, srv := newAPI(t, fromPage(t, "queues_empty.json"))
	out, code := run(t, "--url", srv.URL, "--vhost", "nova")
	if code != 3 || !strings.Contains(out, `UNKNOWN - vhost "nova" has no queues: check --vhost`) {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// TestTLS: certificates are verified by default; --ca-file trusts a private
// CA; --insecure skips verification only when asked.
func TestTLS(t *testing.T) {
	withEnvCreds(t)
	page := fixture(t, "queues_page.json")
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != testUser || p != testPass {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write(page)
	}))
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"--url", srv.URL, "--vhost", "nova", "--queue-regex", "n3$"}
	out, code := run(t, base...)
	if code != 3 || !strings.Contains(out, "is not trusted") || !strings.Contains(out, "--ca-file") {
		t.Errorf("default: exit %d:\n%s", code, out)
	}
	out, code = run(t, append(base, "--ca-file", ca)...)
	if code != 0 {
		t.Errorf("--ca-file: exit %d:\n%s", code, out)
	}
	out, code = run(t, append(base, "--insecure")...)
	if code != 0 {
		t.Errorf("--insecure: exit %d:\n%s", code, out)
	}
	notPEM := filepath.Join(t.TempDir(), "x.pem")
	_ = os.WriteFile(notPEM, []byte("hello"), 0o644)
	out, code = run(t, append(base, "--ca-file", notPEM)...)
	if code != 3 || !strings.Contains(out, "holds no PEM certificate") {
		t.Errorf("bad --ca-file: exit %d:\n%s", code, out)
	}
}
