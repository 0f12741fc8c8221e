package ovskmod

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"edgecheck/shared/command"
)

// Module package names of XenServer's per-kernel OVS module package, as
// built from OVS's xenserver/openvswitch-xen.spec (module_package =
// modules%{?kernel_flavor:-%{kernel_flavor}}-%{kernel_version}):
// XenServer up to 6.2 builds with kernel_flavor xen, giving
// openvswitch-modules-xen-<kernel>-<ovs version>-<build>; 6.5 and later
// build with kernel_uname only, giving openvswitch-modules-<kernel>-<ovs
// version>-<release> (INSTALL.XenServer).
const (
	modulesPrefix    = "openvswitch-modules-"
	xenModulesPrefix = "openvswitch-modules-xen-"
)

// xenVmlinuzLink is the symlink XenServer's bootloader entry boots.
const xenVmlinuzLink = "/boot/vmlinuz-2.6-xen"

// stripXen turns a XenServer dom0 release (2.6.32.43-0.4.1.xs1.8.0.835.170778xen)
// into the kernel part of the module package name.
func stripXen(rel string) string {
	return strings.TrimSuffix(strings.TrimSpace(rel), "xen")
}

// vswitchdVersionLine matches the ovs-vswitchd line of
// `/etc/init.d/openvswitch version` (and of `ovs-vswitchd --version`), e.g.
// "ovs-vswitchd (Open vSwitch) 1.4.6+build76032" or "... 2.5.3".
var vswitchdVersionLine = regexp.MustCompile(`^\s*ovs-vswitchd \(Open vSwitch\) ([0-9][0-9A-Za-z.~]*)(?:\+build([0-9]+))?`)

// An ovsBuild is the userspace OVS version and XenServer build number.
type ovsBuild struct {
	Version string // 1.4.6
	Build   string // 76032, or "" when the binary carries none
}

// String is the <version>-<build> part of the module package name.
func (b ovsBuild) String() string {
	if b.Build == "" {
		return b.Version
	}
	return b.Version + "-" + b.Build
}

// parseVswitchdVersion finds the ovs-vswitchd line in version output.
func parseVswitchdVersion(out string) (ovsBuild, error) {
	for line := range lines([]byte(out)) {
		if m := vswitchdVersionLine.FindStringSubmatch(line); m != nil {
			return ovsBuild{Version: strings.TrimRight(m[1], "."), Build: m[2]}, nil
		}
	}
	return ovsBuild{}, fmt.Errorf("no \"ovs-vswitchd (Open vSwitch) VERSION\" line in %q", command.FirstLine(out))
}

// modulePackages maps kernel -> "<version>-<release>" -> the installed
// package's full name (which of the two namings it uses).
type modulePackages map[string]map[string]string

// parseRPMList reads `rpm -qa --qf '%{NAME}-%{VERSION}-%{RELEASE}\n'`
// output and returns the module packages of either naming. Names that do
// not have the shape are skipped.
func parseRPMList(out string) modulePackages {
	pkgs := modulePackages{}
	for _, line := range strings.Split(out, "\n") {
		name := strings.TrimSpace(line)
		kernel, build, ok := splitModulePackage(name)
		if !ok {
			continue
		}
		if pkgs[kernel] == nil {
			pkgs[kernel] = map[string]string{}
		}
		pkgs[kernel][build] = name
	}
	return pkgs
}

// splitModulePackage splits openvswitch-modules-xen-<kernel>-<version>-<release>
// (XenServer up to 6.2) or openvswitch-modules-<kernel>-<version>-<release>
// (6.5 and later) into kernel and "<version>-<release>". The kernel part
// itself contains dashes (2.6.32.43-0.4.1.xs...), so the last two
// dash-separated fields are the package version and release; a kernel
// release starts with a digit, which tells "xen-" from a kernel.
func splitModulePackage(name string) (kernel, build string, ok bool) {
	rest, found := strings.CutPrefix(name, xenModulesPrefix)
	if !found {
		if rest, found = strings.CutPrefix(name, modulesPrefix); !found {
			return "", "", false
		}
	}
	if rest == "" || rest[0] < '0' || rest[0] > '9' {
		return "", "", false
	}
	rel := strings.LastIndexByte(rest, '-')
	if rel <= 0 || rel == len(rest)-1 {
		return "", "", false
	}
	ver := strings.LastIndexByte(rest[:rel], '-')
	if ver <= 0 || ver == rel-1 {
		return "", "", false
	}
	kernel, build = rest[:ver], rest[ver+1:]
	if strings.ContainsAny(kernel+build, " \t") {
		return "", "", false
	}
	return kernel, build, true
}

// find returns the installed module package for kernel and the userspace
// build. When the userspace binary carries no build number, any release of
// the same OVS version counts.
func (pkgs modulePackages) find(kernel string, b ovsBuild) (string, bool) {
	builds := pkgs[kernel]
	if b.Build != "" {
		name, ok := builds[b.String()]
		return name, ok
	}
	for got, name := range builds {
		if got == b.Version || strings.HasPrefix(got, b.Version+"-") {
			return name, true
		}
	}
	return "", false
}

// naming describes which package naming the host uses, from what is
// installed: the 6.5+ one when any package has it.
func (pkgs modulePackages) naming() string {
	old, current := false, false
	for _, builds := range pkgs {
		for _, name := range builds {
			if strings.HasPrefix(name, xenModulesPrefix) {
				old = true
			} else {
				current = true
			}
		}
	}
	switch {
	case current && !old:
		return "XenServer 6.5+ naming " + modulesPrefix + "<kernel>-<version>-<release>"
	case old && !current:
		return "XenServer 6.2-and-older naming " + xenModulesPrefix + "<kernel>-<version>-<build>"
	}
	return ""
}

// expected names the package a kernel needs, in the naming the host uses
// (both namings when none is installed).
func (pkgs modulePackages) expected(kernel string, b ovsBuild) string {
	n := pkgs.naming()
	switch {
	case strings.HasPrefix(n, "XenServer 6.5+"):
		return modulesPrefix + kernel + "-" + b.String()
	case strings.HasPrefix(n, "XenServer 6.2"):
		return xenModulesPrefix + kernel + "-" + b.String()
	}
	return modulesPrefix + kernel + "-" + b.String() + " (XenServer 6.5+) or " + xenModulesPrefix + kernel + "-" + b.String() + " (up to 6.2)"
}

// xenKernels lists the installed dom0 kernels (vmlinuz-*xen images),
// without the xen suffix, newest first.
func xenKernels(root string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, "boot"))
	if err != nil {
		return nil, fmt.Errorf("cannot list /boot: %v", err)
	}
	var out []string
	for _, e := range entries {
		// XenServer up to 6.2 names dom0 kernels vmlinuz-<rel>xen; 6.5 and
		// later drop the suffix (vmlinuz-3.10.0+2). The -xen symlinks are
		// aliases, not kernels.
		rel, ok := strings.CutPrefix(e.Name(), "vmlinuz-")
		if !ok || rel == "" || e.Type()&os.ModeSymlink != 0 || e.IsDir() {
			continue
		}
		out = append(out, stripXen(rel))
	}
	sortNewestFirst(out)
	return out, nil
}

// xenPending reads the next-boot dom0 kernel from the vmlinuz-2.6-xen link
// (XenServer 6.5 and later use vmlinuz-3.10-xen, vmlinuz-4.4-xen; the first
// such link is used when 2.6-xen is absent). It returns the link it read.
func xenPending(root string) (rel, link string, err error) {
	link = xenVmlinuzLink
	target, err := os.Readlink(filepath.Join(root, link))
	if err != nil {
		others, _ := filepath.Glob(filepath.Join(root, "boot", "vmlinuz-*-xen"))
		sort.Strings(others)
		for _, o := range others {
			if t, lerr := os.Readlink(o); lerr == nil {
				target, link, err = t, "/boot/"+filepath.Base(o), nil
				break
			}
		}
		if err != nil {
			return "", xenVmlinuzLink, fmt.Errorf("cannot read the %s symlink: %v", xenVmlinuzLink, err)
		}
	}
	rel, ok := strings.CutPrefix(filepath.Base(target), "vmlinuz-")
	if !ok || rel == "" {
		return "", link, fmt.Errorf("%s points to %q, not to a vmlinuz-<release> image", link, target)
	}
	return stripXen(rel), link, nil
}
