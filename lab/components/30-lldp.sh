# shellcheck shell=bash
# LLDP: two lldpd instances on the two ends of a veth pair, each in its own
# network namespace. ec-lldp-sw plays the switch (system name sw1.lab, port ID
# ifname swp1, port description Ethernet1/1); ec-lldp-hv plays the hypervisor, with
# eth0 cabled to the switch and eth1 cabled to a switch port (swp2) that
# sends no LLDP, which is the "no neighbor" case, and eth2 cabled to a switch
# port (swp3) that is down: a NIC without carrier (NO-CARRIER, operstate
# down), on which lldpd keeps no neighbor.
#
# lldpcli talks to lldpd over a unix socket, a filesystem object, so checks
# run in the root namespace with --socket pointing at the hypervisor's socket.
#
# Each lldpd gets its own socket, pid file and privilege-separation chroot
# under $LAB_DIR/lldp/<role>. Debian's lldpd has its chroot compiled in as
# /run/lldpd, so each instance runs in the private mount namespace that
# `ip netns exec` creates, with $LAB_DIR/lldp/<role>/run bind-mounted on
# /run. No system lldpd, /run/lldpd or /etc/lldpd.d is touched: `-O` points
# lldpd's start-up lldpcli run at our own config file instead.
#
# Published: LLDP_DIR, LLDP_SOCKET, LLDP_SW_SOCKET, LLDP_HV_NS, LLDP_SW_NS,
# LLDP_HV_IF, LLDP_SILENT_IF, LLDP_SWITCH_NAME, LLDP_SWITCH_PORT,
# LLDP_SWITCH_IF, LLDP_HV_NAME, LLDP_NOCARRIER_IF.
#
# Fault actions (lab/lab.sh lldp ACTION):
#   stop_hv / kill_hv / start_hv   the hypervisor's lldpd (kill leaves a stale socket)
#   freeze_hv / thaw_hv            SIGSTOP/SIGCONT it: a hung lldpd
#   stop_sw / kill_sw / start_sw   the switch's lldpd (kill: no shutdown frame, the neighbor ages out)
#   set_port_descr [DESCR]         the switch port's description (default Ethernet1/1)
#   link_down / link_up            shut / unshut the switch port facing eth0 (swp1):
#                                  eth0 loses carrier and lldpd drops its neighbor
#   leak_start / leak_stop         a second switch port (swp1b, a macvlan on swp1,
#                                  description Ethernet1/2) sends LLDP onto eth0 too:
#                                  eth0 sees two neighbors, as with a bond leak
#   restore                        everything back to the healthy state

# shellcheck disable=SC2034 # read by lab/lab.sh through a nameref
# procps: ps finds lldpd's privilege-separated child for kill_* and freeze_hv
# (a minimal Debian 12 has no ps unless another component pulls it in).
lldp_packages=(lldpd iproute2 procps)

LLDP_DIR="$LAB_DIR/lldp"
LLDP_HV_NS=ec-lldp-hv
LLDP_SW_NS=ec-lldp-sw
LLDP_HV_IF=eth0       # hypervisor NIC cabled to the LLDP-speaking switch port
LLDP_SILENT_IF=eth1   # hypervisor NIC cabled to a port that sends no LLDP
LLDP_SWITCH_IF=swp1   # the switch's port facing eth0
LLDP_SWITCH_SILENT_IF=swp2
LLDP_NOCARRIER_IF=eth2 # hypervisor NIC whose switch port is down: no carrier
LLDP_SWITCH_DOWN_IF=swp3
LLDP_SWITCH_LEAK_IF=swp1b # leak_start: a second switch port heard on eth0
LLDP_SWITCH_LEAK_PORT=Ethernet1/2
LLDP_SWITCH_NAME=sw1.lab
LLDP_SWITCH_PORT=Ethernet1/1
LLDP_HV_NAME=hv01.lab

lldp_cli() { # ROLE ARGS...: lldpcli against one instance's socket
	local role=$1
	shift
	lldpcli -u "$LLDP_DIR/$role/lldpd.socket" "$@"
}

lldp_netns() {
	ip netns list | grep -qw "$LLDP_HV_NS" || ip netns add "$LLDP_HV_NS"
	ip netns list | grep -qw "$LLDP_SW_NS" || ip netns add "$LLDP_SW_NS"
	if ! ip -n "$LLDP_HV_NS" link show "$LLDP_HV_IF" >/dev/null 2>&1; then
		ip link add "$LLDP_HV_IF" netns "$LLDP_HV_NS" type veth peer name "$LLDP_SWITCH_IF" netns "$LLDP_SW_NS"
	fi
	if ! ip -n "$LLDP_HV_NS" link show "$LLDP_SILENT_IF" >/dev/null 2>&1; then
		ip link add "$LLDP_SILENT_IF" netns "$LLDP_HV_NS" type veth peer name "$LLDP_SWITCH_SILENT_IF" netns "$LLDP_SW_NS"
	fi
	if ! ip -n "$LLDP_HV_NS" link show "$LLDP_NOCARRIER_IF" >/dev/null 2>&1; then
		ip link add "$LLDP_NOCARRIER_IF" netns "$LLDP_HV_NS" type veth peer name "$LLDP_SWITCH_DOWN_IF" netns "$LLDP_SW_NS"
	fi
	local l
	for l in lo "$LLDP_HV_IF" "$LLDP_SILENT_IF" "$LLDP_NOCARRIER_IF"; do ip -n "$LLDP_HV_NS" link set "$l" up; done
	for l in lo "$LLDP_SWITCH_IF" "$LLDP_SWITCH_SILENT_IF"; do ip -n "$LLDP_SW_NS" link set "$l" up; done
	# The no-carrier NIC's switch port stays down (idempotent).
	ip -n "$LLDP_SW_NS" link set "$LLDP_SWITCH_DOWN_IF" down
}

# lldp_write_conf ROLE: the commands lldpd's own start-up lldpcli run applies
# before lldpd sends its first frame (lldpd stays paused until then), so no
# frame ever carries the container's hostname.
lldp_write_conf() {
	local role=$1 dir="$LLDP_DIR/$1"
	mkdir -p "$dir/run"
	if [ "$role" = sw ]; then
		cat >"$dir/lldpd.conf" <<-EOF
			configure system hostname $LLDP_SWITCH_NAME
			configure system capabilities enabled bridge
			configure lldp tx-interval 1
			configure lldp portidsubtype ifname
			configure ports $LLDP_SWITCH_IF lldp portdescription $LLDP_SWITCH_PORT
		EOF
	else
		cat >"$dir/lldpd.conf" <<-EOF
			configure system hostname $LLDP_HV_NAME
			configure lldp tx-interval 1
		EOF
	fi
}

# lldp_alive PIDFILE: like pid_alive, but a zombie (this machine's init
# reaps orphans late) counts as dead.
lldp_alive() {
	pid_alive "$1" || return 1
	local state
	state=$(awk '{print $3}' "/proc/$(cat "$1")/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

# lldp_start ROLE: start one lldpd unless it runs.
lldp_start() {
	local role=$1 dir="$LLDP_DIR/$1" ns ifaces descr
	lldp_alive "$dir/lldpd.pid" && return 0
	lldp_write_conf "$role"
	if [ "$role" = sw ]; then
		ns=$LLDP_SW_NS ifaces=$LLDP_SWITCH_IF descr="edgecheck lab switch"
	else
		ns=$LLDP_HV_NS ifaces="$LLDP_HV_IF,$LLDP_SILENT_IF,$LLDP_NOCARRIER_IF" descr="edgecheck lab hypervisor"
	fi
	# A stale socket from a killed lldpd would make the new one refuse to start.
	rm -f "$dir/lldpd.socket" "$dir/lldpd.socket.lock" "$dir/lldpd.pid"
	# shellcheck disable=SC2016 # expanded by the inner sh
	ip netns exec "$ns" sh -c 'mount --bind "$1/run" /run && shift && exec "$@"' sh "$dir" \
		lldpd -u "$dir/lldpd.socket" -p "$dir/lldpd.pid" -O "$dir/lldpd.conf" \
		-S "$descr" -I "$ifaces" 2>>"$dir/lldpd.log"
	wait_for "lldpd ($role) socket" 20 test -S "$dir/lldpd.socket"
	wait_for "lldpd ($role) pid file" 20 lldp_alive "$dir/lldpd.pid"
}

lldp_stop() { # ROLE
	stop_pidfile "$LLDP_DIR/$1/lldpd.pid"
}

# lldp_hv_sees PORT_DESCR: the hypervisor's lldpd has the switch on eth0 with
# that port description.
lldp_hv_sees() {
	lldp_cli hv -f keyvalue show neighbors ports "$LLDP_HV_IF" details 2>/dev/null |
		grep -qx "lldp.$LLDP_HV_IF.port.descr=$1"
}

lldp_up() {
	mkdir -p "$LLDP_DIR/hv" "$LLDP_DIR/sw"
	lldp_netns
	# Idempotent: a freeze_hv left behind by an interrupted test is undone,
	# or the lldpcli calls below would wait on a stopped lldpd for ever.
	lldp_signal hv CONT
	lldp_signal sw CONT
	lldp_start sw
	lldp_start hv
	# Idempotent: an earlier set_port_descr fault is undone; the port ID is
	# the switch's interface name (swp1), as on most switches, and the port
	# description is the name an inventory uses (Ethernet1/1).
	lldp_cli sw configure lldp portidsubtype ifname >/dev/null
	# Idempotent: an earlier leak_start is undone.
	lldp_leak_stop
	lldp_cli sw configure ports "$LLDP_SWITCH_IF" lldp portdescription "$LLDP_SWITCH_PORT" >/dev/null
	wait_for "the hypervisor to see $LLDP_SWITCH_NAME $LLDP_SWITCH_PORT on $LLDP_HV_IF" 30 lldp_hv_sees "$LLDP_SWITCH_PORT"
	write_env lldp \
		"LLDP_DIR=$LLDP_DIR" \
		"LLDP_SOCKET=$LLDP_DIR/hv/lldpd.socket" \
		"LLDP_SW_SOCKET=$LLDP_DIR/sw/lldpd.socket" \
		"LLDP_HV_NS=$LLDP_HV_NS" \
		"LLDP_SW_NS=$LLDP_SW_NS" \
		"LLDP_HV_IF=$LLDP_HV_IF" \
		"LLDP_SILENT_IF=$LLDP_SILENT_IF" \
		"LLDP_SWITCH_NAME=$LLDP_SWITCH_NAME" \
		"LLDP_SWITCH_PORT=$LLDP_SWITCH_PORT" \
		"LLDP_SWITCH_IF=$LLDP_SWITCH_IF" \
		"LLDP_HV_NAME=$LLDP_HV_NAME" \
		"LLDP_NOCARRIER_IF=$LLDP_NOCARRIER_IF" \
		"LLDP_SWITCH_LEAK_IF=$LLDP_SWITCH_LEAK_IF" \
		"LLDP_SWITCH_LEAK_PORT=$LLDP_SWITCH_LEAK_PORT"
}

lldp_down() {
	remove_env lldp
	lldp_stop hv
	lldp_stop sw
	ip netns list | grep -qw "$LLDP_HV_NS" && ip netns del "$LLDP_HV_NS"
	ip netns list | grep -qw "$LLDP_SW_NS" && ip netns del "$LLDP_SW_NS"
	rm -rf "$LLDP_DIR"
}

lldp_status() {
	local s=""
	lldp_alive "$LLDP_DIR/hv/lldpd.pid" && s+="lldpd(hv) " || s+="(lldpd hv down) "
	lldp_alive "$LLDP_DIR/sw/lldpd.pid" && s+="lldpd(sw)" || s+="(lldpd sw down)"
	echo "$s"
}

# Fault injection for tests and the demo.
lldp_stop_hv() { lldp_stop hv; }
# lldp_kill ROLE: SIGKILL lldpd's monitor and its privilege-separated child
# together (the child alone would notice and send a shutdown LLDPDU), so the
# neighbor only ages out and the socket file stays behind.
lldp_kill() {
	local f="$LLDP_DIR/$1/lldpd.pid" pid
	if [ -s "$f" ]; then
		pid=$(cat "$f")
		# shellcheck disable=SC2046 # one pid per word
		kill -9 $(ps -o pid= --ppid "$pid" 2>/dev/null) "$pid" 2>/dev/null || true
	fi
	rm -f "$f"
}
lldp_kill_hv() { lldp_kill hv; }
# freeze_hv / thaw_hv: SIGSTOP/SIGCONT the hypervisor lldpd and its child, a
# hung daemon: its socket still accepts, but nothing answers.
lldp_signal() { # ROLE SIGNAL
	local f="$LLDP_DIR/$1/lldpd.pid" pid
	[ -s "$f" ] || return 0
	pid=$(cat "$f")
	# shellcheck disable=SC2046 # one pid per word
	kill -"$2" $(ps -o pid= --ppid "$pid" 2>/dev/null) "$pid" 2>/dev/null || true
}
lldp_freeze_hv() { lldp_signal hv STOP; }
lldp_thaw_hv() { lldp_signal hv CONT; }
lldp_start_hv() {
	lldp_start hv
	lldp_alive "$LLDP_DIR/sw/lldpd.pid" || return 0
	wait_for "the hypervisor to see $LLDP_SWITCH_NAME on $LLDP_HV_IF" 30 lldp_hv_sees "$(lldp_port_descr)"
}
lldp_stop_sw() { lldp_stop sw; }
# kill_sw: the switch goes silent without a shutdown frame; the hypervisor's
# lldpd ages the neighbor out when its TTL (4 s here) expires.
lldp_kill_sw() { lldp_kill sw; }
lldp_start_sw() {
	lldp_start sw
	wait_for "the hypervisor to see $LLDP_SWITCH_NAME on $LLDP_HV_IF" 30 lldp_hv_sees "$LLDP_SWITCH_PORT"
}
lldp_port_descr() {
	lldp_cli sw -f keyvalue show interfaces ports "$LLDP_SWITCH_IF" 2>/dev/null |
		sed -n "s|^lldp\.$LLDP_SWITCH_IF\.port\.descr=||p"
}
lldp_set_port_descr() {
	local descr=${1:-$LLDP_SWITCH_PORT}
	lldp_cli sw configure ports "$LLDP_SWITCH_IF" lldp portdescription "$descr" >/dev/null
	wait_for "the hypervisor to see port description $descr" 30 lldp_hv_sees "$descr"
}
# link_down: the switch port facing eth0 goes down; eth0 loses carrier and
# lldpd drops its neighbor (delete_cnt +1, ageout_cnt unchanged).
lldp_link_down() { ip -n "$LLDP_SW_NS" link set "$LLDP_SWITCH_IF" down; }
lldp_link_up() {
	ip -n "$LLDP_SW_NS" link set "$LLDP_SWITCH_IF" up
	wait_for "the hypervisor to see $LLDP_SWITCH_NAME on $LLDP_HV_IF" 30 lldp_hv_sees "$(lldp_port_descr)"
}
# lldp_hv_neighbors: how many neighbors the hypervisor's lldpd has on eth0.
lldp_hv_neighbors() {
	lldp_cli hv -f keyvalue show neighbors ports "$LLDP_HV_IF" 2>/dev/null | grep -c "^lldp\.$LLDP_HV_IF\.rid=" || true
}
lldp_hv_has_neighbors() { [ "$(lldp_hv_neighbors)" = "$1" ]; }
# leak_start: the switch's lldpd also sends on swp1b, a macvlan on swp1, so
# eth0 hears two ports of sw1.lab (swp1 and swp1b), as a bond slave does
# when its peer slave's frames leak (lldpd #306) or a fabric forwards LLDP.
lldp_leak_start() {
	ip -n "$LLDP_SW_NS" link show "$LLDP_SWITCH_LEAK_IF" >/dev/null 2>&1 ||
		ip -n "$LLDP_SW_NS" link add "$LLDP_SWITCH_LEAK_IF" link "$LLDP_SWITCH_IF" type macvlan mode bridge
	ip -n "$LLDP_SW_NS" link set "$LLDP_SWITCH_LEAK_IF" up
	lldp_cli sw configure system interface pattern "$LLDP_SWITCH_IF,$LLDP_SWITCH_LEAK_IF" >/dev/null
	wait_for "the switch's lldpd to manage $LLDP_SWITCH_LEAK_IF" 20 lldp_sw_manages "$LLDP_SWITCH_LEAK_IF"
	lldp_cli sw configure ports "$LLDP_SWITCH_LEAK_IF" lldp portdescription "$LLDP_SWITCH_LEAK_PORT" >/dev/null
	wait_for "the hypervisor to see two neighbors on $LLDP_HV_IF" 30 lldp_hv_has_neighbors 2
}
lldp_sw_manages() {
	lldp_cli sw -f keyvalue show interfaces 2>/dev/null | grep -q "^lldp\.$1\.status="
}
# leak_stop: swp1b is deleted; lldpd sends a shutdown frame for it, so eth0
# is back to one neighbor.
lldp_leak_stop() {
	ip -n "$LLDP_SW_NS" link show "$LLDP_SWITCH_LEAK_IF" >/dev/null 2>&1 || return 0
	ip -n "$LLDP_SW_NS" link del "$LLDP_SWITCH_LEAK_IF"
	lldp_cli sw configure system interface pattern "$LLDP_SWITCH_IF" >/dev/null
	wait_for "the hypervisor to see one neighbor on $LLDP_HV_IF" 30 lldp_hv_has_neighbors 1
}
# restore: lldp_up brings swp1 back up and stops a leak too.
lldp_restore() { lldp_up; }
