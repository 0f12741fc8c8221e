package rabbitmqqueues

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"edgecheck/plugins/rabbitmqqueues/baseline"
)

// baselineAPI serves the captured page queues_page.json reduced to the
// compute queues that have a consumer, with compute.n2's depth (messages,
// messages_ready) set to *depth, as a stuck or healthy queue would show.
func baselineAPI(t *testing.T, depth *int) string {
	t.Helper()
	var page map[string]json.RawMessage
	if err := json.Unmarshal(fixture(t, "queues_page.json"), &page); err != nil {
		t.Fatal(err)
	}
	var items []map[string]any
	if err := json.Unmarshal(page["items"], &items); err != nil {
		t.Fatal(err)
	}
	_, srv := newAPI(t, func(r *http.Request) (int, []byte) {
		var keep []map[string]any
		for _, it := range items {
			switch it["name"] {
			case "compute.hv01", "compute.n3":
				keep = append(keep, it)
			case "compute.n2":
				c := map[string]any{}
				for k, v := range it {
					c[k] = v
				}
				c["messages"], c["messages_ready"], c["messages_unacknowledged"] = *depth, *depth, 0
				keep = append(keep, c)
			}
		}
		p := map[string]any{}
		for k, v := range page {
			p[k] = v
		}
		p["items"] = keep
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		return 200, b
	})
	return srv.URL
}

// runAt runs the real check with the test-only baseline clock at now.
func runAt(t *testing.T, now time.Time, args ...string) (string, int) {
	t.Helper()
	t.Setenv(EnvBaselineNow, now.Format(time.RFC3339))
	return run(t, args...)
}

func TestBaselineLearnsThenBacklogLeavesTheBand(t *testing.T) {
	withEnvCreds(t)
	depth := 0
	u := baselineAPI(t, &depth)
	file := filepath.Join(t.TempDir(), "rmq.baseline")
	args := []string{"--url", u, "--vhost", "nova", "--queue-regex", `^compute\.`, "--baseline-file", file, "--max-perfdata", "-1"}
	start := time.Date(2026, 11, 2, 3, 10, 0, 0, time.Local) // a Monday night
	slot := baseline.SlotName(baseline.SlotOf(start))
	for day := range 3 {
		now := start.AddDate(0, 0, day)
		for _, m := range []time.Duration{0, 30 * time.Minute} {
			out, code := runAt(t, now.Add(m), args...)
			want := "baseline learning: " + string(rune('0'+day)) + " of 3 days for " + slot
			if code != 0 || !strings.Contains(out, want) {
				t.Fatalf("day %d: exit %d, want 0 and %q:\n%s", day, code, want, out)
			}
		}
	}
	now := start.AddDate(0, 0, 3)
	out, code := runAt(t, now, args...)
	if code != 0 || strings.Contains(out, "learning") || !strings.Contains(out, "'compute.n2 expected'=0;;;0") || !strings.Contains(out, "'queues_above_baseline'=0") {
		t.Fatalf("learned quiet night: exit %d:\n%s", code, out)
	}
	// 7 messages: 3.5 sigma above an always-empty slot (sigma = MinSigma 2).
	depth = 7
	out, code = runAt(t, now.Add(10*time.Minute), args...)
	if code != 1 || !strings.Contains(out, "[WARNING] compute.n2: 7 messages, +3.5 sigma") || !strings.Contains(out, "'compute.n2 deviation'=3.5") {
		t.Fatalf("small backlog: exit %d, want WARNING:\n%s", code, out)
	}
	// 1 of 3 learned queues above: 33% >= --warning-share 25.
	if !strings.Contains(out, "1 of 3 queues (33%) above their baseline for "+slot) {
		t.Errorf("no selection-level reason on line 1:\n%s", out)
	}
	depth = 40
	out, code = runAt(t, now.Add(20*time.Minute), args...)
	if code != 2 || !strings.Contains(out, "[CRITICAL] compute.n2: 40 messages") || !strings.Contains(out, "'queues_above_baseline'=1") {
		t.Fatalf("stuck queue: exit %d, want CRITICAL:\n%s", code, out)
	}
	// The same backlog against fixed thresholds tuned for mornings is OK.
	out, code = runAt(t, now.Add(30*time.Minute), append(args, "--baseline-file", "", "-w", "100", "-c", "1000")...)
	if code != 0 {
		t.Fatalf("fixed thresholds: exit %d, want 0:\n%s", code, out)
	}
	out, _ = runAt(t, now.Add(40*time.Minute), append(args, "-v")...)
	if !strings.Contains(out, "baseline: "+file+", ") || !strings.Contains(out, " bytes, 3 queues learned") {
		t.Errorf("-v lacks the state file size:\n%s", out)
	}
}

func TestBaselineCorruptFileIsUnknownAndLeftAlone(t *testing.T) {
	withEnvCreds(t)
	depth := 0
	u := baselineAPI(t, &depth)
	dir := t.TempDir()
	for name, content := range map[string][]byte{
		"corrupt": append([]byte(baseline.Magic), 1, 0, 0, 0, 0xff),
		"foreign": []byte(`{"not":"a baseline"}`),
	} {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, content, 0o644); err != nil {
			t.Fatal(err)
		}
		out, code := runAt(t, time.Date(2026, 11, 2, 3, 10, 0, 0, time.UTC), "--url", u, "--vhost", "nova", "--queue-regex", `^compute\.`, "--baseline-file", file)
		if code != 3 || !strings.Contains(out, file) {
			t.Errorf("%s file: exit %d, want 3 naming %s:\n%s", name, code, file, out)
		}
		got, err := os.ReadFile(file)
		if err != nil || !bytes.Equal(got, content) {
			t.Errorf("%s file was changed (%v)", name, err)
		}
	}
}

func TestBaselineOtherSelectionIsRefused(t *testing.T) {
	withEnvCreds(t)
	depth := 0
	u := baselineAPI(t, &depth)
	file := filepath.Join(t.TempDir(), "b")
	now := time.Date(2026, 11, 2, 3, 10, 0, 0, time.UTC)
	if out, code := runAt(t, now, "--url", u, "--vhost", "nova", "--queue-regex", `^compute\.`, "--baseline-file", file); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	out, code := runAt(t, now, "--url", u, "--vhost", "nova", "--queue-regex", `^compute\.n`, "--baseline-file", file)
	if code != 3 || !strings.Contains(out, file) || !strings.Contains(out, "its own --baseline-file") {
		t.Errorf("other selection: exit %d, want UNKNOWN naming the file:\n%s", code, out)
	}
	t.Setenv(EnvBaselineNow, "yesterday")
	out, code = run(t, "--url", u, "--vhost", "nova", "--queue-regex", `^compute\.`, "--baseline-file", file)
	if code != 3 || !strings.Contains(out, EnvBaselineNow) {
		t.Errorf("bad clock: exit %d:\n%s", code, out)
	}
}
