// Package validate checks a rendered repository with the real daemons:
// each Nagios server's conf.d is assembled exactly as deploy would
// install it and checked with `nagios4 -v`; each environment's Icinga 2
// tree is checked with `icinga2 daemon -C`.
package validate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"edgecheck/nagios-cfg/deploy"
	"edgecheck/nagios-cfg/fsutil"
	"edgecheck/nagios-cfg/render"
)

// Options name the binaries; empty means $NAGIOS4_BIN / $ICINGA2_BIN, then
// nagios4 / icinga2 from PATH or /usr/sbin.
type Options struct {
	Nagios4 string
	Icinga2 string
	// StockNagiosCfg is the distribution's own nagios.cfg (default
	// StockNagiosCfg): each server's conf.d is also checked with it, in
	// place of its cfg_dir=/etc/nagios4/conf.d, beside the stock objects
	// it still loads (Debian's objects/timeperiods.cfg defines 24x7).
	StockNagiosCfg string
	Timeout        time.Duration // per run; default 2 minutes
}

// StockNagiosCfg is Debian's nagios.cfg (package nagios4-core).
const StockNagiosCfg = "/etc/nagios4/nagios.cfg"

// failed is the Result of a run that could not even start: it counts as a
// failure of that server or environment, and validation goes on.
func failed(what string, err error) Result {
	return Result{What: what, Output: "Error: " + err.Error() + "\n"}
}

// A Result is one validation run.
type Result struct {
	What   string // "nagios4 -v for nagios-c0001.prod.example.net"
	OK     bool
	Output string
}

func find(given, env, name string) (string, error) {
	if given != "" {
		return given, nil
	}
	if v := os.Getenv(env); v != "" {
		return v, nil
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	if p := "/usr/sbin/" + name; fileExists(p) {
		return p, nil
	}
	return "", fmt.Errorf("%s not found (install Debian package %s, run `lab/lab.sh up nagioscfg`, or set $%s)", name, map[string]string{"nagios4": "nagios4-core", "icinga2": "icinga2-bin"}[name], env)
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// Run validates every server and every environment of the repository. A
// run that cannot start (a server's conf.d cannot be assembled, an
// environment's tree cannot be read) is a failed Result, and the others
// still run; only a repository without servers.conf, or missing binaries,
// stop it before the first run.
func Run(ctx context.Context, repo string, o Options) ([]Result, error) {
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.StockNagiosCfg == "" {
		o.StockNagiosCfg = StockNagiosCfg
	}
	nagios, err := find(o.Nagios4, "NAGIOS4_BIN", "nagios4")
	if err != nil {
		return nil, err
	}
	icinga, err := find(o.Icinga2, "ICINGA2_BIN", "icinga2")
	if err != nil {
		return nil, err
	}
	servers, err := deploy.Servers(repo)
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, s := range servers {
		what := "nagios4 -v for server " + s.Name
		r, err := Nagios(ctx, repo, s.Name, nagios, o.Timeout)
		if err != nil {
			r = failed(what, err)
		}
		out = append(out, r)
		what = "nagios4 -v with the stock " + o.StockNagiosCfg + " for server " + s.Name
		r, err = NagiosStock(ctx, repo, s.Name, nagios, o.StockNagiosCfg, o.Timeout)
		if err != nil {
			r = failed(what, err)
		}
		out = append(out, r)
	}
	envs, err := os.ReadDir(filepath.Join(repo, "icinga2"))
	if err != nil {
		return append(out, failed("icinga2 daemon -C", err)), nil
	}
	for _, e := range envs {
		if !e.IsDir() || e.Name() == "zones.d" {
			continue
		}
		r, err := Icinga(ctx, repo, e.Name(), icinga, o.Timeout)
		if err != nil {
			r = failed("icinga2 daemon -C for environment "+e.Name(), err)
		}
		out = append(out, r)
	}
	return out, nil
}

// NagiosStock checks one server's conf.d, assembled as deploy installs
// it, with the distribution's own nagios.cfg: its cfg_dir of conf.d points
// at the assembled one, everything else (the stock objects, the
// monitoring-plugins commands, resource.cfg) stays.
func NagiosStock(ctx context.Context, repo, server, bin, stock string, timeout time.Duration) (Result, error) {
	orig, err := os.ReadFile(stock)
	if err != nil {
		return Result{}, fmt.Errorf("reading the stock nagios.cfg (install nagios4-core, or pass its path): %w", err)
	}
	tmp, err := os.MkdirTemp("", "nagios-cfg-validate-stock-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return Result{}, err
	}
	confd := filepath.Join(tmp, "conf.d")
	plan, err := deploy.NewPlan(repo, server, confd)
	if err != nil {
		return Result{}, err
	}
	if err := plan.Apply(); err != nil {
		return Result{}, err
	}
	// As in Nagios: keep nagios_user the user running the validation,
	// who can read the repository the conf.d links point into.
	who, err := user.Current()
	if err != nil {
		return Result{}, err
	}
	group := who.Gid
	if g, err := user.LookupGroupId(who.Gid); err == nil {
		group = g.Name
	}
	var cfg strings.Builder
	replaced := false
	for _, line := range strings.Split(string(orig), "\n") {
		switch {
		case strings.HasPrefix(line, "cfg_dir=") && strings.HasSuffix(strings.TrimSpace(line), "/conf.d"):
			line, replaced = "cfg_dir="+confd, true
		case strings.HasPrefix(line, "nagios_user="):
			line = "nagios_user=" + who.Username
		case strings.HasPrefix(line, "nagios_group="):
			line = "nagios_group=" + group
		case strings.HasPrefix(line, "resource_file=") && !readable(strings.TrimPrefix(line, "resource_file=")):
			// Debian's resource.cfg is root:nagios 0640: a validation
			// as another user (the sandbox runs as nobody) gets an
			// empty one; -v does not expand $USERn$.
			line = "resource_file=" + filepath.Join(tmp, "resource.cfg")
			if err := os.WriteFile(filepath.Join(tmp, "resource.cfg"), nil, 0o644); err != nil {
				return Result{}, err
			}
		case strings.HasPrefix(line, "check_result_path=") && !readable(strings.TrimPrefix(line, "check_result_path=")):
			// Likewise /var/lib/nagios4/spool/checkresults (nagios 0750).
			line = "check_result_path=" + tmp
		}
		cfg.WriteString(line + "\n")
	}
	if !replaced {
		cfg.WriteString("cfg_dir=" + confd + "\n")
	}
	path := filepath.Join(tmp, "nagios.cfg")
	if err := os.WriteFile(path, []byte(cfg.String()), 0o644); err != nil {
		return Result{}, err
	}
	out, ok, err := run(ctx, timeout, bin, "-v", path)
	if err != nil {
		return Result{}, err
	}
	return Result{What: "nagios4 -v with the stock " + stock + " for server " + server, OK: ok, Output: out}, nil
}

// readable reports whether the user running the validation can open a
// file or directory.
func readable(path string) bool {
	f, err := os.Open(strings.TrimSpace(path))
	if err != nil {
		return false
	}
	f.Close()
	return true
}

func run(ctx context.Context, timeout time.Duration, bin string, args ...string) (string, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var buf bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return buf.String(), false, nil
	}
	if err != nil {
		return buf.String(), false, fmt.Errorf("running %s: %w", bin, err)
	}
	return buf.String(), true, nil
}

// Nagios assembles one server's conf.d in a temporary directory, with a
// minimal nagios.cfg and resource.cfg, and runs nagios4 -v on it.
func Nagios(ctx context.Context, repo, server, bin string, timeout time.Duration) (Result, error) {
	tmp, err := os.MkdirTemp("", "nagios-cfg-validate-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(tmp)
	// The daemons may drop privileges (icinga2 runs as nagios on Debian).
	if err := os.Chmod(tmp, 0o755); err != nil {
		return Result{}, err
	}
	confd := filepath.Join(tmp, "conf.d")
	plan, err := deploy.NewPlan(repo, server, confd)
	if err != nil {
		return Result{}, err
	}
	if err := plan.Apply(); err != nil {
		return Result{}, err
	}
	// Nagios switches to nagios_user before its checks: keep it as the
	// user running the validation, who owns the temporary directory.
	who, err := user.Current()
	if err != nil {
		return Result{}, err
	}
	group := who.Gid
	if g, err := user.LookupGroupId(who.Gid); err == nil {
		group = g.Name
	}
	var res strings.Builder
	res.WriteString("$USER1$=/usr/lib/nagios/plugins\n$USER2$=/usr/lib/nagios/plugins\n")
	for i := 3; i <= 32; i++ {
		fmt.Fprintf(&res, "$USER%d$=/nonexistent/validate-placeholder\n", i)
	}
	if err := os.WriteFile(filepath.Join(tmp, "resource.cfg"), []byte(res.String()), 0o644); err != nil {
		return Result{}, err
	}
	cfg := fmt.Sprintf(`cfg_dir=%[1]s/conf.d
resource_file=%[1]s/resource.cfg
log_file=%[1]s/nagios.log
status_file=%[1]s/status.dat
temp_file=%[1]s/nagios.tmp
temp_path=%[1]s
lock_file=%[1]s/nagios.lock
check_result_path=%[1]s
object_cache_file=%[1]s/objects.cache
precached_object_file=%[1]s/objects.precache
state_retention_file=%[1]s/retention.dat
command_file=%[1]s/nagios.cmd
check_external_commands=0
enable_notifications=1
illegal_macro_output_chars=`+"`"+`~$&|'"<>
nagios_user=%[2]s
nagios_group=%[3]s
`, tmp, who.Username, group)
	if err := os.WriteFile(filepath.Join(tmp, "nagios.cfg"), []byte(cfg), 0o644); err != nil {
		return Result{}, err
	}
	out, ok, err := run(ctx, timeout, bin, "-v", filepath.Join(tmp, "nagios.cfg"))
	if err != nil {
		return Result{}, err
	}
	return Result{What: "nagios4 -v for server " + server, OK: ok, Output: out}, nil
}

// Icinga assembles one environment's Icinga 2 tree (zones.conf, its
// zones.d, the global-templates zone and the secrets example as
// constants) with a minimal icinga2.conf, and runs icinga2 daemon -C. The
// tree's zones rely on the CheckCommands of the edgecheck package; the
// run includes the tree's copy of them (render.CommandsFile, outside
// zones.d) in their place, as a site without the package does.
func Icinga(ctx context.Context, repo, env, bin string, timeout time.Duration) (Result, error) {
	return icinga(ctx, repo, env, bin, timeout, false)
}

// IcingaPackaged is Icinga on a node with the edgecheck package installed:
// the CheckCommands come from `include <plugins-contrib>` (the package's
// plugins-contrib.d/edgecheck.conf), and the tree's render.CommandsFile is
// left out, as the operator of such a node does.
func IcingaPackaged(ctx context.Context, repo, env, bin string, timeout time.Duration) (Result, error) {
	return icinga(ctx, repo, env, bin, timeout, true)
}

func icinga(ctx context.Context, repo, env, bin string, timeout time.Duration, packaged bool) (Result, error) {
	tmp, err := os.MkdirTemp("", "nagios-cfg-validate-icinga-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(tmp)
	// The daemons may drop privileges (icinga2 runs as nagios on Debian).
	if err := os.Chmod(tmp, 0o755); err != nil {
		return Result{}, err
	}
	files := map[string][]byte{}
	envDir := filepath.Join(repo, "icinga2", env)
	zones, err := fsutil.ReadFiles(filepath.Join(envDir, "zones.d"))
	if err != nil {
		return Result{}, err
	}
	for p, d := range zones {
		files["zones.d/"+p] = d
	}
	global, err := fsutil.ReadFiles(filepath.Join(repo, render.GlobalTemplatesDir))
	if err != nil {
		return Result{}, err
	}
	for p, d := range global {
		files["zones.d/global-templates/"+p] = d
	}
	for _, f := range []struct{ from, to string }{
		{filepath.Join(envDir, "zones.conf"), "zones.conf"},
		{filepath.Join(repo, render.SecretsExample), "secrets.conf"},
		{filepath.Join(repo, render.CommandsFile), "edgecheck-commands.conf"},
	} {
		d, err := os.ReadFile(f.from)
		if err != nil {
			return Result{}, err
		}
		files[f.to] = d
	}
	commands := fmt.Sprintf("include %q", filepath.Join(tmp, "edgecheck-commands.conf"))
	what := "icinga2 daemon -C for environment " + env
	if packaged {
		// plugins-contrib needs the directories of the ITL's other plugins.
		commands = fmt.Sprintf("const PluginContribDir = %[1]q\nconst ManubulonPluginDir = %[1]q\ninclude <plugins-contrib>", "/usr/lib/nagios/plugins")
		what += " with the edgecheck package's CheckCommands"
	}
	if err := fsutil.WriteFiles(tmp, files); err != nil {
		return Result{}, err
	}
	node := masterOf(files["zones.conf"])
	conf := fmt.Sprintf(`const NodeName = %q
const ZoneName = "master"
const PluginDir = "/usr/lib/nagios/plugins"
include <itl>
include <plugins>
%s
include %q
include %q
include_zones "edgecheck", %q
`, node, commands, filepath.Join(tmp, "secrets.conf"), filepath.Join(tmp, "zones.conf"), filepath.Join(tmp, "zones.d"))
	cfgPath := filepath.Join(tmp, "icinga2.conf")
	if err := os.WriteFile(cfgPath, []byte(conf), 0o644); err != nil {
		return Result{}, err
	}
	sandbox, err := SandboxDefines(tmp)
	if err != nil {
		return Result{}, err
	}
	out, ok, err := run(ctx, timeout, bin, append([]string{"daemon", "-C", "-c", cfgPath}, sandbox...)...)
	if err != nil {
		return Result{}, err
	}
	return Result{What: what, OK: ok, Output: out}, nil
}

// masterOf returns the first endpoint of the master zone in a zones.conf.
func masterOf(zones []byte) string {
	i := bytes.Index(zones, []byte(`object Zone "master" {`))
	if i < 0 {
		return "master"
	}
	rest := zones[i:]
	j := bytes.Index(rest, []byte("endpoints = [ \""))
	if j < 0 {
		return "master"
	}
	rest = rest[j+len("endpoints = [ \""):]
	k := bytes.IndexByte(rest, '"')
	if k < 0 {
		return "master"
	}
	return string(rest[:k])
}

// Summary is the short report of failed runs: the error lines of each.
func Summary(rs []Result) string {
	var b strings.Builder
	var failed []Result
	for _, r := range rs {
		if !r.OK {
			failed = append(failed, r)
		}
	}
	sort.SliceStable(failed, func(i, j int) bool { return failed[i].What < failed[j].What })
	for _, r := range failed {
		fmt.Fprintf(&b, "FAILED %s:\n", r.What)
		n := 0
		for _, line := range strings.Split(r.Output, "\n") {
			if strings.Contains(line, "Error") || strings.Contains(line, "critical/") || strings.Contains(line, "Location:") {
				b.WriteString("  " + line + "\n")
				n++
			}
		}
		if n == 0 {
			b.WriteString(indent(r.Output))
		}
	}
	return b.String()
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return "  " + strings.Join(lines, "\n  ") + "\n"
}
