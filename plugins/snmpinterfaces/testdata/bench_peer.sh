#!/bin/sh
# Benchmark peer for check_snmp_interfaces: snmpwalk for the names, one
# snmpget for status and counters, awk for the rates against the previous
# run's values. Usage: bench_peer.sh HOST:PORT COMMUNITY REGEX STATEFILE
set -e
a=$1 c=$2 re=$3 state=$4
idx=$(snmpwalk -v2c -c "$c" -On -Oq "$a" .1.3.6.1.2.1.31.1.1.1.1 | awk -v re="$re" '{ n = $2; gsub(/"/, "", n); if (n ~ re) { k = split($1, p, "."); printf "%s ", p[k] } }')
[ -n "$idx" ] || { echo "UNKNOWN - no interface matches $re"; exit 3; }
oids=.1.3.6.1.2.1.1.3.0
for i in $idx; do
	for col in 2.2.1.7 2.2.1.8 31.1.1.1.6 31.1.1.1.10 31.1.1.1.15 2.2.1.14 2.2.1.20 2.2.1.13 2.2.1.19; do
		oids="$oids .1.3.6.1.2.1.$col.$i"
	done
done
now=$(date +%s.%N)
# shellcheck disable=SC2086
snmpget -v2c -c "$c" -On -Oqt "$a" $oids | sed "s/^/$now /" > "$state.new"
[ -s "$state" ] || cp "$state.new" "$state"
awk '
FNR == NR { prev[$2] = $3; ptime = $1; next }
{
	now = $1; oid = $2; cur[oid] = $3
	k = split(oid, p, "."); i = p[k]
	if (oid ~ /^\.1\.3\.6\.1\.2\.1\.2\.2\.1\.7\./) ifs[i] = 1
}
END {
	code = 0
	for (i in ifs) {
		a = cur[".1.3.6.1.2.1.2.2.1.7." i]; o = cur[".1.3.6.1.2.1.2.2.1.8." i]
		if (a == 1 && o != 1) code = 2
		dt = now - ptime
		inb = ".1.3.6.1.2.1.31.1.1.1.6." i; outb = ".1.3.6.1.2.1.31.1.1.1.10." i
		if (ptime == "" || !(inb in prev) || dt <= 0) { printf "ifIndex %s admin %s oper %s initialising\n", i, a, o; continue }
		printf "ifIndex %s admin %s oper %s in %.0f b/s out %.0f b/s\n", i, a, o, (cur[inb] - prev[inb]) * 8 / dt, (cur[outb] - prev[outb]) * 8 / dt
	}
	exit code
}' "$state" "$state.new"
mv "$state.new" "$state"
