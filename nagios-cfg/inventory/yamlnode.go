package inventory

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// A Pos is a place in an inventory file; every error carries one.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// An Error is one inventory problem, reported as file:line:col: reason.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// Errors is every problem found in one load, sorted by position.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// errList collects errors, dropping exact duplicates (a bad value in the
// defaults layer is reported once, not once per host).
type errList struct {
	seen map[string]bool
	errs Errors
}

// merge adds the positioned errors that reading a file returned.
func (l *errList) merge(err error) {
	if es, ok := err.(Errors); ok {
		l.errs = append(l.errs, es...)
	} else if e, ok := err.(*Error); ok {
		l.errs = append(l.errs, e)
	}
}

func (l *errList) add(p Pos, format string, args ...any) {
	e := &Error{Pos: p, Msg: fmt.Sprintf(format, args...)}
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	if l.seen[e.Error()] {
		return
	}
	l.seen[e.Error()] = true
	l.errs = append(l.errs, e)
}

func (l *errList) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	sort.SliceStable(l.errs, func(i, j int) bool {
		a, b := l.errs[i].Pos, l.errs[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	const max = 50
	if len(l.errs) > max {
		more := len(l.errs) - max
		l.errs = append(l.errs[:max], &Error{Pos: l.errs[max].Pos, Msg: fmt.Sprintf("… and %d more errors", more)})
	}
	return l.errs
}

// A Kind is the shape of a YAML node.
type Kind int

// The node kinds.
const (
	Null Kind = iota
	Scalar
	Map
	Seq
)

func (k Kind) String() string {
	return [...]string{"null", "a single value", "a mapping", "a list"}[k]
}

// A Node is a YAML value with its position. Mapping keys keep their order
// and their own positions, so that every error can point at the key.
type Node struct {
	Kind  Kind
	Pos   Pos
	Value string // Scalar
	Keys  []*Node
	Vals  []*Node
	Items []*Node
}

// Get returns the value for a key, or nil.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != Map {
		return nil
	}
	for i, k := range n.Keys {
		if k.Value == key {
			return n.Vals[i]
		}
	}
	return nil
}

// KeyNode returns the key node itself, for positions.
func (n *Node) KeyNode(key string) *Node {
	if n == nil || n.Kind != Map {
		return nil
	}
	for _, k := range n.Keys {
		if k.Value == key {
			return k
		}
	}
	return nil
}

// parseYAML turns a file into a Node tree. A syntax error becomes an
// *Error at the offending token.
func parseYAML(file string, data []byte) (*Node, error) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		var se *yaml.SyntaxError
		if errors.As(err, &se) && se.Token != nil {
			return nil, &Error{Pos: tokPos(file, se.Token), Msg: "YAML syntax error: " + se.Message}
		}
		return nil, &Error{Pos: Pos{File: file, Line: 1, Col: 1}, Msg: "YAML syntax error: " + err.Error()}
	}
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		return &Node{Kind: Null, Pos: Pos{File: file, Line: 1, Col: 1}}, nil
	}
	if len(f.Docs) > 1 {
		return nil, &Error{Pos: docPos(file, f.Docs[1]), Msg: "only one YAML document per file is allowed"}
	}
	var el errList
	n := convert(file, f.Docs[0].Body, &el)
	if err := el.err(); err != nil {
		return nil, err
	}
	return n, nil
}

func docPos(file string, d *ast.DocumentNode) Pos {
	if d.Start != nil {
		return tokPos(file, d.Start)
	}
	if d.Body != nil {
		return tokPos(file, d.Body.GetToken())
	}
	return Pos{File: file, Line: 1, Col: 1}
}

func tokPos(file string, t *token.Token) Pos {
	if t == nil || t.Position == nil {
		return Pos{File: file, Line: 1, Col: 1}
	}
	return Pos{File: file, Line: t.Position.Line, Col: t.Position.Column}
}

func convert(file string, n ast.Node, el *errList) *Node {
	if n == nil {
		return &Node{Kind: Null, Pos: Pos{File: file, Line: 1, Col: 1}}
	}
	pos := tokPos(file, n.GetToken())
	switch v := n.(type) {
	case *ast.NullNode:
		return &Node{Kind: Null, Pos: pos}
	case *ast.StringNode:
		return &Node{Kind: Scalar, Pos: pos, Value: v.Value}
	case *ast.LiteralNode:
		s := ""
		if v.Value != nil {
			s = v.Value.Value
		}
		return &Node{Kind: Scalar, Pos: pos, Value: s}
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		// The source text, not the decoded number: "0755" and "1.50"
		// reach the plugin as written.
		return &Node{Kind: Scalar, Pos: pos, Value: n.GetToken().Value}
	case *ast.MappingNode:
		m := &Node{Kind: Map, Pos: pos}
		for _, mv := range v.Values {
			addPair(file, m, mv, el)
		}
		if len(v.Values) > 0 {
			m.Pos = m.Keys[0].Pos
		}
		return m
	case *ast.MappingValueNode:
		m := &Node{Kind: Map}
		addPair(file, m, v, el)
		m.Pos = m.Keys[0].Pos
		return m
	case *ast.SequenceNode:
		s := &Node{Kind: Seq, Pos: pos}
		for _, it := range v.Values {
			s.Items = append(s.Items, convert(file, it, el))
		}
		return s
	case *ast.AnchorNode:
		el.add(pos, "YAML anchors and aliases are not supported: use the inventory layers (defaults, environment, cell, host) to share values")
		return &Node{Kind: Null, Pos: pos}
	case *ast.AliasNode:
		el.add(pos, "YAML anchors and aliases are not supported: use the inventory layers (defaults, environment, cell, host) to share values")
		return &Node{Kind: Null, Pos: pos}
	case *ast.TagNode:
		el.add(pos, "YAML tags are not supported")
		return &Node{Kind: Null, Pos: pos}
	default:
		el.add(pos, "unsupported YAML construct %s", n.Type())
		return &Node{Kind: Null, Pos: pos}
	}
}

func addPair(file string, m *Node, mv *ast.MappingValueNode, el *errList) {
	var k *Node
	if _, ok := mv.Key.(*ast.MergeKeyNode); ok {
		el.add(tokPos(file, mv.Key.GetToken()), "YAML merge keys (<<) are not supported: use the inventory layers to share values")
		k = &Node{Kind: Scalar, Pos: tokPos(file, mv.Key.GetToken()), Value: "<<"}
	} else {
		k = convert(file, mv.Key, el)
	}
	if k.Kind != Scalar {
		el.add(k.Pos, "a mapping key must be a single value, not %s", k.Kind)
	}
	for _, prev := range m.Keys {
		if prev.Value == k.Value {
			el.add(k.Pos, "duplicate key %q (first at %d:%d)", k.Value, prev.Pos.Line, prev.Pos.Col)
		}
	}
	m.Keys = append(m.Keys, k)
	m.Vals = append(m.Vals, convert(file, mv.Value, el))
}
