#!/bin/sh
# The per-object shell-out form of check_htb_drift's reads, as monitoring
# scripts usually do it: ovs-vsctl get for the port's QoS, the QoS, each
# queue and the interface, then tc for the qdisc and classes. Used as the
# second benchmark peer. Usage: peer-per-object.sh DB PORT
set -eu
db=$1 port=$2
vsctl() { ovs-vsctl --db="$db" --timeout=10 "$@"; }
qos=$(vsctl get port "$port" qos)
vsctl get qos "$qos" type other_config
for q in $(vsctl get qos "$qos" queues | tr -d '{}' | tr ',' '\n' | sed 's/.*=//'); do
	vsctl get queue "$q" other_config
done
vsctl get interface "$port" mtu link_speed
tc qdisc show dev "$port" root
tc class show dev "$port"
