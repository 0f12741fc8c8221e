package ovskmod

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"edgecheck/shared/golden"
	"edgecheck/shared/nagios"
)

// fakeExec serves a fixture's captured command outputs and records argv.
type fakeExec struct {
	dir   string
	calls [][]string
	// vswitchd is the `ovs-vswitchd --version` output.
	vswitchd string
}

func (f *fakeExec) run(_ context.Context, argv ...string) ([]byte, error) {
	f.calls = append(f.calls, argv)
	switch {
	case filepath.Base(argv[0]) == "ovs-vswitchd":
		if f.vswitchd == "" {
			return nil, errors.New("ovs-vswitchd: executable file not found in $PATH")
		}
		return []byte(f.vswitchd), nil
	case strings.HasSuffix(argv[0], "/etc/init.d/openvswitch"):
		return os.ReadFile(filepath.Join(f.dir, "init-version.txt"))
	case argv[0] == "rpm":
		return os.ReadFile(filepath.Join(f.dir, "rpm-qa.txt"))
	}
	return nil, fmt.Errorf("unexpected command %q", argv)
}

// A fixtureCase is one fixture tree of testdata/ (built by mkfixtures.sh)
// and what the check must say about it.
type fixtureCase struct {
	name    string
	mode    string
	running string
	want    nagios.State
	// wantText must appear in the output.
	wantText []string
}

const (
	k88  = "5.15.0-88-generic"
	k91  = "5.15.0-91-generic"
	r2   = "5.14.0-362.13.1.el9_3.x86_64"
	uuid = "6d1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b"
	adv  = "gnulinux-advanced-" + uuid
)

var fixtureCases = []fixtureCase{
	{"debian-match", "generic", "6.1.0-18-amd64", nagios.OK,
		[]string{"next-boot kernel 6.1.0-18-amd64 (from /vmlinuz symlink) is the running kernel", "in-tree one"}},
	{"debian-pending-mismatch", "generic", "6.1.0-18-amd64", nagios.Critical,
		[]string{"next-boot kernel 6.1.0-20-amd64 has no matching openvswitch module: networking may not survive reboot",
			`/lib/modules/6.1.0-20-amd64/updates/dkms/openvswitch.ko.zst has vermagic "6.1.0-18-amd64`,
			"rollback target: kernel 6.1.0-18-amd64"}},
	{"debian-running-mismatch", "generic", "6.1.0-17-amd64", nagios.Critical,
		[]string{"running kernel 6.1.0-17-amd64 has no matching openvswitch module",
			`(from /boot/grub/grubenv saved_entry="gnulinux-advanced-0b1c5e0a-3c83-4e55-9d51-6f0d8d2b2f6e>gnulinux-6.1.0-18-amd64-advanced-0b1c5e0a-3c83-4e55-9d51-6f0d8d2b2f6e" with GRUB_DEFAULT=saved -> menu entry "Debian GNU/Linux, with Linux 6.1.0-18-amd64")`,
			"openvswitch.ko.gz", "the next boot already goes to kernel 6.1.0-18-amd64"}},
	{"rhel-match", "generic", "5.14.0-362.13.1.el9_3.x86_64", nagios.OK,
		[]string{"/lib/modules/5.14.0-362.13.1.el9_3.x86_64/extra/openvswitch/openvswitch.ko.xz", "loaded openvswitch module 2.17.9 matches userspace OVS"}},
	{"rhel-pending-mismatch", "generic", "5.14.0-362.13.1.el9_3.x86_64", nagios.Critical,
		[]string{`next-boot kernel 5.14.0-427.13.1.el9_4.x86_64 (from /boot/grub2/grubenv saved_entry="3f0e3d6a1c2b4f5e8d7c6b5a49382716-5.14.0-427.13.1.el9_4.x86_64" with GRUB_DEFAULT=saved -> menu entry "Red Hat Enterprise Linux (5.14.0-427.13.1.el9_4.x86_64)")`,
			"grubby --set-default /boot/vmlinuz-5.14.0-362.13.1.el9_3.x86_64"}},
	{"rhel-running-mismatch", "generic", "5.14.0-362.13.1.el9_3.x86_64", nagios.Critical,
		[]string{"no openvswitch module in /lib/modules/5.14.0-362.13.1.el9_3.x86_64", `(from /boot/grub2/grubenv next_entry="3f0e3d6a1c2b4f5e8d7c6b5a49382716-5.14.0-362.8.1.el9_3.x86_64", one-shot from grub-reboot`}},
	// GRUB variants (Ubuntu 22.04, grub-mkconfig output): running
	// 5.15.0-88 has its module, 5.15.0-91 (menu entry 0) has none.
	{"ubuntu-stale-saved-entry", "generic", k88, nagios.Critical,
		[]string{"next-boot kernel 5.15.0-91-generic has no matching openvswitch module",
			`(from /boot/grub/grub.cfg default="0" -> menu entry "Ubuntu")`,
			`saved_entry="` + adv + `>gnulinux-5.15.0-88-generic-advanced-` + uuid + `" is ignored: GRUB uses it only with GRUB_DEFAULT=saved`,
			`make it the boot default: set GRUB_DEFAULT="` + adv + `>gnulinux-5.15.0-88-generic-advanced-` + uuid + `" in /etc/default/grub and run update-grub`}},
	{"ubuntu-saved-entry-pinned", "generic", k88, nagios.OK,
		[]string{`OVS_KMOD OK - openvswitch module matches kernel 5.15.0-88-generic, which is also the next-boot kernel (/boot/grub/grubenv saved_entry="` + adv + `>gnulinux-5.15.0-88-generic-advanced-` + uuid + `" with GRUB_DEFAULT=saved -> menu entry "Ubuntu, with Linux 5.15.0-88-generic")`,
			"the boot default is pinned to kernel 5.15.0-88-generic; the newer installed kernel 5.15.0-91-generic is not booted"}},
	{"ubuntu-saved-entry-title", "generic", k88, nagios.OK,
		[]string{`saved_entry="Advanced options for Ubuntu>Ubuntu, with Linux 5.15.0-88-generic" with GRUB_DEFAULT=saved -> menu entry "Ubuntu, with Linux 5.15.0-88-generic"`}},
	{"ubuntu-saved-empty", "generic", k88, nagios.Critical,
		[]string{`next-boot kernel 5.15.0-91-generic (from GRUB_DEFAULT=saved with no saved_entry in grubenv: the first menu entry -> menu entry "Ubuntu")`,
			"make it the boot default: grub-set-default '" + adv + ">gnulinux-5.15.0-88-generic-advanced-" + uuid + "'"}},
	{"ubuntu-index-path", "generic", k88, nagios.OK,
		[]string{`(/boot/grub/grub.cfg default="1>2" -> menu entry "Ubuntu, with Linux 5.15.0-88-generic")`}},
	{"ubuntu-title-path", "generic", k88, nagios.OK,
		[]string{`(/boot/grub/grub.cfg default="Advanced options for Ubuntu>Ubuntu, with Linux 5.15.0-88-generic" -> menu entry "Ubuntu, with Linux 5.15.0-88-generic")`,
			"the boot default is pinned to kernel 5.15.0-88-generic"}},
	{"ubuntu-id-path", "generic", k88, nagios.OK,
		[]string{`default="` + adv + `>gnulinux-5.15.0-88-generic-advanced-` + uuid + `" -> menu entry "Ubuntu, with Linux 5.15.0-88-generic"`}},
	{"ubuntu-default-gone", "generic", k88, nagios.Critical,
		[]string{`no entry "gnulinux-5.15.0-70-generic-advanced-` + uuid + `" at menu level 1: GRUB boots the first entry there`,
			`-> menu entry "Ubuntu, with Linux 5.15.0-91-generic"): no openvswitch module`}},
	{"ubuntu-pinned-running-new", "generic", k91, nagios.Critical,
		[]string{"running kernel 5.15.0-91-generic has no matching openvswitch module",
			"the next boot already goes to kernel 5.15.0-88-generic", "no change of the boot default is needed"}},
	{"ubuntu-next-entry", "generic", k88, nagios.Critical,
		[]string{`(from /boot/grub/grubenv next_entry="` + adv + `>gnulinux-5.15.0-91-generic-advanced-` + uuid + `", one-shot from grub-reboot -> menu entry "Ubuntu, with Linux 5.15.0-91-generic")`,
			"next_entry is for one boot only; the boots after it use kernel 5.15.0-88-generic",
			"make it the boot default: grub-editenv /boot/grub/grubenv unset next_entry"}},
	{"ubuntu-not-regenerated", "generic", k88, nagios.Critical,
		[]string{"/etc/default/grub has GRUB_DEFAULT=saved but /boot/grub/grub.cfg was generated for another setting: run update-grub",
			`(from /boot/grub/grub.cfg default="0" -> menu entry "Ubuntu")`}},
	{"ubuntu-vmlinuz-link", "generic", k88, nagios.Critical,
		[]string{"next-boot kernel 5.15.0-91-generic (from /boot/vmlinuz symlink)"}},
	// RHEL 9: grub.cfg runs blscfg; the BLS entries are the menu, newest first.
	{"rhel-bls-no-saved-entry", "generic", r2, nagios.Critical,
		[]string{`next-boot kernel 5.14.0-427.13.1.el9_4.x86_64 (from GRUB_DEFAULT=saved with no saved_entry in grubenv: the first menu entry -> menu entry "Red Hat Enterprise Linux (5.14.0-427.13.1.el9_4.x86_64) 9.4 (Plow)")`,
			"grubby --set-default /boot/vmlinuz-5.14.0-362.13.1.el9_3.x86_64"}},
	{"rhel-bls-pinned", "generic", r2, nagios.OK,
		[]string{"the boot default is pinned to kernel 5.14.0-362.13.1.el9_3.x86_64; the newer installed kernel 5.14.0-427.13.1.el9_4.x86_64 is not booted"}},
	{"rhel-bls-next-entry", "generic", r2, nagios.Critical,
		[]string{"one-shot from grub-reboot", "grub-editenv /boot/grub2/grubenv unset next_entry"}},
	// Where the module comes from.
	{"ubuntu-dkms-failed", "generic", k88, nagios.Warning,
		[]string{"OVS_KMOD WARNING - next-boot kernel 5.15.0-91-generic has only the in-tree openvswitch module",
			"next-boot kernel 5.15.0-91-generic has only the in-tree module /lib/modules/5.15.0-91-generic/kernel/net/openvswitch/openvswitch.ko.gz (no version: the kernel's own), but running kernel 5.15.0-88-generic uses the out-of-tree /lib/modules/5.15.0-88-generic/updates/dkms/openvswitch.ko.zst (version 2.17.9)",
			"dkms autoinstall -k 5.15.0-91-generic"}},
	{"ubuntu-dkms-ok", "generic", k88, nagios.OK,
		[]string{"/lib/modules/5.15.0-91-generic/updates/dkms/openvswitch.ko.zst, version 2.17.9, vermagic 5.15.0-91-generic"}},
	{"xenserver65-match", "xenserver", "3.10.0+2", nagios.OK,
		[]string{"module packages use the XenServer 6.5+ naming openvswitch-modules-<kernel>-<version>-<release>",
			"running kernel 3.10.0+2: openvswitch-modules-3.10.0+2-2.5.0-1 is installed"}},
	{"xenserver65-pending-mismatch", "xenserver", "3.10.0+2", nagios.Critical,
		[]string{"next-boot kernel 3.10.0+10 (from /boot/vmlinuz-3.10-xen): openvswitch-modules-3.10.0+10-2.5.0 is not installed (no module package at all for this kernel)",
			"ln -sf vmlinuz-3.10.0+2 vmlinuz-3.10-xen"}},
	{"xenserver-match", "xenserver", "2.6.32.43-0.4.1.xs1.8.0.835.170778xen", nagios.OK,
		[]string{"openvswitch-modules-xen-2.6.32.43-0.4.1.xs1.8.0.847.170785-1.4.6-76032 is installed"}},
	{"xenserver-pending-mismatch", "xenserver", "2.6.32.43-0.4.1.xs1.8.0.835.170778xen", nagios.Critical,
		[]string{"networking may not survive reboot", "installed for this kernel: OVS 1.4.5-66213",
			"rollback target: kernel 2.6.32.43-0.4.1.xs1.8.0.835.170778", "ln -sf vmlinuz-2.6.32.43-0.4.1.xs1.8.0.835.170778xen vmlinuz-2.6-xen"}},
	{"xenserver-running-mismatch", "xenserver", "2.6.32.43-0.4.1.xs1.8.0.835.170778xen", nagios.Critical,
		[]string{"running kernel 2.6.32.43-0.4.1.xs1.8.0.835.170778: openvswitch-modules-xen-2.6.32.43-0.4.1.xs1.8.0.835.170778-1.4.6-76032 is not installed (no module package at all for this kernel)"}},
}

func TestFixtures(t *testing.T) {
	for _, tt := range fixtureCases {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join("testdata", tt.name)
			fe := &fakeExec{dir: dir, vswitchd: "ovs-vswitchd (Open vSwitch) 2.17.9\n"}
			c := &Check{Root: filepath.Join(dir, "root"), KernelRelease: tt.running, Mode: tt.mode, DB: "unix:/nonexistent/db.sock",
				Exec: fe.run, Uname: func() (string, error) { t.Fatal("uname called despite --kernel-release"); return "", nil }}
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			res, err := c.Run(context.Background())
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			got := res.Format("OVS_KMOD")
			if res.FinalState() != tt.want {
				t.Errorf("state = %v, want %v\n%s", res.FinalState(), tt.want, got)
			}
			for _, w := range tt.wantText {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
			golden.Text(t, tt.name, got)
			if tt.mode == "xenserver" {
				wantRPM := []string{"rpm", "--root", c.Root, "-qa", "--qf", `%{NAME}-%{VERSION}-%{RELEASE}\n`, "openvswitch-modules-*"}
				wantInit := []string{filepath.Join(c.Root, "etc", "init.d", "openvswitch"), "version"}
				if len(fe.calls) != 2 || !reflect.DeepEqual(fe.calls[0], wantInit) || !reflect.DeepEqual(fe.calls[1], wantRPM) {
					t.Errorf("commands = %q, want %q then %q", fe.calls, wantInit, wantRPM)
				}
			}
		})
	}
}

func TestLoadedVersionMismatchWarns(t *testing.T) {
	dir := filepath.Join("testdata", "rhel-match")
	fe := &fakeExec{dir: dir, vswitchd: "ovs-vswitchd (Open vSwitch) 3.1.0\n"}
	c := &Check{Root: filepath.Join(dir, "root"), KernelRelease: "5.14.0-362.13.1.el9_3.x86_64", Mode: "generic", DB: "unix:/run/test.sock", Exec: fe.run,
		OVSDBVersion: func(context.Context, string) (string, error) { return "", errors.New("connection refused") }}
	res, err := c.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := res.Format("OVS_KMOD")
	if res.FinalState() != nagios.Warning || !strings.Contains(out, "loaded openvswitch module 2.17.9 differs from userspace OVS 3.1.0 (/usr/sbin/ovs-vswitchd --version under --root)") {
		t.Errorf("want WARNING for a version mismatch, got:\n%s", out)
	}
	if want := [][]string{{filepath.Join(c.Root, "usr", "sbin", "ovs-vswitchd"), "--version"}}; !reflect.DeepEqual(fe.calls, want) {
		t.Errorf("commands = %q, want %q", fe.calls, want)
	}
	// OVSDB answers first when it can; no process is started.
	fe.calls = nil
	c.OVSDBVersion = func(context.Context, string) (string, error) { return "2.17.9", nil }
	res, _ = c.Run(context.Background())
	if res.FinalState() != nagios.OK || len(fe.calls) != 0 {
		t.Errorf("OVSDB version: state %v, commands %q\n%s", res.FinalState(), fe.calls, res.Format("OVS_KMOD"))
	}
}

func TestNoModulesDirectoryIsUnknown(t *testing.T) {
	root := t.TempDir()
	c := &Check{Root: root, Mode: "generic", Exec: (&fakeExec{}).run, Uname: func() (string, error) { return "6.18.44-fc-v669", nil }}
	res, err := c.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := res.Format("OVS_KMOD")
	if res.FinalState() != nagios.Unknown || !strings.Contains(out, "/lib/modules/6.18.44-fc-v669 does not exist") {
		t.Errorf("want UNKNOWN naming the missing modules directory, got:\n%s", out)
	}
}

func TestNoKernelHasModule(t *testing.T) {
	root := t.TempDir()
	for _, rel := range []string{"6.1.0-17-amd64", "6.1.0-18-amd64"} {
		mustWrite(t, filepath.Join(root, "boot", "vmlinuz-"+rel), "")
		mustWrite(t, filepath.Join(root, "lib", "modules", rel, "modules.dep"), "")
	}
	c := &Check{Root: root, Mode: "generic", KernelRelease: "6.1.0-18-amd64", Exec: (&fakeExec{}).run}
	res, err := c.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := res.Format("OVS_KMOD")
	if res.FinalState() != nagios.Critical || !strings.Contains(out, "no installed kernel has a matching openvswitch module") ||
		!strings.Contains(out, "(from newest installed kernel (no bootloader default found))") {
		t.Errorf("got:\n%s", out)
	}
}

func TestBuiltinModule(t *testing.T) {
	root := t.TempDir()
	mustWrite(t, filepath.Join(root, "boot", "vmlinuz-6.6.0-custom"), "")
	mustWrite(t, filepath.Join(root, "lib", "modules", "6.6.0-custom", "modules.builtin"), "kernel/net/core/dev.ko\nkernel/net/openvswitch/openvswitch.ko\n")
	c := &Check{Root: root, Mode: "generic", KernelRelease: "6.6.0-custom", Exec: (&fakeExec{}).run}
	res, err := c.Run(context.Background())
	if err != nil || res.FinalState() != nagios.OK {
		t.Fatalf("err %v, got:\n%s", err, res.Format("OVS_KMOD"))
	}
}

func TestUnsupportedCompressionIsUnknown(t *testing.T) {
	root := t.TempDir()
	mustWrite(t, filepath.Join(root, "boot", "vmlinuz-6.6.0"), "")
	mustWrite(t, filepath.Join(root, "lib", "modules", "6.6.0", "kernel", "net", "openvswitch", "openvswitch.ko.xz"), "not xz at all")
	c := &Check{Root: root, Mode: "generic", KernelRelease: "6.6.0", Exec: (&fakeExec{}).run}
	res, err := c.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := res.Format("OVS_KMOD")
	if res.FinalState() != nagios.Unknown || !strings.Contains(out, "cannot read vermagic of /lib/modules/6.6.0/kernel/net/openvswitch/openvswitch.ko.xz: xz:") {
		t.Errorf("got:\n%s", out)
	}
}

func TestXenRunFailures(t *testing.T) {
	dir := filepath.Join("testdata", "xenserver-match")
	c := &Check{Root: filepath.Join(dir, "root"), KernelRelease: "2.6.32.43-0.4.1.xs1.8.0.835.170778xen", Mode: "xenserver",
		Exec: func(_ context.Context, argv ...string) ([]byte, error) {
			if argv[0] == "rpm" {
				return nil, errors.New("rpm: exec: \"rpm\": executable file not found in $PATH")
			}
			return []byte("ovs-vswitchd (Open vSwitch) 1.4.6+build76032\n"), nil
		}}
	_, err := c.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "cannot query installed packages") {
		t.Errorf("err = %v", err)
	}
}

// TestXenServer7Layout covers XenServer 6.5+ names: kernels without the xen
// suffix and a vmlinuz-4.4-xen link.
func TestXenServer7Layout(t *testing.T) {
	root := t.TempDir()
	mustWrite(t, filepath.Join(root, "boot", "vmlinuz-4.4.0+10"), "")
	mustWrite(t, filepath.Join(root, "boot", "vmlinuz-4.4.0+2"), "")
	if err := os.Symlink("vmlinuz-4.4.0+10", filepath.Join(root, "boot", "vmlinuz-4.4-xen")); err != nil {
		t.Fatal(err)
	}
	fe := func(_ context.Context, argv ...string) ([]byte, error) {
		if argv[0] == "rpm" {
			return []byte("openvswitch-modules-xen-4.4.0+2-2.5.3-1.12345\n"), nil
		}
		return []byte("ovs-vswitchd (Open vSwitch) 2.5.3\n"), nil
	}
	c := &Check{Root: root, Mode: "xenserver", KernelRelease: "4.4.0+2", Exec: fe}
	res, err := c.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := res.Format("OVS_KMOD")
	for _, w := range []string{"next-boot kernel 4.4.0+10 (from /boot/vmlinuz-4.4-xen): openvswitch-modules-xen-4.4.0+10-2.5.3 is not installed",
		"cd /boot && ln -sf vmlinuz-4.4.0+2 vmlinuz-4.4-xen && ln -sf initrd-4.4.0+2.img initrd-4.4-xen.img"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if res.FinalState() != nagios.Critical {
		t.Errorf("state %v", res.FinalState())
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []Check{{Root: "/", Mode: "kvm"}, {Root: "", Mode: "generic"}, {Root: "/", Mode: "generic", KernelRelease: "../x"},
		{Root: "/", Mode: "generic", KernelRelease: ".."}, {Root: "/", Mode: "generic", KernelRelease: "."},
		{Root: "/", Mode: "generic", DB: "/var/run/openvswitch/db.sock"}} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v: want an error", c)
		}
	}
}

func TestReadVermagicFormats(t *testing.T) {
	base := filepath.Join("testdata", "debian-pending-mismatch", "root", "lib", "modules")
	for _, tt := range []struct{ path, want string }{
		{filepath.Join(base, "6.1.0-17-amd64", "kernel", "net", "openvswitch", "openvswitch.ko"), "6.1.0-17-amd64 SMP preempt mod_unload modversions"},
		{filepath.Join(base, "6.1.0-20-amd64", "updates", "dkms", "openvswitch.ko.zst"), "6.1.0-18-amd64 SMP preempt mod_unload modversions"},
		{filepath.Join("testdata", "debian-running-mismatch", "root", "lib", "modules", "6.1.0-18-amd64", "kernel", "net", "openvswitch", "openvswitch.ko.gz"), "6.1.0-18-amd64 SMP preempt mod_unload modversions"},
		{filepath.Join("testdata", "rhel-match", "root", "lib", "modules", "5.14.0-362.8.1.el9_3.x86_64", "extra", "openvswitch", "openvswitch.ko.xz"), "5.14.0-362.8.1.el9_3.x86_64 SMP preempt mod_unload modversions"},
	} {
		got, _, err := readModinfo(tt.path)
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.path, got, err, tt.want)
		}
	}
}

// TestReadModinfoVersion: version= comes from the same .modinfo section as
// vermagic, through each compression; the in-tree module has none.
func TestReadModinfoVersion(t *testing.T) {
	mods := func(fixture, rel string, parts ...string) string {
		return filepath.Join(append([]string{"testdata", fixture, "root", "lib", "modules", rel}, parts...)...)
	}
	for _, tt := range []struct{ path, vermagic, version string }{
		{mods("ubuntu-dkms-failed", k88, "updates", "dkms", "openvswitch.ko.zst"), k88 + " SMP mod_unload modversions", "2.17.9"},
		{mods("ubuntu-dkms-failed", k88, "kernel", "net", "openvswitch", "openvswitch.ko.xz"), k88 + " SMP mod_unload modversions", ""},
		{mods("ubuntu-dkms-failed", k91, "kernel", "net", "openvswitch", "openvswitch.ko.gz"), k91 + " SMP mod_unload modversions", ""},
		{mods("rhel-bls-pinned", r2, "extra", "openvswitch", "openvswitch.ko.xz"), r2 + " SMP preempt mod_unload modversions", "2.17.9"},
	} {
		vm, ver, err := readModinfo(tt.path)
		if err != nil || vm != tt.vermagic || ver != tt.version {
			t.Errorf("%s: got %q %q, %v; want %q %q", tt.path, vm, ver, err, tt.vermagic, tt.version)
		}
	}
	if _, _, err := readModinfo(filepath.Join("testdata", "ubuntu-dkms-failed", "root", "usr", "sbin", "ovs-vswitchd")); err == nil {
		t.Error("a shell script is no kernel module")
	}
}

func TestParseGrubenv(t *testing.T) {
	data := "# GRUB Environment Block\nsaved_entry=gnulinux-advanced-x>gnulinux-6.1.0-18-amd64-advanced-x\nnext_entry=\nweird=a\\nb\\\\c\n" + strings.Repeat("#", 900)
	got := parseGrubenv([]byte(data))
	want := map[string]string{"saved_entry": "gnulinux-advanced-x>gnulinux-6.1.0-18-amd64-advanced-x", "next_entry": "", "weird": "a\nb\\c"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestKernelInEntry(t *testing.T) {
	installed := []string{"6.1.0-18-amd64", "6.1.0-1-amd64", "5.14.0-362.13.1.el9_3.x86_64"}
	for _, tt := range []struct{ entry, want string }{
		{"gnulinux-advanced-u>gnulinux-6.1.0-18-amd64-advanced-u", "6.1.0-18-amd64"},
		{"Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux 6.1.0-1-amd64", "6.1.0-1-amd64"},
		{"3f0e3d6a1c2b4f5e8d7c6b5a49382716-5.14.0-362.13.1.el9_3.x86_64", "5.14.0-362.13.1.el9_3.x86_64"},
		{"0", ""},
		{"gnulinux-6.1.0-18-amd64x", ""},
	} {
		if got := kernelInEntry(tt.entry, installed); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.entry, got, tt.want)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	rels := []string{"6.1.0-9-amd64", "6.1.0-18-amd64", "5.10.0-28-amd64", "6.1.0-17-amd64", "5.14.0-427.13.1.el9_4.x86_64"}
	sortNewestFirst(rels)
	want := []string{"6.1.0-18-amd64", "6.1.0-17-amd64", "6.1.0-9-amd64", "5.14.0-427.13.1.el9_4.x86_64", "5.10.0-28-amd64"}
	if !reflect.DeepEqual(rels, want) {
		t.Errorf("got %q, want %q", rels, want)
	}
}

func TestParseVswitchdVersion(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want ovsBuild
		err  bool
	}{
		{"ovsdb-server (Open vSwitch) 1.4.6+build76032\novs-vswitchd (Open vSwitch) 1.4.6+build76032\nCompiled ...", ovsBuild{"1.4.6", "76032"}, false},
		{"ovs-vswitchd (Open vSwitch) 3.1.0\nDPDK 22.11.1\n", ovsBuild{"3.1.0", ""}, false},
		{"ovsdb-server (Open vSwitch) 1.4.6\n", ovsBuild{}, true},
		{"", ovsBuild{}, true},
	} {
		got, err := parseVswitchdVersion(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("%q: got %+v, %v", tt.in, got, err)
		}
	}
}

func TestSplitModulePackage(t *testing.T) {
	k, b, ok := splitModulePackage("openvswitch-modules-xen-2.6.32.43-0.4.1.xs1.8.0.835.170778-1.4.6-76032")
	if !ok || k != "2.6.32.43-0.4.1.xs1.8.0.835.170778" || b != "1.4.6-76032" {
		t.Errorf("got %q %q %v", k, b, ok)
	}
	for _, bad := range []string{"openvswitch-1.4.6-76032", "openvswitch-modules-xen-", "openvswitch-modules-xen-1.4.6-", "openvswitch-modules-xen--1-2"} {
		if _, _, ok := splitModulePackage(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func mustWrite(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func FuzzParseVswitchdVersion(f *testing.F) {
	f.Add("ovs-vswitchd (Open vSwitch) 1.4.6+build76032\n")
	f.Add("ovsdb-server (Open vSwitch) 2.5.3\novs-vswitchd (Open vSwitch) 2.5.3\nCompiled Jan  1 2017")
	f.Add("ovs-vswitchd (Open vSwitch) 3.1.0\nDPDK 22.11.1")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := parseVswitchdVersion(s)
		if err == nil && (b.Version == "" || strings.ContainsAny(b.String(), " \n")) {
			t.Errorf("%q parsed to %+v", s, b)
		}
	})
}

func FuzzParseRPMList(f *testing.F) {
	f.Add("openvswitch-modules-xen-2.6.32.43-0.4.1.xs1.8.0.835.170778-1.4.6-76032\nopenvswitch-1.4.6-76032\n")
	f.Add("openvswitch-modules-xen-a-b-c\n\n")
	f.Add("openvswitch-modules-3.10.0+2-2.5.0-1\nopenvswitch-modules-xen-3-1-2\n")
	f.Fuzz(func(t *testing.T, s string) {
		for kernel, builds := range parseRPMList(s) {
			for build, name := range builds {
				if name != xenModulesPrefix+kernel+"-"+build && name != modulesPrefix+kernel+"-"+build {
					t.Errorf("%q is not kernel %q + build %q", name, kernel, build)
				}
				k, b, ok := splitModulePackage(name)
				if !ok || k != kernel || b != build {
					t.Errorf("round trip of %q: %q %q %v", name, k, b, ok)
				}
			}
		}
	})
}

func FuzzParseGrubenv(f *testing.F) {
	f.Add([]byte("# GRUB Environment Block\nsaved_entry=gnulinux-advanced-u>gnulinux-6.1.0-18-amd64-advanced-u\n####"))
	f.Add([]byte("saved_entry=3f0e-5.14.0-362.el9.x86_64\nnext_entry=0\nx=\\\\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		env := parseGrubenv(data)
		for k := range env {
			if k == "" || strings.ContainsAny(k, "\n= \t") || k[0] == '#' {
				t.Errorf("bad key %q", k)
			}
		}
		_ = kernelInEntry(env["saved_entry"], []string{"6.1.0-18-amd64", "5.14.0-362.el9.x86_64"})
	})
}

func FuzzVermagic(f *testing.F) {
	f.Add([]byte("license=GPL\x00vermagic=6.1.0-18-amd64 SMP preempt\x00"))
	f.Add([]byte("\x7fELF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := vermagicFromModule(data)
		if err == nil && (v == "" || strings.ContainsRune(v, 0)) {
			t.Errorf("vermagic %q from %q", v, data)
		}
	})
}

// Line 1 names the worst problem first, whatever the final state, and the
// all-clear about the kernels comes after it.
func TestSummaryNamesWorstFirst(t *testing.T) {
	dir := filepath.Join("testdata", "rhel-match")
	const kernel = "5.14.0-362.13.1.el9_3.x86_64"
	hung := errors.New("OVSDB at unix:/run/test.sock did not answer while querying database Open_vSwitch")
	tests := []struct {
		name     string
		vswitchd string
		dbErr    error
		want     nagios.State
		prefix   string
	}{
		{"OVSDB hangs, no ovs-vswitchd", "", hung, nagios.Unknown,
			"OVS_KMOD UNKNOWN - cannot compare the loaded openvswitch module 2.17.9 with userspace OVS: OVSDB at unix:/run/test.sock did not answer while querying database Open_vSwitch; and "},
		{"version mismatch", "ovs-vswitchd (Open vSwitch) 3.1.0\n", hung, nagios.Warning,
			"OVS_KMOD WARNING - loaded module 2.17.9 differs from userspace OVS 3.1.0; openvswitch module matches "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe := &fakeExec{dir: dir, vswitchd: tt.vswitchd}
			c := &Check{Root: filepath.Join(dir, "root"), KernelRelease: kernel, Mode: "generic", DB: "unix:/run/test.sock", Exec: fe.run,
				OVSDBVersion: func(context.Context, string) (string, error) { return "", tt.dbErr }}
			res, err := c.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			out := res.Format("OVS_KMOD")
			line1, _, _ := strings.Cut(out, "\n")
			if res.FinalState() != tt.want || !strings.HasPrefix(line1, tt.prefix) || !strings.Contains(line1, "; openvswitch module matches") {
				t.Errorf("state %v, want %v; line 1 should begin %q and end with the kernels' all-clear, got:\n%s", res.FinalState(), tt.want, tt.prefix, out)
			}
		})
	}
}
