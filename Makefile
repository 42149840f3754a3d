# Expertenrunde. `make run` builds everything and serves the demo; `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.Version=$(VERSION)
BIN       := bin/expertenrunde
STATICCHECK_VERSION := v0.8.2
FRONTEND_SRC := $(shell find frontend/src frontend/index.html frontend/public frontend/vite.config.ts frontend/tsconfig*.json -type f 2>/dev/null)
GO_SRC    := $(shell find cmd internal frontend/embed.go frontend/embed_noui.go surveys -name '*.go' -o -name '*.json' -o -name '*.yaml' 2>/dev/null)

# The suites make test runs; each is a target below. A "/" separates two
# lanes that run side by side (the Go tests; everything else in turn), after
# TEST_PREPARE has built what both need. Every suite runs even when one
# before it failed; .ci/suites prints one line per suite (ok or FAILED,
# duration) and fails at the end if any failed. A suite with prerequisites of
# its own joins the list when they are present, e.g.
#   TEST_SUITES += $(if $(shell command -v X),test-x)
TEST_SUITES := test-go / lint test-frontend e2e
TEST_PREPARE := frontend $(BIN) chromium frontend/node_modules/.package-lock.json e2e/node_modules/.package-lock.json
TEST_PREPARE += python-deps
# The MONGODB_URI path against a database server in another process, when
# Debian's PostgreSQL is installed (.ci/run installs it).
TEST_SUITES += $(if $(shell scripts/test-external.sh check >/dev/null 2>&1 && echo y),test-external)
# go test's per-package limit: a safety net far above the slowest package
# (internal/httpapi: 16 minutes on 2 cores at a load average of 5 to 15).
GO_TEST_TIMEOUT ?= 30m
# The Python that runs the analysis bundle's reproduce.py in the Go tests
# (internal/export TestBundleReproducePy): Debian's, with its numpy, pandas
# and scipy, and Debian's R for reproduce.R (TestBundleReproduceR). The
# tests fail, never skip, without them; python-deps installs them as root.
PYTHON    ?= /usr/bin/python3

.PHONY: help run dev build frontend test tools vet test-go test-frontend e2e test-external lint bench chromium python-deps clean

help:
	@echo "make run    build everything and serve the demo study on the embedded database"
	@echo "make test   every suite ($(TEST_SUITES)) with one summary line each"
	@echo "make test-external  the MONGODB_URI path against FerretDB on PostgreSQL in other processes"
	@echo "make build  build $(BIN) (frontend embedded)"
	@echo "make lint   gofmt, go vet, staticcheck"
	@echo "make bench  benchmarks; see docs/PERFORMANCE.md"
	@echo "make dev    Vite dev server with /api proxied to a running Go server"

# Go 1.26+, Node 20.19+/22.12+, gcc: says what is missing and where to get it.
tools:
	@.ci/check-tools

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	@echo "make: installing the web UI's npm packages (npm ci; the first time takes a few minutes)"
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

frontend/dist/app/index.html: frontend/node_modules/.package-lock.json $(FRONTEND_SRC)
	@echo "make: building the web UI into frontend/dist/app (vite)"
	cd frontend && npm run build

# The frontend is built before any Go step: the binary embeds frontend/dist/app (a fresh clone builds without it and serves a placeholder page).
frontend: frontend/dist/app/index.html

$(BIN): frontend/dist/app/index.html $(GO_SRC) go.mod go.sum
	@echo "make: building $(BIN) (the first build compiles the embedded database, about 5 minutes on 2 cores)"
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/expertenrunde

build: $(BIN)

run: tools $(BIN)
	$(BIN) serve --demo

dev: frontend/node_modules/.package-lock.json
	cd frontend && npm run dev

vet: frontend
	@test -z "$$(gofmt -l cmd internal frontend/*.go surveys)" || { gofmt -l cmd internal frontend/*.go surveys; echo "gofmt: the files above need formatting"; exit 1; }
	$(GO) vet ./...

test-go: frontend python-deps
	@echo "make: go test -race ./... (the first run compiles every package with the race detector: 5 to 10 minutes on 2 cores before the first result; later runs reuse the build cache)"
	ER_PYTHON=$(PYTHON) $(GO) test -race -count=1 -timeout $(GO_TEST_TIMEOUT) ./...

test-frontend: frontend/node_modules/.package-lock.json frontend/dist/app/index.html
	cd frontend && npm run check:api && npm test && node tools/bundle-size.mjs

# Debian's chromium drives the browser tests; installed here when missing (as root).
chromium:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && echo "make: installing Debian's chromium with apt for the browser tests (about 500 MB, a few minutes)" && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || { echo "install Debian's chromium (apt-get install chromium)"; exit 1; }

# Debian's python3 with numpy, pandas and scipy, and Debian's R, for the
# bundle's reproduce.py and reproduce.R tests; installed here when missing
# (as root).
python-deps:
	@command -v Rscript >/dev/null || { [ "$$(id -u)" = 0 ] && echo "make: installing Debian's r-base-core with apt for the analysis bundle's reproduce.R test" && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq r-base-core >/dev/null; } || { echo "install Debian's R (apt-get install r-base-core) for the analysis bundle's reproduce.R test"; exit 1; }
	@$(PYTHON) -c 'import numpy, pandas, scipy' 2>/dev/null || { [ "$$(id -u)" = 0 ] && [ "$(PYTHON)" = /usr/bin/python3 ] && echo "make: installing Debian's python3-numpy, python3-pandas and python3-scipy with apt for the analysis bundle's reproduce.py test" && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-numpy python3-pandas python3-scipy >/dev/null; } || { echo "install Debian's python3-numpy, python3-pandas and python3-scipy (apt-get install python3-numpy python3-pandas python3-scipy), or set PYTHON to a python3 that has numpy, pandas and scipy"; exit 1; }

e2e/node_modules/.package-lock.json: e2e/package-lock.json
	@echo "make: installing the browser tests' npm packages (npm ci)"
	cd e2e && npm ci --no-audit --no-fund
	@touch $@

e2e: $(BIN) chromium e2e/node_modules/.package-lock.json
	cd e2e && ER_BIN=../$(BIN) node run.mjs

test: tools
	@echo "make test: suites $(TEST_SUITES). The first run on a fresh machine installs the npm packages and builds with the race detector before any result: expect 20 to 30 minutes on 2 cores."
	@scripts/test-external.sh check >/dev/null 2>&1 || echo "make test: test-external left out: Debian's postgresql is not installed (apt-get install postgresql; .ci/run does)"
	@MAKE="$(MAKE)" PREPARE="$(TEST_PREPARE)" .ci/suites $(TEST_SUITES)

# The MONGODB_URI path against a database server in another process: Debian's
# PostgreSQL in a temp dir and FerretDB on it (internal/store/cmd/ferretdb-pg);
# the store contract suite, a short load test and the restart tests through it.
# See scripts/test-external.sh; `make test` runs it when PostgreSQL is installed.
test-external:
	GO=$(GO) scripts/test-external.sh

lint: vet
	@echo "make: staticcheck $(STATICCHECK_VERSION) (the first run downloads and builds it, about 1 to 2 minutes)"
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

# Every go test -bench of the repository, then the load test (`expertenrunde
# loadtest`: the server in-process on the embedded database, and once more on
# MONGODB_URI when it is set); about 5 minutes on 2 cores. The output also goes
# to bin/bench/<UTC time>.txt; docs/PERFORMANCE.md explains the numbers.
# LOAD_FLAGS go to the load test, e.g. LOAD_FLAGS="--experts 400 --human 60s"
# (or the ERLOAD_* variables it reads).
LOAD_FLAGS ?=
bench: $(BIN)
	@mkdir -p bin/bench
	@set -o pipefail; out=bin/bench/$$(date -u +%Y%m%dT%H%M%SZ).txt; \
	{ echo "make bench: $$(nproc) cores, load average $$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null) at the start"; \
	  $(GO) test -p 1 -run '^$$' -bench . -benchmem -timeout 30m ./... && \
	  MONGODB_URI= $(BIN) loadtest $(LOAD_FLAGS) && \
	  if [ -n "$$MONGODB_URI" ]; then $(BIN) loadtest $(LOAD_FLAGS); fi; } 2>&1 | tee $$out; \
	status=$$?; echo "make bench: written to $$out"; exit $$status

clean:
	rm -rf bin frontend/dist/app
