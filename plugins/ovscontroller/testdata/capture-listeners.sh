#!/usr/bin/env bash
# Captures listeners.json from the real lab OVS (lab/lab.sh up ovs) without
# stopping anything: the reply to query.json when
#   - a manager ptcp:16696:127.0.0.1 cannot bind (the port is held by another
#     process: "listen failed: Address already in use", no bound_port),
#   - a punix: manager is bound (ovsdb-server reports no bound_port for punix),
#   - bridge br-ecfix has a passive controller ptcp:16694:127.0.0.1 (OVS
#     reports role [] and status {} for passive controllers) and a controller
#     tcp:127.0.0.1:16695 that accepts TCP and never sends an OpenFlow hello
#     (never connected: sec_since_disconnect without sec_since_connect).
# It removes what it added.
#
#   plugins/ovscontroller/testdata/capture-listeners.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${EDGECHECK_LAB_DIR:-/tmp/edgecheck-lab}/ovs"
db="unix:$dir/db.sock"
export OVS_RUNDIR="$dir"
vsctl() { ovs-vsctl --db="$db" --timeout=10 "$@"; }
pids=()
hold() { # PORT: accept and never answer
	python3 -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); conns=[]
while True: conns.append(s.accept()[0])' "$1" &
	pids+=($!)
}
cleanup() {
	for t in ptcp:16696:127.0.0.1 "punix:$dir/ecfix-mgr.sock"; do
		id=$(vsctl --bare --columns=_uuid find Manager "target=\"$t\"" || true)
		[ -n "$id" ] && vsctl remove Open_vSwitch . manager_options "$id" || true
	done
	vsctl --if-exists del-br br-ecfix || true
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
hold 16696 || exit 1
hold 16695
for port in 16696 16695; do # wait until both holders listen
	for _ in $(seq 100); do ss -ltn "sport = :$port" | grep -q LISTEN && break; sleep 0.1; done
	ss -ltn "sport = :$port" | grep -q LISTEN || { echo "port $port is not held (taken?)" >&2; exit 1; }
done
for t in ptcp:16696:127.0.0.1 "punix:$dir/ecfix-mgr.sock"; do
	vsctl -- --id=@m create Manager "target=\"$t\"" -- add Open_vSwitch . manager_options @m >/dev/null
done
vsctl --may-exist add-br br-ecfix -- set bridge br-ecfix datapath_type=netdev \
	-- set-controller br-ecfix ptcp:16694:127.0.0.1 tcp:127.0.0.1:16695
for _ in $(seq 150); do
	vsctl --bare --columns=status find controller 'target="tcp:127.0.0.1:16695"' | grep -q sec_since_disconnect && break
	sleep 0.1
done
sleep 1
reply=$(ovsdb-client transact "$db" "$(cat "$here/query.json")")
comment="lab OVS plus: manager ptcp:16696:127.0.0.1 whose port another process holds; a bound punix manager; br-ecfix with passive controller ptcp:16694:127.0.0.1 and tcp:127.0.0.1:16695, which accepts TCP and never sends an OpenFlow hello"
printf '{\n  "comment": %s,\n  "lock_held": true,\n  "reply": %s\n}\n' \
	"$(printf '%s' "$comment" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')" "$reply" |
	python3 -m json.tool --indent 1 >"$here/listeners.json"
echo "captured listeners.json"
