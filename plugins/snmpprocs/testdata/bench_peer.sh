#!/bin/sh
# Benchmark peer for check_snmp_procs: the shell way to count daemons over
# SNMP. snmpwalk of hrSWRunName, hrSWRunPath, hrSWRunParameters,
# hrSWRunStatus, hrSWRunPerfCPU and hrSWRunPerfMem, then grep and awk for the
# same selection as the check: hrSWRunName equal to NAME, else the base name
# of hrSWRunPath, else of the first non-option word of hrSWRunParameters;
# zombies (hrSWRunStatus invalid, 4) do not count. Exits 2 when a NAME has
# no process. Usage: bench_peer.sh HOST:PORT COMMUNITY NAME...
set -e
a=$1 c=$2
shift 2
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
for col in 4.2.1.2 4.2.1.4 4.2.1.5 4.2.1.7 5.1.1.1 5.1.1.2; do
	snmpwalk -v2c -c "$c" -On -Oq "$a" ".1.3.6.1.2.1.25.$col" | grep "^\.1\.3\.6\.1\.2\.1\.25\.$col\." >"$t/$col" || true
done
code=0
for name in "$@"; do
	awk -v name="$name" '
	function idx(oid,   p, k) { k = split(oid, p, "."); return p[k] }
	function val(line) { sub(/^[^ ]+ /, "", line); gsub(/^"|"$/, "", line); return line }
	function base(s,   p, k) { k = split(s, p, "/"); return p[k] }
	FILENAME ~ /4\.2\.1\.2$/ { n[idx($1)] = val($0) }
	FILENAME ~ /4\.2\.1\.4$/ { path[idx($1)] = val($0) }
	FILENAME ~ /4\.2\.1\.5$/ { split(val($0), w, " "); s = ""; for (i = 1; i in w; i++) if (w[i] !~ /^-/) { s = w[i]; break }; script[idx($1)] = s; delete w }
	FILENAME ~ /4\.2\.1\.7$/ { st[idx($1)] = $2 }
	FILENAME ~ /5\.1\.1\.1$/ { cpu[idx($1)] = $2 }
	FILENAME ~ /5\.1\.1\.2$/ { mem[idx($1)] = $2 }
	END {
		for (i in n) {
			if (st[i] == 4) continue
			if (n[i] == name || base(path[i]) == name || (script[i] != "" && base(script[i]) == name)) { count++; m += mem[i]; u += cpu[i] }
		}
		printf "%s count %d mem %dKB cpu %dc\n", name, count, m, u
		exit count < 1 ? 2 : 0
	}' "$t/4.2.1.2" "$t/4.2.1.4" "$t/4.2.1.5" "$t/4.2.1.7" "$t/5.1.1.1" "$t/5.1.1.2" || code=2
done
exit "$code"
