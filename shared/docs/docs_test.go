package docs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"edgecheck/shared/nagios"
	"edgecheck/shared/registry"
)

type sampleCheck struct {
	DB   string
	Warn *nagios.Range
}

func (c *sampleCheck) Flags(fs *registry.FlagSet) {
	fs.String(&c.DB, "db", "unix:/run/db.sock", "OVSDB to ask | pipe").WithMeta("DB")
	fs.Range(&c.Warn, "warning", "Drift outside this range is WARNING.").WithShort("w")
}

func (c *sampleCheck) Run(context.Context) (*nagios.Result, error) { return &nagios.Result{}, nil }

var sample = registry.Plugin{
	Name: "check_sample", Service: "SAMPLE", Description: "A sample.",
	Examples: []registry.Example{{Command: "check_sample --db unix:/x", Explain: "Ask x."}},
	New:      func() registry.Check { return &sampleCheck{} },
}

func TestDirIsTheDeclaringPackage(t *testing.T) {
	if got := Dir(sample); got != filepath.Join("shared", "docs") {
		t.Fatalf("Dir = %q, want shared/docs", got)
	}
}

func TestUpdateFillsBlocksAndKeepsHandText(t *testing.T) {
	root := t.TempDir()
	golden := filepath.Join(root, "shared", "docs", "testdata", "golden")
	if err := os.MkdirAll(golden, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(golden, "ok.txt"), []byte("SAMPLE OK - fine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := "# check_sample\nhand text\n<!-- BEGIN generated:flags -->\nOLD-CONTENT\n<!-- END generated:flags -->\nmore\n" +
		"<!-- BEGIN generated:golden:ok -->\n<!-- END generated:golden:ok -->\n"
	out, err := Update(sample, root, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"hand text", "more", "| `--db` | DB | `unix:/run/db.sock` | OVSDB to ask \\| pipe |",
		"| `-w`, `--warning` | Nagios range |", "| `-t`, `--timeout` |", "```\nSAMPLE OK - fine\n```\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "OLD-CONTENT") {
		t.Errorf("the old block content was kept:\n%s", out)
	}
	again, err := Update(sample, root, out)
	if err != nil || again != out {
		t.Errorf("Update is not idempotent (err %v)", err)
	}
}

func TestUpdateRefusesBrokenReadmes(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"no flags block", "# x\n", "no <!-- BEGIN generated:flags -->"},
		{"unknown block", "<!-- BEGIN generated:flags -->\n<!-- END generated:flags -->\n<!-- BEGIN generated:nope -->\n<!-- END generated:nope -->\n", `unknown generated block "nope"`},
		{"missing golden", "<!-- BEGIN generated:flags -->\n<!-- END generated:flags -->\n<!-- BEGIN generated:golden:gone -->\n<!-- END generated:golden:gone -->\n", "gone.txt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Update(sample, t.TempDir(), tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestStaleNamesTheFix(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "shared", "docs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("<!-- BEGIN generated:flags -->\nstale\n<!-- END generated:flags -->\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	errs := Stale([]registry.Plugin{sample}, root)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "go generate ./plugins/all") {
		t.Fatalf("Stale = %v, want one error naming go generate", errs)
	}
}

// shout is a caller's block kind: NAME "shout" or "shout:ARG".
var shout = Kind{Name: "shout", Render: func(p registry.Plugin, arg string) (string, error) {
	if arg == "bad" {
		return "", errors.New("no bad shouting")
	}
	return strings.ToUpper(p.Name+" "+arg) + "\n", nil
}}

func TestCallerKinds(t *testing.T) {
	in := "<!-- BEGIN generated:flags -->\n<!-- END generated:flags -->\n" +
		"<!-- BEGIN generated:shout -->\nold\n<!-- END generated:shout -->\n" +
		"<!-- BEGIN generated:shout:x,y=1 -->\n<!-- END generated:shout:x,y=1 -->\n"
	out, err := Update(sample, t.TempDir(), in, shout)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"generated:shout -->\nCHECK_SAMPLE \n<!-- END", "generated:shout:x,y=1 -->\nCHECK_SAMPLE X,Y=1\n<!-- END"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, tc := range []struct{ name, in, want string }{
		{"kind error names the block", "<!-- BEGIN generated:flags -->\n<!-- END generated:flags -->\n<!-- BEGIN generated:shout:bad -->\n<!-- END generated:shout:bad -->\n", "block shout:bad: no bad shouting"},
		{"unknown block lists the caller's kinds", "<!-- BEGIN generated:flags -->\n<!-- END generated:flags -->\n<!-- BEGIN generated:whisper -->\n<!-- END generated:whisper -->\n", "(known: flags, examples, golden:FILE, shout)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Update(sample, t.TempDir(), tc.in, shout)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestStaleSeesCallerKinds: a hand edit inside a caller's block makes the
// README stale; without the kind the block is an error, never ignored.
func TestStaleSeesCallerKinds(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "shared", "docs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	current, err := Update(sample, root, "<!-- BEGIN generated:flags -->\n<!-- END generated:flags -->\n<!-- BEGIN generated:shout:a -->\n<!-- END generated:shout:a -->\n", shout)
	if err != nil {
		t.Fatal(err)
	}
	write := func(s string) {
		if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(current)
	if errs := Stale([]registry.Plugin{sample}, root, shout); len(errs) != 0 {
		t.Fatalf("current README reported: %v", errs)
	}
	write(strings.Replace(current, "CHECK_SAMPLE A", "CHECK_SAMPLE B", 1))
	if errs := Stale([]registry.Plugin{sample}, root, shout); len(errs) != 1 || !strings.Contains(errs[0].Error(), "is stale") {
		t.Fatalf("edited block: Stale = %v, want one stale README", errs)
	}
	if errs := Stale([]registry.Plugin{sample}, root); len(errs) != 1 || !strings.Contains(errs[0].Error(), `unknown generated block "shout:a"`) {
		t.Fatalf("without the kind: Stale = %v, want an unknown block", errs)
	}
}

// TestUpdateIndex: the top-level README's table of checks is one row per
// plugin linking to its README, rewritten in place; a README without the
// block, or with another generated block, is refused.
func TestUpdateIndex(t *testing.T) {
	plugins := registry.All()
	readme := "# x\n\n<!-- BEGIN generated:checks -->\nold row\n<!-- END generated:checks -->\n\ntext\n"
	out, err := UpdateIndex(plugins, readme)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "old row") || !strings.HasSuffix(out, "<!-- END generated:checks -->\n\ntext\n") {
		t.Errorf("block not rewritten in place:\n%s", out)
	}
	for _, p := range plugins {
		if !strings.Contains(out, "[`"+p.Name+"`]("+filepath.ToSlash(filepath.Join(Dir(p), "README.md"))+")") {
			t.Errorf("no row linking %s to its README", p.Name)
		}
	}
	if _, err := UpdateIndex(plugins, "# no table\n"); err == nil {
		t.Error("a README without the checks block was accepted")
	}
	if _, err := UpdateIndex(plugins, "<!-- BEGIN generated:flags -->\n<!-- END generated:flags -->\n"); err == nil {
		t.Error("a flags block in the top-level README was accepted")
	}
}
