# shellcheck shell=bash
# OVS in userspace: a private ovsdb-server and ovs-vswitchd (netdev datapath),
# bridge br-lab, and ovs-testcontroller serving br-lab's controller.
# Published: OVS_DB, OVS_DIR, OVS_BRIDGE, OVS_CONTROLLER_TARGET,
# OVS_MANAGER_TARGET, OVS_CONTROLLER_PORT.

# shellcheck disable=SC2034 # read by lab/lab.sh through a nameref
ovs_packages=(openvswitch-switch openvswitch-testcontroller iproute2)

OVS_DIR="$LAB_DIR/ovs"
OVS_CONTROLLER_PORT="${EDGECHECK_OVS_CONTROLLER_PORT:-16653}"
OVS_MANAGER_PORT="${EDGECHECK_OVS_MANAGER_PORT:-16640}"

# ovs_env points every OVS tool at the private run directory so nothing
# touches a system OVS in /var/run/openvswitch.
ovs_env() {
	export OVS_RUNDIR="$OVS_DIR" OVS_LOGDIR="$OVS_DIR" OVS_DBDIR="$OVS_DIR" OVS_SYSCONFDIR="$OVS_DIR"
}

ovs_vsctl() { ovs_env; ovs-vsctl --db="unix:$OVS_DIR/db.sock" --timeout=10 "$@"; }

ovs_start_ovsdb() {
	ovs_env
	pid_alive "$OVS_DIR/ovsdb-server.pid" && return 0
	ovsdb-server "$OVS_DIR/conf.db" \
		--remote="punix:$OVS_DIR/db.sock" \
		--remote=db:Open_vSwitch,Open_vSwitch,manager_options \
		--pidfile="$OVS_DIR/ovsdb-server.pid" --detach \
		--log-file="$OVS_DIR/ovsdb-server.log" -vconsole:off 2>>"$OVS_DIR/start.log" \
		--unixctl="$OVS_DIR/ovsdb-server.ctl"
	wait_for "ovsdb-server socket" 20 test -S "$OVS_DIR/db.sock"
}

ovs_start_vswitchd() {
	ovs_env
	pid_alive "$OVS_DIR/ovs-vswitchd.pid" && return 0
	ovs-vswitchd "unix:$OVS_DIR/db.sock" \
		--pidfile="$OVS_DIR/ovs-vswitchd.pid" --detach \
		--log-file="$OVS_DIR/ovs-vswitchd.log" -vconsole:off 2>>"$OVS_DIR/start.log" \
		--unixctl="$OVS_DIR/ovs-vswitchd.ctl"
	wait_for "ovs-vswitchd control socket" 20 test -S "$OVS_DIR/ovs-vswitchd.ctl"
}

ovs_start_controller() {
	pid_alive "$OVS_DIR/ovs-testcontroller.pid" && return 0
	ovs_env
	ovs-testcontroller "ptcp:$OVS_CONTROLLER_PORT:127.0.0.1" \
		--pidfile="$OVS_DIR/ovs-testcontroller.pid" --detach \
		--log-file="$OVS_DIR/ovs-testcontroller.log" -vconsole:off 2>>"$OVS_DIR/start.log" \
		--unixctl="$OVS_DIR/ovs-testcontroller.ctl"
	wait_for "ovs-testcontroller on port $OVS_CONTROLLER_PORT" 20 port_open "$OVS_CONTROLLER_PORT"
}

ovs_up() {
	mkdir -p "$OVS_DIR"
	ovs_env
	if [ ! -e "$OVS_DIR/conf.db" ]; then
		ovsdb-tool create "$OVS_DIR/conf.db" /usr/share/openvswitch/vswitch.ovsschema
	fi
	ovs_start_ovsdb
	ovs_vsctl --no-wait init
	ovs_start_controller
	ovs_start_vswitchd
	# Idempotent: the database is the lab's own, so any other bridge is a
	# leftover of an interrupted test, and its unreachable controller would
	# make every unfiltered check run CRITICAL.
	local br
	for br in $(ovs_vsctl list-br); do
		[ "$br" = br-lab ] || ovs_vsctl --if-exists del-br "$br"
	done
	ovs_vsctl --may-exist add-br br-lab -- set bridge br-lab datapath_type=netdev
	ovs_vsctl set-controller br-lab "tcp:127.0.0.1:$OVS_CONTROLLER_PORT"
	ovs_vsctl set-manager "ptcp:$OVS_MANAGER_PORT:127.0.0.1"
	wait_for "br-lab controller to connect" 30 ovs_controller_connected br-lab
	write_env ovs \
		"OVS_DB=unix:$OVS_DIR/db.sock" \
		"OVS_DIR=$OVS_DIR" \
		"OVS_BRIDGE=br-lab" \
		"OVS_CONTROLLER_TARGET=tcp:127.0.0.1:$OVS_CONTROLLER_PORT" \
		"OVS_CONTROLLER_PORT=$OVS_CONTROLLER_PORT" \
		"OVS_MANAGER_TARGET=ptcp:$OVS_MANAGER_PORT:127.0.0.1"
}

ovs_controller_connected() {
	[ "$(ovs_vsctl --columns=is_connected --bare find controller "target=\"tcp:127.0.0.1:$OVS_CONTROLLER_PORT\"" | head -1)" = "true" ]
}

ovs_down() {
	remove_env ovs
	stop_pidfile "$OVS_DIR/ovs-vswitchd.pid"
	stop_pidfile "$OVS_DIR/ovs-testcontroller.pid"
	stop_pidfile "$OVS_DIR/ovsdb-server.pid"
	rm -rf "$OVS_DIR"
}

ovs_status() {
	local s=""
	pid_alive "$OVS_DIR/ovsdb-server.pid" && s+="ovsdb-server " || s+="(ovsdb-server down) "
	pid_alive "$OVS_DIR/ovs-vswitchd.pid" && s+="ovs-vswitchd " || s+="(ovs-vswitchd down) "
	pid_alive "$OVS_DIR/ovs-testcontroller.pid" && s+="ovs-testcontroller" || s+="(ovs-testcontroller down)"
	echo "$s"
}

# Fault injection for tests and the demo.
ovs_kill_vswitchd() { [ -s "$OVS_DIR/ovs-vswitchd.pid" ] && kill -9 "$(cat "$OVS_DIR/ovs-vswitchd.pid")" 2>/dev/null; rm -f "$OVS_DIR/ovs-vswitchd.pid"; }
ovs_start_vswitchd_action() { ovs_start_vswitchd; }
ovs_stop_controller() { stop_pidfile "$OVS_DIR/ovs-testcontroller.pid"; }
ovs_restart() { ovs_start_controller; ovs_start_vswitchd; wait_for "br-lab controller to connect" 30 ovs_controller_connected br-lab; }
ovs_vsctl_action() { ovs_vsctl "$@"; }
