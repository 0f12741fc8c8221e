# shellcheck shell=bash
# nagios-cfg validation: the real nagios4 and icinga2 binaries that
# `nagios-cfg validate` runs (`nagios4 -v`, `icinga2 daemon -C`) on rendered
# configuration, and visudo (package sudo) for the rendered sudoers
# drop-ins; and the agents the argv round-trip test
# (nagios-cfg/roundtrip) starts privately with the rendered snippets: NRPE
# with check_nrpe, and snmpd with snmpget. Nothing is started: `up` only
# verifies the binaries and publishes where they are.
#
# Published: NAGIOS4_BIN, ICINGA2_BIN, VISUDO_BIN, NRPE_BIN, CHECK_NRPE_BIN,
# SNMPD_BIN, SNMPGET_BIN.

nagioscfg_packages=(nagios4-core icinga2-bin sudo nagios-nrpe-server nagios-nrpe-plugin snmpd snmp)

nagioscfg_find() { # NAME: the binary's path, from PATH or /usr/sbin
	local p
	p=$(command -v "$1" 2>/dev/null || true)
	[ -n "$p" ] || p="/usr/sbin/$1"
	[ -x "$p" ] || die "$1 not found after installing ${nagioscfg_packages[*]}"
	echo "$p"
}

nagioscfg_up() {
	local nagios icinga visudo nrpe snmpd snmpget check_nrpe=/usr/lib/nagios/plugins/check_nrpe
	nagios=$(nagioscfg_find nagios4)
	icinga=$(nagioscfg_find icinga2)
	visudo=$(nagioscfg_find visudo)
	nrpe=$(nagioscfg_find nrpe)
	snmpd=$(nagioscfg_find snmpd)
	snmpget=$(nagioscfg_find snmpget)
	[ -x "$check_nrpe" ] || die "$check_nrpe not found after installing ${nagioscfg_packages[*]}"
	"$icinga" --version >/dev/null 2>&1 || die "$icinga --version failed"
	write_env nagioscfg "NAGIOS4_BIN=$nagios" "ICINGA2_BIN=$icinga" "VISUDO_BIN=$visudo" \
		"NRPE_BIN=$nrpe" "CHECK_NRPE_BIN=$check_nrpe" "SNMPD_BIN=$snmpd" "SNMPGET_BIN=$snmpget"
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
