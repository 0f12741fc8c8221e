package snmpextend

import (
	"fmt"
	"regexp"
	"strings"
	"syscall"

	"edgecheck/shared/nagios"
)

// ExecType is nsExtendExecType (NET-SNMP-EXTEND-MIB): how snmpd runs the
// command, which decides what nsExtendResult holds.
type ExecType int64

// nsExtendExecType values.
const (
	// ExecTypeUnknown: the agent did not give nsExtendExecType.
	ExecTypeUnknown ExecType = 0
	// ExecTypeExec is exec(1), the `extend NAME PROG ARGS` form: net-snmp
	// forks and execv()s the program (agent/mibgroup/utilities/execute.c,
	// run_exec_command) and stores WEXITSTATUS(status). A program killed by
	// a signal therefore reads as 0, and a program that is missing or not
	// executable as 1 with no output (the child's execv fails, exit(1)).
	ExecTypeExec ExecType = 1
	// ExecTypeShell is shell(2), `extend-sh` or `extend -execType sh`:
	// net-snmp runs the command with system() (run_shell_command) and
	// stores the raw wait status, so exit 1 reads as 256, exit 2 as 512,
	// and "command not found" as 127<<8 = 32512.
	ExecTypeShell ExecType = 2
)

func (t ExecType) String() string {
	switch t {
	case ExecTypeExec:
		return "exec"
	case ExecTypeShell:
		return "shell"
	}
	return fmt.Sprintf("unknown(%d)", int64(t))
}

// Status is what an nsExtendResult means once decoded for its exec type.
type Status struct {
	// Exit is the command's exit code (0-255), valid when Signal is 0 and
	// Failed is false.
	Exit int
	// Signal is the signal that killed the command, where the result says so
	// (a raw wait status with a signal, or a shell's 128+N exit).
	Signal int
	// Failed: snmpd could not run the command at all (nsExtendResult -1).
	Failed bool
	// Shell tells whether the result was decoded as a raw wait status.
	Shell bool
}

// DecodeResult decodes nsExtendResult per nsExtendExecType. Where the agent
// gives no exec type, a positive multiple of 256 is taken for a raw wait
// status (no exec-type result is above 255).
func DecodeResult(t ExecType, result int64) Status {
	if result < 0 {
		return Status{Failed: true}
	}
	shell := t == ExecTypeShell || (t != ExecTypeExec && result > 255 && result&0xff == 0)
	if !shell {
		return Status{Exit: int(result)}
	}
	st := Status{Shell: true}
	if sig := int(result & 0x7f); sig != 0 {
		st.Signal = sig // system()'s own /bin/sh was killed
		return st
	}
	st.Exit = int(result>>8) & 0xff
	// sh reports a child killed by signal N as exit status 128+N.
	if st.Exit > 128 && st.Exit < 128+65 {
		st.Signal = st.Exit - 128
	}
	return st
}

// Describe says what the status means, for the first line of a check
// that could not relay the plugin's state.
func (s Status) Describe() string {
	switch {
	case s.Failed:
		return "could not be run by snmpd (nsExtendResult -1)"
	case s.Signal != 0:
		return fmt.Sprintf("was killed by signal %d (%s)", s.Signal, syscall.Signal(s.Signal))
	}
	return fmt.Sprintf("exited with code %d", s.Exit)
}

// statusWord finds the plugin's own state in its first line, in the
// usual "SERVICE STATE - text" or "STATE: text" forms (Nagios plugin
// guidelines), looking only before the perfdata.
var statusWord = regexp.MustCompile(`^(?:[^\s|]+\s+){0,2}?(OK|WARNING|CRITICAL|UNKNOWN)(?:\s+-|:|\s*$)`)

// LineState returns the state the plugin's first line states, if any.
func LineState(out string) (nagios.State, bool) {
	line, _, _ := strings.Cut(out, "\n")
	line, _, _ = strings.Cut(line, "|")
	m := statusWord.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return nagios.Unknown, false
	}
	switch m[1] {
	case "OK":
		return nagios.OK, true
	case "WARNING":
		return nagios.Warning, true
	case "CRITICAL":
		return nagios.Critical, true
	}
	return nagios.Unknown, true
}
