# shellcheck shell=bash
# nagios-cfg validation: the real nagios4 and icinga2 binaries that
# `nagios-cfg validate` runs (`nagios4 -v`, `icinga2 daemon -C`) on rendered
# configuration, and visudo (package sudo) for the rendered sudoers
# drop-ins. Nothing is started: `up` only verifies the binaries and
# publishes where they are.
#
# Published: NAGIOS4_BIN, ICINGA2_BIN, VISUDO_BIN.

nagioscfg_packages=(nagios4-core icinga2-bin sudo)

nagioscfg_find() { # NAME: the binary's path, from PATH or /usr/sbin
	local p
	p=$(command -v "$1" 2>/dev/null || true)
	[ -n "$p" ] || p="/usr/sbin/$1"
	[ -x "$p" ] || die "$1 not found after installing ${nagioscfg_packages[*]}"
	echo "$p"
}

nagioscfg_up() {
	local nagios icinga visudo
	nagios=$(nagioscfg_find nagios4)
	icinga=$(nagioscfg_find icinga2)
	visudo=$(nagioscfg_find visudo)
	"$icinga" --version >/dev/null 2>&1 || die "$icinga --version failed"
	write_env nagioscfg "NAGIOS4_BIN=$nagios" "ICINGA2_BIN=$icinga" "VISUDO_BIN=$visudo"
}

nagioscfg_down() { remove_env nagioscfg; }

nagioscfg_status() {
	if [ -s "$LAB_DIR/env.d/nagioscfg.env" ]; then
		tr '\n' ' ' <"$LAB_DIR/env.d/nagioscfg.env"
		echo
	else
		echo "(not up)"
	fi
}
