package runtime_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store/memstore"
)

// BenchmarkSweep10000DueTimers measures one sweep that delivers 10,000 due
// timers on memstore: claim, deliver __timer, drive each run to its end and
// commit.
func BenchmarkSweep10000DueTimers(b *testing.B) {
	const n = 10_000
	napper := wf.New("napper", func(ctx *wf.Context, _ struct{}) (int, error) {
		wf.Sleep(ctx, time.Minute)
		return 1, nil
	})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		c := testclock.New(t0)
		rt, err := runtime.New(runtime.Config{Store: memstore.New(), Workflows: []runtime.Workflow{{Definition: napper}}, Clock: c.Now,
			LeaseDuration: time.Hour})
		if err != nil {
			b.Fatal(err)
		}
		for i := range n {
			if _, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "napper", RunID: fmt.Sprint("r-", i)}); err != nil {
				b.Fatal(err)
			}
		}
		c.Advance(2 * time.Minute)
		b.StartTimer()
		res, err := rt.Sweep(ctx, runtime.SweepOptions{MaxTimers: n, MaxDuration: time.Hour})
		if err != nil || res.Summary.Timers[runtime.KindCompleted] != n {
			b.Fatalf("%+v %v", res.Summary, err)
		}
	}
}
