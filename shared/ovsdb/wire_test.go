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

// junkPeer accepts one connection on network ("unix" or "tcp"), reads
// whatever the client sends, writes junk and then keeps the connection
// open without another byte, as a wrong service on the --db port would.
func junkPeer(t *testing.T, network, junk string) string {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = filepath.Join(t.TempDir(), "garbage.sock")
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		buf := make([]byte, 4096)
		_, _ = conn.Read(buf)
		_, _ = conn.Write([]byte(junk))
		<-done
	}()
	return network + ":" + ln.Addr().String()
}

func TestGarbagePeerIsProtocolError(t *testing.T) {
	junks := []struct {
		name, junk, shows string
	}{
		{"http", "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", `"HTTP/1.1 400 Bad Request`},
		{"binary", "\x00\x01\xfe\xffjunk", `"\x00\x01\xfe\xffjunk"`},
		{"banner", "SSH-2.0-OpenSSH_9.2p1\r\n", `"SSH-2.0-OpenSSH_9.2p1\r\n"`},
		{"brace then junk", "{junk junk junk", `"{junk junk junk"`},
		{"json but not json-rpc", `{"hello":"world"}` + "\n", `"{\"hello\":\"world\"}"`},
		{"array", "[1,2,3]\n", `"[1,2,3]\n"`},
	}
	for _, network := range []string{"unix", "tcp"} {
		for _, j := range junks {
			for _, call := range []string{"Transact", "LockHeld"} {
				t.Run(network+"/"+j.name+"/"+call, func(t *testing.T) {
					target := junkPeer(t, network, j.junk)
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer cancel()
					began := time.Now()
					c, err := Dial(ctx, target)
					if err != nil {
						t.Fatal(err)
					}
					if call == "Transact" {
						_, err = c.Transact(ctx, OpenVSwitch, Select("Bridge", []string{"name"}))
					} else {
						_, err = c.LockHeld(ctx, "ovs_vswitchd")
					}
					closed := make(chan error, 1)
					go func() { closed <- c.Close() }()
					select {
					case <-closed:
					case <-ctx.Done():
						t.Fatal("Close did not return before the deadline")
					}
					if ctx.Err() != nil {
						t.Fatalf("the call returned only after the deadline: %v", err)
					}
					if took := time.Since(began); took > 4*time.Second {
						t.Errorf("took %v, want well before the 5 s deadline", took)
					}
					if !IsProtocol(err) || IsTimeout(err) || errors.Is(err, context.DeadlineExceeded) {
						t.Fatalf("err = %v, want a protocol error, not a timeout", err)
					}
					msg := err.Error()
					for _, want := range []string{
						"OVSDB at " + target + " answered with data that is not JSON-RPC",
						j.shows,
						"is --db pointing at an OVSDB remote?",
					} {
						if !strings.Contains(msg, want) {
							t.Errorf("err = %s\nwant it to contain %s", msg, want)
						}
					}
				})
			}
		}
	}
}

// A peer that sends a notification (null id) or a request of its own
// before the reply: go-openvswitch alone would crash on the nil id or take
// the request for a reply; the wire drops both.
func TestTransactDropsNotifications(t *testing.T) {
	target := onePeer(t, func(conn net.Conn) {
		var req struct {
			ID json.RawMessage `json:"id"`
		}
		if json.NewDecoder(conn).Decode(&req) != nil {
			return
		}
		_, _ = conn.Write([]byte(`{"id":null,"method":"update","params":[null,{}]}` + "\n" +
			` {"id":"x","method":"list_dbs","params":[]}` +
			`{"id":` + string(req.ID) + `,"result":[{"rows":[{"name":"br \"0\" {[}"}]}],"error":null}` + "\n"))
		buf := make([]byte, 4096)
		_, _ = conn.Read(buf)
	})
	ctx, c := dialPeer(t, target)
	res, err := c.Transact(ctx, OpenVSwitch, Select("Bridge", []string{"name"}))
	if err != nil {
		t.Fatal(err)
	}
	if name, _ := res[0].Rows[0].String("name"); name != `br "0" {[}` {
		t.Errorf("rows = %v", res[0].Rows)
	}
}
