#!/bin/sh
# edgecheck postinst: /var/lib/edgecheck holds the state of checks that
# learn between runs (check_rabbitmq_queues --baseline-file). It belongs to
# nagios, the user NRPE and Icinga 2 run checks as on Debian. dpkg gives it
# to root when nagios did not exist at unpack time, so the owner is applied
# here again whenever the user exists (e.g. after nagios-nrpe-server).
set -e
if [ "$1" = configure ] && getent passwd nagios >/dev/null 2>&1; then
	chown nagios:nagios /var/lib/edgecheck
	chmod 0750 /var/lib/edgecheck
fi
exit 0
