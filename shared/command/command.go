// Package command runs the few helper programs the checks are allowed to
// start (ovs-vswitchd --version, the XenServer init script, rpm, ovs-ofctl):
// never through a shell, bound to the run's context, and with the program's
// own complaint kept in the error so that a first responder sees why it
// failed.
package command

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// An Error is a helper program that could not run or exited non-zero.
type Error struct {
	Argv []string
	Err  error
	// Output is the first line of what the program said: its stderr, or
	// its stdout when stderr was empty ("" when it said nothing).
	Output string
}

func (e *Error) Error() string {
	if e.Output == "" {
		return fmt.Sprintf("%s: %v", e.Argv[0], e.Err)
	}
	return fmt.Sprintf("%s: %v: %s", e.Argv[0], e.Err, e.Output)
}

// Unwrap returns the exec error (*exec.ExitError, exec.ErrNotFound, ...).
func (e *Error) Unwrap() error { return e.Err }

// Output runs argv[0] with the remaining arguments and returns its stdout.
// It has the signature of the checks' swappable Exec fields.
func Output(ctx context.Context, argv ...string) ([]byte, error) {
	if len(argv) == 0 {
		return nil, fmt.Errorf("command: no program given")
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = strings.TrimSpace(string(out))
		}
		return out, &Error{Argv: argv, Err: err, Output: FirstLine(msg)}
	}
	return out, nil
}

// FirstLine shortens a program's message to one line of at most 120
// characters, marking what was cut.
func FirstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " ..."
	}
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}
