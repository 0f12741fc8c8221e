package ovsdb

import (
	"encoding/json"
	"fmt"
)

// An Op is one operation of a transaction. It marshals itself into the
// OVSDB wire form, so it is also a go-openvswitch ovsdb.TransactOp.
type Op interface {
	json.Marshaler
	// Describe names the operation in error messages.
	Describe() string
}

// A Condition is one clause of a where: [column, function, value], with the
// value in OVSDB notation (a string, number, bool, or UUIDValue(id)).
type Condition struct {
	Column   string
	Function string // ==, !=, <, <=, >, >=, includes, excludes
	Value    any
}

// Where builds a Condition.
func Where(column, function string, value any) Condition {
	return Condition{Column: column, Function: function, Value: value}
}

// MarshalJSON renders the three-element array OVSDB expects.
func (c Condition) MarshalJSON() ([]byte, error) {
	return json.Marshal([3]any{c.Column, c.Function, c.Value})
}

// A SelectOp reads rows. Unlike go-openvswitch's Select it names the
// columns to return, so the server sends only what the check uses.
type SelectOp struct {
	Table   string
	Columns []string // nil returns every column
	Where   []Condition
}

// Select builds a select of columns (all when nil) from table.
func Select(table string, columns []string, where ...Condition) SelectOp {
	return SelectOp{Table: table, Columns: columns, Where: where}
}

// Describe names the operation.
func (s SelectOp) Describe() string { return fmt.Sprintf("select on table %q", s.Table) }

// MarshalJSON renders the operation.
func (s SelectOp) MarshalJSON() ([]byte, error) {
	where := s.Where
	if where == nil {
		where = []Condition{}
	}
	op := struct {
		Op      string      `json:"op"`
		Table   string      `json:"table"`
		Where   []Condition `json:"where"`
		Columns []string    `json:"columns,omitempty"`
	}{"select", s.Table, where, s.Columns}
	return json.Marshal(op)
}

// A Result is one operation's outcome.
type Result struct {
	Op   Op
	Rows []Row // for a select
}
