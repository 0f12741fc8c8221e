// Package cli is the nagios-cfg command line: render, check, validate and
// deploy. It is a library so that tests drive it with their own plugin
// catalogue; cmd/nagios-cfg passes the real registry.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"edgecheck/nagios-cfg/deploy"
	"edgecheck/nagios-cfg/inventory"
	"edgecheck/nagios-cfg/render"
	"edgecheck/nagios-cfg/validate"
)

// Exit codes.
const (
	ExitOK    = 0
	ExitFail  = 1 // bad inventory, stale output, failed validation or deploy
	ExitUsage = 2
)

const usage = `nagios-cfg renders the Nagios and Icinga 2 configuration of a whole fleet
from a layered inventory, with command definitions generated from the
plugin registry.

Usage:
  nagios-cfg render   --inventory DIR --out DIR
  nagios-cfg check    --inventory DIR --against DIR
  nagios-cfg validate [--nagios4 BIN] [--icinga2 BIN] DIR
  nagios-cfg deploy   --hostname NAME --repo DIR --conf-dir DIR [--dry-run]
  nagios-cfg commands --format nagios|icinga2
  nagios-cfg bootstrap --inventory DIR --node NAME --out DIR

render writes the repository atomically (nothing when the inventory is bad).
check exits 1 with a unified diff when DIR is stale: the CI gate.
validate runs the real nagios4 -v on each server's conf.d and icinga2
daemon -C on each environment's Icinga 2 tree.
deploy installs one server's view (common/<class>/ and conf.d/<cell> links)
into its conf.d atomically; --dry-run prints the plan.
commands prints the command definitions generated from the plugin registry
alone (no inventory), for packages.
bootstrap writes one Icinga 2 node's /etc/icinga2 files (icinga2.conf,
constants.conf, zones.conf, the api feature; the master's zones.d) and
prints the steps that install them and its certificate.

Exit codes: 0 success, 1 failure, 2 usage error.
See "The configuration repository" in the edgecheck README for the inventory schema.
`

// Run runs the command line args (without the program name).
func Run(args []string, stdout, stderr io.Writer, cat inventory.Catalogue) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return ExitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return ExitOK
	case "render":
		return cmdRender(args[1:], stdout, stderr, cat)
	case "check":
		return cmdCheck(args[1:], stdout, stderr, cat)
	case "validate":
		return cmdValidate(args[1:], stdout, stderr)
	case "deploy":
		return cmdDeploy(args[1:], stdout, stderr)
	case "commands":
		return cmdCommands(args[1:], stdout, stderr, cat)
	case "bootstrap":
		return cmdBootstrap(args[1:], stdout, stderr, cat)
	}
	fmt.Fprintf(stderr, "nagios-cfg: unknown subcommand %q\n\n%s", args[0], usage)
	return ExitUsage
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("nagios-cfg "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string, required ...string) bool {
	if err := fs.Parse(args); err != nil {
		return false
	}
	for _, r := range required {
		if fs.Lookup(r).Value.String() == "" {
			fmt.Fprintf(fs.Output(), "%s: --%s is required\n", fs.Name(), r)
			return false
		}
	}
	return true
}

func load(dir string, stderr io.Writer, cat inventory.Catalogue) (*inventory.Fleet, bool) {
	fleet, err := inventory.Load(dir, cat)
	if err != nil {
		fmt.Fprintln(stderr, err)
		var es inventory.Errors
		if errors.As(err, &es) {
			fmt.Fprintf(stderr, "nagios-cfg: %d problem(s) in inventory %s; nothing written\n", len(es), dir)
		} else {
			fmt.Fprintf(stderr, "nagios-cfg: inventory %s; nothing written\n", dir)
		}
		return nil, false
	}
	return fleet, true
}

func cmdRender(args []string, stdout, stderr io.Writer, cat inventory.Catalogue) int {
	fs := newFlags("render", stderr)
	inv := fs.String("inventory", "environments", "inventory directory")
	out := fs.String("out", "", "output directory (replaced atomically)")
	if !parse(fs, args, "inventory", "out") {
		return ExitUsage
	}
	fleet, ok := load(*inv, stderr, cat)
	if !ok {
		return ExitFail
	}
	if !checkAddresses(fleet, *out, stderr) {
		return ExitFail
	}
	n, err := render.Write(fleet, *out)
	if err != nil {
		fmt.Fprintf(stderr, "nagios-cfg render: %v; %s unchanged\n", err, *out)
		return ExitFail
	}
	fmt.Fprintf(stdout, "rendered %d files into %s\n", n, *out)
	return ExitOK
}

func cmdCheck(args []string, stdout, stderr io.Writer, cat inventory.Catalogue) int {
	fs := newFlags("check", stderr)
	inv := fs.String("inventory", "environments", "inventory directory")
	against := fs.String("against", "", "the committed rendered repository")
	if !parse(fs, args, "inventory", "against") {
		return ExitUsage
	}
	fleet, ok := load(*inv, stderr, cat)
	if !ok {
		return ExitFail
	}
	if st, err := os.Stat(*against); err != nil || !st.IsDir() {
		fmt.Fprintf(stderr, "nagios-cfg check: %s is not a directory; run nagios-cfg render --inventory %s --out %s\n", *against, *inv, *against)
		return ExitFail
	}
	diff, n, err := render.Compare(fleet, *against)
	if err != nil {
		fmt.Fprintf(stderr, "nagios-cfg check: %v\n", err)
		return ExitFail
	}
	if diff != "" {
		fmt.Fprint(stdout, diff)
		fmt.Fprintf(stderr, "nagios-cfg check: %s is stale: run nagios-cfg render --inventory %s --out %s and commit the result\n", *against, *inv, *against)
		return ExitFail
	}
	fmt.Fprintf(stdout, "%s is up to date (%d files)\n", *against, n)
	return ExitOK
}

func cmdValidate(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("validate", stderr)
	nagios := fs.String("nagios4", "", "nagios4 binary (default $NAGIOS4_BIN or nagios4)")
	icinga := fs.String("icinga2", "", "icinga2 binary (default $ICINGA2_BIN or icinga2)")
	stock := fs.String("stock-nagios-cfg", validate.StockNagiosCfg, "the distribution's nagios.cfg; each server's conf.d is also checked with it")
	verbose := fs.Bool("verbose", false, "print every run's full output")
	if !parse(fs, args) {
		return ExitUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "nagios-cfg validate: give exactly one rendered directory")
		return ExitUsage
	}
	rs, err := validate.Run(context.Background(), fs.Arg(0), validate.Options{Nagios4: *nagios, Icinga2: *icinga, StockNagiosCfg: *stock})
	if err != nil {
		fmt.Fprintf(stderr, "nagios-cfg validate: %v\n", err)
		return ExitFail
	}
	failed := 0
	for _, r := range rs {
		state := "ok"
		if !r.OK {
			state = "FAILED"
			failed++
		}
		fmt.Fprintf(stdout, "%-6s %s\n", state, r.What)
		if *verbose {
			fmt.Fprintln(stdout, strings.TrimRight(r.Output, "\n"))
		}
	}
	if failed > 0 {
		fmt.Fprint(stderr, validate.Summary(rs))
		fmt.Fprintf(stderr, "nagios-cfg validate: %d of %d runs failed\n", failed, len(rs))
		return ExitFail
	}
	return ExitOK
}

func cmdDeploy(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("deploy", stderr)
	host := fs.String("hostname", "", "this Nagios server's hostname")
	repo := fs.String("repo", "", "the rendered repository")
	confDir := fs.String("conf-dir", "", "the conf.d directory to install into (replaced atomically)")
	dry := fs.Bool("dry-run", false, "print the plan, change nothing")
	if !parse(fs, args, "hostname", "repo", "conf-dir") {
		return ExitUsage
	}
	plan, err := deploy.NewPlan(*repo, *host, *confDir)
	if err != nil {
		fmt.Fprintf(stderr, "nagios-cfg deploy: %v\n", err)
		return ExitFail
	}
	fmt.Fprint(stdout, plan)
	if *dry {
		fmt.Fprintln(stdout, "dry run: nothing changed")
		return ExitOK
	}
	if err := plan.Apply(); err != nil {
		fmt.Fprintf(stderr, "nagios-cfg deploy: %v\n", err)
		return ExitFail
	}
	fmt.Fprintf(stdout, "deployed %s into %s\n", plan.Server.Name, plan.ConfDir)
	return ExitOK
}

func cmdCommands(args []string, stdout, stderr io.Writer, cat inventory.Catalogue) int {
	fs := newFlags("commands", stderr)
	format := fs.String("format", "icinga2", "nagios or icinga2")
	if !parse(fs, args, "format") {
		return ExitUsage
	}
	out, err := render.Commands(cat, *format)
	if err != nil {
		fmt.Fprintf(stderr, "nagios-cfg commands: %v\n", err)
		return ExitUsage
	}
	fmt.Fprint(stdout, out)
	return ExitOK
}
