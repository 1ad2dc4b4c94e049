package runtime_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

// flaky is workflow "flaky": prepare, charge (which fails while down
// holds; two attempts per run of it), ship. Steps count their executions
// per run in fx.
type flaky struct {
	fx   effects
	down atomic.Int32 // charge attempts left to fail
}

func (f *flaky) definition() *wf.Definition {
	return wf.New("flaky", func(ctx *wf.Context, _ struct{}) (string, error) {
		step := func(id wf.StepID, opts ...wf.StepOption) error {
			return wf.Do(ctx, id, func(sc wf.StepContext) error {
				f.fx.do(ctx.RunID(), string(id))
				if id == "charge" && f.down.Add(-1) >= 0 {
					return errors.New("payment processor down")
				}
				return nil
			}, opts...)
		}
		for _, id := range []wf.StepID{"prepare", "charge", "ship"} {
			var opts []wf.StepOption
			if id == "charge" {
				opts = append(opts, wf.WithRetry(wf.RetryPolicy{MaxAttempts: 2}))
			}
			if err := step(id, opts...); err != nil {
				return "", err
			}
		}
		return "shipped", nil
	}, wf.Version("v1"))
}

func newFlaky(t *testing.T, st store.Store) (*runtime.Runtime, *flaky) {
	t.Helper()
	f := &flaky{}
	rt, err := runtime.New(runtime.Config{Store: st, Clock: testclock.New(t0).Now, Owner: "retry-test",
		Workflows: []runtime.Workflow{{Definition: f.definition()}}})
	if err != nil {
		t.Fatal(err)
	}
	return rt, f
}

func startFlaky(t *testing.T, rt *runtime.Runtime, runID string, want runtime.ResultKind) {
	t.Helper()
	res, err := rt.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "flaky", RunID: runID, Input: []byte(`{}`)})
	if err != nil || res.Kind != want {
		t.Fatalf("start %s: %s %v, want %s", runID, res.Kind, err, want)
	}
}

func wantCounts(t *testing.T, f *flaky, runID string, prepare, charge, ship int) {
	t.Helper()
	got := [3]int{f.fx.count(runID, "prepare"), f.fx.count(runID, "charge"), f.fx.count(runID, "ship")}
	if got != [3]int{prepare, charge, ship} {
		t.Errorf("run %s step executions (prepare, charge, ship) = %v, want %v", runID, got, [3]int{prepare, charge, ship})
	}
}

// TestRetryFlakyStep: a run that errored on a step resumes with a fresh
// attempt budget for it and without running the steps before it again.
func TestRetryFlakyStep(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		ctx := context.Background()
		rt, f := newFlaky(t, newStore(t))
		f.down.Store(3) // both attempts fail, then the first after the retry
		startFlaky(t, rt, "r1", runtime.KindErrored)
		wantCounts(t, f, "r1", 1, 2, 0)

		res, err := rt.Retry(ctx, "r1", runtime.RequestedBy("ops@example.com"), runtime.Because("processor back"))
		if err != nil || res.Kind != runtime.KindCompleted || string(res.Run.Output) != `"shipped"` {
			t.Fatalf("Retry = %s %s, %v; want completed", res.Kind, res.Run.Output, err)
		}
		wantCounts(t, f, "r1", 1, 4, 1) // charge: two attempts again, the second succeeds

		again, err := rt.Retry(ctx, "r1")
		if err != nil || again.Kind != runtime.KindDuplicate {
			t.Fatalf("second Retry = %s, %v; want duplicate", again.Kind, err)
		}
		wantCounts(t, f, "r1", 1, 4, 1)

		tl, err := rt.Timeline(ctx, "r1")
		if err != nil {
			t.Fatal(err)
		}
		var marker *wf.Event
		for i := range tl.Events {
			if tl.Events[i].Type == wf.RunRetried {
				marker = &tl.Events[i]
			}
		}
		if marker == nil || marker.StepID != "charge" || marker.Meta["by"] != "ops@example.com" || marker.Meta["reason"] != "processor back" || !marker.Time.Equal(t0) {
			t.Errorf("RUN_RETRIED marker = %+v, want charge retried by ops@example.com because the processor is back, at t0", marker)
		}
		if st, _ := rt.Attach(ctx, "r1"); st.Status != wf.StatusFinished {
			t.Errorf("Attach after the retry: %s, want finished", st.Status)
		}
	})
}

func TestRetryAgainAfterAnotherFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rt, f := newFlaky(t, newStoreMem(t))
	f.down.Store(4)
	startFlaky(t, rt, "r1", runtime.KindErrored)
	if res, err := rt.Retry(ctx, "r1"); err != nil || res.Kind != runtime.KindErrored {
		t.Fatalf("first Retry = %s, %v; want errored again", res.Kind, err)
	}
	if res, err := rt.Retry(ctx, "r1"); err != nil || res.Kind != runtime.KindCompleted {
		t.Fatalf("second Retry = %s, %v; want completed", res.Kind, err)
	}
	wantCounts(t, f, "r1", 1, 5, 1)
}

func TestRetryCanceledRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	startOrder(t, b, "o1")
	if res, err := b.rt.Cancel(ctx, "o1", "customer called"); err != nil || res.Kind != runtime.KindCanceled {
		t.Fatalf("Cancel = %s, %v", res.Kind, err)
	}
	res, err := b.rt.Retry(ctx, "o1")
	if err != nil || res.Kind != runtime.KindPaused {
		t.Fatalf("Retry of a canceled run = %s, %v; want paused again", res.Kind, err)
	}
	if len(b.shop.reserved) != 1 {
		t.Errorf("reserve-inventory ran %d times, want once", len(b.shop.reserved))
	}
}

func TestRetryAndForkRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	startOrder(t, b, "live")
	if _, err := b.rt.Retry(ctx, "live"); !errors.Is(err, runtime.ErrNotEnded) {
		t.Errorf("Retry of a paused run: %v, want ErrNotEnded", err)
	}
	if _, err := b.rt.Fork(ctx, "live", "reserve-inventory", "f1"); !errors.Is(err, runtime.ErrNotEnded) {
		t.Errorf("Fork of a paused run: %v, want ErrNotEnded", err)
	}
	if res, err := b.rt.Retry(ctx, "missing"); err != nil || res.Kind != runtime.KindNotFound {
		t.Errorf("Retry of a missing run: %s %v, want not-found", res.Kind, err)
	}
	rt, _ := newFlaky(t, newStoreMem(t))
	startFlaky(t, rt, "done", runtime.KindCompleted)
	if _, err := rt.Retry(ctx, "done"); !errors.Is(err, runtime.ErrNotRetryable) {
		t.Errorf("Retry of a finished run: %v, want ErrNotRetryable", err)
	}
	if _, err := rt.Fork(ctx, "done", "refund", "f1"); !errors.Is(err, runtime.ErrUnknownStep) {
		t.Errorf("Fork from a step not in the log: %v, want ErrUnknownStep", err)
	}
	if _, err := rt.Fork(ctx, "done", "charge", ""); err == nil {
		t.Error("Fork without a new run ID: want an error")
	}
	if _, err := rt.Fork(ctx, "done", "charge", "a/b"); !errors.Is(err, runtime.ErrInvalidID) {
		t.Errorf("Fork onto a run ID StartRun refuses: %v, want ErrInvalidID", err)
	}
	startFlaky(t, rt, "other", runtime.KindCompleted)
	if _, err := rt.Fork(ctx, "done", "charge", "other"); !errors.Is(err, runtime.ErrRunExists) {
		t.Errorf("Fork onto a run ID taken by another run: %v, want ErrRunExists", err)
	}
}

// TestFork: a fork from a middle step replays the steps before it and
// runs the rest; forking again with the same new run ID returns it.
func TestFork(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		ctx := context.Background()
		rt, f := newFlaky(t, newStore(t))
		startFlaky(t, rt, "src", runtime.KindCompleted)
		res, err := rt.Fork(ctx, "src", "charge", "fork-1", runtime.RequestedBy("ops"))
		if err != nil || res.Kind != runtime.KindCompleted || res.Run.ID != "fork-1" || res.Run.Version != "v1" {
			t.Fatalf("Fork = %s %s %s, %v; want fork-1 completed on v1", res.Kind, res.Run.ID, res.Run.Version, err)
		}
		wantCounts(t, f, "fork-1", 0, 1, 1)
		again, err := rt.Fork(ctx, "src", "charge", "fork-1")
		if err != nil || !again.Existing || again.Kind != runtime.KindCompleted {
			t.Fatalf("second Fork = %s existing %v, %v; want the same run", again.Kind, again.Existing, err)
		}
		wantCounts(t, f, "fork-1", 0, 1, 1)
		tl, err := rt.Timeline(ctx, "fork-1")
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"STEP_FINISHED:prepare", "RUN_FORKED:charge", "STEP_FINISHED:charge", "STEP_FINISHED:ship", "RUN_FINISHED"}
		if got := eventKinds(tl.Events); !equalStrings(got, want) {
			t.Errorf("fork's log = %v, want %v", got, want)
		}
		if m := tl.Events[1]; m.RunID != "src" || m.Meta["by"] != "ops" {
			t.Errorf("RUN_FORKED = %+v, want source src requested by ops", m)
		}
	})
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func newStoreMem(t *testing.T) store.Store { return memstore.New() }

// startOrder starts a fulfillment run that pauses on its sleep.
func startOrder(t *testing.T, b bundle, runID string) {
	t.Helper()
	res, err := b.rt.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "fulfillment", RunID: runID,
		Input: raw(t, orderInput{OrderID: runID, DelayMs: 60000})})
	if err != nil || res.Kind != runtime.KindPaused {
		t.Fatalf("start %s: %s %v", runID, res.Kind, err)
	}
}

// TestRetryAfterCompensation: a run that did durable work after its step
// failed ended on its own terms; a retry replays it to the same end
// without running the failed step again.
func TestRetryAfterCompensation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var fx effects
	def := wf.New("saga", func(ctx *wf.Context, _ struct{}) (string, error) {
		err := wf.Do(ctx, "charge", func(wf.StepContext) error { fx.do(ctx.RunID(), "charge"); return errors.New("declined") })
		if err == nil {
			return "charged", nil
		}
		if err := wf.Do(ctx, "release", func(wf.StepContext) error { fx.do(ctx.RunID(), "release"); return nil }); err != nil {
			return "", err
		}
		return "", err
	})
	rt, err := runtime.New(runtime.Config{Store: memstore.New(), Workflows: []runtime.Workflow{{Definition: def}}})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "saga", RunID: "s1", Input: []byte(`{}`)}); err != nil || res.Kind != runtime.KindErrored {
		t.Fatalf("start: %s %v", res.Kind, err)
	}
	if res, err := rt.Retry(ctx, "s1"); err != nil || res.Kind != runtime.KindErrored {
		t.Fatalf("Retry: %s %v, want errored the same way", res.Kind, err)
	}
	if fx.count("s1", "charge") != 1 || fx.count("s1", "release") != 1 {
		t.Errorf("steps ran again: charge %d, release %d", fx.count("s1", "charge"), fx.count("s1", "release"))
	}
}

// TestRetryConcurrently: retries racing each other resume the run once.
func TestRetryConcurrently(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		rt, f := newFlaky(t, newStore(t))
		f.down.Store(2)
		startFlaky(t, rt, "r1", runtime.KindErrored)
		kinds := make(chan runtime.ResultKind, 4)
		for range 4 {
			go func() {
				res, err := rt.Retry(context.Background(), "r1")
				if err != nil {
					t.Error(err)
				}
				kinds <- res.Kind
			}()
		}
		counts := map[runtime.ResultKind]int{}
		for range 4 {
			counts[<-kinds]++
		}
		if counts[runtime.KindDuplicate] != 3 || counts[runtime.KindCompleted] != 1 {
			t.Errorf("racing retries: %v, want one completed and three duplicates", counts)
		}
		wantCounts(t, f, "r1", 1, 3, 1)
	})
}
