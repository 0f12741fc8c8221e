#!/usr/bin/env bash
# Captures the lldpcli output the unit tests replay, from the lab
# (lab/lab.sh up lldp). Each NAME.out is the stdout of exactly the lldpcli
# run check_lldp makes: `lldpcli -u SOCKET -f json0` reading its three
# commands from stdin. NAME.err is lldpcli's stderr and NAME.rc its exit code.
#
#   plugins/lldp/testdata/capture.sh healthy
#   lab/lab.sh lldp set_port_descr Ethernet1/7; capture.sh port-changed; lab/lab.sh lldp restore
#   lab/lab.sh lldp stop_sw; sleep 6; capture.sh no-neighbors; lab/lab.sh lldp start_sw
#   lab/lab.sh lldp kill_sw; sleep 8; capture.sh aged-out; lab/lab.sh lldp start_sw
#   lab/lab.sh lldp stop_hv; capture.sh stopped; lab/lab.sh lldp start_hv
#   lab/lab.sh lldp kill_hv; sleep 1; capture.sh refused; lab/lab.sh lldp start_hv
#   lldpcli -u SOCKET configure ports eth1 lldp status tx-only; capture.sh tx-only
#   lldpcli -u SOCKET configure ports eth1 lldp status rx-and-tx
set -euo pipefail
name=${1:?usage: capture.sh NAME}
dir=$(cd "$(dirname "$0")" && pwd)
socket=$(sed -n 's/^LLDP_SOCKET=//p' "${EDGECHECK_LAB_DIR:-/tmp/edgecheck-lab}/env.d/lldp.env")
rc=0
printf 'show neighbors details\nshow interfaces\nshow statistics\n' |
	lldpcli -u "$socket" -f json0 >"$dir/$name.out" 2>"$dir/$name.err" || rc=$?
echo "$rc" >"$dir/$name.rc"
# The socket path is the lab's; tests see the one they pass.
sed -i "s|$socket|/run/lldpd.socket|g" "$dir/$name.err"
echo "captured $name (exit $rc)"
