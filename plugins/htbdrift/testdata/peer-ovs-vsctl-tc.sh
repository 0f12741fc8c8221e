#!/bin/sh
# The shell-out equivalent of check_htb_drift's reads, as an operator would
# script it: the port, QoS, queues and interface from OVSDB through one
# ovs-vsctl run (commands joined with --), then the root qdisc and classes
# through tc. Used as the benchmark peer. Usage: peer-ovs-vsctl-tc.sh DB PORT
set -eu
db=$1 port=$2
ovs-vsctl --db="$db" --timeout=10 --format=json \
	--columns=name,qos,interfaces list port "$port" -- \
	--columns=_uuid,type,other_config,queues list qos -- \
	--columns=_uuid,other_config list queue -- \
	--columns=name,type,ofport,link_speed,mac_in_use list interface "$port"
tc qdisc show dev "$port" root
tc class show dev "$port"
