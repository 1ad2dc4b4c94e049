GO ?= go

.PHONY: test vet fmt-check gen-check demo bench

## test: vet, gofmt check, generated-code check, and the race-enabled test suite.
test: vet fmt-check
	$(GO) test -race -count=1 ./...

## bench: measure on PostgreSQL (DATABASE_URL) and write bench/results/{README.md,throughput.png}.
bench:
	$(GO) run ./bench/store -json -concurrency 1,2,4,8 -duration 6s -history 10,100,1000,10000 -sweep-timers 10000 > bench/results/figures.jsonl
	$(GO) run ./bench/report -o bench/results < bench/results/figures.jsonl
	$(GO) test -run '^$$' -bench . -benchmem ./ ./runtime/ | tee bench/results/go-bench.txt

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
