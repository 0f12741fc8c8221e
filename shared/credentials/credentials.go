// Package credentials loads secrets for checks. Secrets never come from the
// command line, because Nagios command lines are visible in ps: they come
// from a YAML file that only its owner can read, or from the environment.
package credentials

import (
	"fmt"
	"os"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Load decodes the YAML credentials file at path into out (a struct with
// yaml tags). It refuses a file that group or others can read, and names
// the fix. Unknown keys are rejected so that a typo is not silently ignored.
// Every value must be a YAML string: an unquoted value that YAML reads as
// another type (01234567 is the octal integer 342391, !Qaz2wsx is a tag with
// an empty value, true/1.10/0x1F/~ are a bool, a float, an integer, a null)
// is refused with its file:line:col and "quote it" (see Strings), so a
// check never logs in with a secret other than the one written.
func Load(path string, out any) error {
	f, err := os.Open(path)
	if err != nil {
		if os.IsPermission(err) {
			return fmt.Errorf("credentials file %s: permission denied (run the check as the user that owns it)", path)
		}
		return fmt.Errorf("credentials file %s: %v", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("credentials file %s: %v", path, err)
	}
	if mode := st.Mode().Perm(); mode&0o077 != 0 {
		return fmt.Errorf("credentials file %s is mode %04o, readable by group or others; run: chmod 600 %s", path, mode, path)
	}
	data := make([]byte, 0, st.Size())
	buf := make([]byte, 4096)
	for {
		n, rerr := f.Read(buf)
		data = append(data, buf[:n]...)
		if rerr != nil {
			break
		}
		if len(data) > 1<<20 {
			return fmt.Errorf("credentials file %s is larger than 1 MiB", path)
		}
	}
	if err := Strings(data); err != nil {
		return fmt.Errorf("credentials file %s:%v", path, err)
	}
	if err := yaml.UnmarshalWithOptions(data, out, yaml.Strict()); err != nil {
		// Line, column and reason only: the source excerpt go-yaml can add
		// would print the file's secrets (the bad line and its neighbours)
		// into the plugin output, which Nagios logs and sends in alerts.
		return fmt.Errorf("credentials file %s: %s", path, oneLine(yaml.FormatError(err, false, false)))
	}
	return nil
}

func oneLine(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '\n' || r == '\r' {
			r = ' '
		}
		out = append(out, r)
	}
	return string(out)
}

// A NotStringError is a credentials value that YAML does not read as the
// text written: an unquoted number, boolean, null or a tag (YAML 1.2 core
// schema as goccy/go-yaml implements it).
type NotStringError struct {
	Key          string
	Line, Column int
	Kind         string // "an integer", "a tag", ...
}

func (e *NotStringError) Error() string {
	// The value itself is never printed: it is a secret.
	return fmt.Sprintf("%d:%d: %s is not a string in YAML (%s, which YAML would not read as the text written); quote it: %s: \"...\"", e.Line, e.Column, e.Key, e.Kind, e.Key)
}

// Strings checks that every mapping value in the YAML document data (at any
// depth) is a string scalar, quoted or not, as long as YAML reads it as a
// string, or a nested mapping or sequence; sequence items themselves are
// left to the decoder (credentials structs hold strings only). It returns a
// *NotStringError for the first value that is not, and nil for a document
// the YAML parser refuses (the decoder then reports that error itself).
func Strings(data []byte) error {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil
	}
	v := &stringsVisitor{}
	for _, doc := range f.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		ast.Walk(v, doc.Body)
		if v.err != nil {
			return v.err
		}
	}
	return nil
}

type stringsVisitor struct{ err *NotStringError }

func (v *stringsVisitor) Visit(n ast.Node) ast.Visitor {
	if v.err != nil {
		return nil
	}
	mv, ok := n.(*ast.MappingValueNode)
	if !ok || mv.Value == nil {
		return v
	}
	kind := ""
	switch val := mv.Value.(type) {
	case *ast.TagNode:
		kind = "a tag"
	case *ast.IntegerNode:
		kind = "an integer"
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		kind = "a number"
	case *ast.BoolNode:
		kind = "a boolean"
	case *ast.NullNode:
		if val.Token != nil && val.Token.Value != "" {
			kind = "null"
		}
	case *ast.AnchorNode, *ast.AliasNode:
		kind = "an anchor or alias"
	}
	if kind != "" {
		tk := mv.Value.GetToken()
		key := "value"
		if mv.Key != nil {
			key = mv.Key.String()
		}
		v.err = &NotStringError{Key: key, Kind: kind}
		if tk != nil && tk.Position != nil {
			v.err.Line, v.err.Column = tk.Position.Line, tk.Position.Column
		}
		return nil
	}
	return v
}
