# shellcheck shell=bash
# RabbitMQ: a private rabbitmq-server node with rabbitmq_management, on
# loopback high ports, with its own node name, Erlang cookie, epmd port and
# data under $LAB_DIR/rabbitmq, so it never meets a system broker.
#
# It creates vhost `nova`, a monitoring user `edgecheck-monitor` (tag
# monitoring, read-only permissions) whose credentials file is 0600, and an
# administrator `edgecheck-lab` that tests use to declare queues and publish
# backlogs over AMQP.
#
# Published: RABBITMQ_URL, RABBITMQ_AMQP_URL, RABBITMQ_VHOST,
# RABBITMQ_CREDENTIALS_FILE, RABBITMQ_ADMIN_CREDENTIALS_FILE,
# RABBITMQ_MONITOR_USER, RABBITMQ_ADMIN_USER, RABBITMQ_AMQP_PORT,
# RABBITMQ_MGMT_PORT, RABBITMQ_NODENAME, RABBITMQ_DIR, RABBITMQ_PEER_CHECK.
#
# Fault actions: lab/lab.sh rabbitmq stop | start | restart; and
# lab/lab.sh rabbitmq ctl ARGS... runs rabbitmqctl against the lab node;
# lab/lab.sh rabbitmq stats_off restarts the node with
# management.disable_stats = true and management.enable_queue_totals = true
# (the management guide's "no statistics, but queue totals"), stats_on
# restarts it as normal again; stats_interval [MS] sets the statistics
# interval of the queues declared next (the benchmarks use 5000).

# shellcheck disable=SC2034 # read by lab.sh through a nameref
rabbitmq_packages=(rabbitmq-server iproute2 nagios-plugins-rabbitmq libmonitoring-plugin-perl libwww-perl libjson-perl liburi-perl)

RABBITMQ_DIR="$LAB_DIR/rabbitmq"
RABBITMQ_AMQP_PORT="${EDGECHECK_RABBITMQ_AMQP_PORT:-15673}"
RABBITMQ_MGMT_PORT="${EDGECHECK_RABBITMQ_MGMT_PORT:-15680}"
RABBITMQ_DIST_PORT_LAB="${EDGECHECK_RABBITMQ_DIST_PORT:-15681}"
RABBITMQ_EPMD_PORT="${EDGECHECK_RABBITMQ_EPMD_PORT:-15682}"
RABBITMQ_NODE_LAB="edgecheck-lab@localhost"
RABBITMQ_LAB_VHOST=nova
RABBITMQ_MONITOR_USER=edgecheck-monitor
RABBITMQ_ADMIN_USER=edgecheck-lab
RABBITMQ_SBIN=/usr/lib/rabbitmq/bin

# rabbitmq_env points the server and every CLI tool at the private node.
# HOME decides which Erlang cookie the CLI tools use. It is only ever called
# inside a subshell, so that the lab's other components, which run in the
# same lab.sh process, never inherit HOME or the Erlang settings.
rabbitmq_env() {
	export HOME="$RABBITMQ_DIR/home"
	export RABBITMQ_NODENAME="$RABBITMQ_NODE_LAB"
	export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
	export RABBITMQ_NODE_PORT="$RABBITMQ_AMQP_PORT"
	export RABBITMQ_DIST_PORT="$RABBITMQ_DIST_PORT_LAB"
	# Erlang distribution listens on every interface unless told otherwise.
	export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
	export ERL_EPMD_PORT="$RABBITMQ_EPMD_PORT"
	export ERL_EPMD_ADDRESS=127.0.0.1
	export RABBITMQ_CONF_ENV_FILE="$RABBITMQ_DIR/rabbitmq-env.conf"
	export RABBITMQ_CONFIG_FILE="$RABBITMQ_DIR/rabbitmq.conf"
	export RABBITMQ_ADVANCED_CONFIG_FILE="$RABBITMQ_DIR/advanced.config"
	export RABBITMQ_ENABLED_PLUGINS_FILE="$RABBITMQ_DIR/enabled_plugins"
	export RABBITMQ_MNESIA_BASE="$RABBITMQ_DIR/mnesia"
	export RABBITMQ_LOG_BASE="$RABBITMQ_DIR/log"
	# The broker writes its Erlang VM's pid here; launcher.pid is the
	# rabbitmq-server script that lab starts (it turns TERM into a clean stop).
	export RABBITMQ_PID_FILE="$RABBITMQ_DIR/beam.pid"
	unset RABBITMQ_ALLOW_INPUT
}

rabbitmq_ctl() { (rabbitmq_env && exec "$RABBITMQ_SBIN/rabbitmqctl" -n "$RABBITMQ_NODE_LAB" "$@"); }

rabbitmq_write_config() {
	mkdir -p "$RABBITMQ_DIR/home" "$RABBITMQ_DIR/mnesia" "$RABBITMQ_DIR/log"
	chmod 700 "$RABBITMQ_DIR" "$RABBITMQ_DIR/home"
	if [ ! -s "$RABBITMQ_DIR/home/.erlang.cookie" ]; then
		head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F > "$RABBITMQ_DIR/home/.erlang.cookie"
	fi
	chmod 400 "$RABBITMQ_DIR/home/.erlang.cookie"
	# An empty env file keeps /etc/rabbitmq/rabbitmq-env.conf out.
	: > "$RABBITMQ_DIR/rabbitmq-env.conf"
	cat > "$RABBITMQ_DIR/rabbitmq.conf" <<EOF
listeners.tcp.1 = 127.0.0.1:$RABBITMQ_AMQP_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $RABBITMQ_MGMT_PORT
# Faster stats so that message rates appear within seconds in tests.
collect_statistics_interval = 1000
# The lab publishes tens of thousands of messages on a small disk.
disk_free_limit.absolute = 50MB
vm_memory_high_watermark.relative = 0.6
log.file.level = warning
log.console = false
EOF
	# Extra settings of a fault action (stats_off), kept across restarts
	# until the action that undoes it.
	if [ -s "$RABBITMQ_DIR/extra.conf" ]; then cat "$RABBITMQ_DIR/extra.conf" >> "$RABBITMQ_DIR/rabbitmq.conf"; fi
	echo '[rabbitmq_management].' > "$RABBITMQ_DIR/enabled_plugins"
	if [ ! -e "$RABBITMQ_DIR/advanced.config" ]; then echo '[].' > "$RABBITMQ_DIR/advanced.config"; fi
}

# rabbitmq_secret FILE USER: the 0600 credentials file, created once so that
# `up` is idempotent and a restarted broker keeps the same password.
rabbitmq_secret() {
	local f=$1 user=$2
	if [ ! -s "$f" ]; then
		local pw
		pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=\n')
		(umask 077 && printf 'username: %s\npassword: %s\n' "$user" "$pw" > "$f.tmp" && mv "$f.tmp" "$f")
	fi
	chmod 600 "$f"
	sed -n 's/^password: //p' "$f"
}

rabbitmq_running() { pid_alive "$RABBITMQ_DIR/launcher.pid" || pid_alive "$RABBITMQ_DIR/beam.pid"; }

rabbitmq_start() {
	rabbitmq_write_config
	if ! rabbitmq_running; then
		# setsid: the broker outlives this shell and the test that restarts it.
		(
			rabbitmq_env
			setsid "$RABBITMQ_SBIN/rabbitmq-server" >>"$RABBITMQ_DIR/log/startup.log" 2>&1 </dev/null &
			echo $! > "$RABBITMQ_DIR/launcher.pid"
		)
	fi
	# Erlang boot, Mnesia and the management plugin take 5-30 s on a busy
	# machine; await_startup returns once the node has fully booted.
	local deadline=$((SECONDS + 120))
	until rabbitmq_ctl --timeout 10 await_startup >/dev/null 2>&1; do
		if ! rabbitmq_running; then
			tail -n 30 "$RABBITMQ_DIR/log/startup.log" >&2 || true
			die "rabbitmq-server exited during startup (see $RABBITMQ_DIR/log)"
		fi
		[ "$SECONDS" -ge "$deadline" ] && die "rabbitmq-server did not boot within 120s (see $RABBITMQ_DIR/log)"
		sleep 1
	done
	wait_for "RabbitMQ management on port $RABBITMQ_MGMT_PORT" 60 port_open "$RABBITMQ_MGMT_PORT"
	wait_for "RabbitMQ AMQP on port $RABBITMQ_AMQP_PORT" 60 port_open "$RABBITMQ_AMQP_PORT"
}

rabbitmq_verify_peer() {
	# The package's postinst may fail without an init system; its perl
	# script is what the benchmark needs, so prove that it runs.
	[ -x /usr/lib/nagios/plugins/check_rabbitmq_queue ] || [ -x /usr/bin/check_rabbitmq_queue ] ||
		die "nagios-plugins-rabbitmq did not install check_rabbitmq_queue"
	local peer
	peer=$(rabbitmq_peer_path)
	perl -c "$peer" >/dev/null 2>&1 || die "$peer does not compile: $(perl -c "$peer" 2>&1 | head -3)"
}

rabbitmq_peer_path() {
	if [ -x /usr/lib/nagios/plugins/check_rabbitmq_queue ]; then
		echo /usr/lib/nagios/plugins/check_rabbitmq_queue
	else
		echo /usr/bin/check_rabbitmq_queue
	fi
}

rabbitmq_up() {
	mkdir -p "$RABBITMQ_DIR"
	rabbitmq_start
	local mon_pw admin_pw u pw
	mon_pw=$(rabbitmq_secret "$RABBITMQ_DIR/monitor.yaml" "$RABBITMQ_MONITOR_USER")
	admin_pw=$(rabbitmq_secret "$RABBITMQ_DIR/admin.yaml" "$RABBITMQ_ADMIN_USER")
	rabbitmq_ctl list_vhosts -q --no-table-headers | grep -qx "$RABBITMQ_LAB_VHOST" ||
		rabbitmq_ctl add_vhost "$RABBITMQ_LAB_VHOST" >/dev/null
	for u in "$RABBITMQ_MONITOR_USER:$mon_pw" "$RABBITMQ_ADMIN_USER:$admin_pw"; do
		pw=${u#*:}
		u=${u%%:*}
		if rabbitmq_ctl list_users -q --no-table-headers | awk '{print $1}' | grep -qx "$u"; then
			rabbitmq_ctl change_password "$u" "$pw" >/dev/null
		else
			rabbitmq_ctl add_user "$u" "$pw" >/dev/null
		fi
	done
	rabbitmq_ctl set_user_tags "$RABBITMQ_MONITOR_USER" monitoring >/dev/null
	rabbitmq_ctl set_user_tags "$RABBITMQ_ADMIN_USER" administrator >/dev/null
	local vh
	for vh in / "$RABBITMQ_LAB_VHOST"; do
		# Monitoring needs to see the vhost's queues, not to touch them.
		rabbitmq_ctl set_permissions -p "$vh" "$RABBITMQ_MONITOR_USER" '^$' '^$' '^$' >/dev/null
		rabbitmq_ctl set_permissions -p "$vh" "$RABBITMQ_ADMIN_USER" '.*' '.*' '.*' >/dev/null
	done
	rabbitmq_ctl list_users -q --no-table-headers | awk '{print $1}' | grep -qx guest &&
		rabbitmq_ctl delete_user guest >/dev/null
	rabbitmq_verify_peer
	write_env rabbitmq \
		"RABBITMQ_URL=http://127.0.0.1:$RABBITMQ_MGMT_PORT" \
		"RABBITMQ_AMQP_URL=amqp://$RABBITMQ_ADMIN_USER:$admin_pw@127.0.0.1:$RABBITMQ_AMQP_PORT/$RABBITMQ_LAB_VHOST" \
		"RABBITMQ_AMQP_PORT=$RABBITMQ_AMQP_PORT" \
		"RABBITMQ_MGMT_PORT=$RABBITMQ_MGMT_PORT" \
		"RABBITMQ_VHOST=$RABBITMQ_LAB_VHOST" \
		"RABBITMQ_CREDENTIALS_FILE=$RABBITMQ_DIR/monitor.yaml" \
		"RABBITMQ_MONITOR_USER=$RABBITMQ_MONITOR_USER" \
		"RABBITMQ_ADMIN_CREDENTIALS_FILE=$RABBITMQ_DIR/admin.yaml" \
		"RABBITMQ_ADMIN_USER=$RABBITMQ_ADMIN_USER" \
		"RABBITMQ_NODENAME=$RABBITMQ_NODE_LAB" \
		"RABBITMQ_DIR=$RABBITMQ_DIR" \
		"RABBITMQ_PEER_CHECK=$(rabbitmq_peer_path)"
}

rabbitmq_stop() {
	if rabbitmq_running; then
		rabbitmq_ctl --timeout 30 stop >/dev/null 2>&1 || true
		stop_pidfile "$RABBITMQ_DIR/launcher.pid" 20
		stop_pidfile "$RABBITMQ_DIR/beam.pid" 10
	fi
	rm -f "$RABBITMQ_DIR/launcher.pid" "$RABBITMQ_DIR/beam.pid"
	# The node's own epmd on the private port; only ours, by port.
	local epmd_pid
	epmd_pid=$(ss -ltnpH "sport = :$RABBITMQ_EPMD_PORT" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
	if [ -n "$epmd_pid" ]; then kill "$epmd_pid" 2>/dev/null || true; fi
}

rabbitmq_restart() { rabbitmq_stop; rabbitmq_start; }

rabbitmq_stats_off() {
	printf '%s\n' "management.disable_stats = true" "management.enable_queue_totals = true" > "$RABBITMQ_DIR/extra.conf"
	rabbitmq_restart
}

# stats_interval [MS]: the statistics interval of the queues declared from
# now on (a queue keeps the one it started with); without MS, the lab's
# 1000 ms again. The lab's 1 s (for rates within seconds in tests) makes a
# broker with 12,000 queues spend most of two cores on statistics; the
# benchmarks declare their queues with RabbitMQ's default, 5000 ms.
rabbitmq_stats_interval() {
	local ms=${1:-1000}
	[[ $ms =~ ^[0-9]+$ ]] || die "usage: stats_interval [MILLISECONDS]"
	rabbitmq_ctl eval "application:set_env(rabbit, collect_statistics_interval, $ms)." >/dev/null
}

rabbitmq_stats_on() {
	rm -f "$RABBITMQ_DIR/extra.conf"
	rabbitmq_restart
}

rabbitmq_down() {
	remove_env rabbitmq
	rabbitmq_stop
	rm -rf "$RABBITMQ_DIR"
}

rabbitmq_status() {
	if rabbitmq_running; then
		if port_open "$RABBITMQ_MGMT_PORT"; then
			echo "rabbitmq-server $RABBITMQ_NODE_LAB (amqp :$RABBITMQ_AMQP_PORT, management :$RABBITMQ_MGMT_PORT)"
		else
			echo "rabbitmq-server starting (management :$RABBITMQ_MGMT_PORT not open yet)"
		fi
	else
		echo "(rabbitmq-server down)"
	fi
}
