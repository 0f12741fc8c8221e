#!/usr/bin/env bash
# Rebuilds the fixture trees of check_ovs_kmod: small relocatable ELF objects
# whose .modinfo section carries a real vermagic string (as a kernel module's
# does), plain or compressed as distributions ship them. Needs gcc, xz, zstd,
# gzip. Run from plugins/ovskmod: testdata/mkfixtures.sh
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ko OUT VERMAGIC: a fake openvswitch.ko, compressed by OUT's extension.
ko() {
	local out=$1 vm=$2
	mkdir -p "$(dirname "$out")"
	printf '%s\n' \
		"__attribute__((section(\".modinfo\"), used)) static const char a[] = \"license=GPL\";" \
		"__attribute__((section(\".modinfo\"), used)) static const char b[] = \"description=Open vSwitch switching datapath\";" \
		"__attribute__((section(\".modinfo\"), used)) static const char c[] = \"name=openvswitch\";" \
		"__attribute__((section(\".modinfo\"), used)) static const char d[] = \"vermagic=$vm\";" >"$tmp/m.c"
	gcc -c -Os -o "$tmp/m.o" "$tmp/m.c"
	strip --strip-debug "$tmp/m.o"
	case "$out" in
	*.ko) cp "$tmp/m.o" "$out" ;;
	*.ko.xz) xz -c --check=crc32 "$tmp/m.o" >"$out" ;;
	*.ko.zst) zstd -q -c "$tmp/m.o" >"$out" ;;
	*.ko.gz) gzip -n -c "$tmp/m.o" >"$out" ;;
	esac
}
kernel() { mkdir -p "$1/boot" "$1/lib/modules/$2"; : >"$1/boot/vmlinuz-$2"; echo "kernel/net/core/pktgen.ko:" >"$1/lib/modules/$2/modules.dep"; }
grubenv() { # ROOT PATH KEY=VALUE...: a 1024-byte grub environment block
	local f="$1$2"
	mkdir -p "$(dirname "$f")"
	{ echo '# GRUB Environment Block'; shift 2; printf '%s\n' "$@"; } >"$f"
	local size
	size=$(stat -c %s "$f")
	head -c $((1024 - size)) /dev/zero | tr '\0' '#' >>"$f"
}

rm -rf debian-* rhel-* xenserver-*

# Debian 12: in-tree modules, GRUB_DEFAULT=0 (no saved_entry), /vmlinuz link.
D17=6.1.0-17-amd64 D18=6.1.0-18-amd64 D20=6.1.0-20-amd64
UUID=0b1c5e0a-3c83-4e55-9d51-6f0d8d2b2f6e
for s in match pending-mismatch running-mismatch; do
	r=debian-$s/root
	kernel $r $D17
	kernel $r $D18
	grubenv $r /boot/grub/grubenv

done
ko debian-match/root/lib/modules/$D17/kernel/net/openvswitch/openvswitch.ko "$D17 SMP preempt mod_unload modversions "
ko debian-match/root/lib/modules/$D18/kernel/net/openvswitch/openvswitch.ko "$D18 SMP preempt mod_unload modversions "
ln -s boot/vmlinuz-$D18 debian-match/root/vmlinuz
mkdir -p debian-match/root/sys/module/openvswitch # loaded, in-tree: no version file
echo live >debian-match/root/sys/module/openvswitch/initstate
# pending-mismatch: 6.1.0-20 installed and linked, its DKMS module is a stale
# copy built for 6.1.0-18.
ko debian-pending-mismatch/root/lib/modules/$D17/kernel/net/openvswitch/openvswitch.ko "$D17 SMP preempt mod_unload modversions "
ko debian-pending-mismatch/root/lib/modules/$D18/kernel/net/openvswitch/openvswitch.ko "$D18 SMP preempt mod_unload modversions "
kernel debian-pending-mismatch/root $D20
ko debian-pending-mismatch/root/lib/modules/$D20/updates/dkms/openvswitch.ko.zst "$D18 SMP preempt mod_unload modversions "
ln -s boot/vmlinuz-$D20 debian-pending-mismatch/root/vmlinuz
# running-mismatch: running 6.1.0-17 has no module; grub saved_entry (set by
# grub-set-default) names 6.1.0-18, which has one (gzip-compressed).
ko debian-running-mismatch/root/lib/modules/$D18/kernel/net/openvswitch/openvswitch.ko.gz "$D18 SMP preempt mod_unload modversions "
ln -s boot/vmlinuz-$D18 debian-running-mismatch/root/vmlinuz
grubenv debian-running-mismatch/root /boot/grub/grubenv "saved_entry=gnulinux-advanced-$UUID>gnulinux-$D18-advanced-$UUID"

# RHEL 9: BLS entries, saved_entry=<machine-id>-<release>, .ko.xz modules.
R1=5.14.0-362.8.1.el9_3.x86_64 R2=5.14.0-362.13.1.el9_3.x86_64 R3=5.14.0-427.13.1.el9_4.x86_64
MID=3f0e3d6a1c2b4f5e8d7c6b5a49382716
for s in match pending-mismatch running-mismatch; do
	r=rhel-$s/root
	kernel $r $R1
	kernel $r $R2
	mkdir -p $r/boot/loader/entries
	for k in $R1 $R2; do printf 'title Red Hat Enterprise Linux (%s)\nlinux /vmlinuz-%s\n' $k $k >$r/boot/loader/entries/$MID-$k.conf; done
	mkdir -p $r/sys/module/openvswitch
	echo 2.17.9 >$r/sys/module/openvswitch/version # kmod-openvswitch from OVS
done
ko rhel-match/root/lib/modules/$R1/extra/openvswitch/openvswitch.ko.xz "$R1 SMP preempt mod_unload modversions "
ko rhel-match/root/lib/modules/$R2/extra/openvswitch/openvswitch.ko.xz "$R2 SMP preempt mod_unload modversions "
ko rhel-match/root/lib/modules/$R2/kernel/net/openvswitch/openvswitch.ko.xz "$R2 SMP preempt mod_unload modversions "
grubenv rhel-match/root /boot/grub2/grubenv "saved_entry=$MID-$R2" "boot_success=1"
# pending-mismatch: a new kernel is the saved_entry, its extra/ module is a
# copy built for the running kernel.
ko rhel-pending-mismatch/root/lib/modules/$R1/extra/openvswitch/openvswitch.ko.xz "$R1 SMP preempt mod_unload modversions "
ko rhel-pending-mismatch/root/lib/modules/$R2/extra/openvswitch/openvswitch.ko.xz "$R2 SMP preempt mod_unload modversions "
kernel rhel-pending-mismatch/root $R3
printf 'title Red Hat Enterprise Linux (%s)\nlinux /vmlinuz-%s\n' $R3 $R3 >rhel-pending-mismatch/root/boot/loader/entries/$MID-$R3.conf
ko rhel-pending-mismatch/root/lib/modules/$R3/extra/openvswitch/openvswitch.ko.xz "$R2 SMP preempt mod_unload modversions "
grubenv rhel-pending-mismatch/root /boot/grub2/grubenv "saved_entry=$MID-$R3" "boot_success=0"
# running-mismatch: the running kernel's module was removed; a one-shot
# grub-reboot (next_entry) would boot R1, which has its module.
ko rhel-running-mismatch/root/lib/modules/$R1/extra/openvswitch/openvswitch.ko.xz "$R1 SMP preempt mod_unload modversions "
grubenv rhel-running-mismatch/root /boot/grub2/grubenv "saved_entry=$MID-$R2" "next_entry=$MID-$R1"

# XenServer 6.x dom0: module packages per kernel and OVS build.
X1=2.6.32.43-0.4.1.xs1.8.0.835.170778 X2=2.6.32.43-0.4.1.xs1.8.0.847.170785
for s in match pending-mismatch running-mismatch; do
	r=xenserver-$s/root
	mkdir -p $r/boot $r/etc/init.d
	: >$r/boot/vmlinuz-${X1}xen
	: >$r/boot/vmlinuz-${X2}xen
	printf '#!/bin/sh\n# fixture: the real script runs the daemons with --version\ncat "$(dirname "$0")/../../../init-version.txt"\n' >$r/etc/init.d/openvswitch
	chmod 755 $r/etc/init.d/openvswitch
	printf 'ovsdb-server (Open vSwitch) 1.4.6+build76032\nCompiled Jun 11 2013 11:40:09\novs-vswitchd (Open vSwitch) 1.4.6+build76032\nCompiled Jun 11 2013 11:40:07\nOpenFlow versions 0x1:0x1\n' >xenserver-$s/init-version.txt
done
ln -s vmlinuz-${X2}xen xenserver-match/root/boot/vmlinuz-2.6-xen
printf '%s\n' openvswitch-1.4.6-76032 "openvswitch-modules-xen-$X1-1.4.6-76032" "openvswitch-modules-xen-$X2-1.4.6-76032" >xenserver-match/rpm-qa.txt
ln -s vmlinuz-${X2}xen xenserver-pending-mismatch/root/boot/vmlinuz-2.6-xen
printf '%s\n' openvswitch-1.4.6-76032 "openvswitch-modules-xen-$X1-1.4.6-76032" "openvswitch-modules-xen-$X2-1.4.5-66213" >xenserver-pending-mismatch/rpm-qa.txt
ln -s vmlinuz-${X2}xen xenserver-running-mismatch/root/boot/vmlinuz-2.6-xen
printf '%s\n' openvswitch-1.4.6-76032 "openvswitch-modules-xen-$X2-1.4.6-76032" >xenserver-running-mismatch/rpm-qa.txt
du -sh .
