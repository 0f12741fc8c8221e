package ovsdb

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// scripted is a minimal OVSDB JSON-RPC peer for protocol unit tests; the
// real ovsdb-server is exercised by client_integration_test.go.
type scripted struct {
	locked    bool   // the reply to "lock"
	echoFirst bool   // send an echo request before answering lock
	notify    bool   // send a "locked" notification before the unlock reply
	lockErr   string // answer lock with this JSON-RPC error
	transact  string // the result of "transact"
	echoSeen  chan bool
}

// onePeer listens on a unix socket in a temporary directory, hands the
// first connection to serve and closes it when serve returns. It returns
// the target to dial ("unix:PATH").
func onePeer(t *testing.T, serve func(conn net.Conn)) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "db.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		serve(conn)
	}()
	return "unix:" + sock
}

// dialPeer connects to a test peer with a 5 s deadline; the client is
// closed when the test ends.
func dialPeer(t *testing.T, target string) (context.Context, *Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	c, err := Dial(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return ctx, c
}

func (s *scripted) serve(t *testing.T) string {
	t.Helper()
	return onePeer(t, func(conn net.Conn) {
		dec := json.NewDecoder(conn)
		write := func(v any) { b, _ := json.Marshal(v); _, _ = conn.Write(append(b, '\n')) }
		for {
			var m struct {
				ID     any             `json:"id"`
				Method string          `json:"method"`
				Params json.RawMessage `json:"params"`
				Result json.RawMessage `json:"result"`
			}
			if dec.Decode(&m) != nil {
				return
			}
			switch m.Method {
			case "lock":
				if s.echoFirst {
					write(map[string]any{"id": "echo", "method": "echo", "params": []any{}})
				}
				if s.lockErr != "" {
					write(map[string]any{"id": m.ID, "result": nil, "error": s.lockErr})
					continue
				}
				write(map[string]any{"id": m.ID, "result": map[string]bool{"locked": s.locked}, "error": nil})
			case "unlock":
				if s.notify {
					write(map[string]any{"id": nil, "method": "locked", "params": []string{"ovs_vswitchd"}})
				}
				write(map[string]any{"id": m.ID, "result": map[string]any{}, "error": nil})
			case "transact":
				write(map[string]any{"id": m.ID, "result": json.RawMessage(s.transact), "error": nil})
			case "":
				if m.ID == "echo" && s.echoSeen != nil {
					s.echoSeen <- true
				}
			}
		}
	})
}

func TestLockHeld(t *testing.T) {
	tests := []struct {
		name     string
		server   scripted
		wantHeld bool
		wantErr  string
	}{
		{name: "held by ovs-vswitchd", server: scripted{locked: false}, wantHeld: true},
		{name: "free: ovs-vswitchd is gone", server: scripted{locked: true}, wantHeld: false},
		{name: "released while we waited", server: scripted{locked: false, notify: true}, wantHeld: false},
		{name: "echo answered on the way", server: scripted{locked: false, echoFirst: true, echoSeen: make(chan bool, 1)}, wantHeld: true},
		{name: "server without locks", server: scripted{lockErr: "unknown method"}, wantErr: "refused the lock request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.server.transact = `[{"rows":[{"name":"br0"}]}]`
			target := tt.server.serve(t)
			ctx, c := dialPeer(t, target)
			held, err := c.LockHeld(ctx, "ovs_vswitchd")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !IsServer(err) {
					t.Fatalf("err = %v, want a server error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if held != tt.wantHeld {
				t.Errorf("held = %v, want %v", held, tt.wantHeld)
			}
			if tt.server.echoSeen != nil {
				select {
				case <-tt.server.echoSeen:
				case <-ctx.Done():
					t.Error("the server's echo request was not answered")
				}
			}
			// The connection is still usable for the transaction.
			res, err := c.Transact(ctx, OpenVSwitch, Select("Bridge", []string{"name"}))
			if err != nil {
				t.Fatal(err)
			}
			if name, _ := res[0].Rows[0].String("name"); name != "br0" {
				t.Errorf("rows = %v", res[0].Rows)
			}
			if _, err := c.LockHeld(ctx, "x"); err == nil {
				t.Error("LockHeld after Transact should fail")
			}
		})
	}
}

func TestTransactServerClosesConnection(t *testing.T) {
	target := onePeer(t, func(conn net.Conn) {
		buf := make([]byte, 4096)
		_, _ = conn.Read(buf)
	})
	ctx, c := dialPeer(t, target)
	_, err := c.Transact(ctx, OpenVSwitch, Select("Bridge", nil))
	if !IsProtocol(err) || IsTimeout(err) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a protocol error, not a timeout", err)
	}
	if !strings.Contains(err.Error(), "connection closed by the peer") {
		t.Errorf("err = %v", err)
	}
}
