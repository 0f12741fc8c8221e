#!/usr/bin/env bash
# Installs what building and linting need: the Go modules pinned in go.sum
# and staticcheck. Idempotent: a second run costs a few stat calls.
set -euo pipefail
cd "$(dirname "$0")/.."
source lab/lib.sh
command -v go >/dev/null || die "Go is not installed (expected /usr/local/go/bin/go on PATH)"
go mod download
ensure_go_tool staticcheck honnef.co/go/tools/cmd/staticcheck@v0.7.0
