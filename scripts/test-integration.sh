#!/usr/bin/env bash
# Starts the whole lab, runs every integration test against it and always
# stops the lab again. EDGECHECK_REQUIRE_LAB=1 turns a missing lab value into
# a failure, so no integration test can pass by skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
keep=${EDGECHECK_KEEP_LAB:-}
cleanup() { [ -n "$keep" ] || lab/lab.sh down || true; }
trap cleanup EXIT
lab/lab.sh up
# -p 1: the integration tests share the lab and inject faults into it.
EDGECHECK_REQUIRE_LAB=1 go test -tags integration -p 1 -count=1 -run 'Integration' -timeout 40m ./...
