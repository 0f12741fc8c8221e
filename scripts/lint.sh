#!/usr/bin/env bash
# gofmt, go vet and staticcheck over the whole module, including the files
# behind the integration and bench build tags.
set -euo pipefail
cd "$(dirname "$0")/.."
unformatted=$(gofmt -l $(git ls-files --cached --others --exclude-standard '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt: these files need formatting:" >&2
	echo "$unformatted" >&2
	exit 1
fi
echo "gofmt: ok"
# Each plugin README's generated blocks (flags, examples, golden output) must be current.
go run ./tools/docgen -check
echo "docgen: ok"
# go.mod must list exactly what the code imports, direct and indirect marked right.
go mod tidy -diff
echo "go mod tidy: ok"
go vet ./...
go vet -tags 'integration bench' ./...
echo "go vet: ok"
"$(go env GOPATH)/bin/staticcheck" -tags 'integration bench' ./...
echo "staticcheck: ok"
