// Package deploy installs one Nagios server's view of a rendered
// repository into its conf.d: the files of common/<class>/ copied in, and
// each environments/<env>/<cell>/ it watches linked as conf.d/<cell>.
package deploy

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"edgecheck/nagios-cfg/fsutil"
	"edgecheck/nagios-cfg/render"
)

// A Server is one line of the rendered servers.conf.
type Server struct {
	Name, Class, Env string
	Cells            []string
}

// Servers reads the repository's server index.
func Servers(repo string) ([]Server, error) {
	data, err := os.ReadFile(filepath.Join(repo, render.ServersIndex))
	if err != nil {
		return nil, fmt.Errorf("%s is not a rendered repository: %w", repo, err)
	}
	var out []Server
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 3 {
			return nil, fmt.Errorf("%s: malformed line %q", render.ServersIndex, line)
		}
		out = append(out, Server{Name: f[0], Class: f[1], Env: f[2], Cells: f[3:]})
	}
	return out, sc.Err()
}

// Find returns the server by full hostname, or by its first label when
// that is unambiguous (`hostname` often prints the short name).
func Find(servers []Server, name string) (Server, error) {
	var short []Server
	for _, s := range servers {
		if s.Name == name {
			return s, nil
		}
		if first, _, _ := strings.Cut(s.Name, "."); first == name {
			short = append(short, s)
		}
	}
	if len(short) == 1 {
		return short[0], nil
	}
	names := make([]string, len(servers))
	for i, s := range servers {
		names[i] = s.Name
	}
	sort.Strings(names)
	return Server{}, fmt.Errorf("no Nagios server %q in %s (known: %s)", name, render.ServersIndex, strings.Join(names, ", "))
}

// A Plan is what a deploy will do.
type Plan struct {
	Server  Server
	Repo    string // absolute
	ConfDir string
	Copies  []string          // files of common/<class>/, relative
	Links   map[string]string // conf.d entry -> absolute target
}

// NewPlan works out the deploy of hostname from repo into confDir.
func NewPlan(repo, hostname, confDir string) (*Plan, error) {
	abs, err := filepath.Abs(repo)
	if err != nil {
		return nil, err
	}
	servers, err := Servers(abs)
	if err != nil {
		return nil, err
	}
	s, err := Find(servers, hostname)
	if err != nil {
		return nil, err
	}
	p := &Plan{Server: s, Repo: abs, ConfDir: filepath.Clean(confDir), Links: map[string]string{}}
	common := filepath.Join(abs, "common", s.Class)
	entries, err := os.ReadDir(common)
	if err != nil {
		return nil, fmt.Errorf("common/%s: %w", s.Class, err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			p.Copies = append(p.Copies, e.Name())
		}
	}
	for _, c := range s.Cells {
		target := filepath.Join(abs, "environments", s.Env, c)
		if st, err := os.Stat(target); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("environments/%s/%s is missing from the repository", s.Env, c)
		}
		if slices.Contains(p.Copies, c) {
			return nil, fmt.Errorf("cell %s clashes with common/%s/%s", c, s.Class, c)
		}
		p.Links[c] = target
	}
	return p, nil
}

// String is the dry-run output.
func (p *Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "server %s: class %s, environment %s, cells %s\n", p.Server.Name, p.Server.Class, p.Server.Env, strings.Join(p.Server.Cells, " "))
	fmt.Fprintf(&b, "build %s.new-* next to %s:\n", filepath.Base(p.ConfDir), p.ConfDir)
	for _, c := range p.Copies {
		fmt.Fprintf(&b, "  copy %s -> %s\n", filepath.Join(p.Repo, "common", p.Server.Class, c), filepath.Join(p.ConfDir, c))
	}
	for _, c := range p.Server.Cells {
		fmt.Fprintf(&b, "  link %s -> %s\n", filepath.Join(p.ConfDir, c), p.Links[c])
	}
	fmt.Fprintf(&b, "swap it into place as %s in one rename (the previous conf.d is removed)\n", p.ConfDir)
	return b.String()
}

// Apply builds the new conf.d next to the old one and swaps it in.
func (p *Plan) Apply() error {
	staged, err := fsutil.TempSibling(p.ConfDir)
	if err != nil {
		return err
	}
	if err := p.build(staged); err != nil {
		os.RemoveAll(staged)
		return err
	}
	if err := fsutil.Swap(staged, p.ConfDir); err != nil {
		os.RemoveAll(staged)
		return err
	}
	return nil
}

func (p *Plan) build(dir string) error {
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	for _, c := range p.Copies {
		data, err := os.ReadFile(filepath.Join(p.Repo, "common", p.Server.Class, c))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, c), data, 0o644); err != nil {
			return err
		}
	}
	for _, c := range p.Server.Cells {
		if err := os.Symlink(p.Links[c], filepath.Join(dir, c)); err != nil {
			return err
		}
	}
	return nil
}
