#!/bin/sh
# A stand-in for a Nagios plugin that dies of a signal, as the OOM killer or
# a crash would end it: killed_check.sh SIGNAL [print]. With `print` it first
# prints a CRITICAL line with perfdata, as a plugin that was killed while
# writing its long output would.
sig=${1:-KILL}
if [ "${2:-}" = print ]; then
	printf "OVS_CONTROLLER CRITICAL - 1 of 3 targets connected | 'connected'=1;;;0;3\n"
fi
kill -s "$sig" $$
sleep 5
