package ovsdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
)

// A Kind classifies an Error so that callers can react without parsing text.
type Kind int

// The kinds of Error.
const (
	// KindConnect: the connection could not be opened (no socket, refused,
	// permission denied, DNS).
	KindConnect Kind = iota + 1
	// KindTimeout: the deadline passed while connecting or waiting for a reply.
	KindTimeout
	// KindProtocol: the peer closed the connection or answered something that
	// is not OVSDB JSON-RPC.
	KindProtocol
	// KindServer: ovsdb-server refused a request or an operation (an unknown
	// table or column, a failed commit, an unknown method).
	KindServer
)

// An Error is a failure to talk to OVSDB. Its message is written for a first
// responder: what failed, where, and what to check.
type Error struct {
	Kind   Kind
	Target string // the --db target, e.g. unix:/var/run/openvswitch/db.sock
	Err    error  // the underlying error
	Hint   string // what to check, without parentheses
	msg    string // what failed, e.g. "cannot connect to OVSDB at unix:..."
}

func (e *Error) Error() string {
	s := e.msg
	if e.Err != nil {
		s += ": " + describe(e.Err)
	}
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

// Unwrap returns the underlying error. A timeout also matches
// context.DeadlineExceeded, so the runner reports it as a timeout.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	if e.Kind == KindTimeout {
		errs = append(errs, context.DeadlineExceeded)
	}
	return errs
}

func kindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// IsConnect reports whether err is a failure to open the connection.
func IsConnect(err error) bool { return kindOf(err) == KindConnect }

// IsTimeout reports whether err is a deadline that passed while talking to
// OVSDB.
func IsTimeout(err error) bool { return kindOf(err) == KindTimeout }

// IsProtocol reports whether the peer closed the connection or did not
// speak OVSDB JSON-RPC.
func IsProtocol(err error) bool { return kindOf(err) == KindProtocol }

// IsServer reports whether ovsdb-server refused a request or an operation.
func IsServer(err error) bool { return kindOf(err) == KindServer }

// An OpError is ovsdb-server's own error for one operation of a
// transaction, such as an unknown table or column.
type OpError struct {
	Index   int    // 0-based position in the transaction; len(ops) for a commit error
	Op      string // the operation, e.g. `select on table "Bridge"`
	Err     string // OVSDB error tag, e.g. "syntax error", "constraint violation"
	Details string
}

func (e *OpError) Error() string {
	s := fmt.Sprintf("operation %d (%s) failed: %s", e.Index+1, e.Op, e.Err)
	if e.Details != "" {
		s += ": " + e.Details
	}
	return s
}

// describe turns low-level errors into short words: "no such file" instead
// of "dial unix /x: connect: no such file or directory".
func describe(err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist), errors.Is(err, syscall.ENOENT):
		return "no such file"
	case errors.Is(err, os.ErrPermission), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return "permission denied"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by peer"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed by the peer"
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return "no answer before the deadline"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "cannot resolve " + dnsErr.Name + ": " + dnsErr.Err
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Err != nil {
		return opErr.Err.Error()
	}
	return err.Error()
}

func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// connectError classifies a dial failure.
func connectError(target, network string, err error) *Error {
	e := &Error{Kind: KindConnect, Target: target, Err: err, msg: "cannot connect to OVSDB at " + target}
	switch {
	case isTimeout(err):
		e.Kind = KindTimeout
		e.Hint = "the connection was not accepted in time; is the host reachable and ovsdb-server running?"
	case errors.Is(err, os.ErrNotExist), errors.Is(err, syscall.ENOENT):
		e.Hint = "is ovsdb-server running?"
	case errors.Is(err, os.ErrPermission), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		e.Hint = "run the check as root, e.g. through sudo in the NRPE command, or use --db tcp:HOST:PORT"
	case errors.Is(err, syscall.ECONNREFUSED) && network == "unix":
		e.Hint = "the path exists but nobody accepts connections on it; is ovsdb-server running?"
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Hint = "is ovsdb-server listening there? e.g. ovs-vsctl set-manager ptcp:6640:127.0.0.1"
	}
	return e
}

// ioError classifies a failure after the connection was opened.
func ioError(target, doing string, err error) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	e := &Error{Kind: KindProtocol, Target: target, Err: err, msg: "OVSDB at " + target + " failed while " + doing}
	switch {
	case isTimeout(err):
		e.Kind = KindTimeout
		e.msg = "OVSDB at " + target + " did not answer while " + doing
		e.Err = nil
		e.Hint = "ovsdb-server accepted the connection but sent no reply; is it hung or overloaded, or is this not an OVSDB remote?"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		e.Hint = "is this an OVSDB remote? see ovsdb-server's log"
	}
	return e
}
