package runtime_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// hookStore calls a run's hook once, before the first ClaimRun or
// LoadExecution of that run: the moment a process stalls.
type hookStore struct {
	store.Store
	mu    sync.Mutex
	hooks map[string]func()
}

func (s *hookStore) before(runID string) {
	s.mu.Lock()
	hook := s.hooks[runID]
	delete(s.hooks, runID)
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
}

func (s *hookStore) ClaimRun(ctx context.Context, runID string, l store.Lease) (store.ClaimResult, error) {
	s.before(runID)
	return s.Store.ClaimRun(ctx, runID, l)
}

func (s *hookStore) LoadExecution(ctx context.Context, runID string) (store.Execution, error) {
	s.before(runID)
	return s.Store.LoadExecution(ctx, runID)
}

// charger counts the executions of each run's "charge" step. The first
// execution of blockRun's step signals inStep and waits for proceed: the
// other runtime is then in the middle of that step.
type charger struct {
	blockRun string
	inStep   chan struct{}
	proceed  chan struct{}
	mu       sync.Mutex
	charges  map[string]int
}

func newCharger(blockRun string) *charger {
	return &charger{blockRun: blockRun, inStep: make(chan struct{}), proceed: make(chan struct{}), charges: map[string]int{}}
}

func (ch *charger) charge(runID string) {
	ch.mu.Lock()
	ch.charges[runID]++
	n := ch.charges[runID]
	ch.mu.Unlock()
	if runID == ch.blockRun && n == 1 {
		close(ch.inStep)
		<-ch.proceed
	}
}

func (ch *charger) count(runID string) int {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return ch.charges[runID]
}

// workflow charges once; before is called at the top of every invocation
// of the handler (replays included).
func (ch *charger) workflow(before func(runID string)) *wf.Definition {
	return wf.New("charge", func(ctx *wf.Context, _ struct{}) (int, error) {
		if before != nil {
			before(ctx.RunID())
		}
		return 1, wf.Do(ctx, "charge", func(sc wf.StepContext) error {
			ch.charge(ctx.RunID())
			return nil
		})
	})
}

// sweepInBackground starts rt's sweep and returns a wait for its result.
func sweepInBackground(t *testing.T, rt *runtime.Runtime) func() runtime.SweepResult {
	done := make(chan runtime.SweepResult, 1)
	go func() {
		res, err := rt.Sweep(context.Background(), runtime.SweepOptions{})
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	return func() runtime.SweepResult { return <-done }
}

// waitInStep waits until the other runtime is inside the blocked step.
func waitInStep(t *testing.T, ch *charger) {
	select {
	case <-ch.inStep:
	case <-time.After(30 * time.Second):
		t.Error("the other runtime never reached the step")
	}
}

func TestSweepDoesNotDriveRunItNoLongerHolds(t *testing.T) {
	t.Parallel()
	forEachStore(t, testSweepReclaimsBeforeDriving)
}

// Runtime A's sweep claims two stale runs under one lease; before A
// reaches the second, runtime B, whose clock says that lease has lapsed,
// recovers that run and is running its step. A, whose own budget is not
// spent, must not run the step too.
func testSweepReclaimsBeforeDriving(t *testing.T, newStore func(*testing.T) store.Store) {
	c := testclock.New(t0)
	ahead := testclock.New(t0.Add(31*time.Second + time.Millisecond)) // B's clock
	st := newStore(t)
	ch := newCharger("r2")
	def := ch.workflow(nil)
	hooked := &hookStore{Store: st, hooks: map[string]func(){}}
	a := newTestRuntime(t, runtime.Config{Store: hooked, Clock: c.Now, Owner: "a"}, def)
	b := newTestRuntime(t, runtime.Config{Store: st, Clock: ahead.Now, Owner: "b"}, def)
	createStale(t, st, def, "r1", c.Now())
	c.Advance(time.Millisecond)
	createStale(t, st, def, "r2", c.Now())

	var waitB func() runtime.SweepResult
	hooked.hooks["r2"] = func() {
		waitB = sweepInBackground(t, b)
		waitInStep(t, ch)
	}
	resA := mustSweep(t, a, runtime.SweepOptions{MaxRecoveredRuns: 2})
	close(ch.proceed)
	resB := waitB()

	if n := ch.count("r2"); n != 1 {
		t.Errorf("r2's step ran %d times, want once (by B)", n)
	}
	if resA.Summary.Recovered[runtime.KindCompleted] != 1 || resA.Summary.Recovered[runtime.KindNotClaimable] != 1 {
		t.Errorf("A recovered %v, want r1 completed and r2 not claimable", resA.Summary.Recovered)
	}
	if resB.Summary.Recovered[runtime.KindCompleted] != 1 {
		t.Errorf("B recovered %v, want r2 completed", resB.Summary.Recovered)
	}
}

func TestStalledDriveDoesNotRunStep(t *testing.T) {
	t.Parallel()
	forEachStore(t, testStalledDriveDoesNotRunStep)
}

// Runtime A's drive stalls past its lease right before a step; runtime B
// recovers the run and is running that step. A must not run it too.
func testStalledDriveDoesNotRunStep(t *testing.T, newStore func(*testing.T) store.Store) {
	c := testclock.New(t0)
	st := newStore(t)
	ch := newCharger("r")
	var (
		stalled atomic.Bool
		b       *runtime.Runtime
		waitB   func() runtime.SweepResult
	)
	def := ch.workflow(func(string) {
		if stalled.CompareAndSwap(false, true) {
			c.Advance(31 * time.Second) // A's lease has lapsed
			waitB = sweepInBackground(t, b)
			waitInStep(t, ch)
		}
	})
	a := newTestRuntime(t, runtime.Config{Store: st, Clock: c.Now, Owner: "a"}, def)
	b = newTestRuntime(t, runtime.Config{Store: st, Clock: c.Now, Owner: "b"}, def)

	resA, err := a.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "charge", RunID: "r"})
	close(ch.proceed)
	resB := waitB()
	if err != nil || resA.Kind != runtime.KindNotClaimable {
		t.Errorf("A's StartRun: %s %v, want not-claimable", resA.Kind, err)
	}
	if n := ch.count("r"); n != 1 {
		t.Errorf("the step ran %d times, want once (by B)", n)
	}
	if resB.Summary.Recovered[runtime.KindCompleted] != 1 {
		t.Errorf("B recovered %v, want the run completed", resB.Summary.Recovered)
	}
}
