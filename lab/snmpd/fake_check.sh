#!/bin/sh
# A stand-in for a Nagios plugin that snmpd runs through `extend`: it prints
# a plugin-style first line with perfdata, long output with a second perfdata
# block, and exits with the code given as $1. The output is fixed per code so
# tests can compare what check_snmp_extend relays with running this directly.
code=${1:-0}
case "$code" in
0) state=OK ;;
1) state=WARNING ;;
2) state=CRITICAL ;;
3) state=UNKNOWN ;;
*) state="EXIT$code" ;;
esac
printf "OVS_CONTROLLER %s - 2 of 3 targets connected, 'quoted' = kept | 'br-int_connected'=2;;1;0;3 'tcp:10.0.0.1:6653_age'=12.5s;60;300;0\n" "$state"
printf '[%s] br-int controller tcp:10.0.0.2:6653 role=other state=BACKOFF last_error="Connection refused"\n' "$state"
printf '[OK] br-ex controller tcp:10.0.0.1:6653 role=master state=ACTIVE\n'
printf '[OK] manager ptcp:6640 listening | '"'"'managers'"'"'=1;;;0\n'
exit "$code"
