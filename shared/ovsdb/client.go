// Package ovsdb is edgecheck's thin OVSDB client. It reads through
// go-openvswitch's ovsdb package and adds what a monitoring check needs and
// that package lacks:
//
//   - a dial with a timeout, and a connection deadline taken from the
//     check's context (go-openvswitch's Dial has neither);
//   - each operation's own result, so that an error on one operation (an
//     unknown table or column) is an error and not an empty result;
//   - typed decoding of OVSDB notation (decode.go);
//   - LockHeld, to learn whether a daemon such as ovs-vswitchd holds its
//     OVSDB lock;
//   - typed errors whose messages tell a first responder what to check.
//
// A Client is meant for one short check run: Dial, optionally LockHeld,
// one Transact, Close.
package ovsdb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	goovsdb "github.com/digitalocean/go-openvswitch/ovsdb"
)

// DefaultTarget is where ovs-vsctl looks for the local database.
const DefaultTarget = "unix:/var/run/openvswitch/db.sock"

// OpenVSwitch is the name of the database that ovs-vswitchd uses.
const OpenVSwitch = "Open_vSwitch"

// ParseTarget splits an ovs-vsctl style --db target into a network and an
// address: unix:PATH or tcp:HOST:PORT. Callers validate flags with it
// before any I/O.
func ParseTarget(target string) (network, addr string, err error) {
	kind, rest, ok := strings.Cut(target, ":")
	switch {
	case ok && kind == "unix" && rest != "":
		return "unix", rest, nil
	case ok && kind == "tcp":
		host, port, err := net.SplitHostPort(rest)
		if err != nil || host == "" || port == "" {
			return "", "", fmt.Errorf("invalid OVSDB target %q: tcp targets are tcp:HOST:PORT (IPv6 as tcp:[::1]:6640)", target)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", "", fmt.Errorf("invalid OVSDB target %q: the port must be a number from 1 to 65535", target)
		}
		return "tcp", rest, nil
	case ok && (kind == "ssl" || kind == "ptcp" || kind == "punix" || kind == "pssl"):
		return "", "", fmt.Errorf("unsupported OVSDB target %q: use unix:PATH or tcp:HOST:PORT", target)
	}
	return "", "", fmt.Errorf("invalid OVSDB target %q: use unix:PATH or tcp:HOST:PORT", target)
}

// A Client is a connection to one OVSDB server.
type Client struct {
	target string
	conn   net.Conn
	wire   *wire
	lib    *goovsdb.Client
	stop   func() bool // releases the context watcher
}

// Dial connects to target (unix:PATH or tcp:HOST:PORT) within ctx's
// deadline. Every later read and write on the connection is bound by the
// same deadline, and cancelling ctx aborts them.
func Dial(ctx context.Context, target string) (*Client, error) {
	network, addr, err := ParseTarget(target)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, connectError(target, network, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(dl); err != nil {
			conn.Close()
			return nil, ioError(target, "setting the connection deadline", err)
		}
	}
	c := &Client{target: target, conn: conn, wire: &wire{Conn: conn, target: target, start: -1}}
	// A cancelled context (not only a deadline) must also unblock I/O.
	c.stop = context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	return c, nil
}

// Target returns the target the client dialled.
func (c *Client) Target() string { return c.target }

// Close closes the connection and stops go-openvswitch's goroutines.
func (c *Client) Close() error {
	c.stop()
	if c.lib != nil {
		return c.lib.Close()
	}
	return c.conn.Close()
}

// rpcMessage is any JSON-RPC 1.0 message: request, reply or notification.
type rpcMessage struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method,omitempty"`
	Params json.RawMessage `json:"params,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  json.RawMessage `json:"error,omitempty"`
}

func isNull(raw json.RawMessage) bool {
	s := bytes.TrimSpace(raw)
	return len(s) == 0 || string(s) == "null"
}

const (
	lockID   = `"edgecheck-lock"`
	unlockID = `"edgecheck-unlock"`
)

// LockHeld reports whether another client holds the OVSDB lock name.
// ovs-vswitchd holds the lock "ovs_vswitchd" for as long as it runs (it
// uses it to keep a second ovs-vswitchd from taking over), so
// LockHeld(ctx, "ovs_vswitchd") is false exactly when no ovs-vswitchd is
// connected to this database.
//
// go-openvswitch has no lock method, so LockHeld speaks these two RPCs
// itself, on the same connection, before go-openvswitch takes the
// connection over (it must be called before Transact). It sends "lock"
// and, in the same write, "unlock": when the lock was free the server
// grants it to us and the unlock hands it straight back, and when it was
// held the unlock withdraws our queued request. Either way the server has
// no reason to send a later "locked" notification, which go-openvswitch
// could not handle (it dereferences the nil id of notifications).
func (c *Client) LockHeld(ctx context.Context, name string) (bool, error) {
	if c.lib != nil {
		return false, errors.New("ovsdb: LockHeld must be called before Transact")
	}
	if err := ctx.Err(); err != nil {
		return false, ioError(c.target, "asking for the "+name+" lock", err)
	}
	param, _ := json.Marshal([]string{name})
	var req bytes.Buffer
	fmt.Fprintf(&req, `{"id":%s,"method":"lock","params":%s}`+"\n", lockID, param)
	fmt.Fprintf(&req, `{"id":%s,"method":"unlock","params":%s}`+"\n", unlockID, param)
	if _, err := c.conn.Write(req.Bytes()); err != nil {
		return false, ioError(c.target, "asking for the "+name+" lock", err)
	}
	var (
		locked           *bool
		unlocked, notify bool
	)
	for locked == nil || !unlocked {
		// The wire frames and validates the stream, so a peer that does
		// not speak JSON-RPC is named at once; whatever it reads past the
		// last reply stays buffered for go-openvswitch.
		_, m, err := c.wire.next()
		if err != nil {
			return false, ioError(c.target, "waiting for the reply to the "+name+" lock request", err)
		}
		switch {
		case m.Method == "echo" && !isNull(m.ID):
			// ovsdb-server's inactivity probe: answer it as any client must.
			reply, _ := json.Marshal(map[string]any{"id": m.ID, "result": m.Params, "error": nil})
			if _, err := c.conn.Write(append(reply, '\n')); err != nil {
				return false, ioError(c.target, "answering an echo", err)
			}
		case m.Method == "locked":
			// Our queued request was granted after all: the holder let go.
			notify = true
		case m.Method == "stolen":
			// Only possible for a steal request, which we never send.
		case string(bytes.TrimSpace(m.ID)) == lockID:
			if !isNull(m.Error) {
				return false, &Error{Kind: KindServer, Target: c.target, msg: "OVSDB at " + c.target + " refused the lock request",
					Err: errors.New(string(m.Error)), Hint: "this ovsdb-server may be too old to support locks"}
			}
			var res struct {
				Locked *bool `json:"locked"`
			}
			if err := json.Unmarshal(m.Result, &res); err != nil || res.Locked == nil {
				return false, ioError(c.target, "reading the lock reply", fmt.Errorf("unexpected lock reply %s", m.Result))
			}
			locked = res.Locked
		case string(bytes.TrimSpace(m.ID)) == unlockID:
			unlocked = true
		}
	}
	return !*locked && !notify, nil
}

// Transact runs ops as one transaction on database db and returns each
// operation's own result. An error reported by the server for any
// operation (such as a select on an unknown table, which go-openvswitch
// alone reports as no rows and no error) is returned as an *OpError
// inside an *Error of KindServer.
func (c *Client) Transact(ctx context.Context, db string, ops ...Op) ([]Result, error) {
	if len(ops) == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	c.wire.setFail(cancel)
	if c.lib == nil {
		lib, err := goovsdb.New(c.wire)
		if err != nil {
			return nil, ioError(c.target, "starting the OVSDB client", err)
		}
		c.lib = lib
	}
	libOps := make([]goovsdb.TransactOp, len(ops))
	for i, op := range ops {
		libOps[i] = op
	}
	rows, err := c.lib.Transact(ctx, db, libOps)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
			err = cause
		}
		var srv *goovsdb.Error
		if errors.As(err, &srv) {
			return nil, &Error{Kind: KindServer, Target: c.target, Err: err, msg: "OVSDB at " + c.target + " refused the transaction on database " + db}
		}
		return nil, ioError(c.target, "querying database "+db, err)
	}
	results, err := c.wire.results(ops)
	if err != nil {
		return nil, c.opFailure(db, err)
	}
	n := 0
	for _, r := range results {
		n += len(r.Rows)
	}
	if n != len(rows) {
		return nil, ioError(c.target, "reading the transaction reply", fmt.Errorf("go-openvswitch returned %d rows, the reply holds %d", len(rows), n))
	}
	return results, nil
}

func (c *Client) opFailure(db string, err error) error {
	var opErr *OpError
	if errors.As(err, &opErr) {
		hint := "does this server have the " + db + " schema this check expects?"
		return &Error{Kind: KindServer, Target: c.target, Err: err, Hint: hint, msg: "OVSDB at " + c.target + " rejected the query on database " + db}
	}
	return ioError(c.target, "reading the transaction reply", err)
}

// results finds the reply to the last transact request and checks and
// splits it per operation.
func (w *wire) results(ops []Op) ([]Result, error) {
	w.mu.Lock()
	out := append([]byte(nil), w.out.Bytes()...)
	in := append([]byte(nil), w.in.Bytes()...)
	w.mu.Unlock()

	var id string
	for _, m := range messages(out) {
		if m.Method == "transact" {
			id = string(bytes.TrimSpace(m.ID))
		}
	}
	if id == "" {
		return nil, errors.New("the transact request was not sent")
	}
	var reply json.RawMessage
	for _, m := range messages(in) {
		if m.Method == "" && string(bytes.TrimSpace(m.ID)) == id {
			reply = m.Result
		}
	}
	if reply == nil {
		return nil, errors.New("the transact reply was not found")
	}
	return splitResults(reply, ops)
}

// messages decodes a stream of JSON-RPC messages, stopping at the first
// incomplete one.
func messages(stream []byte) []rpcMessage {
	var out []rpcMessage
	dec := json.NewDecoder(bytes.NewReader(stream))
	for {
		var m rpcMessage
		if err := dec.Decode(&m); err != nil {
			return out
		}
		out = append(out, m)
	}
}

// splitResults checks each operation's own entry of a transact reply
// (RFC 7047 4.1.3): an entry with "error" is that operation's failure, and
// the operations after it are not executed (null). An entry beyond the
// operations is a commit failure.
func splitResults(reply json.RawMessage, ops []Op) ([]Result, error) {
	var entries []json.RawMessage
	if err := json.Unmarshal(reply, &entries); err != nil {
		return nil, fmt.Errorf("the transact reply is not an array: %w", err)
	}
	type entry struct {
		Rows    *[]Row  `json:"rows"`
		Error   *string `json:"error"`
		Details string  `json:"details"`
	}
	results := make([]Result, len(ops))
	for i, raw := range entries {
		if isNull(raw) {
			continue
		}
		var e entry
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("result of operation %d: %w", i+1, err)
		}
		if e.Error != nil {
			desc := "commit"
			if i < len(ops) {
				desc = ops[i].Describe()
			}
			return nil, &OpError{Index: i, Op: desc, Err: *e.Error, Details: e.Details}
		}
		if i >= len(ops) {
			continue
		}
		results[i].Op = ops[i]
		if _, isSelect := ops[i].(SelectOp); isSelect {
			if e.Rows == nil {
				return nil, fmt.Errorf("result of operation %d (%s) has no rows", i+1, ops[i].Describe())
			}
			results[i].Rows = *e.Rows
		}
	}
	if len(entries) < len(ops) {
		return nil, fmt.Errorf("the transact reply has %d results for %d operations", len(entries), len(ops))
	}
	for i := range ops {
		if results[i].Op == nil {
			return nil, fmt.Errorf("operation %d (%s) was not executed", i+1, ops[i].Describe())
		}
	}
	return results, nil
}
