package ovskmod

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestGrubWords(t *testing.T) {
	for _, tt := range []struct {
		line string
		want []string
	}{
		{`menuentry 'Ubuntu, with Linux 5.15.0-91-generic' --class ubuntu $menuentry_id_option 'gnulinux-5.15.0-91-generic-advanced-u' {`,
			[]string{"menuentry", "Ubuntu, with Linux 5.15.0-91-generic", "--class", "ubuntu", "$menuentry_id_option", "gnulinux-5.15.0-91-generic-advanced-u", "{"}},
		{`   set default="${saved_entry}"`, []string{"set", "default=${saved_entry}"}},
		{`set default="Advanced options for Ubuntu>Ubuntu, with Linux 5.15.0-88-generic"`, []string{"set", "default=Advanced options for Ubuntu>Ubuntu, with Linux 5.15.0-88-generic"}},
		{`set default=1\>2 # a comment`, []string{"set", "default=1>2"}},
		{`echo "a \"quoted\" word"`, []string{"echo", `a "quoted" word`}},
		{`# only a comment`, nil},
		{`linux	/boot/vmlinuz-6.1.0-18-amd64 root=UUID=x ro`, []string{"linux", "/boot/vmlinuz-6.1.0-18-amd64", "root=UUID=x", "ro"}},
		{`'unterminated`, []string{"unterminated"}},
	} {
		if got := grubWords(tt.line); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("grubWords(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

// TestParseGrubCfg reads grub.cfg files as grub-mkconfig writes them (the
// fixtures follow 00_header, 10_linux and 30_uefi-firmware of GRUB 2.06).
func TestParseGrubCfg(t *testing.T) {
	read := func(name string) grubConfig {
		t.Helper()
		data, err := os.ReadFile(filepath.Join("testdata", name, "root", "boot", "grub", "grub.cfg"))
		if err != nil {
			t.Fatal(err)
		}
		return parseGrubCfg(data)
	}
	const u = "6d1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b"
	cfg := read("ubuntu-stale-saved-entry")
	if !cfg.DefaultSet || cfg.Default != "0" || cfg.SavedEntry || !cfg.NextEntry || cfg.BLSAt != -1 {
		t.Errorf("default %q set %v, saved %v, next %v, blscfg at %d", cfg.Default, cfg.DefaultSet, cfg.SavedEntry, cfg.NextEntry, cfg.BLSAt)
	}
	// Ubuntu (simple), the Advanced submenu, UEFI Firmware Settings.
	if len(cfg.Menu) != 3 {
		t.Fatalf("top level has %d entries, want 3: %+v", len(cfg.Menu), cfg.Menu)
	}
	want0 := menuEntry{Title: "Ubuntu", ID: "gnulinux-simple-" + u, Release: "5.15.0-91-generic"}
	if !reflect.DeepEqual(cfg.Menu[0], want0) {
		t.Errorf("entry 0 = %+v, want %+v", cfg.Menu[0], want0)
	}
	adv := cfg.Menu[1]
	if !adv.Submenu || adv.Title != "Advanced options for Ubuntu" || adv.ID != "gnulinux-advanced-"+u || len(adv.Sub) != 4 {
		t.Fatalf("submenu = %+v", adv)
	}
	if e := adv.Sub[1]; !e.Recovery || e.Release != "5.15.0-91-generic" || e.ID != "gnulinux-5.15.0-91-generic-recovery-"+u {
		t.Errorf("recovery entry = %+v", e)
	}
	if e := cfg.Menu[2]; e.Title != "UEFI Firmware Settings" || e.Release != "" {
		t.Errorf("entry 2 = %+v", e)
	}
	if cfg := read("ubuntu-saved-entry-pinned"); !cfg.SavedEntry || cfg.DefaultSet {
		t.Errorf("GRUB_DEFAULT=saved: saved %v, default %q", cfg.SavedEntry, cfg.Default)
	}
	data, err := os.ReadFile(filepath.Join("testdata", "rhel-bls-pinned", "root", "boot", "grub2", "grub.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg := parseGrubCfg(data); !cfg.SavedEntry || cfg.BLSAt != 0 || len(cfg.Menu) != 1 {
		t.Errorf("RHEL 9 grub.cfg: saved %v, blscfg at %d, menu %+v", cfg.SavedEntry, cfg.BLSAt, cfg.Menu)
	}
}

// TestParseGrubCfgXenAndHandWritten: a 20_linux_xen entry names its dom0
// kernel on the module line; hand-written entries use --id.
func TestParseGrubCfgXenAndHandWritten(t *testing.T) {
	cfg := parseGrubCfg([]byte(`default=xen-4.17
menuentry 'Debian GNU/Linux, with Xen hypervisor' --class xen --id xen-4.17 {
	multiboot2	/boot/xen-4.17-amd64.gz placeholder
	module2	/boot/vmlinuz-6.1.0-18-amd64 placeholder root=/dev/sda1 ro
	module2	--nounzip   /boot/initrd.img-6.1.0-18-amd64
}
menuentry "Memtest86+" --id=memtest {
	linux16 /boot/memtest86+.bin
}
`))
	if !cfg.DefaultSet || cfg.Default != "xen-4.17" || len(cfg.Menu) != 2 {
		t.Fatalf("cfg = %+v", cfg)
	}
	if cfg.Menu[0].Release != "6.1.0-18-amd64" || cfg.Menu[1].ID != "memtest" || cfg.Menu[1].Release != "" {
		t.Errorf("menu = %+v", cfg.Menu)
	}
}

func TestResolveDefault(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "ubuntu-stale-saved-entry", "root", "boot", "grub", "grub.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	menu := parseGrubCfg(data).Menu
	const u = "6d1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b"
	for _, tt := range []struct {
		expr, release string
		fallback      bool
	}{
		{"", "5.15.0-91-generic", false},
		{"0", "5.15.0-91-generic", false},
		{"1>2", "5.15.0-88-generic", false},
		{"1>0", "5.15.0-91-generic", false},
		{"Advanced options for Ubuntu>Ubuntu, with Linux 5.15.0-88-generic", "5.15.0-88-generic", false},
		{"gnulinux-advanced-" + u + ">gnulinux-5.15.0-88-generic-advanced-" + u, "5.15.0-88-generic", false},
		// Mixed forms per level are allowed (GRUB manual, "default").
		{"1>gnulinux-5.15.0-88-generic-advanced-" + u, "5.15.0-88-generic", false},
		{"gnulinux-simple-" + u, "5.15.0-91-generic", false},
		// Not found: GRUB boots the first entry of that level.
		{"7", "5.15.0-91-generic", true},
		{"Ubuntu, with Linux 5.15.0-88-generic", "5.15.0-91-generic", true},
		{"1>gnulinux-5.15.0-70-generic-advanced-" + u, "5.15.0-91-generic", true},
		// A submenu alone: its first entry.
		{"1", "5.15.0-91-generic", true},
	} {
		r, ok := resolveDefault(menu, tt.expr)
		if !ok || r.Entry.Release != tt.release || (r.Fallback != "") != tt.fallback {
			t.Errorf("%q: got %q (ok %v, fallback %q), want %q (fallback %v)", tt.expr, r.Entry.Release, ok, r.Fallback, tt.release, tt.fallback)
		}
	}
	if _, ok := resolveDefault(nil, "0"); ok {
		t.Error("an empty menu resolves nothing")
	}
	if p, ok := entryPath(menu, "5.15.0-88-generic"); !ok || p != "gnulinux-advanced-"+u+">gnulinux-5.15.0-88-generic-advanced-"+u {
		t.Errorf("entryPath = %q, %v", p, ok)
	}
	if p, ok := entryPath(menu, "5.15.0-91-generic"); !ok || p != "gnulinux-simple-"+u {
		t.Errorf("entryPath = %q, %v", p, ok)
	}
}

func TestParseBLSEntry(t *testing.T) {
	dir := filepath.Join("testdata", "rhel-bls-pinned", "root", "boot", "loader", "entries")
	const id = "3f0e3d6a1c2b4f5e8d7c6b5a49382716-5.14.0-427.13.1.el9_4.x86_64"
	data, err := os.ReadFile(filepath.Join(dir, id+".conf"))
	if err != nil {
		t.Fatal(err)
	}
	want := menuEntry{ID: id, BLS: true, Title: "Red Hat Enterprise Linux (5.14.0-427.13.1.el9_4.x86_64) 9.4 (Plow)", Release: "5.14.0-427.13.1.el9_4.x86_64"}
	if got := parseBLSEntry(id, data); !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	entries, err := readBLSEntries(filepath.Join("testdata", "rhel-bls-pinned", "root"))
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, e := range entries {
		order = append(order, e.Release)
	}
	wantOrder := []string{"5.14.0-427.13.1.el9_4.x86_64", "5.14.0-362.13.1.el9_3.x86_64", "5.14.0-362.8.1.el9_3.x86_64", "0-rescue-3f0e3d6a1c2b4f5e8d7c6b5a49382716"}
	if !reflect.DeepEqual(order, wantOrder) {
		t.Errorf("BLS order %q, want newest first, rescue last: %q", order, wantOrder)
	}
}

func TestParseDefaultGrub(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\n", "0", true},
		{"GRUB_DEFAULT=saved\nGRUB_SAVEDEFAULT=true\n", "saved", true},
		{`GRUB_DEFAULT="Advanced options for Ubuntu>Ubuntu, with Linux 5.15.0-88-generic"` + "\n", "Advanced options for Ubuntu>Ubuntu, with Linux 5.15.0-88-generic", true},
		{"#GRUB_DEFAULT=saved\nGRUB_TIMEOUT=5\n", "", false},
		{"GRUB_DEFAULT=0\nexport GRUB_DEFAULT='1>2'\n", "1>2", true},
	} {
		got, ok := parseDefaultGrub([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("%q: got %q %v, want %q %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzParseGrubCfg(f *testing.F) {
	for _, name := range []string{"ubuntu-stale-saved-entry", "ubuntu-next-entry", "debian-running-mismatch"} {
		data, _ := os.ReadFile(filepath.Join("testdata", name, "root", "boot", "grub", "grub.cfg"))
		f.Add(data)
	}
	data, _ := os.ReadFile(filepath.Join("testdata", "rhel-bls-pinned", "root", "boot", "grub2", "grub.cfg"))
	f.Add(data)
	f.Add([]byte("submenu 'a' {\nsubmenu b {\nmenuentry c {\nlinux /vmlinuz-1\n}\n}\n}\n}\n}\nset default=0>0>0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := parseGrubCfg(data)
		if cfg.BLSAt > len(cfg.Menu) {
			t.Errorf("blscfg at %d of %d entries", cfg.BLSAt, len(cfg.Menu))
		}
		menu := cfg.withBLS([]menuEntry{{ID: "bls", Release: "1", BLS: true}})
		r, ok := resolveDefault(menu, cfg.Default)
		if ok && r.Entry.Submenu {
			t.Errorf("resolved to a submenu %+v", r.Entry)
		}
		if ok && r.Entry.Release != "" {
			if p, found := entryPath(menu, r.Entry.Release); found && strings.Count(p, ">") >= maxMenuDepth {
				t.Errorf("path %q deeper than the menu can be", p)
			}
		}
	})
}

func FuzzParseBLSEntry(f *testing.F) {
	entries, _ := filepath.Glob(filepath.Join("testdata", "rhel-bls-pinned", "root", "boot", "loader", "entries", "*.conf"))
	for _, e := range entries {
		data, _ := os.ReadFile(e)
		f.Add(strings.TrimSuffix(filepath.Base(e), ".conf"), data)
	}
	f.Add("x", []byte("linux\nversion \ntitle"))
	f.Fuzz(func(t *testing.T, id string, data []byte) {
		e := parseBLSEntry(id, data)
		if e.ID != id || !e.BLS || e.Title == "" && id != "" {
			t.Errorf("entry %+v from id %q", e, id)
		}
		if strings.ContainsAny(e.Release, " \t\n") {
			t.Errorf("release %q has blanks", e.Release)
		}
	})
}

func FuzzParseDefaultGrub(f *testing.F) {
	for _, name := range []string{"ubuntu-title-path", "ubuntu-id-path", "ubuntu-stale-saved-entry"} {
		data, _ := os.ReadFile(filepath.Join("testdata", name, "root", "etc", "default", "grub"))
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if v, ok := parseDefaultGrub(data); !ok && v != "" {
			t.Errorf("value %q without an assignment", v)
		}
	})
}

// TestHandWrittenGrubCfgIgnoresNextEntry: a grub.cfg without 00_header's
// next_entry block never boots grubenv's next_entry; its default decides.
func TestHandWrittenGrubCfgIgnoresNextEntry(t *testing.T) {
	root := t.TempDir()
	write := func(p, data string) { mustWrite(t, filepath.Join(root, p), data) }
	write("boot/grub/grub.cfg", "set default=stable\nmenuentry 'new' --id new {\n linux /vmlinuz-6.1.0-20-amd64\n}\nmenuentry 'stable' --id stable {\n linux /vmlinuz-6.1.0-18-amd64\n}\n")
	write("boot/grub/grubenv", "# GRUB Environment Block\nnext_entry=new\n")
	p, err := pendingKernel(root, []string{"6.1.0-20-amd64", "6.1.0-18-amd64"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Release != "6.1.0-18-amd64" || p.Source != `/boot/grub/grub.cfg default="stable" -> menu entry "stable"` || !p.Pinned {
		t.Errorf("pending = %+v", p)
	}
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0], `next_entry="new" is ignored`) {
		t.Errorf("notes = %q", p.Notes)
	}
}

// TestEFIGrubenvAndStub: Fedora/RHEL 7 on EFI keep grubenv on the EFI
// system partition; RHEL 9's EFI grub.cfg is only a stub loading
// /boot/grub2/grub.cfg, which has no menu or default of its own.
func TestEFIGrubenvAndStub(t *testing.T) {
	root := t.TempDir()
	write := func(p, data string) { mustWrite(t, filepath.Join(root, p), data) }
	const old, cur = "6.5.6-300.fc39.x86_64", "6.8.9-300.fc39.x86_64"
	write("boot/efi/EFI/fedora/grub.cfg", "search --no-floppy --root-dev-only --fs-uuid --set=dev 0b1c\nset prefix=($dev)/grub2\nexport $prefix\nconfigfile $prefix/grub.cfg\n")
	write("boot/efi/EFI/fedora/grubenv", "# GRUB Environment Block\nsaved_entry=abc-"+old+"\n")
	for _, k := range []string{old, cur} {
		write("boot/loader/entries/abc-"+k+".conf", "title Fedora Linux ("+k+") 39\nversion "+k+"\nlinux /vmlinuz-"+k+"\n")
	}
	write("etc/default/grub", "GRUB_DEFAULT=saved\nGRUB_ENABLE_BLSCFG=true\n")
	p, err := pendingKernel(root, []string{cur, old})
	if err != nil {
		t.Fatal(err)
	}
	want := `/boot/efi/EFI/fedora/grubenv saved_entry="abc-` + old + `" with GRUB_DEFAULT=saved -> menu entry "Fedora Linux (` + old + `) 39"`
	if p.Release != old || p.Source != want || !p.BLS {
		t.Errorf("pending = %+v, want %s from %s", p, old, want)
	}
}
