#!/usr/bin/env bash
# Starts the lab, runs every comparison benchmark once (BENCHRUNS per case)
# and writes BENCHMARKS.md from the collected results.
set -euo pipefail
cd "$(dirname "$0")/.."
keep=${EDGECHECK_KEEP_LAB:-}
cleanup() { [ -n "$keep" ] || lab/lab.sh down || true; }
trap cleanup EXIT
lab/lab.sh up
source lab/lib.sh
# GNU time measures the peak RSS of each compared command.
ensure_packages time
mkdir -p bench
out=bench/results.jsonl
: > "$out"
EDGECHECK_REQUIRE_LAB=1 EDGECHECK_BENCH_OUT="$PWD/$out" \
	go test -tags 'integration bench' -p 1 -run '^$' -bench . -benchtime "${BENCHRUNS:-10x}" -timeout 60m ./... | tee bench/bench.log
if [ -d tools/benchreport ]; then
	go run ./tools/benchreport -in "$out" -out BENCHMARKS.md
fi
