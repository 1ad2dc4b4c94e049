package runtime_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

func TestSweepReleasesUnreachedTimers(t *testing.T) {
	t.Parallel()
	forEachStore(t, testSweepReleasesUnreachedTimers)
}

// A sweep that runs out of time releases the timers it claimed and did not
// reach, and their runs: the next sweep, at the same instant, drives them
// (their timers were delivered in the first sweep's claim, so recovery
// takes the runs).
func testSweepReleasesUnreachedTimers(t *testing.T, newStore func(*testing.T) store.Store) {
	ctx := context.Background()
	c := testclock.New(t0)
	var spent atomic.Bool
	sleeper := wf.New("sleeper", func(ctx *wf.Context, _ struct{}) (int, error) {
		wf.Sleep(ctx, time.Minute)
		return wf.Step(ctx, "after", func(wf.StepContext) (int, error) {
			if spent.CompareAndSwap(false, true) {
				c.Advance(11 * time.Second) // the first woken run spends the sweep's budget
			}
			return 1, nil
		})
	})
	rt := newTestRuntime(t, runtime.Config{Store: newStore(t), Clock: c.Now, Owner: "a"}, sleeper)
	for i := range 3 {
		if res, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "sleeper", RunID: fmt.Sprintf("s-%d", i)}); err != nil || res.Kind != runtime.KindPaused {
			t.Fatalf("start: %s %v", res.Kind, err)
		}
	}
	c.Advance(time.Minute)
	sw := mustSweep(t, rt, runtime.SweepOptions{MaxDuration: 10 * time.Second})
	if !sw.DeadlineReached || !sw.RemainingMayExist || sw.Summary.Timers[runtime.KindCompleted] != 1 {
		t.Fatalf("first sweep: %+v deadline %v remaining %v; want one timer, then out of time", sw.Summary, sw.DeadlineReached, sw.RemainingMayExist)
	}
	sw = mustSweep(t, rt, runtime.SweepOptions{MaxDuration: 10 * time.Second})
	if n := sw.Summary.Timers[runtime.KindCompleted] + sw.Summary.Recovered[runtime.KindCompleted]; n != 2 {
		t.Fatalf("next sweep completed %d runs (timers %v, recovered %v), want the 2 the first one did not reach", n, sw.Summary.Timers, sw.Summary.Recovered)
	}
}

func TestShortBudgetRunsSteps(t *testing.T) {
	t.Parallel()
	forEachStore(t, testShortBudgetRunsSteps)
}

// A budget shorter than MinYieldRemaining (2s by default) still runs
// steps: the margin is clamped to a quarter of the budget.
func testShortBudgetRunsSteps(t *testing.T, newStore func(*testing.T) store.Store) {
	ctx := context.Background()
	c := testclock.New(t0)
	twoSteps := wf.New("two-steps", func(ctx *wf.Context, _ struct{}) (int, error) {
		for _, id := range []wf.StepID{"a", "b"} {
			if err := wf.Do(ctx, id, func(wf.StepContext) error { return nil }); err != nil {
				return 0, err
			}
		}
		return 2, nil
	})
	st := newStore(t)
	rt := newTestRuntime(t, runtime.Config{Store: st, Clock: c.Now, Owner: "a"}, twoSteps)
	res, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "two-steps", RunID: "started", Deadline: c.Now().Add(time.Second)})
	if err != nil || res.Kind != runtime.KindCompleted {
		t.Fatalf("StartRun with a 1s budget: %s %v, want completed", res.Kind, err)
	}
	createStale(t, st, twoSteps, "stale", c.Now())
	sw := mustSweep(t, rt, runtime.SweepOptions{MaxDuration: time.Second})
	if sw.Summary.Recovered[runtime.KindCompleted] != 1 {
		t.Fatalf("1s sweep recovered %v, want the run completed", sw.Summary.Recovered)
	}
}

// A sweep budget past the lease is refused: batch claims of timers and
// buckets are not renewed while they wait. The default budget stays within
// the lease.
func TestSweepBudgetPastLeaseRefused(t *testing.T) {
	t.Parallel()
	rt := newTestRuntime(t, runtime.Config{Store: memstore.New(), LeaseDuration: 10 * time.Second}, oneStep())
	_, err := rt.Sweep(context.Background(), runtime.SweepOptions{MaxDuration: 20 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "LeaseDuration") {
		t.Errorf("Sweep(MaxDuration 20s) with a 10s lease: %v, want an error naming LeaseDuration", err)
	}
	for _, opts := range []runtime.SweepOptions{{MaxDuration: 10 * time.Second}, {}} {
		if _, err := rt.Sweep(context.Background(), opts); err != nil {
			t.Errorf("Sweep(MaxDuration %s) within the lease: %v", opts.MaxDuration, err)
		}
	}
	if got := rt.SweepDefaults(runtime.SweepOptions{}).MaxDuration; got != 10*time.Second {
		t.Errorf("default MaxDuration with a 10s lease = %s, want 10s", got)
	}
}

func TestSweepReleasesUnreachedRunsAndBuckets(t *testing.T) {
	t.Parallel()
	forEachStore(t, testSweepReleasesUnreachedRunsAndBuckets)
}

// A sweep that runs out of time releases the stale runs and the schedule
// buckets it claimed and did not reach: the next sweep, at the same
// instant, takes them.
func testSweepReleasesUnreachedRunsAndBuckets(t *testing.T, newStore func(*testing.T) store.Store) {
	c := testclock.New(t0)
	var spent atomic.Bool
	spender := func(id string) *wf.Definition {
		return wf.New(id, func(ctx *wf.Context, _ struct{}) (int, error) {
			return wf.Step(ctx, "s", func(wf.StepContext) (int, error) {
				if spent.CompareAndSwap(false, true) {
					c.Advance(11 * time.Second) // the first item spends the sweep's budget
				}
				return 1, nil
			})
		})
	}
	stale, ticker := spender("stale"), spender("ticker")
	var schedules []runtime.Schedule
	for i := range 3 {
		schedules = append(schedules, runtime.Schedule{ID: fmt.Sprint("tick-", i), Spec: runtime.Every(15 * time.Minute), Overlap: runtime.OverlapAllow})
	}
	st := newStore(t)
	rt, err := runtime.New(runtime.Config{Store: st, Clock: c.Now, Owner: "a", Workflows: []runtime.Workflow{
		{Definition: stale}, {Definition: ticker, Schedules: schedules}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		createStale(t, st, stale, fmt.Sprint("stale-", i), c.Now())
	}
	opts := runtime.SweepOptions{MaxDuration: 10 * time.Second}
	sw := mustSweep(t, rt, opts)
	if !sw.DeadlineReached || sw.Summary.Recovered[runtime.KindCompleted] != 1 || sw.Summary.Scheduled.Total() != 0 {
		t.Fatalf("first sweep: %+v, want one run recovered, then out of time", sw.Summary)
	}
	sw = mustSweep(t, rt, opts)
	if sw.Summary.Recovered[runtime.KindCompleted] != 2 || sw.Summary.Scheduled[runtime.KindCompleted] != 3 {
		t.Fatalf("next sweep: %+v, want the 2 runs the first did not reach and the 3 buckets", sw.Summary)
	}

	// Now the buckets: the next ticks are due; the first one spends the
	// budget.
	spent.Store(false)
	c.Set(t0.Add(15 * time.Minute))
	sw = mustSweep(t, rt, opts)
	if !sw.DeadlineReached || sw.Summary.Scheduled[runtime.KindCompleted] != 1 {
		t.Fatalf("tick sweep: %+v, want one bucket started, then out of time", sw.Summary)
	}
	sw = mustSweep(t, rt, opts)
	if sw.Summary.Scheduled[runtime.KindCompleted] != 2 {
		t.Fatalf("next tick sweep: %+v, want the 2 buckets the first did not reach", sw.Summary)
	}
}
