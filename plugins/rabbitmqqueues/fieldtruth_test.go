package rabbitmqqueues

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// capturedBroker serves the answers captured from one real RabbitMQ 3.10.8
// setup (testdata/PREFIX_*.json, see testdata/README.md) for every request
// the check sends: the queue records, the queue totals, the consumers, a
// paged name-filtered listing (filtered here with the same regex), a
// direct lookup and the overview.
func capturedBroker(t *testing.T, prefix string) func(*http.Request) (int, []byte) {
	page := fixture(t, prefix+"_page.json")
	var p struct {
		Items []map[string]json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(page, &p); err != nil {
		t.Fatal(err)
	}
	load := func(name string) (int, []byte) {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			return 200, []byte(`{"disable_stats":false,"enable_queue_totals":false}`)
		}
		if e, ok := parseAPIError(data); ok && e.Error == "bad_request" {
			return 400, data
		}
		return 200, data
	}
	return func(r *http.Request) (int, []byte) {
		q := r.URL.Query()
		path := r.URL.Path
		switch {
		case path == "/api/overview":
			return load(prefix + "_overview.json")
		case strings.HasPrefix(path, "/api/consumers/"):
			if _, err := os.Stat(filepath.Join("testdata", prefix+"_consumers.json")); err == nil {
				return load(prefix + "_consumers.json")
			}
			return load(prefix + "_consumers_400.json")
		case strings.Count(path, "/") == 4: // /api/queues/VHOST/NAME
			if _, err := os.Stat(filepath.Join("testdata", prefix+"_single_404.json")); err == nil {
				return 404, fixture(t, prefix+"_single_404.json")
			}
			name := path[strings.LastIndex(path, "/")+1:]
			single := fixture(t, prefix+"_single.json")
			var s struct{ Name string }
			_ = json.Unmarshal(single, &s)
			if s.Name == name {
				return 200, single
			}
			for _, it := range p.Items {
				var n string
				_ = json.Unmarshal(it["name"], &n)
				if n == name {
					b, _ := json.Marshal(it)
					return 200, b
				}
			}
			return 404, fixture(t, "error_404_vhost.json")
		case q.Get("enable_queue_totals") == "true":
			return load(prefix + "_totals.json")
		case q.Get("disable_stats") == "true":
			return load(prefix + "_basic.json")
		case q.Has("page"):
			re := regexp.MustCompile(q.Get("name"))
			out := map[string]any{"page": 1, "page_count": 1, "page_size": 500, "total_count": len(p.Items)}
			var items []map[string]json.RawMessage
			for _, it := range p.Items {
				var n string
				_ = json.Unmarshal(it["name"], &n)
				if re.MatchString(n) {
					items = append(items, it)
				}
			}
			out["items"], out["item_count"], out["filtered_count"] = items, len(items), len(items)
			b, _ := json.Marshal(out)
			return 200, b
		}
		return 400, []byte(`{"error":"test","reason":"unexpected request"}`)
	}
}

// selectionModes are the ways an operator selects the same queue; every
// one must give the same state for the same broker.
func selectionModes(t *testing.T, host string) map[string][]string {
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte(host+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return map[string][]string{
		"host":           {"--host", host},
		"queue":          {"--queue", "compute." + host},
		"regex":          {"--queue-regex", `^compute\.` + regexp.QuoteMeta(host) + `$`},
		"regex_page1":    {"--queue-regex", `^compute\.`, "--page-size", "1"},
		"regex_onepage":  {"--queue-regex", `^compute\.`},
		"expected_hosts": {"--expected-hosts-file", hosts},
		"whole_vhost":    {},
	}
}

// TestFieldTruthEveryMode runs every selection mode against the answers of
// one captured broker and asserts the same state and the same cause:
// a quorum queue without leader (2-node cluster, one node stopped) is
// CRITICAL, never gone from the count nor "just declared"; so is a durable
// classic queue whose node is stopped (state down; the direct lookup
// answers 404 for it, the listings list it); a broker with
// statistics disabled is UNKNOWN naming the setting, never "0 consumers".
func TestFieldTruthEveryMode(t *testing.T) {
	withEnvCreds(t)
	for _, tc := range []struct {
		prefix, host string
		args         []string
		code         int
		want         string
		never        []string
	}{
		{"leaderless", "h2", []string{"--min-consumers", "0"}, 2, "compute.h2: quorum queue without leader: 1 of 2 members online (rmqcase-x@localhost)",
			[]string{"just declared", "queue OK in vhost"}},
		{"down", "h4", []string{"--min-consumers", "0"}, 2, "compute.h4: queue state down: it cannot deliver",
			[]string{"just declared", "queue OK in vhost", "not answering"}},
		{"ds", "h1", nil, 3, "has management statistics disabled (management.disable_stats = true with management.enable_queue_totals = true)",
			[]string{"consumers=0", "short of consumers", "just declared"}},
		{"mc", "h1", nil, 3, "has management statistics disabled (management.disable_stats = true",
			[]string{"consumers=0", "short of consumers", "just declared"}},
	} {
		for mode, sel := range selectionModes(t, tc.host) {
			t.Run(tc.prefix+"/"+mode, func(t *testing.T) {
				_, srv := newAPI(t, capturedBroker(t, tc.prefix))
				args := append([]string{"--url", srv.URL, "--vhost", "nova", "-v"}, append(sel, tc.args...)...)
				out, code := run(t, args...)
				if code != tc.code || !strings.Contains(out, tc.want) {
					t.Errorf("exit %d (want %d), want %q in:\n%s", code, tc.code, tc.want, out)
				}
				for _, n := range tc.never {
					if strings.Contains(out, n) {
						t.Errorf("output says %q:\n%s", n, out)
					}
				}
			})
		}
	}
}

// TestStreamJudgedByWhatApplies: a stream queue (captured fanout.s1) has
// no depth in the totals listing; it is judged by state and consumers,
// never UNKNOWN for the missing depth.
func TestStreamJudgedByWhatApplies(t *testing.T) {
	withEnvCreds(t)
	_, srv := newAPI(t, capturedBroker(t, "leaderless"))
	out, _ := run(t, "--url", srv.URL, "--vhost", "cell2", "--min-consumers", "0", "-v")
	if !strings.Contains(out, "[OK] fanout.s1: consumers=0 type=stream") || !strings.Contains(out, "3 queues") {
		t.Errorf("stream judged wrongly:\n%s", out)
	}
}

// TestNameRegexSplit: exact names are packed into the fewest regexes of at
// most maxNameRegex characters (RabbitMQ 4.2.6+ refuses longer ones), each
// anchored, and together they select exactly the names.
func TestNameRegexSplit(t *testing.T) {
	var sel selection
	for i := range 170 {
		sel.exact = append(sel.exact, fmt.Sprintf("compute.cmp-r10-u%03d.cell1.example.net", i))
	}
	rxs := sel.serverRegexes(maxNameRegex, maxPageSize)
	total := 0
	for _, q := range sel.exact {
		total += len(regexp.QuoteMeta(q)) + 1
	}
	if min := (total + maxNameRegex - 1) / maxNameRegex; len(rxs) < min || len(rxs) > min+1 {
		t.Errorf("%d regexes, want about %d", len(rxs), min)
	}
	for _, rx := range rxs {
		if len(rx) > maxNameRegex {
			t.Errorf("regex of %d characters", len(rx))
		}
	}
	for _, name := range append(sel.exact, "compute.cmp-r10-u17", "xcompute.cmp-r10-u001.cell1.example.net") {
		hits := 0
		for _, rx := range rxs {
			if regexp.MustCompile(rx).MatchString(name) {
				hits++
			}
		}
		if want := sel.wants(name); (hits > 0) != want {
			t.Errorf("%s matched by %d regexes, selected %v", name, hits, want)
		}
	}
	if got := (selection{user: regexp.MustCompile(strings.Repeat("a", 1100))}).serverRegexes(maxNameRegex, maxPageSize); got != nil {
		t.Errorf("a regex over the limit is sent: %d", len(got))
	}
}

// TestExplain401 turns the captured 401 bodies of RabbitMQ 3.10.8 into the
// cause: a user without management tag, without vhost permissions, a wrong
// password, and a proxy's page.
func TestExplain401(t *testing.T) {
	for _, tc := range []struct {
		body, whoami string
		status       int
		want         string
	}{
		{"error_401_not_management_user.json", "", 401, `not a management user (HTTP 401 "Not management user"): give it the monitoring tag (rabbitmqctl set_user_tags USER monitoring)`},
		{"error_401_vhost_access.json", "", 401, `user "USER" (from SOURCE) may not access vhost "nova" (HTTP 401 "User not authorised to access virtual host"): rabbitmqctl set_permissions -p nova USER`},
		{"error_401_login_failed.json", "", 401, `refused the login of user "USER" (HTTP 401 "Login failed") from SOURCE: check the username and password there`},
		{"", "whoami_management_no_perm.json", 401, `may not access vhost "nova" (HTTP 401; GET /api/whoami: login fine, tags [management])`},
	} {
		_, srv := newAPI(t, func(r *http.Request) (int, []byte) {
			if r.URL.Path == "/api/whoami" {
				return 200, fixture(t, tc.whoami)
			}
			if tc.body == "" {
				return tc.status, nil
			}
			return tc.status, fixture(t, tc.body)
		})
		withEnvCreds(t)
		out, code := run(t, "--url", srv.URL, "--vhost", "nova", "--host", "h1")
		want := strings.ReplaceAll(strings.ReplaceAll(tc.want, "USER", testUser), "SOURCE", "environment variables RABBITMQ_USERNAME/RABBITMQ_PASSWORD")
		if code != 3 || !strings.Contains(out, want) {
			t.Errorf("%s: exit %d, want %q in:\n%s", tc.body, code, want, out)
		}
	}
	_, srv := newAPI(t, func(r *http.Request) (int, []byte) {
		return 502, []byte("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>")
	})
	out, _ := run(t, "--url", srv.URL, "--vhost", "nova", "--host", "h1")
	if !strings.Contains(out, `HTTP 502 with an HTML page titled "502 Bad Gateway", not the RabbitMQ management API's JSON error: the answer comes from something in front of the broker`) {
		t.Errorf("proxy page:\n%s", out)
	}
}

// FuzzAPIError: the error-body parsers never panic and never call a
// non-JSON body RabbitMQ's.
func FuzzAPIError(f *testing.F) {
	for _, n := range []string{"error_401_not_management_user.json", "error_401_vhost_access.json", "error_401_login_failed.json", "ds_consumers_400.json"} {
		f.Add(fixture(f, n))
	}
	f.Add([]byte("<html><title>x</title></html>"))
	f.Add(fixture(f, "ds_overview.json"))
	f.Add(fixture(f, "mc_overview.json"))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, ok := parseAPIError(body)
		_ = reasonKind(e.Reason)
		_ = describeBody(body)
		_ = statsSetting(body, &listing{ConsumersOff: len(body)%2 == 0})
		if ok && !json.Valid(body) {
			t.Fatalf("invalid JSON accepted as an API error: %q", body)
		}
	})
}

// TestTLSCNOnly: a server certificate that names its host only in the
// subject CN (openssl req -subj /CN=127.0.0.1, no subjectAltName), signed
// by the CA given with --ca-file: the advice is to reissue it with a SAN,
// not to give the CA (case rmq/11); the same with a SAN is OK.
func TestTLSCNOnly(t *testing.T) {
	withEnvCreds(t)
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	page := fixture(t, "queues_page.json")
	for _, tc := range []struct {
		name string
		ips  []net.IP
		code int
		want string
	}{
		{"cn-only", nil, 3, `names its host only in the subject CN ("127.0.0.1") and has no subjectAltName; Go clients require a SAN (Go 1.15+): reissue it with subjectAltName=IP:127.0.0.1`},
		{"with-san", []net.IP{net.ParseIP("127.0.0.1")}, 0, "RABBITMQ_QUEUES OK"},
	} {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"}, IPAddresses: tc.ips,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(page) }))
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
		srv.StartTLS()
		out, code := run(t, "--url", srv.URL, "--vhost", "nova", "--queue-regex", "n3$", "--ca-file", ca)
		srv.Close()
		if code != tc.code || !strings.Contains(out, tc.want) || strings.Contains(out, "give the CA with --ca-file") {
			t.Errorf("%s: exit %d, want %d and %q:\n%s", tc.name, code, tc.code, tc.want, out)
		}
	}
}

// TestNameFilterRefused: a broker (RabbitMQ 4.2.6+: HTTP 400
// invalid_pagination_parameters for a long name regex) or a proxy (HTTP 414)
// that refuses the name-filtered request: the check reads the unpaged
// listings and filters itself, with the same verdict, never the HTTP error.
func TestNameFilterRefused(t *testing.T) {
	withEnvCreds(t)
	for _, refusal := range []struct {
		status int
		body   string
	}{
		{414, ""},
		{400, `{"error":"bad_request","reason":"invalid_pagination_parameters: name regex longer than 1024 characters"}`},
	} {
		inner := fromPage(t, "queues_page.json")
		_, srv := newAPI(t, func(r *http.Request) (int, []byte) {
			if r.URL.Query().Has("name") {
				return refusal.status, []byte(refusal.body)
			}
			return inner(r)
		})
		out, code := run(t, "--url", srv.URL, "--vhost", "nova", "--host", "n1", "--host", "n3", "--host", "gone", "-v")
		for _, want := range []string{"[CRITICAL] compute.n1: 0 consumers", "[CRITICAL] compute.gone: queue missing", "[OK] compute.n3:", "unpaged listings"} {
			if code != 2 || !strings.Contains(out, want) {
				t.Errorf("HTTP %d refusal: exit %d, want %q:\n%s", refusal.status, code, want, out)
			}
		}
	}
}
