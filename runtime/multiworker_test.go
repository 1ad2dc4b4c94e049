package runtime_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store/postgres"
)

// TestFourSweepersOnPostgres drives 500 runs of a 5-step workflow with a
// sleep between steps to the end with four sweepers, each with its own
// runtime and connection pool, and checks that every step ran and was
// recorded exactly once.
func TestFourSweepersOnPostgres(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("multi-worker test skipped in -short mode")
	}
	const runs, steps, sweepers = 500, 5, 4
	admin := pgtest.NewPool(t, nil)
	schema := pgtest.NewSchema(t, admin)
	ctx := context.Background()
	if err := postgres.Migrate(ctx, admin, postgres.WithSchema(schema)); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	executed := map[string]int{}
	def := wf.New("five", func(ctx *wf.Context, _ struct{}) (int, error) {
		for i := range steps {
			id := wf.StepID(fmt.Sprintf("step-%d", i))
			if err := wf.Do(ctx, id, func(sc wf.StepContext) error {
				mu.Lock()
				executed[sc.IdempotencyKey()]++
				mu.Unlock()
				return nil
			}); err != nil {
				return 0, err
			}
			if i < steps-1 {
				wf.Sleep(ctx, time.Minute, wf.ID(fmt.Sprintf("nap-%d", i)))
			}
		}
		return steps, nil
	})
	c := testclock.New(t0)
	rts := make([]*runtime.Runtime, sweepers)
	for i := range rts {
		pool := pgtest.NewPool(t, nil)
		st, err := postgres.New(ctx, pool, postgres.WithSchema(schema))
		if err != nil {
			t.Fatal(err)
		}
		rts[i], err = runtime.New(runtime.Config{Store: st, Workflows: []runtime.Workflow{{Definition: def}},
			Clock: c.Now, Owner: fmt.Sprintf("sweeper-%d", i)})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Start the runs from all four runtimes at once.
	g, gctx := errgroup.WithContext(ctx)
	for w := range sweepers {
		g.Go(func() error {
			for i := w; i < runs; i += sweepers {
				if _, err := rts[w].StartRun(gctx, runtime.StartRequest{WorkflowID: "five", RunID: fmt.Sprint("run-", i)}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	// Each round moves time past the sleeps; the four sweepers compete for
	// the due timers until none is left.
	for round := 0; round < steps-1; round++ {
		c.Advance(2 * time.Minute)
		g, gctx := errgroup.WithContext(ctx)
		for w := range sweepers {
			g.Go(func() error {
				for {
					res, err := rts[w].Sweep(gctx, runtime.SweepOptions{MaxTimers: 40})
					if err != nil {
						return err
					}
					if n := res.Summary.Timers["error"]; n > 0 {
						return fmt.Errorf("sweeper %d: %d timer items failed", w, n)
					}
					if !res.RemainingMayExist {
						return nil
					}
				}
			})
		}
		if err := g.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	for i := range runs {
		id := fmt.Sprint("run-", i)
		tl, err := rts[0].Timeline(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if tl.Run.Status != wf.StatusFinished {
			t.Fatalf("%s: status %s, waiting for %+v", id, tl.Run.Status, tl.Run.Awaiting)
		}
		recorded := map[string]int{}
		for _, ev := range tl.Events {
			if ev.Type == wf.StepFinished {
				recorded[ev.StepID]++
			}
		}
		for s := range steps {
			step := fmt.Sprintf("step-%d", s)
			if recorded[step] != 1 || executed[id+"/"+step] != 1 {
				t.Fatalf("%s %s: recorded %d times, executed %d times; want once", id, step, recorded[step], executed[id+"/"+step])
			}
		}
	}
}
