# tilgang — see README.md. Everything the targets need is installed into the
# repository (.bin/, infra/emulators/node_modules/), never system-wide.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

FUNCTIONS   := scim admin web console passkeys csvimport mailer scheduler sesevents
BIN         := $(CURDIR)/.bin
STACK       := $(BIN)/stack
STATICCHECK := $(BIN)/staticcheck
BENCHSTAT   := $(BIN)/benchstat
STATICCHECK_VERSION := v0.8.2
BENCHSTAT_VERSION   := v0.0.0-20260908200009-22c9c6c9d4da
FUZZTIME    ?= 60s
BENCHCOUNT  ?= 6
# One import of 100,000 rows is already an average over 100,000 transactions,
# and takes minutes against DynamoDB Local.
IMPORTBENCHCOUNT ?= 1
# Starts of each function binary for its init time (make bench).
COLDSTARTS ?= 60

.PHONY: help dev test build sam lint bench coldstart capacity fuzz soak emulators chromium clean tilgang

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

emulators: infra/emulators/node_modules/.package-lock.json ## install the local emulators (npm ci)

infra/emulators/node_modules/.package-lock.json: infra/emulators/package-lock.json
	npm --prefix infra/emulators ci --no-audit --no-fund --loglevel=error

$(STACK): $(shell find internal/localstack infra/stack -name '*.go' -not -name '*_test.go') go.mod
	go build -o $@ ./infra/stack

dev: emulators ## run the whole product at http://127.0.0.1:3000 (Ctrl-C stops it)
	go build -o $(BIN)/dev ./infra/dev
	$(BIN)/dev

# Each test package starts a local stack of its own (testenv.Main):
# DynamoDB Local runs every request on one SQLite thread, so one instance
# shared by the suite made the packages queue behind each other, and go
# test's parallel packages each get one here.
test: emulators chromium ## the whole suite, each package against a local stack it starts and stops
	go test -race -count=1 -timeout=15m ./...

# The browser tests (internal/browsertest) need Chromium: CHROME_PATH, else
# chromium (or chromium-browser, google-chrome) on PATH. When there is none,
# this installs Debian's chromium package if it may (root or passwordless
# sudo), and otherwise stops with what to install.
chromium: ## find Chromium for the browser tests, installing it with apt-get if missing and allowed
	@if [ -n "$${CHROME_PATH:-}" ]; then \
	  if [ -x "$$CHROME_PATH" ]; then exit 0; fi; \
	  echo "CHROME_PATH=$$CHROME_PATH is not an executable file; point it at Chromium or Chrome, or unset it"; exit 1; \
	fi; \
	for c in chromium chromium-browser google-chrome google-chrome-stable; do \
	  if command -v $$c >/dev/null; then exit 0; fi; \
	done; \
	need="The browser tests need Chromium: install it (Debian/Ubuntu: apt-get install chromium) or set CHROME_PATH to a Chromium or Chrome binary."; \
	if ! command -v apt-get >/dev/null; then echo "$$need"; exit 1; fi; \
	if [ "$$(id -u)" = 0 ]; then as=""; \
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then as="sudo -n"; \
	else echo "$$need"; exit 1; fi; \
	echo "Chromium not found: installing Debian's chromium package with apt-get"; \
	$$as apt-get update -qq && $$as env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium \
	  || { echo "apt-get could not install chromium. $$need"; exit 1; }; \
	command -v chromium >/dev/null || { echo "$$need"; exit 1; }

tilgang: ## build the operator command as .bin/tilgang (README, "Operator command")
	go build -o $(BIN)/tilgang ./infra/tilgang

build: ## every function as bin/<name>/bootstrap for linux/arm64
	@for f in $(FUNCTIONS); do \
	  echo "build $$f"; \
	  GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -ldflags='-s -w' \
	    -o bin/$$f/bootstrap ./functions/$$f; \
	done

# sam build runs a bare go build (BuildMethod go1.x: only -trimpath, and
# only if asked) in the caller's environment; GOFLAGS gives it make build's
# flags, so what is deployed is what make coldstart measures: without them
# the mailer is 21 MB instead of 14.4 (-s implies -w since Go 1.22).
SAMGOFLAGS := -tags=lambda.norpc -trimpath -ldflags=-s

sam: ## sam build with make build's flags (deploy with sam deploy after it)
	CGO_ENABLED=0 GOFLAGS='$(SAMGOFLAGS)' sam build

$(STATICCHECK):
	GOBIN=$(BIN) go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(BENCHSTAT):
	GOBIN=$(BIN) go install golang.org/x/perf/cmd/benchstat@$(BENCHSTAT_VERSION)

lint: $(STATICCHECK) ## gofmt, go vet, staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	$(STATICCHECK) ./...

bench: emulators $(STACK) $(BENCHSTAT) ## benchmarks against the local stack, as ratios to raw SDK calls
	@mkdir -p .local && : > .local/bench.txt
	@# Each benchmark gets a fresh stack, so one's data never slows another's:
	@# DynamoDB Local serves a table made after heavy writes (to any table)
	@# many times slower. A 1,000-member PATCH takes most of a second, so it
	@# runs 4 times per count to get past DynamoDB Local's jitter.
	@for pkg in $$(go list ./... | grep -v '/infra/coldstart$$'); do \
	  for bench in $$(go test -list '^Benchmark' $$pkg | grep '^Benchmark' || true); do \
	    flags="-count=$(BENCHCOUNT)"; \
	    case $$pkg in */csvimport) flags="-count=$(IMPORTBENCHCOUNT) -benchtime=1x -timeout=90m";; esac; \
	    case $$bench in BenchmarkGroupAddMembers) flags="$$flags -benchtime=4x";; BenchmarkLoad) flags="-count=1 -benchtime=3s";; esac; \
	    $(STACK) -- go test -run='^$$' -bench="^$$bench\$$" -benchmem $$flags $$pkg | tee -a .local/bench.txt; \
	  done; \
	done
	go run ./infra/benchratio -q -baseline raw,users=1k,groups=100 -targets Walk10k=2,UserNameFilter=1.2,FirstPage=1.3,FirstPageActive=1.3,Import=1.43,Deliver=1.1,AddMembers/empty=1.5,AddMembers/large=1.5,GroupAddMembers=1.5,GetLargeGroup=1.3,GroupDisplayNameFilter=1.2,UsersPage=1.3 < .local/bench.txt
	@echo; echo "SCIM load (open loop, 10k users; DynamoDB Local on this machine):"
	@awk '/^BenchmarkLoad\/rate=/ { r = $$1; sub(/^BenchmarkLoad\/rate=/, "", r); sub(/-[0-9]+$$/, "", r); \
	  for (i = 2; i < NF; i++) { if ($$(i+1) == "req/s") t = $$i; if ($$(i+1) == "p50-ms") p50 = $$i; if ($$(i+1) == "p99-ms") p99 = $$i } \
	  printf "  offered %5s req/s   served %7s req/s   p50 %7s ms   p99 %7s ms\n", r, t, p50, p99 }' .local/bench.txt
	@$(MAKE) --no-print-directory coldstart

coldstart: ## each function's binary size and init time next to their targets (also in make bench)
	@# Cold start needs no stack: each function's binary, started COLDSTARTS
	@# times against a fake Runtime API (infra/coldstart).
	@mkdir -p .local
	@go test -run='^$$' -bench='^BenchmarkColdStart$$' -benchtime=$(COLDSTARTS)x -count=1 ./infra/coldstart > .local/coldstart.txt \
	  || { cat .local/coldstart.txt; exit 1; }
	@echo; echo "Cold start ($(COLDSTARTS) starts each, interleaved; size: stripped linux/arm64; init: exec to the first /next, median, on $$(go env GOARCH)):"
	@printf "  %-10s %-22s %s\n" function "size (target 15 MB)" "init median, keys from Secrets Manager / CPR_KEY (target 20 ms)"
	@awk '/^BenchmarkColdStart/ { for (i = 3; i <= NF; i++) { u = $$i; v = $$(i-1); \
	    if (u ~ /-MB$$/) { fn = u; sub(/-MB$$/, "", fn); order[++n] = fn; mb[fn] = v } \
	    if (u ~ /-init-p50-ms$$/) { k = u; sub(/-init-p50-ms$$/, "", k); t[k] = v } } } \
	  END { for (j = 1; j <= n; j++) { fn = order[j]; s = t[fn "-secretsmanager"]; e = t[fn "-env"]; \
	    printf "  %-10s %6.2f MB %-12s %6.2f ms / %6.2f ms  %s\n", fn, mb[fn], (mb[fn] <= 15 ? "ok" : "OVER"), s, e, (s <= 20 && e <= 20 ? "ok" : "OVER") } }' .local/coldstart.txt

CAPACITYFLAGS ?=
capacity: ## the capacity simulator at the target workload, and the multiple of it at which a partition key passes 50 % (README, "Capacity")
	go run ./infra/capacity $(CAPACITYFLAGS)
	@echo; go run ./infra/capacity -grow -seconds 5 $(CAPACITYFLAGS)

SOAKRUNS ?= 20
soak: emulators $(STACK) ## the fault-injection test (internal/e2e) SOAKRUNS times (default 20), each with a new fault seed
	@for i in $$(seq $(SOAKRUNS)); do \
	  seed=$$(od -An -N4 -tu4 /dev/urandom | tr -d ' '); \
	  echo "soak $$i/$(SOAKRUNS): TILGANG_FAULT_SEED=$$seed"; \
	  TILGANG_FAULT_SEED=$$seed $(STACK) -- go test -count=1 -run '^TestProvisioningSurvivesFaults$$' ./internal/e2e/ \
	    || { echo "soak failed with TILGANG_FAULT_SEED=$$seed (rerun with it to repeat)"; exit 1; }; \
	done

fuzz: ## every fuzz target for FUZZTIME (default 60s) each
	@for pkg in $$(go list ./...); do \
	  for t in $$(go test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$t"; go test -run='^$$' -fuzz="^$$t$$" -fuzztime=$(FUZZTIME) $$pkg; \
	  done; \
	done

clean: ## remove build output and local state
	rm -rf bin .local .aws-sam
