# The README's commands. `make test` is what CI runs.
GO        ?= go
PKGS      ?= ./...
BIN       ?= bin

.PHONY: setup build serve test test-short crash-test bench fuzz load load-overview municipality fmt vet

## setup: download modules and install redis-server when missing (root, Debian)
setup:
	$(GO) mod download
	@command -v redis-server >/dev/null 2>&1 || .ci/with-redis true

## build: the one binary
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-X main.version=$$(git describe --always --dirty 2>/dev/null || echo dev)" -o $(BIN)/iupd ./cmd/iupd

## serve: run the service on the embedded defaults (data under ./data, :8080)
serve:
	$(GO) run ./cmd/iupd serve --log-format text

## test: every test, race detector on, with a private redis-server
test:
	IUP_REQUIRE_REDIS=1 .ci/with-redis $(GO) test -race -count=1 -timeout 15m $(PKGS)

## crash-test: the long crash test (200 SIGKILL rounds against the embedded store)
crash-test:
	IUP_CRASH_ROUNDS=200 $(GO) test -run Crash -count=1 -timeout 60m -v ./eventstore/sqlite/

## soak: the fault tests' long form, side by side for SOAK (default 30m), a
## fault every SOAK_EVERY: serve killed and restarted, the disk filled and
## freed, Redis killed or flushed, Redis slowed; then verify, lost writes
## and RSS at start and end in the log (see RELIABILITY.md); with
## IUP_SOAK_PROFILES=DIR each test also saves heap profiles at start and end
SOAK       ?= 30m
SOAK_EVERY ?= 1m
soak:
	IUP_SOAK=1 IUP_SOAK_DURATION=$(SOAK) IUP_SOAK_EVERY=$(SOAK_EVERY) IUP_REQUIRE_REDIS=1 \
		.ci/with-redis $(GO) test -run '^TestFault' -count=1 -parallel 4 -timeout 120m -v ./cmd/iupd/

## bench: event-store benchmarks with their same-run baselines (see BENCHMARKS.md)
bench:
	$(GO) test -run '^$$' -bench . -benchtime 2s -count 3 ./eventstore/sqlite/

## fuzz: each fuzz target for FUZZTIME (default 10m), one after another
## (go test -fuzz takes one target and one package per run; `make test`
## runs only their seed corpora)
FUZZTIME    ?= 10m
FUZZTARGETS ?= ./domain:FuzzCheckID ./domain:FuzzParseDate ./domain:FuzzParseTermRef \
	./domain/catalog:FuzzDecode ./eventstore/shred:FuzzDecode ./eventstore/sqlite:FuzzDecodeMetadata \
	./handlers:FuzzCommandBody ./handlers:FuzzQueryParameters ./handlers/auth:FuzzAuthenticate
fuzz:
	@set -e; for t in $(FUZZTARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$pkg $$name for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

## load: the embedded default under load (BENCHMARKS.md): iupd serve in one
## process on a fresh data folder, iupd loadgen in another, LOAD_WRITES
## writes/s and LOAD_READS reads/s for LOAD_DURATION; the report goes to
## $(LOAD_DIR)/report.json
LOAD_DIR      ?= $(BIN)/load
LOAD_ADDR     ?= 127.0.0.1:18080
LOAD_WRITES   ?= 300
LOAD_READS    ?= 1500
LOAD_DURATION ?= 5m
load: build
	rm -rf $(LOAD_DIR) && mkdir -p $(LOAD_DIR)
	@set -e; \
	$(BIN)/iupd serve --addr $(LOAD_ADDR) --admin-addr "" --data-dir $(LOAD_DIR)/data 2>$(LOAD_DIR)/serve.log & pid=$$!; \
	trap 'kill $$pid 2>/dev/null; wait $$pid 2>/dev/null || true' EXIT; \
	for i in $$(seq 100); do $(BIN)/iupd probe --url http://$(LOAD_ADDR)/readyz 2>/dev/null && break; sleep 0.1; done; \
	kill -0 $$pid 2>/dev/null || { echo "iupd serve did not start (is $(LOAD_ADDR) taken?): see $(LOAD_DIR)/serve.log"; exit 1; }; \
	$(BIN)/iupd loadgen --url http://$(LOAD_ADDR) --data-dir $(LOAD_DIR)/data --rate-writes $(LOAD_WRITES) \
		--rate-reads $(LOAD_READS) --duration $(LOAD_DURATION) --json $(LOAD_DIR)/report.json

## municipality: a municipality's school year (BENCHMARKS.md "Municipality"):
## a fresh organiser of MUNI_SCHOOLS x 9 grades x MUNI_CLASSES classes x
## MUNI_STUDENTS students loaded through the API with one school year of
## history (iupd api + iupd loadgen --history year), then every view
## rebuilt into a private, empty redis-server (iupd project), timed; prints
## events, load time and rate, rebuild time, Redis peak memory, load average.
## The data is left in MUNI_DIR (several GB at full size): delete it after.
MUNI_DIR      ?= $(BIN)/municipality
MUNI_SCHOOLS  ?= 67
MUNI_CLASSES  ?= 4
MUNI_STUDENTS ?= 25
MUNI_PARALLEL ?= 64
municipality: build
	IUPD=$(BIN)/iupd MUNI_DIR=$(MUNI_DIR) MUNI_SCHOOLS=$(MUNI_SCHOOLS) MUNI_CLASSES=$(MUNI_CLASSES) \
		MUNI_STUDENTS=$(MUNI_STUDENTS) MUNI_PARALLEL=$(MUNI_PARALLEL) .ci/municipality

## load-overview: the mentor overview against the same bytes through the same middleware
load-overview:
	IUP_BENCH_OVERVIEW=1 $(GO) test -count=1 -run TestMentorOverviewThroughput -v ./handlers/

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	$(GO) vet ./...
