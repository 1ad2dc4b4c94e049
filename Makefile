GO ?= go

.PHONY: test vet fmt-check gen-check demo bench bench-scale chaos test-cloudflare e2e-cloudflare

# MODULES are wf's nested modules whose tests make test runs too: bench/ (the
# benchmark programs, with x/image for the chart), internal/e2e (the browser
# test of the dashboard with chromedp, the host configs parsed as TOML and YAML,
# the runtime's spans and metrics read through the OpenTelemetry SDK) and
# host/metrics (the worker's Prometheus exporter): their dependencies stay out
# of wf's go.mod. host/cloudflare has test-cloudflare.
MODULES = bench internal/e2e host/metrics

## test: vet, gofmt check, generated-code check, and the race-enabled test suite of wf and its MODULES.
test: vet fmt-check gen-check
	$(GO) test -race -count=1 ./...
	for m in $(MODULES); do (cd $$m && $(GO) test -race -count=1 ./...) || exit 1; done

## demo: build wfgen, generate the examples, run the fulfillment app on SQLite (or DATABASE_URL).
demo:
	@mkdir -p bin
	@echo "==> Building wfgen"
	$(GO) build -o bin/wfgen ./cmd/wfgen
	@echo "==> Generating the examples' typed code"
	bin/wfgen ./examples/...
	@echo "==> Running the fulfillment demo"
	WF_SQLITE_PATH=$${WF_SQLITE_PATH:-bin/demo.db} $(GO) run ./examples/fulfillment/demo

## bench: measure on PostgreSQL (DATABASE_URL) and SQLite and write bench/results/{README.md,throughput.png}.
bench:
	cd bench && $(GO) run ./store -json -concurrency 1,2,4,8,64 -duration 6s -history 10,100,1000,10000 -sweep-timers 10000 -sqlite FULL,NORMAL > results/figures.jsonl
	cd bench && cat results/figures.jsonl $$(ls results/scale.jsonl 2>/dev/null) | $(GO) run ./report -o results
	$(GO) test -run '^$$' -bench . -benchmem ./ ./runtime/ | tee bench/results/go-bench.txt

## bench-scale: the figures at 10k, 100k and 1M stored runs (idle sweep, claim buffers, GetRun, a
## delivery, a timer sweep) into bench/results/scale.jsonl, which make bench's report includes.
bench-scale:
	cd bench && $(GO) run ./store -json -workloads none -concurrency 1 -scale 10000,100000,1000000 > results/scale.jsonl

## chaos: the crash suite on PostgreSQL (DATABASE_URL): 4 worker processes killed with -9 and their
## connections terminated for CHAOS_DURATION, then drained; fails on a lost or duplicated result,
## an overlapping schedule run or a stuck run. CHAOS_DURATION=5m for the long run.
CHAOS_DURATION ?= 1m
chaos:
	$(GO) run ./internal/chaos/cmd/chaos -duration $(CHAOS_DURATION)

## gen-check: fail when generated code is stale (what go generate would change) or wfgen check finds a problem.
gen-check:
	$(GO) run ./cmd/wfgen check ./examples/...

vet:
	$(GO) vet ./...
	for m in $(MODULES); do (cd $$m && $(GO) vet ./...) || exit 1; done

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## test-cloudflare: vet (linux and js/wasm) and test the nested Cloudflare host module.
test-cloudflare:
	cd host/cloudflare && $(GO) vet ./... && GOOS=js GOARCH=wasm $(GO) vet ./... && $(GO) test -count=1 ./...

## e2e-cloudflare: the example Worker and the D1 probe under workerd with local D1 (wrangler from npm).
WRANGLER_VERSION ?= 4.80.0
e2e-cloudflare:
	npm install --prefix .cache/wrangler --no-audit --no-fund wrangler@$(WRANGLER_VERSION) || \
		npm install --prefix .cache/wrangler --no-audit --no-fund wrangler@$(WRANGLER_VERSION)
	cd host/cloudflare && WF_CLOUDFLARE_E2E=1 WRANGLER=$(CURDIR)/.cache/wrangler/node_modules/.bin/wrangler $(GO) test -count=1 ./example ./internal/d1probe
