# shellcheck shell=bash
# linux-htb QoS on a veth port of the OVS lab (needs the ovs component).
# ovs-vswitchd with the userspace (netdev) datapath still programs tc on a
# system (kernel) port through netdev-linux, so the kernel's htb qdisc and
# classes on veth-htb0 are OVS's own, exactly as on a kernel-datapath host.
#
#   veth-htb0 (port on br-lab, carries the QoS)  <->  veth-htb1 (peer, up)
#   veth-vm0  (port on br-lab, plays a VM's VIF) <->  veth-vm1  (peer, up)
#
# QoS linux-htb max-rate 100 Mbit/s with queues 0, 1, 7 and 13947 (class
# 1:367c). Queue 7 is deliberately out of range (min below the MTU, max above
# the parent) so that tests see OVS's clamping.
# veth-htb2 (port, MTU 9000) carries a QoS without max-rate and without queue
# 0, queues 5 (min-rate below the MTU) and 6 (max-rate only): OVS's defaults.
# Published: HTB_PORT, HTB_PEER, HTB_PORT2, HTB_VIF, HTB_VIF_IP, HTB_FLOW_BRIDGE,
# HTB_OFCTL_TARGET, HTB_MAX_RATE, HTB_QUEUES, HTB_QUEUE_<id>_MIN/_MAX,
# HTB_OF10_BRIDGE, HTB_OF10_PORT, HTB_OF10_VIF (made only by the of10_up action).

# shellcheck disable=SC2034 # read by lab/lab.sh through a nameref
htb_packages=(openvswitch-switch iproute2)

HTB_PORT=veth-htb0
HTB_PEER=veth-htb1
HTB_VIF=veth-vm0
HTB_VIF_PEER=veth-vm1
HTB_VIF_IP=10.99.0.5
HTB_MAX_RATE=100000000
# id:min-rate:max-rate (bits/s)
HTB_QUEUE_SPEC=(0:10000000:50000000 1:20000000:80000000 7:1000:200000000 13947:5000000:30000000)
HTB_COOKIE=0xedc0
# A second port exercises OVS's defaults: MTU 9000, a QoS without max-rate
# (OVS uses the link speed) and no queue 0 (OVS adds a default queue 0).
HTB_PORT2=veth-htb2
HTB_PEER2=veth-htb3
HTB_QUEUE_SPEC2=(5:1000: 6::3000000)
# An OpenFlow 1.0 setup (as for POX/Floodlight 1.x controllers), made on
# demand by of10_up and removed by of10_down: bridge br-of10 with
# protocols=OpenFlow10, uplink veth-of10u with a linux-htb QoS (queue 1,
# 5-30 Mbit/s) and VIF veth-of10v, sent to queue 1 by enqueue:veth-of10u:1.
HTB_OF10_BRIDGE=br-of10
HTB_OF10_PORT=veth-of10u
HTB_OF10_VIF=veth-of10v

htb_ofctl() { ovs_env; ovs-ofctl -O OpenFlow13 "$@"; }
htb_target() { echo "unix:$OVS_DIR/br-lab.mgmt"; }

htb_veth() {
	ip link show "$1" >/dev/null 2>&1 || ip link add "$1" type veth peer name "$2"
	ip link set "$1" up
	ip link set "$2" up
}

htb_classes_ready() { tc class show dev "$HTB_PORT" classid 1:367c | grep -q htb; }
htb_classes2_ready() { tc class show dev "$HTB_PORT2" classid 1:7 | grep -q htb; }

# htb_create_qos PORT MAX-RATE SPEC...: a linux-htb QoS with one queue per
# id:min:max spec (an empty rate is left unset).
htb_create_qos() {
	local port=$1 maxrate=$2
	shift 2
	local args=() ids=() spec id min max qargs
	for spec in "$@"; do
		IFS=: read -r id min max <<<"$spec"
		ids+=("queues:$id=@q$id")
		qargs=()
		[ -n "$min" ] && qargs+=("other-config:min-rate=$min")
		[ -n "$max" ] && qargs+=("other-config:max-rate=$max")
		args+=(-- "--id=@q$id" create queue "${qargs[@]}" external-ids:edgecheck=htb)
	done
	local qos=(type=linux-htb external-ids:edgecheck=htb)
	[ -n "$maxrate" ] && qos+=("other-config:max-rate=$maxrate")
	ovs_vsctl -- set port "$port" qos=@qos \
		-- --id=@qos create qos "${qos[@]}" "${ids[@]}" "${args[@]}" >/dev/null
}

htb_up() {
	pid_alive "$OVS_DIR/ovs-vswitchd.pid" || die "the htb component needs the ovs component: lab/lab.sh up ovs htb"
	htb_veth "$HTB_PORT" "$HTB_PEER"
	htb_veth "$HTB_VIF" "$HTB_VIF_PEER"
	htb_veth "$HTB_PORT2" "$HTB_PEER2"
	ip link set "$HTB_PORT2" mtu 9000
	ip link set "$HTB_PEER2" mtu 9000
	ovs_vsctl --may-exist add-port br-lab "$HTB_PORT"
	ovs_vsctl --may-exist add-port br-lab "$HTB_VIF"
	ovs_vsctl --may-exist add-port br-lab "$HTB_PORT2"
	if [ -z "$(ovs_vsctl --if-exists get port "$HTB_PORT" qos | tr -d '[]')" ]; then
		htb_create_qos "$HTB_PORT" "$HTB_MAX_RATE" "${HTB_QUEUE_SPEC[@]}"
	else
		# Idempotent: a tc fault or flow an interrupted test left behind is
		# undone, so up always returns to the healthy lab.
		htb_reset
	fi
	if [ -z "$(ovs_vsctl --if-exists get port "$HTB_PORT2" qos | tr -d '[]')" ]; then
		htb_create_qos "$HTB_PORT2" "" "${HTB_QUEUE_SPEC2[@]}"
	fi
	wait_for "OVS to program htb on $HTB_PORT" 30 htb_classes_ready
	wait_for "OVS to program htb on $HTB_PORT2" 30 htb_classes2_ready
	local vals=() spec id min max ids=()
	for spec in "${HTB_QUEUE_SPEC[@]}"; do
		IFS=: read -r id min max <<<"$spec"
		ids+=("$id")
		vals+=("HTB_QUEUE_${id}_MIN=$min" "HTB_QUEUE_${id}_MAX=$max")
	done
	write_env htb \
		"HTB_PORT=$HTB_PORT" "HTB_PEER=$HTB_PEER" "HTB_VIF=$HTB_VIF" "HTB_VIF_IP=$HTB_VIF_IP" "HTB_PORT2=$HTB_PORT2" \
		"HTB_FLOW_BRIDGE=br-lab" "HTB_OFCTL_TARGET=$(htb_target)" \
		"HTB_OF10_BRIDGE=$HTB_OF10_BRIDGE" "HTB_OF10_PORT=$HTB_OF10_PORT" "HTB_OF10_VIF=$HTB_OF10_VIF" \
		"HTB_MAX_RATE=$HTB_MAX_RATE" "HTB_QUEUES=$(IFS=,; echo "${ids[*]}")" "${vals[@]}"
}

htb_down() {
	remove_env htb
	htb_of10_down
	if pid_alive "$OVS_DIR/ovsdb-server.pid"; then
		htb_ofctl del-flows br-lab "cookie=$HTB_COOKIE/-1" 2>/dev/null || true
		ovs_vsctl --if-exists del-port br-lab "$HTB_PORT" 2>/dev/null || true
		ovs_vsctl --if-exists del-port br-lab "$HTB_VIF" 2>/dev/null || true
		ovs_vsctl --if-exists del-port br-lab "$HTB_PORT2" 2>/dev/null || true
		local t u
		for t in qos queue; do
			for u in $(ovs_vsctl --bare --columns=_uuid find "$t" external_ids:edgecheck=htb 2>/dev/null); do
				ovs_vsctl destroy "$t" "$u" 2>/dev/null || true
			done
		done
	fi
	ip link del "$HTB_PORT" 2>/dev/null || true
	ip link del "$HTB_VIF" 2>/dev/null || true
	ip link del "$HTB_PORT2" 2>/dev/null || true
}

htb_status() {
	if ip link show "$HTB_PORT" >/dev/null 2>&1; then
		echo "$HTB_PORT: $(tc qdisc show dev "$HTB_PORT" root | awk '{print $2}') qdisc, $(tc class show dev "$HTB_PORT" | grep -c htb) htb classes"
	else
		echo "($HTB_PORT absent)"
	fi
}

# Fault injection. Queue ids map to classes 1:<hex(id+1)>, as in OVS.
htb_classid() { printf '1:%x' "$(($1 + 1))"; }

# change_class QUEUE RATE CEIL: change a class behind OVS's back (tc units, e.g. 5Mbit).
htb_change_class() { tc class change dev "$HTB_PORT" parent 1:fffe classid "$(htb_classid "$1")" htb rate "$2" ceil "$3"; }
# del_class QUEUE
htb_del_class() { tc class del dev "$HTB_PORT" classid "$(htb_classid "$1")"; }
# add_class MINOR RATE CEIL: a hand-made bucket OVSDB does not know (MINOR in hex).
htb_add_class() { tc class add dev "$HTB_PORT" parent 1:fffe classid "1:$1" htb rate "$2" ceil "$3"; }
# replace_qdisc [KIND]: replace the root qdisc (default pfifo).
htb_replace_qdisc() { tc qdisc replace dev "$HTB_PORT" root "${1:-pfifo}"; }
# flow_vif QUEUE: send the VIF's traffic to QUEUE.
htb_flow_vif() { htb_ofctl add-flow br-lab "cookie=$HTB_COOKIE,priority=300,in_port=$HTB_VIF,actions=set_queue:$1,NORMAL"; }
# flow_ip IP QUEUE: send traffic from IP to QUEUE.
htb_flow_ip() { htb_ofctl add-flow br-lab "cookie=$HTB_COOKIE,priority=310,ip,nw_src=$1,actions=set_queue:$2,NORMAL"; }
# del_flows: remove the flows the actions above added.
htb_del_flows() { htb_ofctl del-flows br-lab "cookie=$HTB_COOKIE/-1"; }
# reset: make OVS re-apply its QoS: drop whatever qdisc is there, detach
# the QoS (OVS resets the port to the default qdisc) and attach it again.
htb_reset() {
	local qos
	qos=$(ovs_vsctl get port "$HTB_PORT" qos)
	htb_del_flows 2>/dev/null || true
	if [ "$qos" = "[]" ]; then
		htb_create_qos "$HTB_PORT" "$HTB_MAX_RATE" "${HTB_QUEUE_SPEC[@]}"
	else
		ovs_vsctl clear port "$HTB_PORT" qos
		tc qdisc del dev "$HTB_PORT" root 2>/dev/null || true
		ovs_vsctl set port "$HTB_PORT" "qos=$qos"
	fi
	wait_for "OVS to re-program htb on $HTB_PORT" 30 htb_classes_ready
	# OVS also re-creates the classes; wait until every queue is back.
	local spec id
	for spec in "${HTB_QUEUE_SPEC[@]}"; do
		id=${spec%%:*}
		wait_for "class $(htb_classid "$id")" 30 tc_class_present "$(htb_classid "$id")"
	done
	[ "$(tc class show dev "$HTB_PORT" | grep -c htb)" -eq $((${#HTB_QUEUE_SPEC[@]} + 1)) ] ||
		die "after reset $HTB_PORT has unexpected classes: $(tc class show dev "$HTB_PORT")"
}
tc_class_present() { tc class show dev "$HTB_PORT" classid "$1" | grep -q htb; }

# of10_up [PROTOCOLS]: the OpenFlow 1.0 bridge (see HTB_OF10_BRIDGE above),
# limited to PROTOCOLS (default OpenFlow10; e.g. OpenFlow10,OpenFlow13). Its
# flow is added with OpenFlow 1.0's enqueue action.
htb_of10_up() {
	local protocols=${1:-OpenFlow10}
	htb_of10_down
	htb_veth "$HTB_OF10_PORT" "$HTB_OF10_PORT-p"
	htb_veth "$HTB_OF10_VIF" "$HTB_OF10_VIF-p"
	ovs_vsctl add-br "$HTB_OF10_BRIDGE" -- set bridge "$HTB_OF10_BRIDGE" datapath_type=netdev "protocols=$protocols" \
		-- add-port "$HTB_OF10_BRIDGE" "$HTB_OF10_PORT" -- add-port "$HTB_OF10_BRIDGE" "$HTB_OF10_VIF"
	htb_create_qos "$HTB_OF10_PORT" 100000000 1:5000000:30000000
	wait_for "OVS to program htb on $HTB_OF10_PORT" 30 htb_of10_ready
	htb_of10_ofctl add-flow "$HTB_OF10_BRIDGE" "cookie=$HTB_COOKIE,priority=300,in_port=$HTB_OF10_VIF,actions=enqueue:$HTB_OF10_PORT:1"
}
# of10_protocols PROTOCOLS: change the OpenFlow versions br-of10 accepts.
htb_of10_protocols() { ovs_vsctl set bridge "$HTB_OF10_BRIDGE" "protocols=$1"; }
# of10_down: remove the OpenFlow 1.0 bridge, its ports and its QoS.
htb_of10_down() {
	if pid_alive "$OVS_DIR/ovsdb-server.pid"; then
		local qos
		qos=$(ovs_vsctl --if-exists get port "$HTB_OF10_PORT" qos 2>/dev/null | tr -d '[]')
		ovs_vsctl --if-exists del-br "$HTB_OF10_BRIDGE" 2>/dev/null || true
		if [ -n "$qos" ]; then
			local q
			for q in $(ovs_vsctl --bare get qos "$qos" queues 2>/dev/null | tr -d '{}' | tr ',' ' ' | sed 's/[0-9]*=//g'); do
				ovs_vsctl destroy queue "$q" 2>/dev/null || true
			done
			ovs_vsctl destroy qos "$qos" 2>/dev/null || true
		fi
	fi
	ip link del "$HTB_OF10_PORT" 2>/dev/null || true
	ip link del "$HTB_OF10_VIF" 2>/dev/null || true
}
htb_of10_ready() { tc class show dev "$HTB_OF10_PORT" classid 1:2 | grep -q htb; }
# The versions ovs-ofctl offers: whatever br-of10 accepts.
htb_of10_ofctl() {
	ovs_env
	ovs-ofctl -O "$(ovs_vsctl get bridge "$HTB_OF10_BRIDGE" protocols | tr -d '[]" ')" "$@"
}
