package runner

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"edgecheck/shared/golden"
	"edgecheck/shared/nagios"
	"edgecheck/shared/registry"
)

// testCheck is a plugin whose behaviour is chosen by its --mode flag, so
// every exit path of the runner can be driven from a command line.
type testCheck struct {
	mode  string
	name  string
	items []string
	warn  *nagios.Range
	crit  *nagios.Range
	value float64
	wait  time.Duration
	flag  bool
}

func (c *testCheck) Flags(fs *registry.FlagSet) {
	fs.String(&c.mode, "mode", "ok", "What the test check does: ok, error, panic, hang, ignore-ctx, raw.")
	fs.String(&c.name, "name", "", "A required name.").MarkRequired().WithMeta("NAME")
	fs.Strings(&c.items, "item", "An item; repeatable.")
	fs.Range(&c.warn, "warning", "Warning range for the value.").WithShort("w")
	fs.Range(&c.crit, "critical", "Critical range for the value.").WithShort("c")
	fs.Float(&c.value, "value", 1, "The value to evaluate.")
	fs.Duration(&c.wait, "wait", 0, "How long the check works before answering.")
	fs.Bool(&c.flag, "switch", "A boolean switch.")
}

func (c *testCheck) Validate() error {
	if c.name == "invalid" {
		return errors.New("--name must not be invalid")
	}
	return nil
}

func (c *testCheck) Run(ctx context.Context) (*nagios.Result, error) {
	nagios.SetStage(ctx, "doing "+c.mode)
	switch c.mode {
	case "error":
		return nil, errors.New("cannot connect to the daemon at /run/x.sock: no such file (is it running?)")
	case "panic":
		panic("simulated bug")
	case "hang":
		<-ctx.Done()
		return nil, ctx.Err()
	case "ignore-ctx":
		time.Sleep(time.Hour)
	case "raw":
		raw := "REMOTE WARNING - kept | 'x'=1\nline two  \n"
		return &nagios.Result{State: nagios.Warning, Raw: &raw}, nil
	case "raw-bad-state":
		raw := "REMOTE says 7\n"
		return &nagios.Result{State: nagios.State(7), Raw: &raw}, nil
	}
	res := &nagios.Result{Summary: "value " + nagios.FormatNumber(c.value)}
	st := nagios.Thresholds{Warning: c.warn, Critical: c.crit}.Evaluate(c.value)
	res.Add(st, "value is %v for %s", c.value, c.name)
	for _, it := range c.items {
		res.Add(nagios.OK, "item %s", it)
	}
	res.AddPerf(nagios.Perf{Label: "value", Value: c.value, Warn: c.warn, Crit: c.crit})
	return res, nil
}

func init() {
	registry.Register(registry.Plugin{
		Name:        "check_runner_test",
		Service:     "RUNNER_TEST",
		Description: "A plugin used only by the runner's tests to drive every exit path.",
		Examples:    []registry.Example{{Command: "check_runner_test --name x -w 10 -c 20", Explain: "Warn above 10, critical above 20."}},
		New:         func() registry.Check { return &testCheck{} },
	})
}

func runTest(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Execute("check_runner_test", args, &out, &errOut)
	return out.String(), code
}

func TestExitPaths(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
	}{
		{"help", []string{"--help"}, 3},
		{"help-short", []string{"-h"}, 3},
		{"version", []string{"-V"}, 3},
		{"ok", []string{"--name", "a", "-w", "10", "-c", "20", "--item", "x", "--item", "y"}, 0},
		{"warning", []string{"--name", "a", "-w", "10", "-c", "20", "--value", "15"}, 1},
		{"critical", []string{"--name", "a", "-w", "10", "-c", "20", "--value", "25"}, 2},
		{"negative-range", []string{"--name", "a", "--critical=-60:7200", "--value", "-61"}, 2},
		{"bad-flag", []string{"--name", "a", "--nope"}, 3},
		{"bad-range", []string{"--name", "a", "-w", "2:1"}, 3},
		{"bad-range-critical", []string{"--name", "a", "--critical", "1-10"}, 3},
		{"bad-number", []string{"--name", "a", "--value", "ten"}, 3},
		{"missing-required", []string{}, 3},
		{"positional", []string{"--name", "a", "extra"}, 3},
		{"invalid-config", []string{"--name", "invalid"}, 3},
		{"bad-timeout", []string{"--name", "a", "-t", "0"}, 3},
		{"error", []string{"--name", "a", "--mode", "error"}, 3},
		{"panic", []string{"--name", "a", "--mode", "panic"}, 3},
		{"timeout", []string{"--name", "a", "--mode", "hang", "-t", "0.2"}, 3},
		{"timeout-ignoring-context", []string{"--name", "a", "--mode", "ignore-ctx", "-t", "0.2"}, 3},
		{"raw", []string{"--name", "a", "--mode", "raw"}, 1},
		{"raw-bad-state", []string{"--name", "a", "--mode", "raw-bad-state"}, 3},
		{"timeout-nan", []string{"--name", "a", "-t", "NaN"}, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, code := runTest(t, tc.args...)
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d; output:\n%s", code, tc.wantCode, out)
			}
			golden.Text(t, tc.name, out)
		})
	}
}

func TestPanicNeverPrintsStackOnStdout(t *testing.T) {
	out, _ := runTest(t, "--name", "a", "--mode", "panic", "-vvv")
	if strings.Contains(out, "goroutine") || strings.Count(out, "\n") != 1 {
		t.Errorf("panic output is not one clean line: %q", out)
	}
	var stdout, stderr bytes.Buffer
	Execute("check_runner_test", []string{"--name", "a", "--mode", "panic", "-vvv"}, &stdout, &stderr)
	if !strings.Contains(stderr.String(), "goroutine") {
		t.Errorf("-vvv should print the stack to stderr, got %q", stderr.String())
	}
}

func TestTimeoutNamesStage(t *testing.T) {
	out, code := runTest(t, "--name", "a", "--mode", "ignore-ctx", "-t", "0.1")
	if code != 3 || !strings.Contains(out, "timed out after 0.1s while doing ignore-ctx") {
		t.Errorf("got %d %q", code, out)
	}
}

func TestUnknownPlugin(t *testing.T) {
	var out bytes.Buffer
	if code := Execute("check_missing", nil, &out, &out); code != 3 {
		t.Errorf("exit %d", code)
	}
	if !strings.HasPrefix(out.String(), "CHECK_MISSING UNKNOWN - ") {
		t.Errorf("output %q", out.String())
	}
}
