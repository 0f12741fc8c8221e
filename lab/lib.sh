# shellcheck shell=bash
# Shared helpers for the lab components. Sourced by lab/lab.sh; every
# component script under lab/components/ may use these.

set -euo pipefail

# LAB_DIR holds every run directory, pid file, socket and log of the lab, so
# it never touches a system OVS, RabbitMQ or snmpd.
LAB_DIR="${EDGECHECK_LAB_DIR:-/tmp/edgecheck-lab}"
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export LAB_DIR REPO_DIR

log() { printf 'lab: %s\n' "$*" >&2; }
die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

# ensure_packages installs the Debian packages that are missing, and only
# those, so a second run costs one dpkg-query. Services are kept from
# auto-starting during the install: the lab starts its own instances on
# private ports and directories.
ensure_packages() {
	local missing=() p
	for p in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$p")
		fi
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	log "installing ${missing[*]}"
	local created_policy=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		created_policy=1
	fi
	local stamp=/var/lib/apt/periodic/edgecheck-update-stamp
	if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +360 2>/dev/null)" ]; then
		DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
		mkdir -p "$(dirname "$stamp")" && touch "$stamp"
	fi
	# Some packages (nagios-plugins-rabbitmq) fail their postinst on machines
	# without an init system although their files are installed; the
	# component that needs them verifies the file it uses.
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
		DEBIAN_FRONTEND=noninteractive dpkg --configure -a >/dev/null 2>&1 || true
	[ -n "$created_policy" ] && rm -f /usr/sbin/policy-rc.d
	# A package whose maintainer script failed is "half-configured" but its
	# files are on disk, which is all the lab needs; anything else failed.
	for p in "${missing[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -Eq '^install ok (installed|half-configured|unpacked)$' ||
			die "package $p did not install (see apt-get install $p)"
	done
}

# ensure_go_tool installs a pinned Go tool into GOBIN when it is missing.
ensure_go_tool() {
	local bin=$1 pkg=$2
	local gobin
	gobin="$(go env GOPATH)/bin"
	[ -x "$gobin/$bin" ] && return 0
	log "installing $pkg"
	GOBIN="$gobin" go install "$pkg"
}

# wait_for NAME SECONDS CMD...: poll until CMD succeeds.
wait_for() {
	local what=$1 secs=$2
	shift 2
	local deadline=$((SECONDS + secs))
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$deadline" ] && die "timed out after ${secs}s waiting for $what"
		sleep 0.2
	done
}

# port_open PORT: something listens on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pid_alive PIDFILE
pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop_pidfile PIDFILE [SECONDS]: TERM, then KILL after the grace time.
stop_pidfile() {
	local f=$1 grace=${2:-5} pid
	[ -s "$f" ] || return 0
	pid=$(cat "$f")
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		local deadline=$((SECONDS + grace))
		while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$f"
}

# write_env COMPONENT KEY=VALUE...: publish how tests reach a component.
# Tests read $LAB_DIR/env.d/*.env through shared/labtest.
write_env() {
	local comp=$1
	shift
	mkdir -p "$LAB_DIR/env.d"
	printf '%s\n' "$@" > "$LAB_DIR/env.d/$comp.env.tmp"
	mv "$LAB_DIR/env.d/$comp.env.tmp" "$LAB_DIR/env.d/$comp.env"
}

remove_env() { rm -f "$LAB_DIR/env.d/$1.env"; }
