package runtime_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/internal/sqlitetest"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
	"github.com/wfgo/wf/store/postgres"
)

// BenchmarkFanOut compares a workflow of ten steps run concurrently (Go,
// All) with the same ten steps run one after another (Step), on each
// store, for steps that do no work and for steps that wait 5ms (a call to
// another service). Each operation is one run from StartRun to its end:
// ms/workflow is its latency, workflows/s what one caller gets serially.
func BenchmarkFanOut(b *testing.B) {
	newStores := []struct {
		name string
		new  func(b *testing.B) store.Store
	}{
		{"memstore", func(*testing.B) store.Store { return memstore.New() }},
		{"sqlite", func(b *testing.B) store.Store { return sqlitetest.New(b) }},
		{"postgres", func(b *testing.B) store.Store {
			pool := pgtest.NewPool(b, nil)
			schema := pgtest.NewSchema(b, pool)
			ctx := context.Background()
			if err := postgres.Migrate(ctx, pool, postgres.WithSchema(schema)); err != nil {
				b.Fatal(err)
			}
			st, err := postgres.New(ctx, pool, postgres.WithSchema(schema))
			if err != nil {
				b.Fatal(err)
			}
			return st
		}},
	}
	const n = 10
	for _, work := range []time.Duration{0, 5 * time.Millisecond} {
		step := func(i int) func(wf.StepContext) (int, error) {
			return func(wf.StepContext) (int, error) {
				if work > 0 {
					time.Sleep(work)
				}
				return i, nil
			}
		}
		concurrent := wf.New("concurrent", func(ctx *wf.Context, _ struct{}) (int, error) {
			fs := make([]wf.Awaitable, n)
			for i := range n {
				fs[i] = wf.Go(ctx, wf.StepID(fmt.Sprint("s-", i)), step(i))
			}
			return n, wf.All(ctx, fs...)
		})
		sequential := wf.New("sequential", func(ctx *wf.Context, _ struct{}) (int, error) {
			for i := range n {
				if _, err := wf.Step(ctx, wf.StepID(fmt.Sprint("s-", i)), step(i)); err != nil {
					return 0, err
				}
			}
			return n, nil
		})
		for _, s := range newStores {
			for _, def := range []*wf.Definition{concurrent, sequential} {
				b.Run(fmt.Sprintf("work=%s/%s/%s", work, s.name, def.ID()), func(b *testing.B) {
					rt, err := runtime.New(runtime.Config{Store: s.new(b), Workflows: []runtime.Workflow{{Definition: def}}})
					if err != nil {
						b.Fatal(err)
					}
					ctx := context.Background()
					i := 0
					start := time.Now()
					for b.Loop() {
						i++
						res, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: def.ID(), RunID: fmt.Sprint("r-", i)})
						if err != nil || res.Kind != runtime.KindCompleted {
							b.Fatalf("%s %v", res.Kind, err)
						}
					}
					elapsed := time.Since(start)
					b.ReportMetric(float64(i)/elapsed.Seconds(), "workflows/s")
					b.ReportMetric(elapsed.Seconds()*1000/float64(i), "ms/workflow")
				})
			}
		}
	}
}
