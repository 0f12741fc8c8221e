// Package ovskmod is check_ovs_kmod: it verifies that the openvswitch kernel
// module matches both the running kernel and the kernel that boots next, so
// that a kernel update cannot silently leave a hypervisor without its
// network after the next reboot.
package ovskmod

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"edgecheck/shared/command"
	"edgecheck/shared/nagios"
	"edgecheck/shared/ovsdb"
	"edgecheck/shared/registry"
)

// Exec runs a helper program without a shell and returns its stdout. It is
// a field of Check so that unit tests can assert the exact argv.
type Exec func(ctx context.Context, argv ...string) ([]byte, error)

// A Check is one configured run of check_ovs_kmod.
type Check struct {
	Root          string
	KernelRelease string
	Mode          string
	DB            string

	// Exec runs ovs-vswitchd --version, the XenServer init script and rpm.
	Exec Exec
	// Uname returns the running kernel release (uname -r).
	Uname func() (string, error)
	// OVSDBVersion returns Open_vSwitch.ovs_version from the database at db;
	// nil means it is not consulted.
	OVSDBVersion func(ctx context.Context, db string) (string, error)
}

func init() {
	registry.Register(registry.Plugin{
		Name:    "check_ovs_kmod",
		Service: "OVS_KMOD",
		Description: "Checks that the openvswitch kernel module matches the running kernel and the kernel " +
			"that boots next, resolved as GRUB does: grubenv next_entry (grub-reboot), saved_entry only when GRUB " +
			"uses it (GRUB_DEFAULT=saved, i.e. grub.cfg set default=\"${saved_entry}\"), else grub.cfg's default " +
			"(an index, a title, a '>'-separated submenu path or an id) over the menu of grub.cfg and the BLS " +
			"entries of /boot/loader/entries; then the /boot/vmlinuz symlink, then the newest installed kernel. " +
			"The long output names the source used. Modules are looked up in /lib/modules (updates/, DKMS, " +
			"extra/, in-tree; .ko, .ko.xz, .ko.zst, .ko.gz) and judged by the vermagic and version of their " +
			".modinfo section; a loaded module's version is compared with the userspace OVS version. " +
			"A next-boot kernel without a matching module is CRITICAL: networking may not survive the reboot; " +
			"one with only the in-tree module while the running kernel uses an out-of-tree (updates/, DKMS, " +
			"extra/) one is WARNING (a failed DKMS build). The long output names an installed kernel with a " +
			"matching module as the rollback target, and the command for this host's bootloader setup; a host " +
			"pinned to a working kernel is OK. In XenServer mode the module package (openvswitch-modules-xen-" +
			"<kernel>-<build> up to XenServer 6.2, openvswitch-modules-<kernel>-<version>-<release> from 6.5) " +
			"must be installed for the running kernel and for the /boot/vmlinuz-*-xen target.",
		Examples: []registry.Example{
			{Command: "check_ovs_kmod --mode generic", Explain: "Generic Linux host (the default): running and next-boot kernel."},
			{Command: "check_ovs_kmod --mode xenserver", Explain: "XenServer dom0: module packages for the running kernel and the vmlinuz-2.6-xen (6.5+: vmlinuz-3.10-xen) target."},
			{Command: "check_ovs_kmod --root /mnt/image --kernel-release 6.1.0-18-amd64", Explain: "Evaluate an offline image or a mounted root as if 6.1.0-18-amd64 were running."},
		},
		RunsOn:  "hypervisor",
		Catches: "the next-boot kernel has no matching openvswitch module: the host would lose its network at reboot; the running module does not match",
		Source:  "`/lib/modules`, vermagic, grubenv, `/boot` links, `/sys/module`, package DB",
		New: func() registry.Check {
			return &Check{Exec: command.Output, Uname: uname, OVSDBVersion: ovsdbVersion}
		},
	})
}

// Flags declares check_ovs_kmod's flags.
func (c *Check) Flags(fs *registry.FlagSet) {
	fs.String(&c.Root, "root", "/", "Evaluate the filesystem tree at DIR instead of / (an offline image, a chroot, a test fixture).").WithMeta("DIR")
	fs.String(&c.KernelRelease, "kernel-release", "", "Treat REL as the running kernel instead of uname -r.").WithMeta("REL")
	fs.String(&c.Mode, "mode", "generic", "generic (modules directory, vermagic, grub) or xenserver (module packages, vmlinuz-2.6-xen).").WithMeta("MODE")
	fs.String(&c.DB, "db", "", "OVSDB to read Open_vSwitch.ovs_version from when a loaded module reports a version (default unix:/var/run/openvswitch/db.sock, not consulted under --root unless given); ovs-vswitchd --version is used when it is unreachable.").WithMeta("TARGET")
}

// Validate checks the flags before any I/O.
func (c *Check) Validate() error {
	if err := registry.OneOf("mode", c.Mode, "generic", "xenserver"); err != nil {
		return err
	}
	if c.Root == "" {
		return errors.New("--root must not be empty (use / for this host)")
	}
	if c.DB != "" {
		if _, _, err := ovsdb.ParseTarget(c.DB); err != nil {
			return fmt.Errorf("--db: %v", err)
		}
	}
	// "." and ".." would make /lib/modules/REL name /lib/modules or /lib.
	if strings.ContainsAny(c.KernelRelease, "/ \t\n") || c.KernelRelease == "." || c.KernelRelease == ".." {
		return fmt.Errorf("--kernel-release %q is not a kernel release (like 6.1.0-18-amd64)", c.KernelRelease)
	}
	return nil
}

func uname() (string, error) {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return "", err
	}
	b := make([]byte, 0, len(u.Release))
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	return string(b), nil
}

// Run evaluates the host.
func (c *Check) Run(ctx context.Context) (*nagios.Result, error) {
	if st, err := os.Stat(c.Root); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("--root %s is not a readable directory", c.Root)
	}
	running := c.KernelRelease
	if running == "" {
		r, err := c.Uname()
		if err != nil {
			return nil, fmt.Errorf("cannot read the running kernel release (uname): %v; pass --kernel-release", err)
		}
		running = r
	}
	if c.Mode == "xenserver" {
		return c.runXen(ctx, running)
	}
	return c.runGeneric(ctx, running)
}

func (c *Check) verbose(ctx context.Context) bool { return nagios.Verbosity(ctx) > 0 }

// dkmsFailed explains a next-boot kernel that has only the kernel's in-tree
// openvswitch module while the running kernel loads an out-of-tree build
// (updates/, updates/dkms/, extra/): the out-of-tree build was not made for
// the new kernel, usually because its DKMS build failed, so the next boot
// silently changes the datapath (features, OVS compatibility). "" when
// that is not the case.
func dkmsFailed(run, next moduleStatus) string {
	if !run.OK() || !next.OK() || !run.OutOfTree() || !next.InTree() {
		return ""
	}
	how := "rebuild it for the new kernel before rebooting (dkms status; dkms autoinstall -k " + next.Release + ")"
	if strings.Contains(run.Path, "/extra/") {
		how = "install the module package for the new kernel before rebooting (e.g. kmod-openvswitch)"
	}
	return fmt.Sprintf("next-boot kernel %s has only the in-tree module %s (%s), but running kernel %s uses the out-of-tree %s (%s): the out-of-tree build is missing for the new kernel (a failed DKMS build?); %s",
		next.Release, next.Path, next.VersionText(), run.Release, run.Path, run.VersionText(), how)
}

// loadedModule reports on /sys/module/openvswitch: whether it is loaded and
// whether its version matches the userspace OVS. The in-tree module has no
// version file; an out-of-tree build (OVS's own datapath, DKMS) does.
func (c *Check) loadedModule(ctx context.Context, res *nagios.Result, summary *nagios.Summary) (loaded bool) {
	dir := filepath.Join(c.Root, "sys", "module", "openvswitch")
	if _, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			res.Add(nagios.OK, "openvswitch module is not loaded (/sys/module/openvswitch absent; a userspace-datapath host needs none)")
		} else {
			res.Add(nagios.Unknown, "cannot read /sys/module/openvswitch: %v", err)
			summary.Add(nagios.Unknown, fmt.Sprintf("cannot tell whether the openvswitch module is loaded: %v", err))
		}
		return false
	}
	data, err := os.ReadFile(filepath.Join(dir, "version"))
	if err != nil {
		res.Add(nagios.OK, "loaded openvswitch module is the in-tree one (no /sys/module/openvswitch/version)")
		return true
	}
	kver := strings.TrimSpace(string(data))
	nagios.SetStage(ctx, "reading the userspace OVS version")
	uver, src, err := c.userspaceVersion(ctx)
	if err != nil {
		res.Add(nagios.Unknown, "loaded openvswitch module %s: cannot compare with userspace OVS: %v", kver, err)
		summary.Add(nagios.Unknown, fmt.Sprintf("cannot compare the loaded openvswitch module %s with userspace OVS: %v", kver, err))
		return true
	}
	if kver != uver {
		res.Add(nagios.Warning, "loaded openvswitch module %s differs from userspace OVS %s (%s): reload the module at the next maintenance (/usr/share/openvswitch/scripts/ovs-ctl force-reload-kmod)", kver, uver, src)
		summary.Add(nagios.Warning, fmt.Sprintf("loaded module %s differs from userspace OVS %s", kver, uver))
		return true
	}
	res.Add(nagios.OK, "loaded openvswitch module %s matches userspace OVS (%s)", kver, src)
	return true
}

// userspaceVersion asks OVSDB first (no process start), then ovs-vswitchd.
// Under --root the userspace of the tree is asked, not this host's: the
// tree's own usr/sbin/ovs-vswitchd, and OVSDB only when --db names one.
func (c *Check) userspaceVersion(ctx context.Context) (string, string, error) {
	db := c.DB
	if db == "" && c.Root == "/" {
		db = defaultDB
	}
	var dbErr error
	if c.OVSDBVersion != nil && db != "" {
		v, err := c.OVSDBVersion(ctx, db)
		if err == nil && v != "" {
			return v, "OVSDB ovs_version", nil
		}
		dbErr = err
	}
	bin := "ovs-vswitchd"
	if c.Root != "/" {
		bin = filepath.Join(c.Root, "usr", "sbin", "ovs-vswitchd")
	}
	out, err := c.Exec(ctx, bin, "--version")
	if err != nil {
		switch {
		case dbErr != nil && strings.Contains(dbErr.Error(), db):
			// shared/ovsdb's errors name OVSDB and the target themselves.
			return "", "", fmt.Errorf("%v; and %s --version: %v", dbErr, bin, err)
		case dbErr != nil:
			return "", "", fmt.Errorf("OVSDB at %s: %v; and %s --version: %v", db, dbErr, bin, err)
		}
		return "", "", err
	}
	b, err := parseVswitchdVersion(string(out))
	if err != nil {
		return "", "", err
	}
	if c.Root != "/" {
		return b.Version, "/usr/sbin/ovs-vswitchd --version under --root", nil
	}
	return b.Version, "ovs-vswitchd --version", nil
}

// defaultDB is where ovs-vsctl finds the local database.
const defaultDB = "unix:/var/run/openvswitch/db.sock"

func (c *Check) runXen(ctx context.Context, runningRaw string) (*nagios.Result, error) {
	running := stripXen(runningRaw)
	nagios.SetStage(ctx, "listing dom0 kernels in "+filepath.Join(c.Root, "boot"))
	installed, err := xenKernels(c.Root)
	if err != nil {
		return nil, err
	}
	res := &nagios.Result{}
	nagios.SetStage(ctx, "running /etc/init.d/openvswitch version")
	script := filepath.Join(c.Root, "etc", "init.d", "openvswitch")
	out, err := c.Exec(ctx, script, "version")
	if err != nil {
		return nil, fmt.Errorf("cannot read the OVS build from %s version: %v", script, err)
	}
	build, err := parseVswitchdVersion(string(out))
	if err != nil {
		return nil, fmt.Errorf("%s version: %v", script, err)
	}
	pkgs, err := c.modulePackages(ctx)
	if err != nil {
		return nil, err
	}
	if n := pkgs.naming(); n != "" {
		res.Add(nagios.OK, "module packages use the %s", n)
	}

	var summary nagios.Summary
	runPkg, runOK := pkgs.find(running, build)
	if runOK {
		res.Add(nagios.OK, "running kernel %s: %s is installed", running, runPkg)
	} else {
		res.Add(nagios.Critical, "running kernel %s: %s is not installed%s", running, pkgs.expected(running, build), otherBuilds(pkgs, running))
		summary.Add(nagios.Critical, "running kernel "+running+" has no "+pkgs.expected(running, build))
	}
	pendRel, link, perr := xenPending(c.Root)
	pendOK := false
	switch {
	case perr != nil:
		res.Add(nagios.Unknown, "next-boot kernel: cannot tell: %v", perr)
		summary.Add(nagios.Unknown, "cannot tell the next-boot kernel")
	case pendRel == running:
		pendOK = runOK
		res.Add(nagios.OK, "next-boot kernel %s (from %s) is the running kernel", pendRel, link)
	default:
		var pendPkg string
		pendPkg, pendOK = pkgs.find(pendRel, build)
		if pendOK {
			res.Add(nagios.OK, "next-boot kernel %s (from %s): %s is installed", pendRel, link, pendPkg)
		} else {
			res.Add(nagios.Critical, "next-boot kernel %s (from %s): %s is not installed%s: networking may not survive reboot", pendRel, link, pkgs.expected(pendRel, build), otherBuilds(pkgs, pendRel))
			summary.Add(nagios.Critical, "next-boot kernel "+pendRel+" has no "+pkgs.expected(pendRel, build)+": networking may not survive reboot")
		}
	}
	withModule := 0
	target := ""
	switch {
	case runOK && slices.Contains(installed, running):
		target = running
	case perr == nil && pendOK:
		target = pendRel
	}
	for _, k := range installed {
		if _, ok := pkgs.find(k, build); ok {
			withModule++
			if target == "" {
				target = k
			}
		}
	}
	if !runOK || (perr == nil && !pendOK) {
		targetPkg, _ := pkgs.find(target, build)
		switch {
		case target != "" && target == pendRel:
			res.Add(nagios.OK, "the next boot already goes to kernel %s (from %s), which has %s: a reboot fixes this", target, link, targetPkg)
		case target != "":
			res.Add(nagios.OK, "rollback target: kernel %s has %s; point the boot default back: %s",
				target, targetPkg, xenRollback(c.Root, link, target))
		default:
			res.Add(nagios.Critical, "no installed dom0 kernel has %s: install the module package for the OVS build before rebooting", pkgs.expected("<kernel>", build))
			summary.Add(nagios.Critical, "no installed dom0 kernel has a module package for OVS "+build.String())
		}
	}
	res.AddPerf(
		nagios.Perf{Label: "kernels_installed", Value: float64(len(installed)), Min: nagios.Float(0)},
		nagios.Perf{Label: "kernels_with_module", Value: float64(withModule), Min: nagios.Float(0), Max: nagios.Float(float64(len(installed)))},
	)
	var allClear string
	switch {
	case summary.Len() > 0:
	case pendRel == running:
		allClear = fmt.Sprintf("OVS %s module package installed for kernel %s, which is also the next-boot kernel", build, running)
	default:
		allClear = fmt.Sprintf("OVS %s module packages installed for running kernel %s and next-boot kernel %s", build, running, pendRel)
	}
	res.Summary = summary.Line(res, allClear)
	return res, nil
}

// modulePackages lists the installed OVS module packages of either
// XenServer naming with one rpm query.
func (c *Check) modulePackages(ctx context.Context) (modulePackages, error) {
	nagios.SetStage(ctx, "querying the rpm database for "+modulesPrefix+"*")
	argv := []string{"rpm", "-qa", "--qf", "%{NAME}-%{VERSION}-%{RELEASE}\\n", modulesPrefix + "*"}
	if c.Root != "/" {
		argv = []string{"rpm", "--root", c.Root, "-qa", "--qf", "%{NAME}-%{VERSION}-%{RELEASE}\\n", modulesPrefix + "*"}
	}
	out, err := c.Exec(ctx, argv...)
	if err != nil {
		return nil, fmt.Errorf("cannot query installed packages (%s): %v", strings.Join(argv[:len(argv)-3], " "), err)
	}
	return parseRPMList(string(out)), nil
}

// xenRollback is the command that points the boot links back at rel, using
// the image names that exist (with or without the xen suffix).
func xenRollback(root, link, rel string) string {
	img := "vmlinuz-" + rel + "xen"
	if _, err := os.Lstat(filepath.Join(root, "boot", img)); err != nil {
		img = "vmlinuz-" + rel
	}
	initrd := strings.Replace(img, "vmlinuz-", "initrd-", 1) + ".img"
	initrdLink := strings.Replace(filepath.Base(link), "vmlinuz-", "initrd-", 1) + ".img"
	return fmt.Sprintf("cd /boot && ln -sf %s %s && ln -sf %s %s", img, filepath.Base(link), initrd, initrdLink)
}

// otherBuilds names the module builds that are installed for a kernel, which
// tells an operator whether the module package or the userspace is behind.
func otherBuilds(pkgs modulePackages, kernel string) string {
	var b []string
	for k := range pkgs[kernel] {
		b = append(b, k)
	}
	if len(b) == 0 {
		return " (no module package at all for this kernel)"
	}
	sortNewestFirst(b)
	return " (installed for this kernel: OVS " + strings.Join(b, ", ") + ")"
}
