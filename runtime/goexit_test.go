package runtime_test

import (
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/wfgo/wf"
	wfruntime "github.com/wfgo/wf/runtime"
)

// A step function that calls runtime.Goexit on the workflow's goroutine
// (as testing.T.FailNow does) fails its attempt: the run is left for the
// next drive, which retries the step per its policy, and a sweep finishes
// it. The function ran twice, never more.
func TestStepGoexitIsRetriedByTheNextDrive(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	def := wf.New("goexit", func(ctx *wf.Context, _ struct{}) (int, error) {
		return wf.Step(ctx, "s", func(sc wf.StepContext) (int, error) {
			if calls.Add(1) == 1 {
				runtime.Goexit()
			}
			return sc.Attempt(), nil
		}, wf.WithRetry(wf.RetryPolicy{MaxAttempts: 3}))
	})
	b := setup(t, wfruntime.Workflow{Definition: def})
	res, err := b.rt.StartRun(t.Context(), wfruntime.StartRequest{WorkflowID: "goexit", RunID: "g-1"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3 && res.Kind != wfruntime.KindCompleted; i++ {
		sw, err := b.rt.Sweep(t.Context(), wfruntime.SweepOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range sw.Recovered {
			if r.RunID == "g-1" {
				res.Kind = r.Kind
			}
		}
	}
	run, err := b.store.GetRun(t.Context(), "g-1")
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != "finished" || string(run.Output) != "2" {
		t.Fatalf("run %s with output %s, want finished with 2 (the second attempt)", run.Status, run.Output)
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("step function ran %d times, want 2", n)
	}
}
