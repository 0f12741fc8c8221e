#!/usr/bin/env bash
# Re-captures the fixtures in this directory from the real lab OVS
# (lab/lab.sh up ovs): the exact transaction check_ovs_controller sends
# (query.json), answered by ovsdb-server, in each scenario. It creates and
# deletes its own bridges and its own ovs-testcontroller, and for stale.json
# it kills the lab's ovs-vswitchd and restarts it.
#
#   plugins/ovscontroller/testdata/capture.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
lab="$repo/lab/lab.sh"
dir="${EDGECHECK_LAB_DIR:-/tmp/edgecheck-lab}/ovs"
db="unix:$dir/db.sock"
export OVS_RUNDIR="$dir"
vsctl() { ovs-vsctl --db="$db" --timeout=10 "$@"; }
port=16691

capture() { # NAME LOCK_HELD COMMENT
	local reply
	reply=$(ovsdb-client transact "$db" "$(cat "$here/query.json")")
	printf '{\n  "comment": %s,\n  "lock_held": %s,\n  "reply": %s\n}\n' \
		"$(printf '%s' "$3" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')" "$2" "$reply" \
		| python3 -m json.tool --indent 1 > "$here/$1.json"
	echo "captured $1.json"
}

cleanup() {
	vsctl --if-exists del-br br-ecfix -- --if-exists del-br br-ecnone || true
	[ -s "$dir/fixture-controller.pid" ] && kill "$(cat "$dir/fixture-controller.pid")" 2>/dev/null || true
	rm -f "$dir/fixture-controller.pid"
	"$lab" ovs restart >/dev/null
}
trap cleanup EXIT

wait_until() { local i; for i in $(seq 100); do "$@" && return 0; sleep 0.1; done; echo "timed out: $*" >&2; return 1; }
connected() { [ "$(vsctl --bare --columns=is_connected find controller "target=\"$1\"")" = "true" ]; }
has_status() { [ "$(vsctl --bare --columns=status find controller "target=\"$1\"")" != "" ]; }
has_key() { vsctl --bare --columns=status find controller "target=\"$1\"" | grep -q "$2"; }

# healthy: the lab as it is, br-lab's controller connected.
wait_until connected "tcp:127.0.0.1:16653"
capture healthy true "lab as started by lab/lab.sh up ovs: br-lab connected to ovs-testcontroller, a ptcp manager"

# nostatus: a controller added a moment ago, before ovs-vswitchd reports on it.
vsctl --may-exist add-br br-ecfix -- set bridge br-ecfix datapath_type=netdev -- set-controller br-ecfix "tcp:127.0.0.1:$port"
capture nostatus true "br-ecfix: set-controller tcp:127.0.0.1:$port and captured at once, before ovs-vswitchd wrote its status"

# unreachable: nothing listens on port 1; plus a passive controller target
# and a bridge without any controller.
vsctl set-controller br-ecfix tcp:127.0.0.1:1 "ptcp:$((port + 1)):127.0.0.1" -- --may-exist add-br br-ecnone -- set bridge br-ecnone datapath_type=netdev
wait_until has_key tcp:127.0.0.1:1 last_error
capture unreachable true "br-ecfix: tcp:127.0.0.1:1 never connected (nothing listens) and a ptcp listener; br-ecnone has no controller"
vsctl del-br br-ecnone

# disconnected: br-ecfix connected to its own ovs-testcontroller, which is
# then killed, so the status has sec_since_disconnect.
ovs-testcontroller "ptcp:$port:127.0.0.1" --pidfile="$dir/fixture-controller.pid" --detach -vconsole:off --unixctl="$dir/fixture-controller.ctl"
vsctl set-controller br-ecfix "tcp:127.0.0.1:$port"
wait_until connected "tcp:127.0.0.1:$port"
sleep 2
kill "$(cat "$dir/fixture-controller.pid")"
wait_until has_key "tcp:127.0.0.1:$port" sec_since_disconnect
sleep 1.5
capture disconnected true "br-ecfix: was connected to its own ovs-testcontroller, which was then killed"
vsctl del-br br-ecfix

# stale: ovs-vswitchd killed with SIGKILL; OVSDB still says connected.
"$lab" ovs kill_vswitchd
capture stale false "lab/lab.sh ovs kill_vswitchd: br-lab's controller status is the last one ovs-vswitchd wrote"
