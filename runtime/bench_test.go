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

// BenchmarkStartRun10Steps measures the runtime's own cost of a ten-step
// workflow on memstore: StartRun creates the run and drives it to its end
// (nine appends and the finishing commit).
func BenchmarkStartRun10Steps(b *testing.B) {
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
	rt, err := runtime.New(runtime.Config{Store: memstore.New(), Workflows: []runtime.Workflow{{Definition: def}}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		res, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "ten", RunID: fmt.Sprint("r-", i)})
		if err != nil || res.Kind != runtime.KindCompleted {
			b.Fatal(res.Kind, err)
		}
	}
}
