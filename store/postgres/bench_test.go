package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/store"
)

// The benchmarks measure the store against the machine, not against other
// libraries: BenchmarkRawInsert is the physical limit (one-row INSERT
// transactions, one round trip and one WAL flush each), and
// BenchmarkAppend reports the store's rate as a ratio to it, measured on the
// same pool at the same concurrency.
//
//	go test -run '^$' -bench . ./store/postgres

var concurrencies = []int{1, 8}

func BenchmarkRawInsert(b *testing.B) {
	for _, c := range concurrencies {
		b.Run(fmt.Sprintf("conc=%d", c), func(b *testing.B) {
			pool, schema := benchPool(b)
			insert := rawInserter(b, pool, schema)
			b.ResetTimer()
			rate := concurrently(b, b.N, c, func(ctx context.Context, _, _ int) error { return insert(ctx) })
			b.ReportMetric(rate, "inserts/s")
		})
	}
}

// BenchmarkAppend appends one STEP_FINISHED event per operation (a step's
// checkpoint), each goroutine to a run of its own, and reports appends/s
// and its ratio to the raw INSERT rate ("x-raw"). One round trip and one
// commit each, like a raw INSERT: the ideal ratio is 1.
func BenchmarkAppend(b *testing.B) {
	for _, c := range concurrencies {
		b.Run(fmt.Sprintf("conc=%d", c), func(b *testing.B) {
			pool, schema := benchPool(b)
			ts := setupOn(b, pool, schema)
			for w := range c {
				if _, _, err := ts.CreateRun(b.Context(), newRun(fmt.Sprintf("run-%d", w))); err != nil {
					b.Fatal(err)
				}
			}
			next := make([]int, c) // each goroutine's own run and index
			versusRaw(b, pool, schema, c, "appends/s", func(ctx context.Context, w, _ int) error {
				err := ts.Append(ctx, fmt.Sprintf("run-%d", w), store.Append{Owner: owner, Next: next[w], Events: stepEvents(next[w], 1)})
				next[w]++
				return err
			})
		})
	}
}

// BenchmarkStartAndFinish creates a leased run and commits it finished
// with a step's event and the terminal event: the shortest whole run, two
// round trips and two commits, so the ideal ratio to raw INSERTs is 0.5.
func BenchmarkStartAndFinish(b *testing.B) {
	for _, c := range concurrencies {
		b.Run(fmt.Sprintf("conc=%d", c), func(b *testing.B) {
			pool, schema := benchPool(b)
			ts := setupOn(b, pool, schema)
			var runs atomic.Int64
			versusRaw(b, pool, schema, c, "runs/s", func(ctx context.Context, _, _ int) error {
				id := fmt.Sprintf("run-%d", runs.Add(1))
				if _, _, err := ts.CreateRun(ctx, newRun(id)); err != nil {
					return err
				}
				output := json.RawMessage(`{"ok":true}`)
				evs := append(stepEvents(0, 1), wf.Event{Type: wf.RunFinished, Time: epoch, RunID: id, Output: output})
				return ts.Commit(ctx, store.Commit{RunID: id, Owner: owner, Events: evs,
					Status: wf.StatusFinished, Output: output, Now: epoch})
			})
		})
	}
}

// versusRaw times b.N calls of op from c goroutines and reports their rate
// as unit, the raw INSERT rate on the same pool at the same concurrency
// (measured half just before and half just after, so that both see the
// same machine), and the ratio of the two as x-raw.
func versusRaw(b *testing.B, pool *pgxpool.Pool, schema string, c int, unit string, op func(ctx context.Context, worker, i int) error) {
	insert := rawInserter(b, pool, schema)
	rawOps := max(b.N/2, 100*c)
	raw := func() time.Duration {
		start := time.Now()
		concurrently(b, rawOps, c, func(ctx context.Context, _, _ int) error { return insert(ctx) })
		return time.Since(start)
	}
	rawTime := raw()
	b.ResetTimer()
	rate := concurrently(b, b.N, c, op)
	b.StopTimer()
	rawTime += raw()
	rawRate := float64(2*rawOps) / rawTime.Seconds()
	b.ReportMetric(rate, unit)
	b.ReportMetric(rawRate, "raw-inserts/s")
	b.ReportMetric(rate/rawRate, "x-raw")
}

// benchPool is a pool large enough for the highest concurrency, with a
// fresh schema.
func benchPool(b *testing.B) (*pgxpool.Pool, string) {
	pool := pgtest.NewPool(b, func(c *pgxpool.Config) { c.MaxConns = int32(2 * concurrencies[len(concurrencies)-1]) })
	return pool, pgtest.NewSchema(b, pool)
}

// rawInserter makes a table of one bigint key and returns an autocommit
// one-row INSERT into it.
func rawInserter(b *testing.B, pool *pgxpool.Pool, schema string) func(context.Context) error {
	table := schema + ".raw_inserts"
	if _, err := pool.Exec(b.Context(), "CREATE TABLE IF NOT EXISTS "+table+" (id bigint PRIMARY KEY, v integer NOT NULL)"); err != nil {
		b.Fatal(err)
	}
	var id atomic.Int64
	var start int64
	if err := pool.QueryRow(b.Context(), "SELECT COALESCE(max(id), 0) FROM "+table).Scan(&start); err != nil {
		b.Fatal(err)
	}
	id.Store(start)
	sql := "INSERT INTO " + table + " (id, v) VALUES ($1, 1)"
	return func(ctx context.Context) error {
		_, err := pool.Exec(ctx, sql, id.Add(1))
		return err
	}
}

// concurrently runs op n times from c goroutines (op gets the goroutine's
// number and the operation's) and returns operations per second.
func concurrently(b *testing.B, n, c int, op func(ctx context.Context, worker, i int) error) float64 {
	var (
		counter atomic.Int64
		wg      sync.WaitGroup
		failed  atomic.Pointer[error]
	)
	ctx := b.Context()
	start := time.Now()
	for w := range c {
		wg.Go(func() {
			for {
				i := int(counter.Add(1)) - 1
				if i >= n || failed.Load() != nil {
					return
				}
				if err := op(ctx, w, i); err != nil {
					failed.Store(&err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	return float64(n) / elapsed.Seconds()
}
