#!/bin/sh
# Benchmark peer for check_snmp_vlans: the same reads with snmpwalk and the
# bitmap decoding in awk. Usage: bench_peer.sh HOST:PORT COMMUNITY IFNAME LIST
set -e
a=$1 c=$2 port=$3 expect=$4
ifindex=$(snmpwalk -v2c -c "$c" -On -Oq "$a" .1.3.6.1.2.1.31.1.1.1.1 | awk -v n="\"$port\"" '$2 == n { k = split($1, p, "."); print p[k]; exit }')
[ -n "$ifindex" ] || { echo "UNKNOWN - no interface $port"; exit 3; }
bport=$(snmpwalk -v2c -c "$c" -On -Oq "$a" .1.3.6.1.2.1.17.1.4.1.2 | awk -v i="$ifindex" '$2 == i { k = split($1, p, "."); print p[k]; exit }')
[ -n "$bport" ] || { echo "UNKNOWN - $port is not a bridge port"; exit 3; }
snmpwalk -v2c -c "$c" -On -Oqx "$a" .1.3.6.1.2.1.17.7.1.4.2.1.4 | awk -v bp="$bport" -v expect="$expect" '
function hexval(h) { return index("0123456789ABCDEF", toupper(h)) - 1 }
BEGIN {
	n = split(expect, parts, ",")
	for (i = 1; i <= n; i++) {
		if (split(parts[i], r, "-") == 2) { for (v = r[1] + 0; v <= r[2] + 0; v++) want[v] = 1 } else want[parts[i] + 0] = 1
	}
}
{
	k = split($1, p, "."); vlan = p[k] + 0
	line = $0; sub(/^[^"]*"/, "", line); gsub(/[" ]/, "", line)
	byte = int((bp - 1) / 8); bit = (bp - 1) % 8
	h = substr(line, byte * 2 + 1, 2)
	if (h == "") next
	val = hexval(substr(h, 1, 1)) * 16 + hexval(substr(h, 2, 1))
	if (int(val / 2 ^ (7 - bit)) % 2 == 1) car[vlan] = 1
}
END {
	for (v in want) if (!(v in car)) { miss = miss " " v; nm++ }
	for (v in car) if (!(v in want)) { extra = extra " " v; ne++ }
	if (nm > 0) { print "CRITICAL - missing:" miss " extra:" extra; exit 2 }
	if (ne > 0) { print "WARNING - extra:" extra; exit 1 }
	print "OK - all expected VLANs"
}'
