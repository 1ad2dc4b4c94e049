// Package bench is the root of wf's benchmark module: the store benchmark
// program (store), the report and chart it feeds (report) and their
// results (results). It is a module of its own, replacing wf with the
// checkout it lives in, so that what only the benchmarks use (x/image
// for the chart) stays out of wf's go.mod. Run it with `make bench`.
package bench
