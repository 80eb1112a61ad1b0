# The README's commands. `make test` is what CI runs.
GO        ?= go
PKGS      ?= ./...
BIN       ?= bin

.PHONY: setup build serve test test-short crash-test bench fuzz fmt vet

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

## bench: event-store benchmarks with their same-run baselines (see BENCHMARKS.md)
bench:
	$(GO) test -run '^$$' -bench . -benchtime 2s -count 3 ./eventstore/sqlite/

## fuzz: each fuzz target for FUZZTIME (default 10m), one after another
## (go test -fuzz takes one target and one package per run; `make test`
## runs only their seed corpora)
FUZZTIME    ?= 10m
FUZZTARGETS ?= ./domain:FuzzCheckID ./domain:FuzzParseDate ./domain:FuzzParseTermRef \
	./domain/catalog:FuzzDecode ./eventstore/shred:FuzzDecode ./eventstore/sqlite:FuzzDecodeMetadata
fuzz:
	@set -e; for t in $(FUZZTARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$pkg $$name for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	$(GO) vet ./...
