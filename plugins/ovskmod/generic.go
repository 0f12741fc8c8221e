package ovskmod

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"edgecheck/shared/nagios"
)

// A genericRun is one evaluation in generic mode: the running and the
// next-boot kernel, each with the state of its openvswitch module.
type genericRun struct {
	root      string
	res       *nagios.Result
	summary   nagios.Summary
	installed []string
	running   string
	run       moduleStatus
	pend      pending
	pendRel   string
	runState  nagios.State
	pendState nagios.State
	statuses  map[string]moduleStatus
}

// status is the module status of a kernel release, looked up once.
func (g *genericRun) status(rel string) moduleStatus {
	if st, ok := g.statuses[rel]; ok {
		return st
	}
	st := findModule(g.root, rel)
	g.statuses[rel] = st
	return st
}

func (c *Check) runGeneric(ctx context.Context, running string) (*nagios.Result, error) {
	nagios.SetStage(ctx, "listing kernels in "+filepath.Join(c.Root, "boot"))
	installed, err := installedKernels(c.Root)
	if err != nil {
		return nil, err
	}
	g := &genericRun{root: c.Root, res: &nagios.Result{}, installed: installed, running: running}
	nagios.SetStage(ctx, "reading the openvswitch module of "+running)
	g.run = findModule(c.Root, running)
	g.statuses = map[string]moduleStatus{running: g.run}
	loaded := c.loadedModule(ctx, g.res, &g.summary)

	nagios.SetStage(ctx, "finding the next-boot kernel")
	pend, perr := pendingKernel(c.Root, installed)
	g.pend = pend
	for _, n := range pend.Notes {
		g.res.Add(nagios.OK, "note: %s", n)
	}
	g.judgeRunning(loaded)
	g.judgePending(perr)
	g.moduleOrigin()
	withModule := g.rollback()
	if c.verbose(ctx) {
		for _, rel := range installed {
			if rel != running && rel != g.pendRel {
				g.res.Add(nagios.OK, "installed kernel %s: %s", rel, g.status(rel).Describe())
			}
		}
	}
	g.res.AddPerf(
		nagios.Perf{Label: "kernels_installed", Value: float64(len(installed)), Min: nagios.Float(0)},
		nagios.Perf{Label: "kernels_with_module", Value: float64(withModule), Min: nagios.Float(0), Max: nagios.Float(float64(len(installed)))},
	)
	// Both kernels are fine: say so after any problem with the loaded
	// module, which the summary names first.
	var allClear string
	switch {
	case g.runState != nagios.OK || g.pendState != nagios.OK:
	case g.pendRel == running:
		allClear = fmt.Sprintf("openvswitch module matches kernel %s, which is also the next-boot kernel (%s)", running, pend.Source)
	default:
		allClear = fmt.Sprintf("openvswitch module matches running kernel %s and next-boot kernel %s (%s)", running, g.pendRel, pend.Source)
	}
	g.res.Summary = g.summary.Line(g.res, allClear)
	return g.res, nil
}

// judgeRunning sets the running kernel's state.
func (g *genericRun) judgeRunning(loaded bool) {
	running, run, res := g.running, g.run, g.res
	switch {
	case run.NoModulesDir && loaded:
		g.runState = nagios.Warning
		res.Add(g.runState, "running kernel %s: openvswitch is loaded but /lib/modules/%s is missing, so it cannot be reloaded (modules directory removed?)", running, running)
		g.summary.Add(g.runState, "running "+running+" modules directory missing")
	case run.NoModulesDir:
		g.runState = nagios.Unknown
		res.Add(g.runState, "running kernel %s: cannot tell, /lib/modules/%s does not exist and no openvswitch module is loaded; this kernel was not installed from a package (a container, or a VM booted with an external kernel)", running, running)
		g.summary.Add(g.runState, "cannot tell for running kernel "+running+": no /lib/modules/"+running)
	case run.Err != nil:
		g.runState = nagios.Unknown
		res.Add(g.runState, "running kernel %s: cannot tell: %s", running, run.Describe())
		g.summary.Add(g.runState, "cannot tell for running kernel "+running)
	case !run.OK():
		g.runState = nagios.Critical
		res.Add(g.runState, "running kernel %s: %s", running, run.Describe())
		g.summary.Add(g.runState, "running kernel "+running+" has no matching openvswitch module")
	default:
		g.runState = nagios.OK
		res.Add(g.runState, "running kernel %s: %s", running, run.Describe())
	}
}

// judgePending sets the next-boot kernel's state.
func (g *genericRun) judgePending(perr error) {
	res := g.res
	if perr != nil {
		g.pendState = nagios.Unknown
		res.Add(g.pendState, "next-boot kernel: cannot tell: %v", perr)
		g.summary.Add(g.pendState, "cannot tell the next-boot kernel")
		return
	}
	g.pendRel = g.pend.Release
	ps := g.status(g.pendRel)
	label := fmt.Sprintf("next-boot kernel %s (from %s)", g.pendRel, g.pend.Source)
	switch {
	case g.pendRel == g.running && g.runState != nagios.Critical && g.runState != nagios.OK:
		g.pendState = g.runState
		res.Add(g.pendState, "%s is the running kernel", label)
	case g.pendRel == g.running:
		g.pendState = g.runState
		res.Add(nagios.OK, "%s is the running kernel", label)
	case ps.Err != nil:
		g.pendState = nagios.Unknown
		res.Add(g.pendState, "%s: cannot tell: %s", label, ps.Describe())
		g.summary.Add(g.pendState, "cannot tell for next-boot kernel "+g.pendRel)
	case !ps.OK():
		g.pendState = nagios.Critical
		res.Add(g.pendState, "%s: %s: networking may not survive reboot", label, ps.Describe())
		g.summary.Add(g.pendState, "next-boot kernel "+g.pendRel+" has no matching openvswitch module: networking may not survive reboot")
	default:
		g.pendState = nagios.OK
		res.Add(g.pendState, "%s: %s", label, ps.Describe())
	}
}

// moduleOrigin reports a pinned host and a next-boot kernel that lost the
// out-of-tree module the running kernel uses.
func (g *genericRun) moduleOrigin() {
	if g.pendState != nagios.OK {
		return
	}
	if g.pend.Pinned && len(g.installed) > 0 && g.installed[0] != g.pendRel {
		g.res.Add(nagios.OK, "the boot default is pinned to kernel %s; the newer installed kernel %s is not booted (%s)", g.pendRel, g.installed[0], g.status(g.installed[0]).Describe())
	}
	if g.pendRel == g.running {
		return
	}
	if w := dkmsFailed(g.run, g.status(g.pendRel)); w != "" {
		g.res.Add(nagios.Warning, "%s", w)
		g.summary.Add(nagios.Warning, "next-boot kernel "+g.pendRel+" has only the in-tree openvswitch module, the running kernel an out-of-tree one: DKMS build failed?")
	}
}

// rollback names a rollback target whenever something is CRITICAL and
// returns how many installed kernels have a module. It prefers the running
// kernel (proven to work now), then the next-boot kernel when it is fine
// (the host is already pinned to it), else the newest kernel with a module.
func (g *genericRun) rollback() (withModule int) {
	var target string
	switch {
	case g.runState == nagios.OK && slices.Contains(g.installed, g.running):
		target = g.running
	case g.pendState == nagios.OK && g.pendRel != "":
		target = g.pendRel
	}
	for _, rel := range g.installed {
		if g.status(rel).OK() {
			withModule++
			if target == "" {
				target = rel
			}
		}
	}
	if g.runState != nagios.Critical && g.pendState != nagios.Critical {
		return withModule
	}
	// A one-shot next_entry is no fix when the boots after it go back to
	// a kernel without a module.
	oneShotOnly := g.pend.OneShot && g.pend.After != "" && !g.status(g.pend.After).OK()
	switch {
	case target != "" && target == g.pendRel && g.pendRel != g.running && !oneShotOnly:
		g.res.Add(nagios.OK, "the next boot already goes to kernel %s (from %s), which has a matching openvswitch module: no change of the boot default is needed, a reboot fixes this", g.pendRel, g.pend.Source)
	case target != "" && (target != g.pendRel || oneShotOnly):
		g.res.Add(nagios.OK, "rollback target: kernel %s has a matching openvswitch module (%s); make it the boot default: %s",
			target, g.status(target).Describe(), rollbackHint(g.root, g.pend, target))
	case target == "":
		g.res.Add(nagios.Critical, "no installed kernel has a matching openvswitch module (installed: %s): reinstall the openvswitch module package or rebuild DKMS before rebooting", strings.Join(g.installed, ", "))
		g.summary.Add(nagios.Critical, "no installed kernel has a matching openvswitch module")
	}
	return withModule
}
