#!/bin/sh
# Benchmark peer for check_snmp_extend: the shell way to relay a net-snmp
# extend, one snmpget for nsExtendResult and nsExtendOutputFull, and sed to
# unquote the output. Usage: bench_peer.sh HOST:PORT COMMUNITY NAME-INDEX
set -e
res=$(snmpget -v2c -c "$2" -On -Oqv "$1" ".1.3.6.1.4.1.8072.1.3.2.3.1.4.$3" ".1.3.6.1.4.1.8072.1.3.2.3.1.2.$3")
rc=$(printf '%s\n' "$res" | head -n 1)
printf '%s\n' "$res" | sed -e '1d' -e '2s/^"//' -e '$s/"$//' -e 's/\\"/"/g'
exit "$rc"
