//go:build integration

package rabbitmqqueues

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	rabbithole "github.com/michaelklishin/rabbit-hole/v2"

	"edgecheck/shared/labtest"
)

// queueLines maps each named queue to its long-output line's state and
// cause, e.g. "[CRITICAL] 0 consumers, fewer than 1".
func queueLines(out string, queues ...string) map[string]string {
	got := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		for _, q := range queues {
			if i := strings.Index(line, "] "+q+": "); i > 0 {
				cause := line[i+len(q)+4:]
				if j := strings.Index(cause, " -- "); j >= 0 {
					cause = cause[:j]
				}
				if strings.HasPrefix(cause, "messages=") || strings.HasPrefix(cause, "ready=") {
					cause = "" // an OK queue: its numbers, no cause
				}
				got[q] = line[:i+1] + " " + cause
			}
		}
	}
	return got
}

// fqdnHosts writes an expected-hosts file: the given hosts and n more
// FQDN hosts (30 characters, as nova CONF.host) that have no queue.
func fqdnHosts(t *testing.T, n int, hosts ...string) string {
	lines := append([]string{"# cell1"}, hosts...)
	for i := range n {
		lines = append(lines, fmt.Sprintf("cmp-r%02d-u%03d.cell1.example.net", i/20, i))
	}
	p := filepath.Join(t.TempDir(), fmt.Sprintf("hosts-%d", n))
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestIntegrationEveryModeSameState runs every selection mode against the
// lab broker with one healthy compute queue (a consumer) and one stuck one
// (3 messages, no consumer), and asserts that each mode gives both queues
// the same state and cause: the direct lookup, exact names in one paged
// request, the operator's regex in one page and over more than a page
// (the pages read at once), expected-hosts files that fit in one name
// regex, in two (1,024 characters each), and in far more (200 FQDN hosts:
// one regex covering them, never HTTP 414 or 400), and the whole vhost
// (the unpaged listings).
func TestIntegrationEveryModeSameState(t *testing.T) {
	l := newLab(t)
	a, b := l.healthyAndStuck(3)
	qa, qb := "compute."+a, "compute."+b
	l.waitFor(qa, 0, 0, 1)
	l.waitFor(qb, 3, 0, 0)
	want := map[string]string{
		qa: "[OK] ",
		qb: "[CRITICAL] 0 consumers, fewer than 1 (nobody is consuming: is the service, e.g. nova-compute, running and connected?)",
	}
	rx := `^compute\.` + regexp.QuoteMeta(l.prefix) + "-"
	modes := map[string][]string{
		"host_direct":       {"--host", a},
		"hosts":             {"--host", a, "--host", b},
		"queues":            {"--queue", qa, "--queue", qb},
		"regex_one_page":    {"--queue-regex", rx},
		"regex_over_a_page": {"--queue-regex", rx, "--page-size", "1"},
		"expected_2":        {"--expected-hosts-file", fqdnHosts(t, 0, a, b)},
		"expected_32":       {"--expected-hosts-file", fqdnHosts(t, 30, a, b)},
		"expected_200":      {"--expected-hosts-file", fqdnHosts(t, 198, a, b)},
		"whole_vhost":       {},
	}
	for mode, args := range modes {
		t.Run(mode, func(t *testing.T) {
			r := l.check(append(args, "-v", "--max-perfdata", "0")...)
			if strings.Contains(r.Stdout, "HTTP 414") || strings.Contains(r.Stdout, "HTTP 400") || r.Code == 3 {
				t.Fatalf("exit %d:\n%s", r.Code, r.Stdout)
			}
			got := queueLines(r.Stdout, qa, qb)
			for q, w := range want {
				if mode == "host_direct" && q == qb {
					continue
				}
				if got[q] != w {
					t.Errorf("%s: %q, want %q\n%s", q, got[q], w, r.Stdout)
				}
			}
			if strings.HasPrefix(mode, "expected_") && mode != "expected_2" && !strings.Contains(r.Stdout, "missing") {
				t.Errorf("the FQDN hosts without queue are not reported missing:\n%s", r.Stdout)
			}
		})
	}
}

// TestIntegrationUnauthorisedCauses: RabbitMQ answers HTTP 401 for a right
// password too; the check names the real cause from the broker's reason.
func TestIntegrationUnauthorisedCauses(t *testing.T) {
	l := newLab(t)
	vhost := l.env["RABBITMQ_VHOST"]
	notag, noperm := l.prefix+"-notag", l.prefix+"-noperm"
	for _, u := range []struct {
		name string
		tags rabbithole.UserTags
		perm bool
	}{{notag, nil, true}, {noperm, rabbithole.UserTags{"management"}, false}} {
		if _, err := l.admin.PutUser(u.name, rabbithole.UserSettings{Password: "Right-Pass-1", Tags: u.tags}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = l.admin.DeleteUser(u.name) })
		if u.perm {
			if _, err := l.admin.UpdatePermissionsIn(vhost, u.name, rabbithole.Permissions{Configure: "^$", Write: "^$", Read: "^$"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	file := func(user, pass string) string {
		p := filepath.Join(t.TempDir(), "creds.yaml")
		if err := os.WriteFile(p, []byte(fmt.Sprintf("username: %s\npassword: %s\n", user, pass)), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name, file, want string
	}{
		{"no_tag", file(notag, "Right-Pass-1"), fmt.Sprintf(`is not a management user (HTTP 401 "Not management user"): give it the monitoring tag (rabbitmqctl set_user_tags %s monitoring)`, notag)},
		{"no_permission", file(noperm, "Right-Pass-1"), fmt.Sprintf(`user %q (from credentials file`, noperm)},
		{"wrong_password", file(notag, "Wrong-Pass"), `(HTTP 401 "Login failed")`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := labtest.Exec(t, l.bin, nil, "--url", l.env["RABBITMQ_URL"], "--vhost", vhost, "--credentials-file", tc.file, "--host", "h1")
			labtest.WantOutput(t, r, 3, tc.want)
			if tc.name == "no_permission" {
				labtest.WantOutput(t, r, 3, fmt.Sprintf(`may not access vhost %q (HTTP 401 "User not authorised to access virtual host")`, vhost), "rabbitmqctl set_permissions -p "+vhost)
			}
			if tc.name != "wrong_password" && strings.Contains(r.Stdout, "check the username and password") {
				t.Errorf("blames the password:\n%s", r.Stdout)
			}
		})
	}
}

// TestIntegrationStatsDisabled restarts the lab broker with
// management.disable_stats = true and management.enable_queue_totals =
// true: every mode is UNKNOWN naming the setting and never reports
// consumers the broker did not send; with --amqp-url the passive
// queue.declare gives the consumer counts and the verdict is the truth.
func TestIntegrationStatsDisabled(t *testing.T) {
	labtest.Need(t, "RABBITMQ_URL", "RABBITMQ_AMQP_PORT")
	labtest.Lab(t, "rabbitmq", "stats_off")
	t.Cleanup(func() { labtest.Lab(t, "rabbitmq", "stats_on") })
	l := newLab(t)
	a, b := l.healthyAndStuck(4)
	qa, qb := "compute."+a, "compute."+b
	rx := `^compute\.` + regexp.QuoteMeta(l.prefix) + "-"
	amqpURL := "amqp://127.0.0.1:" + l.env["RABBITMQ_AMQP_PORT"]
	if u, err := url.Parse(l.env["RABBITMQ_AMQP_URL"]); err == nil {
		amqpURL = "amqp://" + u.Host
	}
	for mode, args := range map[string][]string{
		"host_direct":    {"--host", a},
		"hosts":          {"--host", a, "--host", b},
		"regex":          {"--queue-regex", rx},
		"regex_unpaged":  {"--queue-regex", rx, "--page-size", "1"},
		"expected_hosts": {"--expected-hosts-file", fqdnHosts(t, 0, a, b)},
	} {
		t.Run(mode, func(t *testing.T) {
			r := l.check(append(args, "-v")...)
			labtest.WantOutput(t, r, 3, "has management statistics disabled (management.disable_stats = true with management.enable_queue_totals = true)")
			if strings.Contains(r.Stdout, "consumers=0") || strings.Contains(r.Stdout, "short of consumers") || strings.Contains(r.Stdout, "just declared") {
				t.Errorf("reports numbers the broker did not send:\n%s", r.Stdout)
			}
			r = l.check(append(args, "-v", "--amqp-url", amqpURL)...)
			got := queueLines(r.Stdout, qa, qb)
			if got[qa] != "[OK] " {
				t.Errorf("%s over AMQP: %q\n%s", qa, got[qa], r.Stdout)
			}
			if mode != "host_direct" && (r.Code != 2 || !strings.HasPrefix(got[qb], "[CRITICAL] 0 consumers, fewer than 1")) {
				t.Errorf("%s over AMQP: exit %d %q\n%s", qb, r.Code, got[qb], r.Stdout)
			}
		})
	}
}
