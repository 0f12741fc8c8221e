// Package labtest connects integration tests to the lab of real daemons
// that lab/lab.sh starts. A test asks for the lab values it needs; when the
// lab is absent it is skipped, except under EDGECHECK_REQUIRE_LAB=1 (set by
// `make test-integration` and CI), where a missing lab fails the test, so an
// integration test can never pass by silently skipping.
package labtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Dir is the lab directory, as in lab/lib.sh.
func Dir() string {
	if d := os.Getenv("EDGECHECK_LAB_DIR"); d != "" {
		return d
	}
	return "/tmp/edgecheck-lab"
}

// Required reports whether a missing lab must fail tests.
func Required() bool { return os.Getenv("EDGECHECK_REQUIRE_LAB") == "1" }

// Env returns the lab's published values (every $LAB_DIR/env.d/*.env).
func Env() map[string]string {
	vals := map[string]string{}
	files, _ := filepath.Glob(filepath.Join(Dir(), "env.d", "*.env"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "="); ok {
				vals[k] = v
			}
		}
	}
	return vals
}

// Need returns the named lab values, or skips (fails under
// EDGECHECK_REQUIRE_LAB=1) when any is missing.
func Need(t testing.TB, keys ...string) map[string]string {
	t.Helper()
	env := Env()
	var missing []string
	for _, k := range keys {
		if env[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		msg := "lab is not up (missing " + strings.Join(missing, ", ") + "); run `make lab-up`"
		if Required() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return env
}

// RepoRoot finds the module root from the test's working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// Lab runs `lab/lab.sh ARGS...` (a component action such as
// `ovs kill_vswitchd`) and fails the test when it fails.
func Lab(t testing.TB, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(RepoRoot(t), "lab", "lab.sh"), args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("lab/lab.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

var (
	buildMu  sync.Mutex
	built    = map[string]string{}
	buildDir string
)

// Binary builds ./checks/NAME (or any main package path under the repo,
// such as nagios-cfg) once per test process and returns its path.
func Binary(t testing.TB, pkg string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if p, ok := built[pkg]; ok {
		return p
	}
	if buildDir == "" {
		d, err := os.MkdirTemp("", "edgecheck-bin-")
		if err != nil {
			t.Fatal(err)
		}
		buildDir = d
	}
	root := RepoRoot(t)
	src := pkg
	if !strings.Contains(pkg, "/") {
		src = "./checks/" + pkg
	}
	out := filepath.Join(buildDir, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", out, src)
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", src, err, msg)
	}
	built[pkg] = out
	return out
}

// A Run is the outcome of one plugin execution.
type Run struct {
	Stdout   string
	Stderr   string
	Code     int
	Elapsed  time.Duration
	MaxRSSKB int64
}

// PublicDir returns a new directory every user may read and enter (0755),
// removed when the test ends. t.TempDir's parent is private to the test's
// user, so a daemon that drops privileges (icinga2 reads its config as
// nagios) or a check run as nobody cannot reach a file there.
func PublicDir(t testing.TB, pattern string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// ExecLog is Exec, then logs the exit code, the time taken and the
// output (shown on failure or with -v).
func ExecLog(t testing.TB, bin string, env []string, args ...string) Run {
	t.Helper()
	r := Exec(t, bin, env, args...)
	t.Logf("exit %d (%s):\n%s%s", r.Code, r.Elapsed, r.Stdout, r.Stderr)
	return r
}

// Exec runs a binary with args and a hard limit, returning its output and
// exit code. It never fails the test on a non-zero exit: callers assert.
func Exec(t testing.TB, bin string, env []string, args ...string) Run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := Run{Stdout: stdout.String(), Stderr: stderr.String(), Elapsed: time.Since(start)}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		r.Code = exitErr.ExitCode()
	default:
		t.Fatalf("running %s: %v", bin, err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.MaxRSSKB = ru.Maxrss
	}
	return r
}

// WantLine1 fails t unless r exited with code and line 1 of its output
// (the status line, before the long output) contains every text.
func WantLine1(t testing.TB, r Run, code int, texts ...string) {
	t.Helper()
	want(t, r, code, "line 1", strings.SplitN(r.Stdout, "\n", 2)[0], texts)
}

// WantOutput fails t unless r exited with code and its standard output
// contains every text.
func WantOutput(t testing.TB, r Run, code int, texts ...string) {
	t.Helper()
	want(t, r, code, "output", r.Stdout, texts)
}

func want(t testing.TB, r Run, code int, what, got string, texts []string) {
	t.Helper()
	if r.Code != code {
		t.Errorf("exit %d, want %d\n%s%s", r.Code, code, r.Stdout, r.Stderr)
	}
	for _, s := range texts {
		if !strings.Contains(got, s) {
			t.Errorf("%s lacks %q:\n%s", what, s, got)
		}
	}
}
