#!/usr/bin/env bash
# Captures variants.{out,err,rc,links.json}: one real lldpd (1.0.16) in a
# namespace whose NICs see the neighbor shapes real switches send, crafted
# with lldp_send.py, and the kernel's link state of those NICs (ip -j link).
#   eth0  chassis ID mac, port ID local "34", TTL only: no system name, no
#         port description (lldpd issue #372, Enterasys in LibreNMS #2614)
#   eth1  two neighbors, tor-a Ethernet1/7 and Ethernet1/8 (port ID ifname):
#         a bond leak (lldpd #306/#421) or a fabric forwarding LLDP (#451)
#   eth2  chassis ID local, port ID mac, system name sw3.example.net
#   eth3  chassis ID ifname, port ID ifalias, system name sw4
#   eth4  had tor-a Ethernet1/1, then its link went down (peer down):
#         lldpd dropped the neighbor, delete_cnt 1, ageout_cnt 0
#   eth5  up, but its peer never came up: no carrier from the start
#   eth6  administratively down
#   eth7  a switch lldpd that speaks both LLDP and CDPv2 (lldpd -ccc, as a
#         Cisco switch does) to a hypervisor lldpd that listens for CDP (-c):
#         lldpd's default smart filter (-H 15) lists the port once, here via
#         CDPv2 (chassis ID local = the CDP device ID)
#   vnet0, tap0  virtual interfaces (here veths) lldpd manages too
# Run as root: plugins/lldp/testdata/capture-variants.sh
set -euo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
chmod 755 "$work" # lldpcli is setuid _lldpd: it must reach the socket
hv=ec-lldpcap-hv sw=ec-lldpcap-sw
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	ip netns del "$hv" 2>/dev/null || true
	ip netns del "$sw" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$hv"; ip netns add "$sw"
ip -n "$hv" link set lo up
n=0
for i in eth0 eth1 eth2 eth3 eth4 eth5 eth6 vnet0 tap0 eth7; do
	n=$((n + 1))
	ip link add "$i" netns "$hv" type veth peer name "swp$n" netns "$sw"
	[ "$i" = eth6 ] || ip -n "$hv" link set "$i" up
	[ "$i" = eth5 ] || ip -n "$sw" link set "swp$n" up
done
mkdir -p "$work/run"
printf 'configure system hostname hv0001.example.net\n' >"$work/lldpd.conf"
# shellcheck disable=SC2016 # expanded by the inner sh
ip netns exec "$hv" sh -c 'mount --bind "$1/run" /run && shift && exec "$@"' sh "$work" \
	lldpd -c -u "$work/lldpd.socket" -p "$work/lldpd.pid" -O "$work/lldpd.conf" -I 'eth*,vnet*,tap*'
for _ in $(seq 50); do [ -s "$work/lldpd.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$work/lldpd.pid")")
# The switch on eth7 (swp10): a real lldpd sending LLDP and CDPv2.
mkdir -p "$work/sw/run"
chmod 755 "$work/sw"
printf 'configure system hostname cat1.example.net\nconfigure lldp portidsubtype ifname\nconfigure ports swp10 lldp portdescription GigabitEthernet1/0/10\n' >"$work/sw/lldpd.conf"
# shellcheck disable=SC2016 # expanded by the inner sh
ip netns exec "$sw" sh -c 'mount --bind "$1/run" /run && shift && exec "$@"' sh "$work/sw" \
	lldpd -ccc -u "$work/sw/lldpd.socket" -p "$work/sw/lldpd.pid" -O "$work/sw/lldpd.conf" -I swp10
for _ in $(seq 50); do [ -s "$work/sw/lldpd.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$work/sw/lldpd.pid")")
send() { ip netns exec "$sw" python3 "$dir/lldp_send.py" "$@" >/dev/null 2>&1 & pids+=("$!"); }
send swp1 --chassis-mac 02:a4:8c:6a:09:00 --port-local 34 --ttl 120 --src 02:a4:8c:6a:09:22
send swp2 --chassis-mac 02:1c:73:00:00:01 --port-ifname Ethernet1/7 --port-descr "hv0001 eth1" --sysname tor-a.example.net --src 02:1c:73:00:01:07
send swp2 --chassis-mac 02:1c:73:00:00:01 --port-ifname Ethernet1/8 --port-descr "hv0001 eth0" --sysname tor-a.example.net --src 02:1c:73:00:01:08
send swp3 --chassis-local sw3-chassis --port-mac 02:1c:73:00:03:09 --port-descr "Gi1/0/9" --sysname sw3.example.net --src 02:1c:73:00:03:09
send swp4 --chassis-ifname mgmt0 --port-ifalias "uplink hv0001" --sysname sw4 --src 02:1c:73:00:04:01
send swp5 --chassis-mac 02:1c:73:00:00:01 --port-ifname Ethernet1/1 --port-descr Ethernet1/1 --sysname tor-a.example.net --src 02:1c:73:00:01:01
cnt() { lldpcli -u "$work/lldpd.socket" -f keyvalue show neighbors ports "$1" 2>/dev/null | grep -c "^lldp\.$1\.rid=" || true; }
for _ in $(seq 300); do
	[ "$(cnt eth0)" = 1 ] && [ "$(cnt eth1)" = 2 ] && [ "$(cnt eth2)" = 1 ] && [ "$(cnt eth3)" = 1 ] && [ "$(cnt eth4)" = 1 ] && [ "$(cnt eth7)" = 1 ] && break
	sleep 0.1
done
ip -n "$sw" link set swp5 down
for _ in $(seq 100); do [ "$(cnt eth4)" = 0 ] && break; sleep 0.1; done
rc=0
printf 'show neighbors details\nshow interfaces\nshow statistics\n' |
	lldpcli -u "$work/lldpd.socket" -f json0 >"$dir/variants.out" 2>"$dir/variants.err" || rc=$?
echo "$rc" >"$dir/variants.rc"
ip -n "$hv" -j -p link show >"$dir/variants.links.json"
sed -i "s|$work/lldpd.socket|/run/lldpd.socket|g" "$dir/variants.err"
echo "captured variants (exit $rc)"
