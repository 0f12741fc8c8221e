#!/usr/bin/env bash
# The benchmark peer of check_lldp: the same facts done the way a shell
# plugin would, with lldpcli and grep/sed/cut (no jq). Its best case: one
# lldpcli run in keyvalue format with the same three commands on stdin.
#
#   peer_check_lldp.sh SOCKET IF=SWITCH:PORT...
#
# For each IF: a neighbor exists, its system name (or short name) is SWITCH,
# its port description or ID is PORT; RX/TX counters as perfdata.
set -u
sock=$1
shift
if ! out=$(printf 'show neighbors details\nshow interfaces\nshow statistics\n' | lldpcli -u "$sock" -f keyvalue 2>&1); then
	echo "LLDP CRITICAL - lldpd is not running: $out; systemctl restart lldpd && systemctl enable lldpd"
	exit 2
fi
neigh=$(printf '%s\n' "$out" | sed -n '/^show neighbors/,/^show interfaces/p')
ifaces=$(printf '%s\n' "$out" | sed -n '/^show interfaces/,/^show statistics/p')
stats=$(printf '%s\n' "$out" | sed -n '/^show statistics/,$p')
state=0
msgs=()
perf=()
for exp in "$@"; do
	nic=${exp%%=*}
	rest=${exp#*=}
	sw=${rest%%:*}
	port=${rest#*:}
	if ! printf '%s\n' "$ifaces" | grep -q "^lldp\.$nic\.status="; then
		state=2
		msgs+=("lldpd does not manage $nic")
		continue
	fi
	name=$(printf '%s\n' "$neigh" | grep "^lldp\.$nic\.chassis\.name=" | head -1 | cut -d= -f2-)
	descr=$(printf '%s\n' "$neigh" | grep "^lldp\.$nic\.port\.descr=" | head -1 | cut -d= -f2-)
	portid=$(printf '%s\n' "$neigh" | grep -E "^lldp\.$nic\.port\.(mac|ifname|local)=" | head -1 | cut -d= -f2-)
	rx=$(printf '%s\n' "$stats" | grep "^lldp\.$nic\.rx\.rx=" | cut -d= -f2)
	tx=$(printf '%s\n' "$stats" | grep "^lldp\.$nic\.tx\.tx=" | cut -d= -f2)
	perf+=("'${nic}_rx'=${rx}c" "'${nic}_tx'=${tx}c")
	if [ -z "$name" ]; then
		state=2
		msgs+=("no LLDP neighbor on $nic: capture: tcpdump -i $nic -e ether proto 0x88cc")
		continue
	fi
	lname=${name,,}
	lsw=${sw,,}
	if [ "$lname" != "$lsw" ] && [ "${lname%%.*}" != "$lsw" ]; then
		state=2
		msgs+=("$nic: wrong switch: expected $sw $port, seen $name $descr")
		continue
	fi
	if [ "${port,,}" != "${descr,,}" ] && [ "${port,,}" != "${portid,,}" ]; then
		state=2
		msgs+=("$nic: wrong port: expected $sw $port, seen $name $descr")
		continue
	fi
	msgs+=("$nic $name $descr")
done
label=(OK WARNING CRITICAL UNKNOWN)
summary=$(printf '%s; ' "${msgs[@]}")
echo "LLDP ${label[$state]} - ${summary%; } | ${perf[*]}"
exit "$state"
