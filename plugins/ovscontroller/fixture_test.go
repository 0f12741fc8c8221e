package ovscontroller

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"edgecheck/shared/nagios"
	"edgecheck/shared/ovsdb"
)

// A fixture is a real ovsdb-server reply to query.json, captured from the
// lab by testdata/capture.sh, and whether ovs-vswitchd held its lock then.
type fixture struct {
	Comment  string          `json:"comment"`
	LockHeld bool            `json:"lock_held"`
	Reply    json.RawMessage `json:"reply"`
}

func loadFixture(t testing.TB, name string) fixture {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f
}

// asMaster turns the captured healthy reply into one where br-lab's
// controller has role master. ovs-testcontroller never sends a role
// request, so the lab cannot produce role master; this is the only
// fixture that is derived rather than captured.
func asMaster(f fixture) fixture {
	f.Reply = bytes.ReplaceAll(f.Reply, []byte(`"role": "other"`), []byte(`"role": "master"`))
	f.Comment += " (role edited to master)"
	return f
}

// snapshot decodes the fixture as the check does, ovs-vswitchd's lock
// held or not as captured.
func (f fixture) snapshot(t testing.TB) *Snapshot {
	t.Helper()
	snap, err := decodeSnapshot(f.results(t), f.LockHeld)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// results decodes a fixture reply into per-operation results the way
// shared/ovsdb does.
func (f fixture) results(t testing.TB) []ovsdb.Result {
	t.Helper()
	var entries []struct {
		Rows []ovsdb.Row `json:"rows"`
	}
	if err := json.Unmarshal(f.Reply, &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(queryOps) {
		t.Fatalf("fixture has %d results, want %d", len(entries), len(queryOps))
	}
	out := make([]ovsdb.Result, len(entries))
	for i, e := range entries {
		out[i] = ovsdb.Result{Op: queryOps[i], Rows: e.Rows}
	}
	return out
}

// serveFixture starts a replay OVSDB server on a unix socket that answers
// lock, unlock, echo and transact from the fixture. It fails the test when
// the transaction is not exactly testdata/query.json, so the fixtures stay
// answers to the query the check really sends.
func serveFixture(t testing.TB, f fixture) string {
	t.Helper()
	query, err := os.ReadFile(filepath.Join("testdata", "query.json"))
	if err != nil {
		t.Fatal(err)
	}
	var wantParams any
	if err := json.Unmarshal(query, &wantParams); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "db.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go replay(t, conn, f, wantParams)
		}
	}()
	return "unix:" + sock
}

func replay(t testing.TB, conn net.Conn, f fixture, wantParams any) {
	defer conn.Close()
	dec := json.NewDecoder(conn)
	enc := json.NewEncoder(conn)
	for {
		var req struct {
			ID     any    `json:"id"`
			Method string `json:"method"`
			Params any    `json:"params"`
		}
		if err := dec.Decode(&req); err != nil {
			return
		}
		var result any
		switch req.Method {
		case "lock":
			result = map[string]bool{"locked": !f.LockHeld}
		case "unlock":
			result = map[string]any{}
		case "echo":
			result = req.Params
		case "transact":
			if !reflect.DeepEqual(req.Params, wantParams) {
				t.Errorf("transact params differ from testdata/query.json: %v", req.Params)
				_ = enc.Encode(map[string]any{"id": req.ID, "result": nil, "error": "unexpected transaction"})
				continue
			}
			result = f.Reply
		default:
			_ = enc.Encode(map[string]any{"id": req.ID, "result": nil, "error": "unknown method"})
			continue
		}
		if err := enc.Encode(map[string]any{"id": req.ID, "result": result, "error": nil}); err != nil {
			return
		}
	}
}

func TestQueryJSONIsWhatTheCheckSends(t *testing.T) {
	query, err := os.ReadFile(filepath.Join("testdata", "query.json"))
	if err != nil {
		t.Fatal(err)
	}
	ops := []any{ovsdb.OpenVSwitch}
	for _, op := range queryOps {
		ops = append(ops, op)
	}
	got, err := json.Marshal(ops)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	_ = json.Unmarshal(got, &a)
	_ = json.Unmarshal(query, &b)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("queryOps marshal to\n%s\nbut testdata/query.json (used by capture.sh) is\n%s", got, query)
	}
}

// wantItems fails t unless, for each text of want, some item of res
// matches it (match(item text, text): strings.Contains, strings.HasPrefix)
// and every item that matches has its state.
func wantItems(t *testing.T, res *nagios.Result, want map[string]nagios.State, match func(s, sub string) bool) {
	t.Helper()
	for sub, state := range want {
		found := false
		for _, it := range res.Items {
			if match(it.Text, sub) {
				found = true
				if it.State != state {
					t.Errorf("item %q is %v, want %v", it.Text, it.State, state)
				}
			}
		}
		if !found {
			t.Errorf("no item matches %q\n%s", sub, res.Format("OVS_CONTROLLER"))
		}
	}
}
