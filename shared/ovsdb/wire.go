package ovsdb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
)

// maxMessage bounds one JSON-RPC message from the server. A check's reply
// is kilobytes; the bound only stops a peer that streams an endless value.
const maxMessage = 64 << 20

// prefixCheck is how much of an incomplete message is checked for JSON
// syntax errors before it is complete. Junk shows in its first bytes, and
// the bound keeps a large, valid reply from being rescanned on every read.
const prefixCheck = 64 << 10

// wire is the connection as LockHeld and go-openvswitch see it.
//
// It frames the stream into JSON-RPC messages itself and checks each
// before anyone else sees it, because go-openvswitch's receive loop cannot
// cope with anything but well-formed replies: after a JSON syntax error its
// decoder fails forever and the loop spins without reading again, so the
// pending call would wait for the deadline (and Close would never return),
// and a message with a null id that is not an echo makes it dereference a
// nil pointer. So a peer that is not speaking OVSDB JSON-RPC fails the
// running call at once with a KindProtocol error that says so, and
// go-openvswitch receives only complete, valid messages it can handle.
//
// It keeps a copy of the messages passed to go-openvswitch and of the
// bytes it sends, because go-openvswitch's Transact returns only the
// concatenated rows of all operations and drops per-operation errors:
// wire.results finds the transaction's reply in the copy and splits it per
// operation. A check's reply is a few kilobytes, so the copy is cheap.
//
// It also turns every read failure into net.ErrClosed for go-openvswitch,
// whose receive loop otherwise retries a failed connection forever, and
// hands the real error to the running Transact.
type wire struct {
	net.Conn
	target string

	// Framing state. Only one goroutine reads at a time: LockHeld, then
	// go-openvswitch's receive loop, which starts after it.
	buf     []byte // received bytes not yet framed into a message
	start   int    // where the current message begins in buf, -1 between messages
	scanned int    // how much of buf has been scanned
	depth   int    // nesting depth inside the current message
	inStr   bool   // inside a JSON string
	esc     bool   // after a backslash inside a JSON string
	readErr error  // the connection's read error, reported once buf is used up
	ready   []byte // a checked message not yet read by go-openvswitch

	mu   sync.Mutex
	in   bytes.Buffer // messages passed to go-openvswitch
	out  bytes.Buffer // bytes written
	err  error        // the first failure seen by Read
	fail context.CancelCauseFunc
}

func (w *wire) setFail(f context.CancelCauseFunc) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.fail = f
	if w.err != nil {
		f(w.err)
	}
}

// failWith records the first read failure and fails the running call.
func (w *wire) failWith(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil || errors.Is(err, net.ErrClosed) {
		return
	}
	w.err = err
	if w.fail != nil {
		w.fail(err)
	}
}

// Read serves go-openvswitch one checked message at a time.
func (w *wire) Read(b []byte) (int, error) {
	for len(w.ready) == 0 {
		w.mu.Lock()
		failed := w.err != nil
		w.mu.Unlock()
		if failed {
			return 0, net.ErrClosed
		}
		raw, m, err := w.next()
		if err != nil {
			w.failWith(err)
			return 0, net.ErrClosed
		}
		if !forLibrary(m) {
			continue
		}
		w.ready = append(append(w.ready[:0], raw...), '\n')
		w.mu.Lock()
		w.in.Write(w.ready)
		w.mu.Unlock()
	}
	n := copy(b, w.ready)
	w.ready = w.ready[n:]
	return n, nil
}

// forLibrary decides whether go-openvswitch may see message m: replies and
// echo requests pass. Other requests and notifications are dropped:
// go-openvswitch would take a request for a reply, and crash on a
// notification's null id.
func forLibrary(m rpcMessage) bool {
	return m.Method == "" || m.Method == "echo"
}

// next returns the next complete JSON-RPC message from the connection,
// raw and decoded. A stream that is not JSON-RPC gives a KindProtocol
// *Error as soon as it shows; a read failure is returned as it is.
func (w *wire) next() ([]byte, rpcMessage, error) {
	for {
		raw, m, err := w.frame()
		if raw != nil || err != nil {
			return raw, m, err
		}
		if w.readErr != nil {
			return nil, rpcMessage{}, w.readErr
		}
		if len(w.buf) > maxMessage {
			return nil, rpcMessage{}, w.notJSONRPC(w.buf[max(w.start, 0):], fmt.Errorf("a message longer than %d MiB", maxMessage>>20))
		}
		if cap(w.buf)-len(w.buf) < 4096 {
			w.buf = slices.Grow(w.buf, max(32<<10, len(w.buf)))
		}
		n, err := w.Conn.Read(w.buf[len(w.buf):cap(w.buf)])
		w.buf = w.buf[:len(w.buf)+n]
		w.readErr = err
	}
}

// frame scans the received bytes for the end of the current message. It
// returns the message when it is complete, nothing when more bytes are
// needed, and a KindProtocol error when the bytes cannot be JSON-RPC.
func (w *wire) frame() ([]byte, rpcMessage, error) {
	for i := w.scanned; i < len(w.buf); i++ {
		c := w.buf[i]
		switch {
		case w.start < 0:
			switch c {
			case ' ', '\t', '\r', '\n':
				continue
			case '{':
				w.start, w.depth, w.inStr, w.esc = i, 1, false, false
			default:
				// Every JSON-RPC message is an object.
				return nil, rpcMessage{}, w.notJSONRPC(w.buf[i:], nil)
			}
		case w.inStr:
			switch {
			case w.esc:
				w.esc = false
			case c == '\\':
				w.esc = true
			case c == '"':
				w.inStr = false
			}
		case c == '"':
			w.inStr = true
		case c == '{' || c == '[':
			w.depth++
		case c == '}' || c == ']':
			w.depth--
			if w.depth > 0 {
				continue
			}
			raw := bytes.Clone(w.buf[w.start : i+1])
			w.buf = append(w.buf[:0], w.buf[i+1:]...)
			w.start, w.scanned = -1, 0
			var m rpcMessage
			if err := json.Unmarshal(raw, &m); err != nil {
				return nil, rpcMessage{}, w.notJSONRPC(raw, err)
			}
			// A reply carries the string id of one of our requests.
			var id string
			if m.Method == "" && (isNull(m.ID) || json.Unmarshal(m.ID, &id) != nil) {
				return nil, rpcMessage{}, w.notJSONRPC(raw, errors.New("a message that is neither a request nor a reply with a string id"))
			}
			return raw, m, nil
		}
	}
	w.scanned = len(w.buf)
	if w.start < 0 {
		// Only whitespace so far.
		w.buf, w.scanned = w.buf[:0], 0
		return nil, rpcMessage{}, nil
	}
	if part := w.buf[w.start:]; len(part) <= prefixCheck {
		var v json.RawMessage
		var syntax *json.SyntaxError
		if err := json.NewDecoder(bytes.NewReader(part)).Decode(&v); errors.As(err, &syntax) {
			return nil, rpcMessage{}, w.notJSONRPC(part, err)
		}
	}
	return nil, rpcMessage{}, nil
}

// notJSONRPC is the error for a peer whose data is not OVSDB JSON-RPC:
// why it is not, and how the data begins.
func (w *wire) notJSONRPC(data []byte, why error) *Error {
	const show = 40
	begin := fmt.Sprintf("%q", data[:min(len(data), show)])
	if len(data) > show {
		begin += "..."
	}
	detail := "it sent " + begin
	if why != nil {
		detail = why.Error() + " in " + begin
	}
	return &Error{Kind: KindProtocol, Target: w.target, Err: errors.New(detail),
		msg:  "OVSDB at " + w.target + " answered with data that is not JSON-RPC",
		Hint: "is --db pointing at an OVSDB remote? ovsdb-server speaks JSON-RPC on unix:PATH or tcp:HOST:PORT, e.g. unix:/var/run/openvswitch/db.sock"}
}

func (w *wire) Write(b []byte) (int, error) {
	w.mu.Lock()
	w.out.Write(b)
	w.mu.Unlock()
	return w.Conn.Write(b)
}
