# shellcheck shell=bash
# snmpd: a real net-snmp agent on 127.0.0.1:$SNMPD_PORT (UDP) with its own
# configuration, persistent directory, log and pid file under $LAB_DIR/snmpd.
#
# It serves:
#   - `extend` lines running lab/snmpd/fake_check.sh, which exits 0, 1, 2, 3
#     (and 7, outside the plugin range) with multi-line output and perfdata;
#     `extend-sh` and `extend -execType sh` lines (nsExtendResult is then the
#     raw wait status: 256, 512); lab/snmpd/killed_check.sh killed by a
#     signal after printing CRITICAL or before printing anything; and a
#     program that does not exist, as exec and as shell extends;
#   - `override` lines presenting a switch: bridge ports 1-3 mapped to
#     ifIndex 10101-10103 (ifName Ethernet1/1..1/3, rows in ifTable with
#     fixed 32-bit counters, Ethernet1/3 admin down), their VLANs as
#     Q-BRIDGE-MIB egress port lists (current and static) and as
#     CISCO-VTP-MIB vlanTrunkPortVlansEnabled{,2k,3k,4k} bitmaps with
#     vlanTrunkPortDynamicStatus (port 3 is an access port in VLAN 300,
#     untagged in Q-BRIDGE too), plus Ethernet2/1 (ifIndex 10201), a VTP-only
#     switchport that is not trunking (access VLAN 10, allowed list 10,20);
#   - the host's real IF-MIB, including a veth pair esnmp0/esnmp1 made for
#     the lab, whose far end can be taken down (admin up, oper down);
#   - a v2c community and two v3 users: SHA-256 + AES (authPriv) and
#     SHA + no privacy (authNoPriv).
# Credentials files (0600) are written under $LAB_DIR/snmpd.
#
# Published: SNMP_HOST, SNMP_PORT, SNMP_V2_CREDENTIALS, SNMP_V3_CREDENTIALS,
# SNMP_V3_AUTHNOPRIV_CREDENTIALS, SNMP_EXTEND_OK/_WARNING/_CRITICAL/_UNKNOWN/
# _OUTSIDE (extend names), SNMP_EXTEND_SCRIPT, SNMP_VLAN_PORT (ifName),
# SNMP_VLAN_PORT_IFINDEX, SNMP_VLAN_PORT_VLANS, SNMP_VLAN_PORT2, SNMP_VLAN_PORT2_VLANS,
# SNMP_LINK_IF, SNMP_LINK_PEER, SNMP_DEAD_PORT (a port nothing listens on).
#
# Actions: lab/lab.sh snmpd stop | start | restart | remove_vlan VLAN [IFINDEX]
#          | restore_vlans | link_down | link_up

# shellcheck disable=SC2034 # read by lab/lab.sh through a nameref
snmpd_packages=(snmpd snmp iproute2)

SNMPD_DIR="$LAB_DIR/snmpd"
SNMPD_PORT="${EDGECHECK_SNMPD_PORT:-16161}"
SNMPD_DEAD_PORT="${EDGECHECK_SNMPD_DEAD_PORT:-16162}"
SNMPD_COMMUNITY="edgelab-ro"
SNMPD_V3_USER="edgeuser"
SNMPD_V3_AUTH="edgelab-auth-256"
SNMPD_V3_PRIV="edgelab-priv-aes"
SNMPD_V3_AUTHONLY_USER="edgeauth"
SNMPD_V3_AUTHONLY_PASS="edgelab-auth-sha"

# The switch: ifIndex -> VLANs it carries (egress, tagged or untagged).
# Bridge port N is ifIndex 10100+N and ifName Ethernet1/N.
SNMPD_DEFAULT_VLANS="10101 1,10,100,200-210
10102 10,100,1023,1024,1025,2047,2048,4094
10103 300"
# VLANs configured (static) but not active (current) on port 1: shows the
# difference between --source qbridge-static and qbridge-current.
SNMPD_STATIC_ONLY="10101 220"

snmpd_expand() { # "1,10-12" -> "1 10 11 12"
	local part a b out=()
	IFS=, read -ra parts <<<"$1"
	for part in "${parts[@]}"; do
		if [[ $part == *-* ]]; then
			a=${part%-*} b=${part#*-}
			while [ "$a" -le "$b" ]; do out+=("$a"); a=$((a + 1)); done
		else
			out+=("$part")
		fi
	done
	echo "${out[*]}"
}

# snmpd_vtp_hex BLOCK VLAN...: the 128-byte MSB-first bitmap of one 1k block.
snmpd_vtp_hex() {
	local block=$1 v i hex=""
	shift
	local -a bytes
	for ((i = 0; i < 128; i++)); do bytes[i]=0; done
	for v in "$@"; do
		[ $((v / 1024)) -eq "$block" ] || continue
		v=$((v % 1024))
		bytes[v / 8]=$((bytes[v / 8] | (0x80 >> (v % 8))))
	done
	for ((i = 0; i < 128; i++)); do hex+=$(printf '%02X' "${bytes[i]}"); done
	echo "$hex"
}

# snmpd_switch_conf VLANDATA STATICONLY: the override lines of the switch.
snmpd_switch_conf() {
	local data=$1 static_only=$2 ifindex list port vlan
	declare -A current=() static=()
	while read -r ifindex list; do
		[ -n "$ifindex" ] || continue
		port=$((ifindex - 10100))
		echo "override .1.3.6.1.2.1.17.1.4.1.2.$port integer $ifindex"
		# The switch's interface table: ports 1 and 2 up, port 3 shut down
		# (admin down).
		local admin=1
		[ "$port" = 3 ] && admin=2
		snmpd_if_rows "$ifindex" "Ethernet1/$port" "$admin" "$port"
		# shellcheck disable=SC2046
		set -- $(snmpd_expand "$list")
		# Ports 1 and 2 trunk; port 3 is an access port in VLAN 300.
		local dyn=1
		[ "$port" = 3 ] && dyn=2
		snmpd_vtp_rows "$ifindex" "$dyn" "$@"
		for vlan in "$@"; do
			current[$vlan]=$((${current[$vlan]:-0} | (0x80 >> (port - 1))))
			static[$vlan]=$((${static[$vlan]:-0} | (0x80 >> (port - 1))))
		done
	done <<<"$data"
	while read -r ifindex list; do
		[ -n "$ifindex" ] || continue
		port=$((ifindex - 10100))
		for vlan in $(snmpd_expand "$list"); do
			static[$vlan]=$((${static[$vlan]:-0} | (0x80 >> (port - 1))))
		done
	done <<<"$static_only"
	# Q-BRIDGE PortList: one bit per bridge port, MSB of octet 1 is port 1;
	# two octets as a 16-port switch would send.
	for vlan in $(printf '%s\n' "${!current[@]}" | sort -n); do
		printf 'override .1.3.6.1.2.1.17.7.1.4.2.1.4.0.%s octet_str 0x%02X00\n' "$vlan" "${current[$vlan]}"
	done
	for vlan in $(printf '%s\n' "${!static[@]}" | sort -n); do
		printf 'override .1.3.6.1.2.1.17.7.1.4.3.1.2.%s octet_str 0x%02X00\n' "$vlan" "${static[$vlan]}"
	done
	# Untagged egress (dot1qVlanCurrentUntaggedPorts, dot1qVlanStaticUntaggedPorts):
	# VLAN 1 is port 1's native VLAN, VLAN 300 is port 3's access VLAN.
	local u
	# shellcheck disable=SC2086
	for u in "1 80" "300 20"; do
		set -- $u
		echo "override .1.3.6.1.2.1.17.7.1.4.2.1.5.0.$1 octet_str 0x${2}00"
		echo "override .1.3.6.1.2.1.17.7.1.4.3.1.4.$1 octet_str 0x${2}00"
	done
	# Ethernet2/1 (ifIndex 10201): a Cisco switchport that is not in the
	# bridge (no Q-BRIDGE rows), left in `switchport mode access`, access
	# VLAN 10, with its old allowed list 10,20 still configured:
	# vlanTrunkPortDynamicStatus notTrunking(2).
	snmpd_if_rows 10201 Ethernet2/1 1 4
	snmpd_vtp_rows 10201 2 10 20
	echo "override .1.3.6.1.4.1.9.9.68.1.2.2.1.2.10201 integer 10"
	echo "override .1.3.6.1.4.1.9.9.68.1.2.2.1.2.10103 integer 300"
}

# snmpd_if_rows IFINDEX NAME ADMIN N: the IF-MIB rows of one switch port.
# Counters are fixed 32-bit ones (override has no Counter64), which
# exercises the 32-bit fallback.
snmpd_if_rows() {
	local ifindex=$1 name=$2 admin=$3 n=$4
	echo "override .1.3.6.1.2.1.31.1.1.1.1.$ifindex octet_str \"$name\""
	echo "override .1.3.6.1.2.1.2.2.1.2.$ifindex octet_str \"$name\""
	echo "override .1.3.6.1.2.1.2.2.1.5.$ifindex uinteger 4294967295"
	echo "override .1.3.6.1.2.1.2.2.1.7.$ifindex integer $admin"
	echo "override .1.3.6.1.2.1.2.2.1.8.$ifindex integer $admin"
	echo "override .1.3.6.1.2.1.2.2.1.10.$ifindex counter $((n * 1000000))"
	echo "override .1.3.6.1.2.1.2.2.1.13.$ifindex counter 0"
	echo "override .1.3.6.1.2.1.2.2.1.14.$ifindex counter $((n * 3))"
	echo "override .1.3.6.1.2.1.2.2.1.16.$ifindex counter $((n * 2000000))"
	echo "override .1.3.6.1.2.1.2.2.1.19.$ifindex counter 0"
	echo "override .1.3.6.1.2.1.2.2.1.20.$ifindex counter 0"
	echo "override .1.3.6.1.2.1.31.1.1.1.15.$ifindex uinteger 10000"
}

# snmpd_vtp_rows IFINDEX DYNSTATUS VLAN...: the CISCO-VTP-MIB
# vlanTrunkPortTable row of one port: vlanTrunkPortVlansEnabled{,2k,3k,4k}
# and vlanTrunkPortDynamicStatus (1 trunking, 2 notTrunking).
snmpd_vtp_rows() {
	local ifindex=$1 dyn=$2
	shift 2
	echo "override .1.3.6.1.4.1.9.9.46.1.6.1.1.4.$ifindex octet_str 0x$(snmpd_vtp_hex 0 "$@")"
	echo "override .1.3.6.1.4.1.9.9.46.1.6.1.1.14.$ifindex integer $dyn"
	echo "override .1.3.6.1.4.1.9.9.46.1.6.1.1.17.$ifindex octet_str 0x$(snmpd_vtp_hex 1 "$@")"
	echo "override .1.3.6.1.4.1.9.9.46.1.6.1.1.18.$ifindex octet_str 0x$(snmpd_vtp_hex 2 "$@")"
	echo "override .1.3.6.1.4.1.9.9.46.1.6.1.1.19.$ifindex octet_str 0x$(snmpd_vtp_hex 3 "$@")"
}

snmpd_write_conf() {
	local data
	data=$(cat "$SNMPD_DIR/vlans")
	{
		echo "# generated by lab/components/40-snmpd.sh; do not edit"
		echo "agentAddress udp:127.0.0.1:$SNMPD_PORT"
		echo "sysName edgecheck-lab-switch"
		echo "sysLocation edgecheck lab"
		echo "rocommunity $SNMPD_COMMUNITY 127.0.0.1"
		echo "createUser $SNMPD_V3_USER SHA-256 $SNMPD_V3_AUTH AES $SNMPD_V3_PRIV"
		echo "rouser $SNMPD_V3_USER priv"
		echo "createUser $SNMPD_V3_AUTHONLY_USER SHA $SNMPD_V3_AUTHONLY_PASS"
		echo "rouser $SNMPD_V3_AUTHONLY_USER auth"
		local script="$REPO_DIR/lab/snmpd/fake_check.sh"
		echo "extend edge_ok $script 0"
		echo "extend edge_warning $script 1"
		echo "extend edge_critical $script 2"
		echo "extend edge_unknown $script 3"
		echo "extend edge_outside $script 7"
		# Shell-type extends: nsExtendResult is the raw wait status (256, 512).
		echo "extend-sh edge_sh_warning $script 1 2>&1"
		echo "extend -execType sh edge_sh_critical $script 2"
		# A plugin killed by a signal after printing CRITICAL, and one that
		# crashes before printing anything: exec-type results read 0.
		local killed="$REPO_DIR/lab/snmpd/killed_check.sh"
		echo "extend edge_killed $killed KILL print"
		echo "extend edge_crashed $killed SEGV"
		echo "extend-sh edge_sh_killed $killed KILL print"
		# A program that does not exist: exec reads 1, shell 127<<8.
		echo "extend edge_missing /nonexistent/edgecheck/check_gone"
		echo "extend-sh edge_sh_missing /nonexistent/edgecheck/check_gone"
		snmpd_switch_conf "$data" "$SNMPD_STATIC_ONLY"
	} >"$SNMPD_DIR/snmpd.conf.tmp"
	mv "$SNMPD_DIR/snmpd.conf.tmp" "$SNMPD_DIR/snmpd.conf"
}

snmpd_answers() {
	snmpget -v2c -c "$SNMPD_COMMUNITY" -t 1 -r 0 "127.0.0.1:$SNMPD_PORT" .1.3.6.1.2.1.1.5.0 >/dev/null 2>&1
}

snmpd_start() {
	pid_alive "$SNMPD_DIR/snmpd.pid" && return 0
	# -C: no system configuration; the persistent directory keeps the
	# engine ID and boots away from /var/lib/snmp.
	SNMP_PERSISTENT_DIR="$SNMPD_DIR/persist" MIBS="" \
		snmpd -C -c "$SNMPD_DIR/snmpd.conf" -Lf "$SNMPD_DIR/snmpd.log" \
		-p "$SNMPD_DIR/snmpd.pid" -I -smux
	wait_for "snmpd on udp 127.0.0.1:$SNMPD_PORT" 20 snmpd_answers
}

snmpd_link_setup() {
	if ! ip link show esnmp0 >/dev/null 2>&1; then
		ip link add esnmp0 type veth peer name esnmp1
	fi
	ip link set esnmp0 up
	ip link set esnmp1 up
}

snmpd_write_credentials() {
	umask 077
	printf 'community: %s\n' "$SNMPD_COMMUNITY" >"$SNMPD_DIR/v2c.yaml"
	printf 'user: %s\nauth_protocol: SHA-256\nauth_passphrase: %s\npriv_protocol: AES\npriv_passphrase: %s\n' \
		"$SNMPD_V3_USER" "$SNMPD_V3_AUTH" "$SNMPD_V3_PRIV" >"$SNMPD_DIR/v3.yaml"
	printf 'user: %s\nauth_protocol: SHA\nauth_passphrase: %s\n' \
		"$SNMPD_V3_AUTHONLY_USER" "$SNMPD_V3_AUTHONLY_PASS" >"$SNMPD_DIR/v3-authnopriv.yaml"
	chmod 600 "$SNMPD_DIR"/*.yaml
}

snmpd_up() {
	mkdir -p "$SNMPD_DIR/persist"
	# up always returns to the healthy lab: default VLANs, both veth ends up,
	# and a restart when a fault (or a newer script) changed the config.
	printf '%s\n' "$SNMPD_DEFAULT_VLANS" >"$SNMPD_DIR/vlans"
	local before=""
	[ -f "$SNMPD_DIR/snmpd.conf" ] && before=$(cat "$SNMPD_DIR/snmpd.conf")
	snmpd_write_conf
	if [ "$before" != "$(cat "$SNMPD_DIR/snmpd.conf")" ] && pid_alive "$SNMPD_DIR/snmpd.pid"; then
		snmpd_stop
	fi
	snmpd_write_credentials
	snmpd_link_setup
	snmpd_start
	write_env snmpd \
		"SNMP_HOST=127.0.0.1" \
		"SNMP_PORT=$SNMPD_PORT" \
		"SNMP_DEAD_PORT=$SNMPD_DEAD_PORT" \
		"SNMP_V2_CREDENTIALS=$SNMPD_DIR/v2c.yaml" \
		"SNMP_V3_CREDENTIALS=$SNMPD_DIR/v3.yaml" \
		"SNMP_V3_AUTHNOPRIV_CREDENTIALS=$SNMPD_DIR/v3-authnopriv.yaml" \
		"SNMP_EXTEND_SCRIPT=$REPO_DIR/lab/snmpd/fake_check.sh" \
		"SNMP_EXTEND_OK=edge_ok" \
		"SNMP_EXTEND_WARNING=edge_warning" \
		"SNMP_EXTEND_CRITICAL=edge_critical" \
		"SNMP_EXTEND_UNKNOWN=edge_unknown" \
		"SNMP_EXTEND_OUTSIDE=edge_outside" \
		"SNMP_EXTEND_SH_WARNING=edge_sh_warning" \
		"SNMP_EXTEND_SH_CRITICAL=edge_sh_critical" \
		"SNMP_EXTEND_KILLED=edge_killed" \
		"SNMP_EXTEND_CRASHED=edge_crashed" \
		"SNMP_EXTEND_SH_KILLED=edge_sh_killed" \
		"SNMP_EXTEND_MISSING=edge_missing" \
		"SNMP_EXTEND_SH_MISSING=edge_sh_missing" \
		"SNMP_EXTEND_MISSING_COMMAND=/nonexistent/edgecheck/check_gone" \
		"SNMP_VLAN_PORT=Ethernet1/1" \
		"SNMP_VLAN_PORT_IFINDEX=10101" \
		"SNMP_VLAN_PORT_VLANS=1,10,100,200-210" \
		"SNMP_VLAN_PORT_STATIC_ONLY=220" \
		"SNMP_VLAN_PORT2=Ethernet1/2" \
		"SNMP_VLAN_PORT2_VLANS=10,100,1023-1025,2047,2048,4094" \
		"SNMP_VLAN_ACCESS_PORT=Ethernet1/3" \
		"SNMP_VLAN_ACCESS_PORT_VLAN=300" \
		"SNMP_VLAN_NOTRUNK_PORT=Ethernet2/1" \
		"SNMP_VLAN_NOTRUNK_PORT_ALLOWED=10,20" \
		"SNMP_VLAN_NOTRUNK_PORT_ACCESS=10" \
		"SNMP_LINK_IF=esnmp0" \
		"SNMP_LINK_PEER=esnmp1"
}

snmpd_down() {
	remove_env snmpd
	stop_pidfile "$SNMPD_DIR/snmpd.pid"
	ip link del esnmp0 2>/dev/null || true
	rm -rf "$SNMPD_DIR"
}

snmpd_status() {
	if pid_alive "$SNMPD_DIR/snmpd.pid"; then
		if snmpd_answers; then echo "snmpd udp:127.0.0.1:$SNMPD_PORT"; else echo "(snmpd running but not answering)"; fi
	else
		echo "(snmpd down)"
	fi
}

# Fault injection for tests and the demo.
snmpd_stop() { stop_pidfile "$SNMPD_DIR/snmpd.pid"; }
snmpd_restart() { snmpd_stop; snmpd_write_conf; snmpd_start; }
# remove_vlan VLAN [IFINDEX]: the switch stops carrying VLAN (on IFINDEX,
# default 10101). The change goes through a restart, as overrides are read
# only at start.
snmpd_remove_vlan() {
	local vlan=${1:?usage: remove_vlan VLAN [IFINDEX]} target=${2:-10101} ifindex list conf=""
	while read -r ifindex list; do
		[ -n "$ifindex" ] || continue
		if [ "$ifindex" = "$target" ]; then
			list=$(snmpd_expand "$list" | tr ' ' '\n' | grep -vx "$vlan" | paste -sd, -)
		fi
		conf+="$ifindex $list"$'\n'
	done <"$SNMPD_DIR/vlans"
	printf '%s' "$conf" >"$SNMPD_DIR/vlans"
	snmpd_restart
}
snmpd_restore_vlans() { printf '%s\n' "$SNMPD_DEFAULT_VLANS" >"$SNMPD_DIR/vlans"; snmpd_restart; }
# snmpd caches IF-MIB for a few seconds: the link actions return once the
# agent shows the new ifOperStatus of esnmp0, so tests need no sleeps.
snmpd_oper_status() {
	local idx
	idx=$(cat "/sys/class/net/$1/ifindex")
	snmpget -v2c -c "$SNMPD_COMMUNITY" -t 1 -r 0 -Oqv "127.0.0.1:$SNMPD_PORT" ".1.3.6.1.2.1.2.2.1.8.$idx" 2>/dev/null
}
# snmpd_link_is up|down: what snmpd shows as esnmp0's ifOperStatus (1 is up).
snmpd_link_is() {
	local st
	st=$(snmpd_oper_status esnmp0) || return 1
	if [ "$1" = up ]; then [ "$st" = 1 ]; else [ -n "$st" ] && [ "$st" != 1 ]; fi
}
snmpd_link_down() { ip link set esnmp1 down; wait_for "snmpd to show esnmp0 oper down" 20 snmpd_link_is down; }
snmpd_link_up() { ip link set esnmp1 up; wait_for "snmpd to show esnmp0 oper up" 20 snmpd_link_is up; }
