// Package runner is the one place that turns a registered plugin into a
// process: it parses flags, validates before any I/O, runs the check under a
// single deadline, recovers panics, prints the result and exits once.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	gonagios "github.com/atc0005/go-nagios"
	"github.com/spf13/pflag"

	"edgecheck/shared/nagios"
	"edgecheck/shared/registry"
)

// Version is the edgecheck release, overridden at link time by the Makefile.
var Version = "0.1.0"

// lateGrace is how long the runner waits, after the deadline, for the check
// to return its own (more specific) timeout error before it gives up on it.
const lateGrace = 150 * time.Millisecond

// Main runs the named plugin with the process arguments and exits. It is the
// whole body of every binary under checks/.
func Main(name string) {
	code := Execute(name, os.Args[1:], os.Stdout, os.Stderr)
	os.Exit(code)
}

// Execute runs a plugin and returns its exit code, writing the plugin output
// to stdout. Tests call it directly.
func Execute(name string, args []string, stdout, stderr io.Writer) int {
	p, ok := registry.Lookup(name)
	if !ok {
		text, state := unknownf(strings.ToUpper(name), "plugin %s is not compiled into this binary", name)
		return emit(stdout, text, state)
	}
	text, state, raw := run(p, args, stderr)
	if raw {
		// A relayed remote plugin's output goes out byte for byte.
		_, _ = io.WriteString(stdout, text)
		return int(state)
	}
	return emit(stdout, text, state)
}

// emit hands the finished output to go-nagios, which owns the final write
// and exit code mapping. os.Exit stays in Main so this is testable.
func emit(w io.Writer, text string, state nagios.State) int {
	np := &gonagios.Plugin{ExitStatusCode: int(state)}
	np.HideErrorsSection()
	np.HideThresholdsSection()
	np.SetOutputTarget(w)
	np.SkipOSExit()
	np.ServiceOutput = strings.TrimRight(text, "\n")
	np.ReturnCheckResults()
	// go-nagios trims the final newline of a single-section output; put it
	// back so the output is a well-formed text stream.
	_, _ = io.WriteString(w, "\n")
	return np.ExitStatusCode
}

func unknownf(service, format string, args ...any) (string, nagios.State) {
	r := &nagios.Result{State: nagios.Unknown, Summary: fmt.Sprintf(format, args...)}
	return r.Format(service), nagios.Unknown
}

func run(p registry.Plugin, args []string, stderr io.Writer) (string, nagios.State, bool) {
	check, fs, std := p.Configure()
	pf := fs.PFlags()
	pf.SetOutput(io.Discard)
	pf.Usage = func() {}
	if err := pf.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return registry.Help(p, fs.Declared(), Version), nagios.Unknown, false
		}
		return formatted(unknownf(p.Service, "bad arguments: %v (see %s --help)", err, p.Name))
	}
	if std.Help {
		return registry.Help(p, fs.Declared(), Version), nagios.Unknown, false
	}
	if std.Version {
		return fmt.Sprintf("%s %s (edgecheck)\n", p.Name, Version), nagios.Unknown, false
	}
	if rest := pf.Args(); len(rest) > 0 {
		return formatted(unknownf(p.Service, "bad arguments: unexpected %q (see %s --help)", strings.Join(rest, " "), p.Name))
	}
	for _, f := range fs.Declared() {
		if f.Required && !fs.Changed(f.Name) {
			return formatted(unknownf(p.Service, "bad arguments: --%s is required (see %s --help)", f.Name, p.Name))
		}
	}
	if std.Timeout <= 0 {
		return formatted(unknownf(p.Service, "bad arguments: --timeout must be greater than 0"))
	}
	if v, ok := check.(registry.Validator); ok {
		if err := v.Validate(); err != nil {
			return formatted(unknownf(p.Service, "bad arguments: %v", err))
		}
	}
	return execute(p, check, *std, stderr)
}

type outcome struct {
	result *nagios.Result
	err    error
	panic  any
	stack  []byte
}

func execute(p registry.Plugin, check registry.Check, std registry.Standard, stderr io.Writer) (string, nagios.State, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), std.Timeout)
	defer cancel()
	tracker := &nagios.StageTracker{}
	tracker.Set("starting")
	ctx = nagios.WithStageTracker(ctx, tracker)
	ctx = nagios.WithVerbosity(ctx, std.Verbose)

	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- outcome{panic: r, stack: debug.Stack()}
			}
		}()
		res, err := check.Run(ctx)
		done <- outcome{result: res, err: err}
	}()

	var o outcome
	select {
	case o = <-done:
	case <-ctx.Done():
		// The check may still return its own error shortly; otherwise it is
		// stuck in I/O that ignores the context, and we leave it behind.
		select {
		case o = <-done:
		case <-time.After(lateGrace):
			return formatted(unknownf(p.Service, "timed out after %s while %s", registry.FormatSeconds(std.Timeout)+"s", tracker.Get()))
		}
	}
	switch {
	case o.panic != nil:
		if std.Verbose >= 3 {
			fmt.Fprintf(stderr, "panic: %v\n%s", o.panic, o.stack)
		}
		return formatted(unknownf(p.Service, "internal error while %s: %v (run with -vvv for the stack trace and report it)", tracker.Get(), o.panic))
	case o.err != nil:
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			msg := fmt.Sprintf("timed out after %ss while %s", registry.FormatSeconds(std.Timeout), tracker.Get())
			if detail := o.err.Error(); detail != context.DeadlineExceeded.Error() {
				msg += ": " + detail
			}
			return formatted(unknownf(p.Service, "%s", msg))
		}
		return formatted(unknownf(p.Service, "%v", o.err))
	case o.result == nil:
		return formatted(unknownf(p.Service, "internal error: the check returned no result"))
	}
	if o.result.Raw != nil {
		// A relay may only pass on the four plugin states.
		state := o.result.State
		if state < nagios.OK || state > nagios.Unknown {
			state = nagios.Unknown
		}
		return *o.result.Raw, state, true
	}
	return o.result.Format(p.Service), o.result.FinalState(), false
}

func formatted(text string, state nagios.State) (string, nagios.State, bool) {
	return text, state, false
}
