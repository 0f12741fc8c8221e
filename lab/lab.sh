#!/usr/bin/env bash
# The edgecheck lab: real daemons from Debian's packages, on loopback and in
# network namespaces, under $EDGECHECK_LAB_DIR (default /tmp/edgecheck-lab).
#
#   lab/lab.sh up [COMPONENT...]       install what is missing, start (all by default)
#   lab/lab.sh down [COMPONENT...]     stop and clean up (all by default, reverse order)
#   lab/lab.sh status                  one line per component
#   lab/lab.sh install [COMPONENT...]  install packages only
#   lab/lab.sh COMPONENT ACTION [ARG...]  a component's own action (e.g. ovs kill-vswitchd)
#
# Each component is lab/components/NN-NAME.sh and defines NAME_packages (an
# array), NAME_up, NAME_down, NAME_status and any NAME_<action> it offers.
set -euo pipefail
# shellcheck source=lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COMPONENTS=()
for f in "$REPO_DIR"/lab/components/[0-9][0-9]-*.sh; do
	# shellcheck source=/dev/null
	source "$f"
	n=$(basename "$f" .sh)
	COMPONENTS+=("${n#[0-9][0-9]-}")
done

has_component() { local c; for c in "${COMPONENTS[@]}"; do [ "$c" = "$1" ] && return 0; done; return 1; }

selected() {
	if [ "$#" -eq 0 ]; then printf '%s\n' "${COMPONENTS[@]}"; return; fi
	local c
	for c in "$@"; do has_component "$c" || die "unknown component $c (have: ${COMPONENTS[*]})"; echo "$c"; done
}

packages_of() { local -n arr="${1}_packages"; printf '%s\n' "${arr[@]}"; }

cmd=${1:-status}
shift || true
mkdir -p "$LAB_DIR"
case "$cmd" in
install)
	mapfile -t comps < <(selected "$@")
	pkgs=()
	for c in "${comps[@]}"; do mapfile -t -O "${#pkgs[@]}" pkgs < <(packages_of "$c"); done
	ensure_packages "${pkgs[@]}"
	;;
up)
	mapfile -t comps < <(selected "$@")
	pkgs=()
	for c in "${comps[@]}"; do mapfile -t -O "${#pkgs[@]}" pkgs < <(packages_of "$c"); done
	ensure_packages "${pkgs[@]}"
	for c in "${comps[@]}"; do log "starting $c"; "${c}_up"; done
	;;
down)
	mapfile -t comps < <(selected "$@")
	for ((i = ${#comps[@]} - 1; i >= 0; i--)); do log "stopping ${comps[i]}"; "${comps[i]}_down" || true; done
	;;
status)
	for c in "${COMPONENTS[@]}"; do printf '%-10s %s\n' "$c" "$("${c}_status" 2>&1 || true)"; done
	;;
*)
	has_component "$cmd" || die "unknown command or component $cmd"
	action=${1:-status}
	shift || true
	declare -F "${cmd}_${action}" >/dev/null || die "component $cmd has no action $action"
	"${cmd}_${action}" "$@"
	;;
esac
