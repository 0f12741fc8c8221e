package ovsdb

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// row decodes a row from JSON the way the client does.
func row(t *testing.T, s string) Row {
	t.Helper()
	var r Row
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// The notation below is copied from real ovsdb-server 3.1 replies.
func TestRowAccessors(t *testing.T) {
	r := row(t, `{
		"_uuid":["uuid","ec2bb080-3722-468a-8332-1e2695d90952"],
		"target":"tcp:127.0.0.1:16653",
		"is_connected":true,
		"role":"other",
		"no_role":["set",[]],
		"status":["map",[["sec_since_connect","299"],["state","ACTIVE"]]],
		"empty_map":["map",[]],
		"one_ctl":["uuid","5d4a0e8c-78d4-4edc-87ab-be87163c285a"],
		"two_ctl":["set",[["uuid","28067747-6b00-4661-8756-ce29ad90938b"],["uuid","5d4a0e8c-78d4-4edc-87ab-be87163c285a"]]],
		"cur_cfg":5,
		"opt_int":["set",[]],
		"queues":["map",[[0,["uuid","aaaaaaaa-0000-0000-0000-000000000000"]],[13947,["uuid","bbbbbbbb-0000-0000-0000-000000000000"]]]],
		"types":["set",["afxdp","geneve"]],
		"rate":1.5
	}`)
	check := func(name string, got, want any, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", name, got, want)
		}
	}
	id, err := r.UUID("_uuid")
	check("UUID", id, UUID("ec2bb080-3722-468a-8332-1e2695d90952"), err)
	s, err := r.String("target")
	check("String", s, "tcp:127.0.0.1:16653", err)
	s, ok, err := r.OptString("no_role")
	check("OptString empty", []any{s, ok}, []any{"", false}, err)
	b, err := r.Bool("is_connected")
	check("Bool", b, true, err)
	m, err := r.StringMap("status")
	check("StringMap", m, map[string]string{"sec_since_connect": "299", "state": "ACTIVE"}, err)
	m, err = r.StringMap("empty_map")
	check("StringMap empty", m, map[string]string{}, err)
	ids, err := r.UUIDs("one_ctl")
	check("UUIDs single", ids, []UUID{"5d4a0e8c-78d4-4edc-87ab-be87163c285a"}, err)
	ids, err = r.UUIDs("two_ctl")
	check("UUIDs set", ids, []UUID{"28067747-6b00-4661-8756-ce29ad90938b", "5d4a0e8c-78d4-4edc-87ab-be87163c285a"}, err)
	ids, err = r.UUIDs("no_role")
	check("UUIDs empty", ids, []UUID{}, err)
	n, err := r.Int("cur_cfg")
	check("Int", n, int64(5), err)
	n, ok, err = r.OptInt("opt_int")
	check("OptInt empty", []any{n, ok}, []any{int64(0), false}, err)
	q, err := r.IntUUIDMap("queues")
	check("IntUUIDMap", q, map[int64]UUID{0: "aaaaaaaa-0000-0000-0000-000000000000", 13947: "bbbbbbbb-0000-0000-0000-000000000000"}, err)
	ss, err := r.Strings("types")
	check("Strings", ss, []string{"afxdp", "geneve"}, err)
	f, err := r.Float("rate")
	check("Float", f, 1.5, err)
}

func TestRowAccessorErrors(t *testing.T) {
	r := row(t, `{"target":"x","rate":1.5,"status":["set",[]],"two":["set",["a","b"]],"big":9223372036854775808,"ids":["set",["a"]],"m":["map",[["k",1]]]}`)
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"missing column", func() error { _, err := r.String("nope"); return err }(), `column "nope" is missing`},
		{"wrong type", func() error { _, err := r.Bool("target"); return err }(), `column "target": expected a boolean`},
		{"not whole", func() error { _, err := r.Int("rate"); return err }(), `expected an integer`},
		{"set is not a map", func() error { _, err := r.StringMap("status"); return err }(), `not an OVSDB map`},
		{"two values for optional", func() error { _, err := r.String("two"); return err }(), `at most one value`},
		{"uuid from string", func() error { _, err := r.UUID("target"); return err }(), `expected a uuid`},
		// 2^63 does not fit an int64; converting it anyway gives MinInt64 on amd64.
		{"integer overflow", func() error { _, err := r.Int("big"); return err }(), `expected an integer`},
		{"set of wrong type", func() error { _, err := r.UUIDs("ids"); return err }(), `expected a set of uuids`},
		{"map of wrong type", func() error { _, err := r.StringMap("m"); return err }(), `expected a map of strings to strings`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", tt.err, tt.want)
			}
		})
	}
}

func TestSplitResults(t *testing.T) {
	ops := []Op{Select("Bridge", []string{"name"}), Select("Nope", nil), Select("Port", nil)}
	tests := []struct {
		name    string
		reply   string
		wantErr string
		rows    []int
	}{
		{"all ok", `[{"rows":[{"name":"a"},{"name":"b"}]},{"rows":[]},{"rows":[{}]}]`, "", []int{2, 0, 1}},
		// Copied from ovsdb-server 3.1: a select on an unknown table.
		{"unknown table", `[{"rows":[]},{"details":"Parsing ovsdb operation 2 of 3 failed: No table named Nope.","error":"syntax error","syntax":"{}"},null]`,
			`operation 2 (select on table "Nope") failed: syntax error: Parsing ovsdb operation 2 of 3 failed: No table named Nope.`, nil},
		{"commit error", `[{"rows":[]},{"rows":[]},{"rows":[]},{"error":"timed out","details":"x"}]`, "operation 4 (commit) failed: timed out", nil},
		{"missing rows", `[{"rows":[]},{},{"rows":[]}]`, "has no rows", nil},
		{"short reply", `[{"rows":[]}]`, "1 results for 3 operations", nil},
		{"not executed", `[{"rows":[]},null,{"rows":[]}]`, "operation 2 (select on table \"Nope\") was not executed", nil},
		{"not an array", `{"rows":[]}`, "not an array", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := splitResults(json.RawMessage(tt.reply), ops)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, n := range tt.rows {
				if len(res[i].Rows) != n {
					t.Errorf("op %d: %d rows, want %d", i, len(res[i].Rows), n)
				}
			}
		})
	}
	var opErr *OpError
	_, err := splitResults(json.RawMessage(tests[1].reply), ops)
	if !errors.As(err, &opErr) || opErr.Index != 1 || opErr.Err != "syntax error" {
		t.Errorf("err = %#v, want an *OpError for index 1", err)
	}
}

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in, network, addr string
		ok                bool
	}{
		{"unix:/var/run/openvswitch/db.sock", "unix", "/var/run/openvswitch/db.sock", true},
		{"tcp:127.0.0.1:6640", "tcp", "127.0.0.1:6640", true},
		{"tcp:[::1]:6640", "tcp", "[::1]:6640", true},
		{"tcp:127.0.0.1", "", "", false},
		{"tcp:127.0.0.1:99999", "", "", false},
		{"tcp:127.0.0.1:0", "", "", false},
		{"tcp:127.0.0.1:ovsdb", "", "", false},
		{"unix:", "", "", false},
		{"/var/run/openvswitch/db.sock", "", "", false},
		{"ssl:1.2.3.4:6640", "", "", false},
		{"ptcp:6640", "", "", false},
	}
	for _, tt := range tests {
		n, a, err := ParseTarget(tt.in)
		if (err == nil) != tt.ok || n != tt.network || a != tt.addr {
			t.Errorf("ParseTarget(%q) = %q, %q, %v", tt.in, n, a, err)
		}
	}
}

func FuzzSet(f *testing.F) {
	for _, s := range []string{`["set",[]]`, `["uuid","x"]`, `["set",[["uuid","a"],1,"s",true]]`, `["map",[["a","b"]]]`, `5`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v any
		if json.Unmarshal([]byte(s), &v) != nil {
			return
		}
		_, _ = Set(v)
		_, _ = Map(v)
		r := Row{"c": v}
		_, _ = r.StringMap("c")
		_, _ = r.UUIDs("c")
		_, _, _ = r.OptInt("c")
	})
}
