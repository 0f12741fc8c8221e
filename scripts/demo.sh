#!/usr/bin/env bash
# The edgecheck demo: starts the lab and runs each check against it,
# healthy, failing and recovered, printing every command and its output.
#
#   scripts/demo.sh         (make demo; make build has filled bin/)
#   scripts/demo.sh down    (make demo-down) stops what the demo started
#
# Each product area is one function, demo_<area>; add yours to SECTIONS and
# its lab components to DEMO_COMPONENTS.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lab/lib.sh
source lab/lib.sh

DEMO_COMPONENTS=(ovs htb rabbitmq lldp snmpd procs nagioscfg nagios)
SECTIONS=(demo_ovs)
# demo_nagios needs every component and stays the last section.
SECTIONS+=(demo_nagios)

bold() { if [ -t 1 ]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }
section() { printf '\n'; bold "=== $* ==="; }
note() { printf '# %s\n' "$*"; }

# show CMD...: print the command, run it, print its output and exit code.
show() {
	printf '\n$ %s\n' "$*"
	local rc=0
	"$@" || rc=$?
	printf '(exit %d)\n' "$rc"
}

# wait_check SECONDS CODE CMD...: rerun CMD quietly until it exits CODE.
wait_check() {
	local secs=$1 code=$2 rc
	shift 2
	local deadline=$((SECONDS + secs))
	while :; do
		rc=0
		"$@" >/dev/null 2>&1 || rc=$?
		[ "$rc" -eq "$code" ] && return 0
		[ "$SECONDS" -ge "$deadline" ] && { note "still exit $rc after ${secs}s, showing it anyway"; return 0; }
		sleep 0.5
	done
}

lab_value() { grep "^$1=" "$LAB_DIR/env.d/$2.env" | cut -d= -f2-; }

need_bin() {
	[ -x "bin/$1" ] || die "bin/$1 is missing: run make demo (it builds first) or make build"
}

demo_ovs() {
	section "check_ovs_controller: OVS managers and bridge controllers"
	need_bin check_ovs_controller
	lab/lab.sh up ovs
	local db bridge check
	db=$(lab_value OVS_DB ovs)
	bridge=$(lab_value OVS_BRIDGE ovs)
	check=(bin/check_ovs_controller --db "$db")
	wait_check 30 0 "${check[@]}" --bridge "$bridge"

	section "1. healthy: $bridge's controller (ovs-testcontroller) is connected, the ptcp manager listens"
	show "${check[@]}"

	section "2. the controller process dies (lab/lab.sh ovs stop_controller)"
	lab/lab.sh ovs stop_controller
	wait_check 30 1 "${check[@]}" --bridge "$bridge" --grace 300
	note "inside the grace window it is WARNING: OVS restarts and failovers cause short disconnections"
	show "${check[@]}" --bridge "$bridge" --grace 300
	sleep 3
	note "disconnected for longer than --grace: CRITICAL"
	show "${check[@]}" --bridge "$bridge" --grace 2
	note "the controller comes back (lab/lab.sh ovs restart)"
	lab/lab.sh ovs restart
	wait_check 30 0 "${check[@]}" --bridge "$bridge"
	show "${check[@]}" --bridge "$bridge"

	section "3. ovs-vswitchd is killed (lab/lab.sh ovs kill_vswitchd)"
	lab/lab.sh ovs kill_vswitchd
	note "OVSDB still says connected: it is the last status ovs-vswitchd wrote"
	show ovs-vsctl --db="$db" --columns=target,is_connected,status list Controller
	wait_check 10 2 "${check[@]}" --bridge "$bridge"
	note "check_ovs_controller sees that nobody holds ovs-vswitchd's OVSDB lock: the status is stale"
	show "${check[@]}" --bridge "$bridge"

	section "4. recovery (lab/lab.sh ovs restart: ovs-testcontroller and ovs-vswitchd)"
	lab/lab.sh ovs restart
	wait_check 30 0 "${check[@]}" --bridge "$bridge"
	show "${check[@]}"

	section "5. the check's own failures are UNKNOWN with a hint"
	show bin/check_ovs_controller --db "unix:$LAB_DIR/ovs/no-such.sock"
	show bin/check_ovs_controller --db "$db" --bridge br-nope
	show bin/check_ovs_controller --grace=abc
}

# demo_nagios is the end of the operator's first hour: nagios-cfg renders the
# `lab` environment from environments/, and a real Nagios 4 runs it against
# the whole lab through all three run modes (local, NRPE, snmpd extend
# relayed by check_snmp_extend). Each fault and repair is read back from
# Nagios' own status.dat, not from plugin exit codes. tests/e2e asserts the
# same sequence.
demo_nagios() {
	section "Nagios 4 runs the configuration nagios-cfg generates for the lab"
	need_bin nagios-cfg
	lab/lab.sh up ovs htb rabbitmq lldp snmpd procs nagioscfg nagios
	local bin=$LAB_DIR/bin repo=$LAB_DIR/e2e/repo confd=$LAB_DIR/e2e/conf.d
	local status cmd nd
	status=$(lab_value NAGIOS_STATUS_FILE nagios)
	cmd=$(lab_value NAGIOS_COMMAND_FILE nagios)
	mkdir -p "$bin" && chmod 755 "$bin"
	# Copy, then rename over: a binary that a Nagios or a consumer of an
	# earlier demo still runs is busy, and only a rename may replace it.
	local f
	for f in bin/check_* bin/nagios-cfg; do
		cp "$f" "$bin/.$(basename "$f").new" && mv -f "$bin/.$(basename "$f").new" "$bin/$(basename "$f")"
	done
	go build -o "$bin/.nagiosdemo.new" ./tools/nagiosdemo && mv -f "$bin/.nagiosdemo.new" "$bin/nagiosdemo"
	nd=$bin/nagiosdemo

	note "render the whole repository, then deploy the lab server's view into a conf.d"
	rm -rf "$repo"
	show "$bin/nagios-cfg" render --inventory environments --out "$repo"
	note "every server's conf.d through the real nagios4 -v, every environment through icinga2 daemon -C"
	show "$bin/nagios-cfg" validate "$repo"
	show "$bin/nagios-cfg" deploy --hostname nagios-mixed-lab1.lab.example.net --repo "$repo" --conf-dir "$confd"

	note "agent side: the rendered NRPE command[] lines and snmpd extend lines"
	local f
	for f in "$repo"/agents/lab/lab1/nrpe/*.cfg; do cp "$f" "$(lab_value NRPE_INCLUDE_DIR nagios)/edgecheck-$(basename "$f")"; show cat "$f"; done
	lab/lab.sh nagios nrpe_reload
	# The extend lines go to the hypervisor's own snmpd (lab component nagios).
	local extend_port snmp_creds
	# The relay's --port is one of the snmp-extend service's check_command
	# arguments (each flag is its own $ARGn$).
	extend_port=$(awk '/^define service/ { m = 0; port = "" }
		$1 == "check_command" { n = split($2, a, "!"); for (i = 1; i <= n; i++) if (a[i] ~ /^--port=/) port = substr(a[i], 8) }
		$1 == "_EDGECHECK_RUN_MODE" && $2 == "snmp-extend" { m = 1 }
		/^}/ && m && port != "" { print port; exit }' \
		"$repo/environments/lab/lab1/services.cfg")
	snmp_creds=$(lab_value HV_SNMP_CREDENTIALS nagios)
	if [ "$extend_port" != "$(lab_value HV_SNMP_PORT nagios)" ]; then
		note "the lab inventory sends snmp-extend queries to port $extend_port, not the hypervisor snmpd on $(lab_value HV_SNMP_PORT nagios): those services stay UNKNOWN"
		snmp_creds=$(lab_value SNMP_V2_CREDENTIALS snmpd)
	fi
	for f in "$repo"/agents/lab/lab1/snmpd/*.conf; do
		[ -e "$f" ] || continue
		cp "$f" "$(lab_value HV_SNMP_EXTEND_DIR nagios)/edgecheck-$(basename "$f")"
		show cat "$f"
	done
	lab/lab.sh nagios hv_snmpd_reload

	note "the check_ovs_kmod fixture host tree, and nova-compute's queue with a consumer"
	rm -rf "$LAB_DIR/kmod-root"
	cp -a plugins/ovskmod/testdata/debian-match/root "$LAB_DIR/kmod-root"
	local amqp_url
	amqp_url=$(lab_value RABBITMQ_AMQP_URL rabbitmq)
	stop_pidfile "$LAB_DIR/nagios/demo-consumer.pid"
	"$nd" queue -url "$amqp_url" -queue compute.hv01 consume &
	echo $! >"$LAB_DIR/nagios/demo-consumer.pid"

	note "\$USER2\$ is the edgecheck plugin directory, \$USER5\$/\$USER6\$ the secrets (resource.cfg)"
	lab/lab.sh nagios resource "USER2=$bin" "USER5=$(lab_value RABBITMQ_CREDENTIALS_FILE rabbitmq)" "USER6=$snmp_creds"
	lab/lab.sh nagios start "$confd"

	section "1. the first results, from Nagios' status.dat"
	"$nd" wait -status "$status" -cmd "$cmd" -state OK -timeout 90s || note "not every service is OK yet"
	show "$nd" table -status "$status"

	section "2. one fault per check, as Nagios sees it"
	nagios_fault hv01.lab ovs_controller CRITICAL "the OpenFlow controller dies (via NRPE)" lab/lab.sh ovs stop_controller
	nagios_fault hv01.lab ovs_kmod CRITICAL "the next-boot kernel has no openvswitch module (via snmpd extend)" demo_kmod_pending
	nagios_fault hv01.lab htb_drift CRITICAL "someone changes a tc class by hand" lab/lab.sh htb change_class 1 5mbit 80mbit
	nagios_fault hv01.lab lldp_uplinks CRITICAL "lldpd stops" lab/lab.sh lldp stop_hv
	nagios_fault hv01.lab nova_compute_queue CRITICAL "a backlog builds on compute.hv01" "$nd" queue -url "$amqp_url" -queue compute.hv01 publish 1200
	nagios_fault sw1.lab trunk_vlans WARNING,CRITICAL "the switch port loses a VLAN" lab/lab.sh snmpd remove_vlan 210
	nagios_fault hv01.lab uplink_interfaces WARNING,CRITICAL "an uplink goes down" lab/lab.sh snmpd link_down
	nagios_fault xs01.lab sdn_daemons CRITICAL "ovs-xapi-sync (python3 SCRIPT) dies on the XenServer dom0" lab/lab.sh procs kill ovs-xapi-sync
	nagios_fault hv01.lab sdn_daemons CRITICAL "nova-compute dies, leaving a zombie that does not count" lab/lab.sh procs zombie nova-compute
	show "$nd" table -status "$status"
	nagios_fault sw1.lab switch_interfaces UNKNOWN "the switch's SNMP agent dies: its state is unknown, not critical" lab/lab.sh snmpd stop
	show "$nd" table -status "$status"

	section "3. repairs, and Nagios sees every service recover"
	# Every repair runs, even when one fails, so the lab is never left broken.
	local repair
	for repair in "lab/lab.sh ovs restart" demo_kmod_repair "lab/lab.sh htb reset" "lab/lab.sh lldp start_hv" \
		"$nd queue -url $amqp_url -queue compute.hv01 purge" "lab/lab.sh snmpd start" "lab/lab.sh snmpd restore_vlans" "lab/lab.sh snmpd link_up" \
		"lab/lab.sh procs start ovs-xapi-sync" "lab/lab.sh procs start nova-compute"; do
		note "$repair"
		$repair >/dev/null || note "repair failed: $repair"
	done
	"$nd" wait -status "$status" -cmd "$cmd" -state OK -timeout 120s || note "not every service recovered yet"
	show "$nd" table -status "$status"
}

# nagios_fault HOST SERVICE STATES WHAT CMD...: induce a fault with CMD and
# show the service's state once Nagios has it.
nagios_fault() {
	local host=$1 svc=$2 want=$3 what=$4
	shift 4
	printf '\n'
	note "$what: $*"
	"$@" >/dev/null || note "could not induce the fault: $*"
	"$LAB_DIR/bin/nagiosdemo" wait -status "$(lab_value NAGIOS_STATUS_FILE nagios)" -cmd "$(lab_value NAGIOS_COMMAND_FILE nagios)" \
		-host "$host" -service "$svc" -state "$want" -timeout 90s || note "Nagios does not show $want for $host/$svc yet"
}

demo_kmod_repair() { ln -sfn boot/vmlinuz-6.1.0-18-amd64 "$LAB_DIR/kmod-root/vmlinuz"; }

demo_kmod_pending() {
	mkdir -p "$LAB_DIR/kmod-root/lib/modules/6.1.0-99-amd64"
	: >"$LAB_DIR/kmod-root/boot/vmlinuz-6.1.0-99-amd64"
	ln -sfn boot/vmlinuz-6.1.0-99-amd64 "$LAB_DIR/kmod-root/vmlinuz"
}

demo_down() {
	local i
	for ((i = ${#DEMO_COMPONENTS[@]} - 1; i >= 0; i--)); do
		lab/lab.sh down "${DEMO_COMPONENTS[i]}"
	done
}

case "${1:-up}" in
down) demo_down ;;
up)
	for s in "${SECTIONS[@]}"; do "$s"; done
	printf '\n'
	note "the lab keeps running; make demo-down stops it"
	;;
*) die "usage: scripts/demo.sh [down]" ;;
esac
