package cli

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"edgecheck/nagios-cfg/fsutil"
	"edgecheck/nagios-cfg/inventory"
	"edgecheck/nagios-cfg/render"
)

// cmdBootstrap writes one Icinga 2 node's files (icinga2.conf,
// constants.conf, zones.conf, features-available/api.conf and, on the
// master, zones.d/) into --out and prints the steps that install them.
func cmdBootstrap(args []string, stdout, stderr io.Writer, cat inventory.Catalogue) int {
	fs := newFlags("bootstrap", stderr)
	inv := fs.String("inventory", "environments", "inventory directory")
	node := fs.String("node", "", "the Icinga 2 node: a server of an env.yaml, or a host with icinga-agent services")
	out := fs.String("out", "", "directory to write the node's /etc/icinga2 files into")
	if !parse(fs, args, "inventory", "node", "out") {
		return ExitUsage
	}
	fleet, ok := load(*inv, stderr, cat)
	if !ok {
		return ExitFail
	}
	bs, err := render.NodeBootstrap(fleet, *node)
	if err != nil {
		fmt.Fprintln(stderr, err)
		var es inventory.Errors
		if errors.As(err, &es) {
			fmt.Fprintf(stderr, "nagios-cfg bootstrap: %d connection(s) of %s that no node can dial; nothing written\n", len(es), *node)
		}
		return ExitFail
	}
	if err := fsutil.WriteFiles(*out, bs.Files); err != nil {
		fmt.Fprintf(stderr, "nagios-cfg bootstrap: %v\n", err)
		return ExitFail
	}
	abs, err := filepath.Abs(*out)
	if err != nil {
		abs = *out
	}
	fmt.Fprint(stdout, strings.ReplaceAll(bs.Steps, "OUT", abs))
	return ExitOK
}

// checkAddresses prints, before a render, each satellite connection that
// no node can dial. In an environment whose env.yaml gives any server an
// address, that is an error and render writes nothing; otherwise (bare
// hostnames, as before addresses existed) a warning: the tree is written,
// but the zone does not connect, and bootstrap refuses its nodes.
func checkAddresses(fleet *inventory.Fleet, out string, stderr io.Writer) bool {
	bad := 0
	for _, p := range render.AddressProblems(fleet) {
		if p.Strict {
			fmt.Fprintf(stderr, "%s: %s\n", p.Pos, p.Msg)
			bad++
		} else {
			fmt.Fprintf(stderr, "%s: warning: %s\n", p.Pos, p.Msg)
		}
	}
	if bad > 0 {
		fmt.Fprintf(stderr, "nagios-cfg: %d Icinga 2 connection(s) without an address; nothing written to %s\n", bad, out)
	}
	return bad == 0
}
