package sqlite_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/sqlite"
)

// benchSyncModes are the synchronous settings benchmarked: FULL (SQLite's
// default, every commit durable) and NORMAL (WAL's fast mode).
var benchSyncModes = []string{"FULL", "NORMAL"}

// benchStore returns a migrated store over a fresh file with the given
// synchronous mode.
func benchStore(b *testing.B, syncMode string) *sqlite.Store {
	b.Helper()
	path := filepath.Join(b.TempDir(), "wf.db")
	db, err := sql.Open("sqlite", dsn(path)+"&_pragma=synchronous("+syncMode+")")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := sqlite.Migrate(b.Context(), db); err != nil {
		b.Fatal(err)
	}
	s, err := sqlite.New(db)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// runSplit runs op n times in total, spread over the given number of
// goroutines; op gets its goroutine's number and its own counter.
func runSplit(b *testing.B, goroutines, n int, op func(g, i int) error) {
	var wg sync.WaitGroup
	for g := range goroutines {
		count := n / goroutines
		if g < n%goroutines {
			count++
		}
		wg.Go(func() {
			for i := range count {
				if err := op(g, i); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// reportRate adds writes per second to the benchmark's output.
func reportRate(b *testing.B, start time.Time, n int) {
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "writes/s")
}

// BenchmarkAppend measures a mid-drive checkpoint: Append of one event by
// the lease holder, from one goroutine and from eight (each on its own
// run).
func BenchmarkAppend(b *testing.B) {
	for _, mode := range benchSyncModes {
		for _, goroutines := range []int{1, 8} {
			b.Run(fmt.Sprintf("sync=%s/goroutines=%d", mode, goroutines), func(b *testing.B) {
				s := benchStore(b, mode)
				ctx := b.Context()
				for g := range goroutines {
					if _, _, err := s.CreateRun(ctx, leasedRun(fmt.Sprint("run-", g), "owner")); err != nil {
						b.Fatal(err)
					}
				}
				ev := step("charge-card", `{"chargeId": "ch_123", "amount": 1250}`)
				b.ResetTimer()
				start := time.Now()
				runSplit(b, goroutines, b.N, func(g, i int) error {
					ev := ev
					ev.StepID = fmt.Sprint("step-", i)
					return s.Append(ctx, fmt.Sprint("run-", g), store.Append{Owner: "owner", Next: i, Events: []wf.Event{ev}})
				})
				reportRate(b, start, b.N)
			})
		}
	}
}

// BenchmarkCommit measures a drive's final write: Commit of one event with
// the run paused on a timer and its lease released, from one goroutine and
// from eight (each on its own runs).
func BenchmarkCommit(b *testing.B) {
	for _, mode := range benchSyncModes {
		for _, goroutines := range []int{1, 8} {
			b.Run(fmt.Sprintf("sync=%s/goroutines=%d", mode, goroutines), func(b *testing.B) {
				s := benchStore(b, mode)
				ctx := b.Context()
				runID := func(g, i int) string { return fmt.Sprintf("run-%d-%d", g, i) }
				runSplit(b, goroutines, b.N, func(g, i int) error {
					_, _, err := s.CreateRun(ctx, leasedRun(runID(g, i), "owner"))
					return err
				})
				wake := base.Add(time.Hour)
				awaiting := []wf.Await{{StepID: "sleep", Kind: wf.AwaitTimer, Name: wf.TimerSignal, Deadline: &wake}}
				ev := wf.Event{Type: wf.SignalAwaited, Time: base, StepID: "sleep", Name: wf.TimerSignal, Deadline: &wake}
				b.ResetTimer()
				start := time.Now()
				runSplit(b, goroutines, b.N, func(g, i int) error {
					id := runID(g, i)
					return s.Commit(ctx, store.Commit{
						RunID: id, Owner: "owner", Next: 0, Events: []wf.Event{ev},
						Status: wf.StatusPaused, Awaiting: awaiting,
						Timers: []store.Timer{{RunID: id, StepID: "sleep", WakeAt: wake}},
						Now:    base,
					})
				})
				reportRate(b, start, b.N)
			})
		}
	}
}

// BenchmarkWorkflow10Steps measures a ten-step workflow end to end through
// the runtime (create, nine appends, the finishing commit), from one
// goroutine and from eight, each run its own.
func BenchmarkWorkflow10Steps(b *testing.B) {
	ids := make([]wf.StepID, 10)
	for i := range ids {
		ids[i] = wf.StepID(fmt.Sprint("step-", i))
	}
	def := wf.New("ten", func(ctx *wf.Context, _ struct{}) (int, error) {
		sum := 0
		for _, id := range ids {
			v, err := wf.Step(ctx, id, func(wf.StepContext) (int, error) { return 1, nil })
			if err != nil {
				return 0, err
			}
			sum += v
		}
		return sum, nil
	})
	for _, mode := range benchSyncModes {
		for _, goroutines := range []int{1, 8} {
			b.Run(fmt.Sprintf("sync=%s/goroutines=%d", mode, goroutines), func(b *testing.B) {
				rt, err := runtime.New(runtime.Config{Store: benchStore(b, mode), Workflows: []runtime.Workflow{{Definition: def}}})
				if err != nil {
					b.Fatal(err)
				}
				ctx := b.Context()
				b.ReportAllocs()
				b.ResetTimer()
				start := time.Now()
				runSplit(b, goroutines, b.N, func(g, i int) error {
					res, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "ten", RunID: fmt.Sprintf("run-%d-%d", g, i)})
					if err == nil && res.Kind != runtime.KindCompleted {
						err = fmt.Errorf("run ended %s", res.Kind)
					}
					return err
				})
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "workflows/s")
			})
		}
	}
}
