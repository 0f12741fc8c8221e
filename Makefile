# edgecheck: Nagios/Icinga checks for the network edge of hypervisor fleets.
# `make help` lists the targets.

SHELL      := /bin/bash
GO         ?= go
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0)
LDFLAGS    := -s -w -X edgecheck/shared/runner.Version=$(VERSION)
CHECKS     := $(notdir $(wildcard checks/check_*))
FUZZTIME   ?= 10s
BENCHRUNS  ?= 10x

.DEFAULT_GOAL := help

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: deps
deps: ## Install the Go modules and the lint tool.
	@scripts/deps.sh

.PHONY: build
build: deps ## Build every check and nagios-cfg into bin/.
	@mkdir -p bin
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/ ./checks/...
	@if [ -d nagios-cfg/cmd/nagios-cfg ]; then $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/nagios-cfg ./nagios-cfg/cmd/nagios-cfg; fi

.PHONY: package
package: deps ## Build the edgecheck .deb (checks, nagios-cfg, Icinga 2 CheckCommands) into dist/ with nfpm.
	@scripts/package.sh

.PHONY: lint
lint: deps ## gofmt, go vet and staticcheck.
	@scripts/lint.sh

.PHONY: test
test: lint test-unit test-integration ## Everything: lint, unit tests with -race, integration tests against the lab.

.PHONY: test-unit
test-unit: deps ## Unit tests with the race detector.
	$(GO) test -race -count=1 ./...

.PHONY: test-integration
test-integration: deps ## Start the lab, run the integration tests against it, stop the lab.
	@scripts/test-integration.sh

.PHONY: fuzz
fuzz: deps ## Run every fuzz target briefly (FUZZTIME=10s each).
	@FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

.PHONY: bench
bench: build ## Benchmarks against the real peers, side by side; writes BENCHMARKS.md.
	@BENCHRUNS=$(BENCHRUNS) scripts/bench.sh

.PHONY: demo
demo: build ## Start the lab and show every check healthy, failing and recovered.
	@scripts/demo.sh

.PHONY: demo-down
demo-down: ## Stop everything the demo started.
	@scripts/demo.sh down

.PHONY: lab-up
lab-up: ## Install (if needed) and start the lab daemons.
	lab/lab.sh up

.PHONY: lab-down
lab-down: ## Stop the lab daemons and remove their state.
	lab/lab.sh down

.PHONY: lab-status
lab-status: ## One line per lab component.
	@lab/lab.sh status

.PHONY: clean
clean: ## Remove bin/ and build output.
	rm -rf bin dist
