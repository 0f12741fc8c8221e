package ovsdb

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
)

// This file is the one place that understands OVSDB's JSON notation
// (RFC 7047 section 5.1). Everything else works with typed values.
//
//	atom: "string" | 1.5 | true | ["uuid","..."] | ["named-uuid","..."]
//	set:  ["set",[atom...]], or a lone atom for a set of exactly one
//	map:  ["map",[[key,value]...]]
//
// encoding/json decodes numbers as float64; integers are checked to be
// whole before they become int64.

// A UUID is an OVSDB row identifier.
type UUID string

// A Row is one row of a select result, as decoded from JSON. Use the typed
// accessors rather than reading the values directly.
type Row map[string]any

// A Pair is one key/value entry of an OVSDB map, with decoded atoms.
type Pair struct {
	Key, Value any
}

// UUIDValue renders id in OVSDB notation, for use in a Condition.
func UUIDValue(id UUID) any { return []any{"uuid", string(id)} }

// Atom decodes one atom: a ["uuid", x] pair becomes a UUID, numbers stay
// float64, strings and booleans are returned as they are.
func Atom(v any) (any, error) {
	switch t := v.(type) {
	case string, bool, float64:
		return t, nil
	case []any:
		if len(t) == 2 {
			if tag, ok := t[0].(string); ok && (tag == "uuid" || tag == "named-uuid") {
				if s, ok := t[1].(string); ok {
					return UUID(s), nil
				}
			}
		}
	}
	return nil, fmt.Errorf("not an OVSDB atom: %s", compact(v))
}

// Set decodes a set (or a lone atom, which is a set of one) into its atoms.
func Set(v any) ([]any, error) {
	if arr, ok := v.([]any); ok && len(arr) == 2 && arr[0] == "set" {
		elems, ok := arr[1].([]any)
		if !ok {
			return nil, fmt.Errorf("malformed OVSDB set: %s", compact(v))
		}
		out := make([]any, 0, len(elems))
		for _, e := range elems {
			a, err := Atom(e)
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		}
		return out, nil
	}
	a, err := Atom(v)
	if err != nil {
		return nil, err
	}
	return []any{a}, nil
}

// Map decodes a map into its pairs, in the order the server sent them.
func Map(v any) ([]Pair, error) {
	arr, ok := v.([]any)
	if !ok || len(arr) != 2 || arr[0] != "map" {
		return nil, fmt.Errorf("not an OVSDB map: %s", compact(v))
	}
	entries, ok := arr[1].([]any)
	if !ok {
		return nil, fmt.Errorf("malformed OVSDB map: %s", compact(v))
	}
	out := make([]Pair, 0, len(entries))
	for _, e := range entries {
		kv, ok := e.([]any)
		if !ok || len(kv) != 2 {
			return nil, fmt.Errorf("malformed OVSDB map entry: %s", compact(e))
		}
		k, err := Atom(kv[0])
		if err != nil {
			return nil, err
		}
		val, err := Atom(kv[1])
		if err != nil {
			return nil, err
		}
		out = append(out, Pair{Key: k, Value: val})
	}
	return out, nil
}

func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	if len(b) > 80 {
		return string(b[:77]) + "..."
	}
	return string(b)
}

// raw returns a column's value; a missing column is an error, since a
// select that named it always returns it.
func (r Row) raw(col string) (any, error) {
	v, ok := r[col]
	if !ok {
		return nil, fmt.Errorf("column %q is missing from the row", col)
	}
	return v, nil
}

func colErr(col string, err error) error { return fmt.Errorf("column %q: %w", col, err) }

// optional decodes a column of min 0, max 1 elements: an empty set is
// absent, anything else must be exactly one atom.
func (r Row) optional(col string) (any, bool, error) {
	v, err := r.raw(col)
	if err != nil {
		return nil, false, err
	}
	elems, err := Set(v)
	if err != nil {
		return nil, false, colErr(col, err)
	}
	switch len(elems) {
	case 0:
		return nil, false, nil
	case 1:
		return elems[0], true, nil
	}
	return nil, false, colErr(col, fmt.Errorf("expected at most one value, got %d", len(elems)))
}

func typeErr(col, want string, v any) error {
	return colErr(col, fmt.Errorf("expected %s, got %s", want, compact(v)))
}

func asInt(v any) (int64, bool) {
	f, ok := v.(float64)
	// 1<<63 is the first float64 beyond int64; -(1<<63) is still an int64.
	if !ok || f != math.Trunc(f) || f >= 1<<63 || f < -(1<<63) {
		return 0, false
	}
	return int64(f), true
}

// The conversions from a decoded atom to a Go value, one per OVSDB type.
func asString(v any) (string, bool) { s, ok := v.(string); return s, ok }
func asBool(v any) (bool, bool)     { b, ok := v.(bool); return b, ok }
func asUUID(v any) (UUID, bool)     { id, ok := v.(UUID); return id, ok }
func asFloat(v any) (float64, bool) { f, ok := v.(float64); return f, ok }

// optionalAs decodes a column of at most one atom of one type; want names
// the type in the error.
func optionalAs[T any](r Row, col, want string, conv func(any) (T, bool)) (T, bool, error) {
	var zero T
	a, ok, err := r.optional(col)
	if err != nil || !ok {
		return zero, false, err
	}
	v, isT := conv(a)
	if !isT {
		return zero, false, typeErr(col, want, a)
	}
	return v, true, nil
}

// setAs decodes a set column whose atoms all have one type.
func setAs[T any](r Row, col, want string, conv func(any) (T, bool)) ([]T, error) {
	v, err := r.raw(col)
	if err != nil {
		return nil, err
	}
	elems, err := Set(v)
	if err != nil {
		return nil, colErr(col, err)
	}
	out := make([]T, 0, len(elems))
	for _, e := range elems {
		x, ok := conv(e)
		if !ok {
			return nil, typeErr(col, want, v)
		}
		out = append(out, x)
	}
	return out, nil
}

// mapAs decodes a map column whose keys and values each have one type.
func mapAs[K comparable, V any](r Row, col, want string, key func(any) (K, bool), val func(any) (V, bool)) (map[K]V, error) {
	pairs, err := r.pairs(col)
	if err != nil {
		return nil, err
	}
	out := make(map[K]V, len(pairs))
	for _, p := range pairs {
		k, kok := key(p.Key)
		v, vok := val(p.Value)
		if !kok || !vok {
			return nil, typeErr(col, want, r[col])
		}
		out[k] = v
	}
	return out, nil
}

// UUID returns a uuid column, such as _uuid.
func (r Row) UUID(col string) (UUID, error) {
	v, err := r.raw(col)
	if err != nil {
		return "", err
	}
	a, err := Atom(v)
	if err != nil {
		return "", colErr(col, err)
	}
	id, ok := a.(UUID)
	if !ok {
		return "", typeErr(col, "a uuid", v)
	}
	return id, nil
}

// String returns a string column. An optional string column that is empty
// returns "".
func (r Row) String(col string) (string, error) {
	s, _, err := r.OptString(col)
	return s, err
}

// OptString returns an optional string column and whether it is set.
func (r Row) OptString(col string) (string, bool, error) {
	return optionalAs(r, col, "a string", asString)
}

// Bool returns a boolean column; an empty optional boolean is false.
func (r Row) Bool(col string) (bool, error) {
	b, _, err := r.OptBool(col)
	return b, err
}

// OptBool returns an optional boolean column and whether it is set.
func (r Row) OptBool(col string) (bool, bool, error) {
	return optionalAs(r, col, "a boolean", asBool)
}

// Int returns an integer column; an empty optional integer is 0.
func (r Row) Int(col string) (int64, error) {
	n, _, err := r.OptInt(col)
	return n, err
}

// OptInt returns an optional integer column and whether it is set.
func (r Row) OptInt(col string) (int64, bool, error) {
	return optionalAs(r, col, "an integer", asInt)
}

// Float returns a real (or integer) column; an empty optional one is 0.
func (r Row) Float(col string) (float64, error) {
	f, _, err := optionalAs(r, col, "a number", asFloat)
	return f, err
}

// UUIDs returns a set-of-uuid column, such as Bridge.controller.
func (r Row) UUIDs(col string) ([]UUID, error) { return setAs(r, col, "a set of uuids", asUUID) }

// Strings returns a set-of-string column.
func (r Row) Strings(col string) ([]string, error) {
	return setAs(r, col, "a set of strings", asString)
}

// Ints returns a set-of-integer column.
func (r Row) Ints(col string) ([]int64, error) { return setAs(r, col, "a set of integers", asInt) }

// StringMap returns a string-to-string map column, such as status,
// other_config or external_ids.
func (r Row) StringMap(col string) (map[string]string, error) {
	return mapAs(r, col, "a map of strings to strings", asString, asString)
}

// IntUUIDMap returns an integer-to-uuid map column, such as QoS.queues.
func (r Row) IntUUIDMap(col string) (map[int64]UUID, error) {
	return mapAs(r, col, "a map of integers to uuids", asInt, asUUID)
}

// StringUUIDMap returns a string-to-uuid map column.
func (r Row) StringUUIDMap(col string) (map[string]UUID, error) {
	return mapAs(r, col, "a map of strings to uuids", asString, asUUID)
}

// Pairs returns any map column as decoded pairs.
func (r Row) Pairs(col string) ([]Pair, error) { return r.pairs(col) }

func (r Row) pairs(col string) ([]Pair, error) {
	v, err := r.raw(col)
	if err != nil {
		return nil, err
	}
	p, err := Map(v)
	if err != nil {
		return nil, colErr(col, err)
	}
	return p, nil
}

// SortedKeys returns a map's keys in order, for stable output.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
