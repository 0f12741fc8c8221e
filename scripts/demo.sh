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

DEMO_COMPONENTS=(ovs)
SECTIONS=(demo_ovs)

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
