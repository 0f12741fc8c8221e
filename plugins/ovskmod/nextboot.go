package ovskmod

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// A pending is the kernel that boots next and how it was found.
type pending struct {
	Release string
	// Source names what chose it, e.g. `/boot/grub/grub.cfg default="0" ->
	// entry "Ubuntu"` or "/boot/vmlinuz symlink".
	Source string
	// Notes explains sources that were present but not used.
	Notes []string
	// Menu is GRUB's boot menu (grub.cfg with BLS entries), nil when none
	// was found; the rollback hint names an entry of it.
	Menu    []menuEntry
	GrubDir string // /boot/grub or /boot/grub2: which tool names apply
	// UsesSaved is set when GRUB boots the grubenv saved_entry
	// (GRUB_DEFAULT=saved), so grub-set-default changes the default.
	UsesSaved bool
	// BLS is set when the entry is a Boot Loader Specification entry
	// (grubby manages the default).
	BLS bool
	// Pinned is set when the default names a kernel (a saved entry, a
	// title or an id) rather than a position in the menu.
	Pinned bool
	// OneShot is set when the entry is grubenv's next_entry; After is then
	// the kernel of the boots after it ("" when unknown).
	OneShot bool
	After   string
	EnvPath string
}

// grubenvPaths are where grub2 keeps its environment block (grub-editenv):
// next to grub.cfg, or on the EFI system partition (RHEL/CentOS 7, Fedora).
var grubenvPaths = []string{"/boot/grub/grubenv", "/boot/grub2/grubenv", "/boot/efi/EFI/*/grubenv"}

// grubCfgPaths are where grub-mkconfig writes grub.cfg (update-grub on
// Debian/Ubuntu, grub2-mkconfig on Fedora/RHEL); EFI directories come last,
// as on RHEL 9 they hold only a stub that loads /boot/grub2/grub.cfg.
var grubCfgPaths = []string{"/boot/grub/grub.cfg", "/boot/grub2/grub.cfg", "/boot/efi/EFI/*/grub.cfg"}

// bootFiles are the bootloader files of a root tree.
type bootFiles struct {
	env        map[string]string
	envPath    string
	cfg        grubConfig
	cfgPath    string
	defGrub    string // GRUB_DEFAULT of /etc/default/grub
	hasDefGrub bool
	bls        []menuEntry // /boot/loader/entries, newest first
}

// readBootFiles reads grubenv, grub.cfg, /etc/default/grub and the BLS
// entries. A missing file is no error; an unreadable one is.
func readBootFiles(root string) (bootFiles, error) {
	b := bootFiles{env: map[string]string{}}
	read := func(p string) ([]byte, bool, error) {
		data, err := os.ReadFile(filepath.Join(root, p))
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("cannot read %s: %v", p, err)
		}
		return data, true, nil
	}
	for _, p := range expandPaths(root, grubenvPaths) {
		data, ok, err := read(p)
		if err != nil {
			return b, err
		}
		if ok {
			b.env, b.envPath = parseGrubenv(data), p
			break
		}
	}
	for _, p := range expandPaths(root, grubCfgPaths) {
		data, ok, err := read(p)
		if err != nil {
			return b, err
		}
		// An EFI stub (search ...; configfile ...) has neither a menu nor
		// a default: the grub.cfg it loads is the real one.
		cfg := parseGrubCfg(data)
		if ok && (len(cfg.Menu) > 0 || cfg.DefaultSet || cfg.SavedEntry || cfg.NextEntry || cfg.BLSAt >= 0) {
			b.cfg, b.cfgPath = cfg, p
			break
		}
	}
	data, ok, err := read("/etc/default/grub")
	if err != nil {
		return b, err
	}
	if ok {
		b.defGrub, b.hasDefGrub = parseDefaultGrub(data)
	}
	b.bls, err = readBLSEntries(root)
	return b, err
}

// expandPaths expands the glob patterns under root into root-relative
// paths, in the order given.
func expandPaths(root string, patterns []string) []string {
	var out []string
	for _, pattern := range patterns {
		if !strings.Contains(pattern, "*") {
			out = append(out, pattern)
			continue
		}
		matches, _ := filepath.Glob(filepath.Join(root, pattern))
		for _, m := range matches {
			out = append(out, "/"+strings.TrimPrefix(strings.TrimPrefix(m, filepath.Clean(root)), "/"))
		}
	}
	return out
}

// readBLSEntries reads /boot/loader/entries/*.conf, newest kernel first, the
// order in which GRUB's blscfg command adds them to the menu.
func readBLSEntries(root string) ([]menuEntry, error) {
	dir := filepath.Join(root, "boot", "loader", "entries")
	files, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot list /boot/loader/entries: %v", err)
	}
	var out []menuEntry
	for _, f := range files {
		id, ok := strings.CutSuffix(f.Name(), ".conf")
		if !ok || f.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			return nil, fmt.Errorf("cannot read /boot/loader/entries/%s: %v", f.Name(), err)
		}
		out = append(out, parseBLSEntry(id, data))
	}
	slices.SortStableFunc(out, func(a, b menuEntry) int {
		if c := compareVersions(b.Release, a.Release); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out, nil
}

// menu is the menu GRUB shows: grub.cfg's, with the BLS entries where
// blscfg runs; without a grub.cfg, the BLS entries alone.
func (b bootFiles) menu() []menuEntry {
	if b.cfgPath != "" {
		return b.cfg.withBLS(b.bls)
	}
	return b.bls
}

func (b bootFiles) grubDir() string {
	if strings.Contains(b.cfgPath+b.envPath, "grub2") || len(b.bls) > 0 {
		return "/boot/grub2"
	}
	return "/boot/grub"
}

func (b bootFiles) isBLSID(id string) bool {
	return id != "" && slices.ContainsFunc(b.bls, func(e menuEntry) bool { return e.ID == id })
}

// defaultExpr decides which default expression GRUB evaluates, as grub.cfg
// written by grub-mkconfig's 00_header does: next_entry (grub-reboot) when
// set, else saved_entry when GRUB_DEFAULT=saved (set default="${saved_entry}"),
// else the literal default. Without a grub.cfg in the tree,
// /etc/default/grub's GRUB_DEFAULT tells what grub.cfg says, and without
// that only an entry naming a BLS entry (grubby's default) is trusted. ok is
// false when nothing chooses an entry.
func (b bootFiles) defaultExpr(ignoreNext bool) (expr, source string, usesSaved, ok bool) {
	haveCfg := b.cfgPath != ""
	next, saved := b.env["next_entry"], b.env["saved_entry"]
	nextUsed := b.cfg.NextEntry || !haveCfg && (b.hasDefGrub || b.isBLSID(next))
	savedUsed := b.cfg.SavedEntry
	if !haveCfg {
		savedUsed = b.defGrub == "saved" || !b.hasDefGrub && b.isBLSID(saved)
	}
	switch {
	case next != "" && nextUsed && !ignoreNext:
		return next, fmt.Sprintf("%s next_entry=%q, one-shot from grub-reboot", b.envPath, next), savedUsed, true
	case savedUsed && saved != "":
		return saved, fmt.Sprintf("%s saved_entry=%q with GRUB_DEFAULT=saved", b.envPath, saved), true, true
	case savedUsed:
		return "", "GRUB_DEFAULT=saved with no saved_entry in grubenv: the first menu entry", true, true
	case haveCfg && b.cfg.DefaultSet:
		return b.cfg.Default, fmt.Sprintf("%s default=%q", b.cfgPath, b.cfg.Default), false, true
	case !haveCfg && b.hasDefGrub:
		return b.defGrub, fmt.Sprintf("/etc/default/grub GRUB_DEFAULT=%q, no grub.cfg found", b.defGrub), false, true
	case len(b.menu()) > 0:
		src := "no default set: the first menu entry"
		if haveCfg {
			src = b.cfgPath + " has no default: the first menu entry"
		}
		return "", src, false, true
	}
	return "", "", false, false
}

// notes says which bootloader settings were present but do not choose the
// entry, so an operator sees why a saved_entry is not believed.
func (b bootFiles) notes(usesSaved bool) []string {
	var n []string
	if saved := b.env["saved_entry"]; saved != "" && !usesSaved {
		why := "no GRUB configuration in the tree uses it"
		switch {
		case b.cfgPath != "":
			why = b.cfgPath + " does not set default=\"${saved_entry}\""
		case b.hasDefGrub:
			why = fmt.Sprintf("/etc/default/grub has GRUB_DEFAULT=%s", b.defGrub)
		}
		n = append(n, fmt.Sprintf("%s saved_entry=%q is ignored: GRUB uses it only with GRUB_DEFAULT=saved (grub-set-default(8)), and %s", b.envPath, saved, why))
	}
	if next := b.env["next_entry"]; next != "" && b.cfgPath != "" && !b.cfg.NextEntry {
		n = append(n, fmt.Sprintf("%s next_entry=%q is ignored: %s never sets default from ${next_entry}", b.envPath, next, b.cfgPath))
	}
	if b.cfgPath != "" && b.hasDefGrub && (b.defGrub == "saved") != b.cfg.SavedEntry {
		n = append(n, fmt.Sprintf("/etc/default/grub has GRUB_DEFAULT=%s but %s was generated for another setting: run update-grub (grub2-mkconfig) to apply it", b.defGrub, b.cfgPath))
	}
	if b.cfgPath != "" && b.cfg.BLSAt < 0 && len(b.bls) > 0 {
		n = append(n, fmt.Sprintf("%s has no blscfg command, so the /boot/loader/entries are not in GRUB's menu", b.cfgPath))
	}
	return n
}

// pendingKernel finds the kernel that boots next: GRUB's choice from
// grubenv, grub.cfg and BLS entries (see defaultExpr), then the Debian and
// Ubuntu /boot/vmlinuz or /vmlinuz symlink, then the newest installed kernel.
func pendingKernel(root string, installed []string) (pending, error) {
	b, err := readBootFiles(root)
	if err != nil {
		return pending{}, err
	}
	p, found, err := grubPending(b, installed, false)
	if err != nil || found {
		return p, err
	}
	for _, link := range []string{"/boot/vmlinuz", "/vmlinuz"} {
		target, err := os.Readlink(filepath.Join(root, link))
		if err != nil {
			continue
		}
		if rel := imageRelease(target); rel != "" {
			return pending{Release: rel, Source: link + " symlink", Notes: p.Notes}, nil
		}
	}
	if len(installed) > 0 {
		return pending{Release: installed[0], Source: "newest installed kernel (no bootloader default found)", Notes: p.Notes}, nil
	}
	return p, errors.New("no bootloader default (grubenv, grub.cfg, /boot/loader/entries, /boot/vmlinuz) and no installed kernel in /boot or /lib/modules")
}

// grubPending resolves GRUB's choice; found is false when GRUB's files do
// not decide it (then the caller tries the symlinks).
func grubPending(b bootFiles, installed []string, ignoreNext bool) (p pending, found bool, err error) {
	expr, src, usesSaved, ok := b.defaultExpr(ignoreNext)
	p = pending{Notes: b.notes(usesSaved), Menu: b.menu(), GrubDir: b.grubDir(), UsesSaved: usesSaved}
	if !ok {
		return p, false, nil
	}
	if len(p.Menu) == 0 {
		// grubenv alone: match the entry's name against the kernels.
		if rel := kernelInEntry(expr, installed); rel != "" {
			p.Release, p.Source = rel, src+", matched by its kernel release (no grub.cfg in the tree to resolve it)"
			p.Pinned = true
			return p, true, nil
		}
		p.Notes = append(p.Notes, fmt.Sprintf("%s names no installed kernel and there is no grub.cfg to resolve it", src))
		return p, false, nil
	}
	r, ok := resolveDefault(p.Menu, expr)
	if !ok {
		return p, false, fmt.Errorf("%s: the GRUB menu has no entry there", src)
	}
	if r.Fallback != "" {
		p.Notes = append(p.Notes, r.Fallback)
	}
	if r.Entry.Release == "" {
		return p, false, fmt.Errorf("%s selects menu entry %q, which boots no Linux kernel image this check can name", src, r.Entry.Title)
	}
	p.Release, p.BLS = r.Entry.Release, r.Entry.BLS
	p.Source = fmt.Sprintf("%s -> menu entry %q", src, r.Entry.Title)
	p.Pinned = expr != "" && r.Fallback == "" && strings.Trim(expr, "0123456789>") != ""
	if strings.Contains(src, "next_entry") {
		p.OneShot, p.EnvPath, p.Pinned = true, b.envPath, false
		if after, found, _ := grubPending(b, installed, true); found {
			p.After = after.Release
			p.Notes = append(p.Notes, fmt.Sprintf("next_entry is for one boot only; the boots after it use kernel %s (from %s)", after.Release, after.Source))
		}
	}
	return p, true, nil
}

// rollbackHint is the command that makes rel the boot default, in the terms
// of how this host chooses it.
func rollbackHint(root string, p pending, rel string) string {
	set, reboot, mkconfig := "grub-set-default", "grub-reboot", "update-grub"
	if p.GrubDir == "/boot/grub2" {
		set, reboot, mkconfig = "grub2-set-default", "grub2-reboot", "grub2-mkconfig -o /boot/grub2/grub.cfg"
	}
	if p.OneShot && p.After == rel {
		return fmt.Sprintf("grub-editenv %s unset next_entry (drops the one-shot grub-reboot; the default already boots %s)", p.EnvPath, rel)
	}
	if _, err := os.Stat(filepath.Join(root, "boot", "loader", "entries")); err == nil {
		return fmt.Sprintf("grubby --set-default /boot/vmlinuz-%s", rel)
	}
	if path, ok := entryPath(p.Menu, rel); ok {
		if p.UsesSaved {
			return fmt.Sprintf("%s '%s' (or %s '%s' for one boot)", set, path, reboot, path)
		}
		return fmt.Sprintf("set GRUB_DEFAULT=\"%s\" in /etc/default/grub and run %s (or, for one boot, %s '%s')", path, mkconfig, reboot, path)
	}
	if strings.HasSuffix(p.Source, "symlink") {
		return fmt.Sprintf("set GRUB_DEFAULT=saved in /etc/default/grub, run update-grub, then grub-set-default \"gnulinux-advanced-<root-uuid>>gnulinux-%s-advanced-<root-uuid>\" (ids from grep -o \"gnulinux-[^']*\" /boot/grub/grub.cfg), see 'Rolling the boot default back' in check_ovs_kmod's README (plugins/ovskmod/README.md)", rel)
	}
	return fmt.Sprintf("make vmlinuz-%s the boot default, see 'Rolling the boot default back' in check_ovs_kmod's README (plugins/ovskmod/README.md)", rel)
}
