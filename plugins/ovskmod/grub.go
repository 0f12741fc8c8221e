package ovskmod

import (
	"iter"
	"path"
	"strconv"
	"strings"
)

// A menuEntry is one entry of GRUB's boot menu: a grub.cfg menuentry or
// submenu, or a Boot Loader Specification entry that the blscfg command adds
// (/boot/loader/entries/<id>.conf, Fedora/RHEL 8+).
type menuEntry struct {
	Title string // the menuentry title, e.g. "Ubuntu, with Linux 5.15.0-91-generic"
	// ID is the entry's --id ($menuentry_id_option in grub-mkconfig output,
	// e.g. gnulinux-5.15.0-91-generic-advanced-UUID), or a BLS entry's file
	// name without .conf (<machine-id>-<release>).
	ID string
	// Release is the kernel release of the image the entry boots, from its
	// linux (linux16, linuxefi) line, or from a Xen entry's module line
	// naming a vmlinuz; "" for entries that boot no Linux kernel.
	Release  string
	Recovery bool // a "(recovery mode)" entry of grub-mkconfig
	Submenu  bool
	Sub      []menuEntry
	BLS      bool
}

// A grubConfig is what check_ovs_kmod needs from grub.cfg: the menu and how
// the default entry is chosen.
type grubConfig struct {
	Menu []menuEntry
	// Default is the last literal `set default=VALUE` (a number, a title, an
	// id or a '>'-separated path, GRUB manual "default"); DefaultSet says
	// whether there was one.
	Default    string
	DefaultSet bool
	// SavedEntry is set when grub.cfg has set default="${saved_entry}",
	// which grub-mkconfig writes for GRUB_DEFAULT=saved: only then does
	// the grubenv saved_entry choose the entry.
	SavedEntry bool
	// NextEntry is set when grub.cfg sets default from ${next_entry}, the
	// one-shot entry grub-reboot writes (00_header does this whenever the
	// environment block is usable).
	NextEntry bool
	// BLSAt is where the blscfg command inserts the BLS entries into the
	// top-level menu, -1 when grub.cfg has no blscfg.
	BLSAt int
}

// maxMenuDepth and maxMenuEntries bound what a hostile grub.cfg can make
// the parser build.
const (
	maxMenuDepth   = 16
	maxMenuEntries = 4096
)

// grubWords splits one line of GRUB script into words the way GRUB's lexer
// does for the lines this check reads: 'single quotes' are literal, "double
// quotes" and bare words take backslash escapes, and variable references
// ($x, ${x}) are kept as written. A # at the start of a word starts a
// comment.
func grubWords(line string) []string {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '#' && !inWord:
			return words
		case c == '\'':
			inWord = true
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				cur.WriteString(line[i+1:])
				i = len(line)
				break
			}
			cur.WriteString(line[i+1 : i+1+end])
			i += end + 1
		case c == '"':
			inWord = true
			for i++; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' && i+1 < len(line) && strings.IndexByte("\"\\$", line[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(line[i])
			}
		case c == '\\' && i+1 < len(line):
			inWord = true
			i++
			cur.WriteByte(line[i])
		default:
			inWord = true
			cur.WriteByte(c)
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// grubLines yields the words (grubWords) of each line of a GRUB script or
// shell fragment that has any.
func grubLines(data []byte) iter.Seq[[]string] {
	return func(yield func([]string) bool) {
		for line := range lines(data) {
			if w := grubWords(line); len(w) > 0 && !yield(w) {
				return
			}
		}
	}
}

// parseGrubCfg reads the menu and the default of a grub.cfg as
// grub-mkconfig writes it (00_header, 10_linux, 20_linux_xen, 30_os-prober,
// 40_custom) or as written by hand. It never fails: lines it does not
// understand are skipped, as they do not choose the boot entry.
func parseGrubCfg(data []byte) grubConfig {
	cfg := grubConfig{BLSAt: -1}
	root := &menuEntry{Submenu: true}
	// Each open brace is a frame: a menu entry (entry != nil) or some other
	// block, such as a function body.
	type frame struct{ entry *menuEntry }
	stack := []frame{{root}}
	count := 0
	for w := range grubLines(data) {
		top := stack[len(stack)-1].entry
		switch {
		case w[0] == "}":
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
		case (w[0] == "menuentry" || w[0] == "submenu") && w[len(w)-1] == "{":
			parent := top
			if len(stack) >= maxMenuDepth || count >= maxMenuEntries || parent == nil || !parent.Submenu {
				stack = append(stack, frame{nil})
				continue
			}
			e := menuHeader(w[1 : len(w)-1])
			e.Submenu = w[0] == "submenu"
			parent.Sub = append(parent.Sub, e)
			count++
			stack = append(stack, frame{&parent.Sub[len(parent.Sub)-1]})
		case w[len(w)-1] == "{":
			stack = append(stack, frame{nil})
		case top != nil && !top.Submenu:
			entryLine(top, w)
		case len(stack) == 1:
			topLevelLine(&cfg, root, w)
		}
	}
	cfg.Menu = root.Sub
	return cfg
}

// menuHeader reads the arguments of a menuentry or submenu command: the
// title and the options (--class C, --users U, --hotkey K, --id ID,
// $menuentry_id_option ID, --unrestricted).
func menuHeader(args []string) menuEntry {
	var e menuEntry
	titled := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--id" || a == "$menuentry_id_option" || a == "${menuentry_id_option}":
			if i+1 < len(args) {
				e.ID = args[i+1]
				i++
			}
		case strings.HasPrefix(a, "--id="):
			e.ID = strings.TrimPrefix(a, "--id=")
		case a == "--class" || a == "--users" || a == "--hotkey" || a == "--source":
			i++
		case strings.HasPrefix(a, "--"):
		case !titled:
			e.Title, titled = a, true
		}
	}
	e.Recovery = strings.Contains(e.Title, "(recovery mode)") || strings.Contains(e.Title, "rescue")
	return e
}

// entryLine reads a line inside a menuentry: the kernel it boots.
func entryLine(e *menuEntry, w []string) {
	if len(w) < 2 || e.Release != "" {
		return
	}
	switch w[0] {
	case "linux", "linux16", "linuxefi", "kernel":
	case "module", "module2", "multiboot_module":
		// Xen: multiboot /boot/xen.gz, then module /boot/vmlinuz-REL ...
		if !strings.HasPrefix(path.Base(w[1]), "vmlinuz-") {
			return
		}
	default:
		return
	}
	e.Release = imageRelease(w[1])
}

// imageRelease is the kernel release of a kernel image path such as
// /boot/vmlinuz-5.15.0-91-generic or (hd0,gpt2)/vmlinuz-6.1.0-18-amd64;
// "" when the name carries none.
func imageRelease(p string) string {
	if i := strings.LastIndexByte(p, ')'); i >= 0 {
		p = p[i+1:]
	}
	rel, ok := strings.CutPrefix(path.Base(p), "vmlinuz-")
	if !ok {
		return ""
	}
	return rel
}

// topLevelLine reads the lines outside any entry that decide the default.
func topLevelLine(cfg *grubConfig, root *menuEntry, w []string) {
	if w[0] == "blscfg" {
		cfg.BLSAt = len(root.Sub)
		return
	}
	val, ok := "", false
	switch {
	case w[0] == "set" && len(w) > 1:
		val, ok = strings.CutPrefix(w[1], "default=")
	default:
		val, ok = strings.CutPrefix(w[0], "default=")
	}
	if !ok {
		return
	}
	switch {
	case strings.Contains(val, "next_entry"):
		cfg.NextEntry = true
	case strings.Contains(val, "saved_entry"):
		cfg.SavedEntry = true
	case strings.Contains(val, "$"):
		// Another variable: unknown here, treated like no default.
	default:
		cfg.Default, cfg.DefaultSet = val, true
	}
}

// withBLS returns the menu GRUB shows: grub.cfg's entries with the BLS
// entries inserted where blscfg runs.
func (cfg grubConfig) withBLS(bls []menuEntry) []menuEntry {
	if cfg.BLSAt < 0 || len(bls) == 0 {
		return cfg.Menu
	}
	at := min(cfg.BLSAt, len(cfg.Menu))
	out := make([]menuEntry, 0, len(cfg.Menu)+len(bls))
	out = append(out, cfg.Menu[:at]...)
	out = append(out, bls...)
	return append(out, cfg.Menu[at:]...)
}

// A resolved is the menu entry a default expression selects.
type resolved struct {
	Entry menuEntry
	Path  []int // indices at each level
	// Fallback says where GRUB fell back to the first entry because an
	// element named no entry, or the expression ended at a submenu.
	Fallback string
}

// resolveDefault finds the entry a GRUB default expression selects, as GRUB
// does (GRUB manual, "default"): '>' separates the levels of submenus, and
// each element is an entry number counted from 0 at its level, a title or an
// id. An element that names no entry selects the first entry at its level,
// as GRUB falls back to entry 0; a path that ends at a submenu opens it and
// boots its first entry. ok is false only when the menu is empty.
func resolveDefault(menu []menuEntry, expr string) (resolved, bool) {
	var r resolved
	parts := strings.Split(expr, ">")
	if expr == "" {
		parts = nil
	}
	level := menu
	for depth := 0; depth < maxMenuDepth; depth++ {
		if len(level) == 0 {
			return r, false
		}
		idx := 0
		if depth < len(parts) {
			if i, found := findEntry(level, parts[depth]); found {
				idx = i
			} else if r.Fallback == "" {
				r.Fallback = "no entry " + strconv.Quote(parts[depth]) + " at menu level " + strconv.Itoa(depth) + ": GRUB boots the first entry there"
			}
		} else if depth > 0 && depth == len(parts) && r.Fallback == "" {
			r.Fallback = "the default names a submenu: GRUB opens it and boots its first entry"
		}
		r.Path = append(r.Path, idx)
		r.Entry = level[idx]
		if !r.Entry.Submenu {
			return r, true
		}
		level = r.Entry.Sub
	}
	return r, false
}

// findEntry finds one element of a default path at one menu level.
func findEntry(level []menuEntry, elem string) (int, bool) {
	if n, err := strconv.Atoi(elem); err == nil && elem == strconv.Itoa(n) {
		if n >= 0 && n < len(level) {
			return n, true
		}
		return 0, false
	}
	for i, e := range level {
		if e.Title == elem || e.ID != "" && e.ID == elem {
			return i, true
		}
	}
	return 0, false
}

// entryPath is the '>'-separated path that grub-set-default, grub-reboot and
// GRUB_DEFAULT take for the first non-recovery entry booting rel: ids where
// every level has one (they survive kernel updates), else titles. ok is false
// when no entry boots rel.
func entryPath(menu []menuEntry, rel string) (string, bool) {
	var ids, titles []string
	var walk func(level []menuEntry) bool
	walk = func(level []menuEntry) bool {
		for _, e := range level {
			ids, titles = append(ids, e.ID), append(titles, e.Title)
			if e.Submenu && len(ids) < maxMenuDepth && walk(e.Sub) {
				return true
			}
			if !e.Submenu && !e.Recovery && e.Release == rel {
				return true
			}
			ids, titles = ids[:len(ids)-1], titles[:len(titles)-1]
		}
		return false
	}
	if !walk(menu) {
		return "", false
	}
	for _, id := range ids {
		if id == "" {
			return strings.Join(titles, ">"), true
		}
	}
	return strings.Join(ids, ">"), true
}

// parseBLSEntry reads one Boot Loader Specification entry (one "key value"
// per line: title, version, linux, initrd, options; the Boot Loader
// Specification, uapi-group.org). The kernel release comes from the linux
// image name, else from version.
func parseBLSEntry(id string, data []byte) menuEntry {
	e := menuEntry{ID: id, BLS: true}
	version := ""
	for line := range lines(data) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		key, val := line, ""
		if i := strings.IndexAny(line, " \t"); i >= 0 {
			key, val = line[:i], strings.TrimSpace(line[i:])
		}
		switch key {
		case "title":
			e.Title = val
		case "version":
			// A kernel release is one word; anything after it is not
			// part of it (a hand-edited entry, a trailing comment).
			if f := strings.Fields(val); len(f) > 0 {
				version = f[0]
			}
		case "linux":
			if f := strings.Fields(val); len(f) > 0 {
				e.Release = imageRelease(f[0])
			}
		}
	}
	if e.Release == "" {
		e.Release = version
	}
	if e.Title == "" {
		e.Title = id
	}
	e.Recovery = strings.Contains(id, "rescue")
	return e
}

// parseDefaultGrub returns GRUB_DEFAULT from /etc/default/grub (a shell
// fragment of KEY=value lines; the last assignment wins); ok is false when
// the file does not set it.
func parseDefaultGrub(data []byte) (string, bool) {
	val, ok := "", false
	for w := range grubLines(data) {
		if w[0] == "export" && len(w) > 1 {
			w = w[1:]
		}
		if v, found := strings.CutPrefix(w[0], "GRUB_DEFAULT="); found {
			val, ok = v, true
		}
	}
	return val, ok
}
