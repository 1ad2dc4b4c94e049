package runtime_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

// racingFirer is a store whose second FireDueTimers claims its timers and
// reads their runs' executions before the first commit of run, and
// returns after it, as a claim of the sweep's next batch does when that
// run's drive in the current batch commits meanwhile.
type racingFirer struct {
	store.Store
	run                string
	armed              atomic.Bool // set once the runs are started
	calls              atomic.Int32
	claimed, committed chan struct{}
	once               sync.Once
	refused            atomic.Int32 // writes to run the store refused
}

func (s *racingFirer) Append(ctx context.Context, runID string, a store.Append) error {
	err := s.Store.Append(ctx, runID, a)
	if err != nil && runID == s.run {
		s.refused.Add(1)
	}
	return err
}

func (s *racingFirer) FireDueTimers(ctx context.Context, limit int, l store.Lease) ([]store.FiredTimer, error) {
	fired, err := store.FireDueTimers(ctx, s.Store, limit, l)
	if s.calls.Add(1) == 2 {
		close(s.claimed)
		wait(s.committed)
	}
	return fired, err
}

func (s *racingFirer) Commit(ctx context.Context, c store.Commit) error {
	first := false
	if c.RunID == s.run && s.armed.Load() {
		s.once.Do(func() { first = true })
	}
	if first {
		wait(s.claimed)
		defer close(s.committed)
	}
	err := s.Store.Commit(ctx, c)
	if err != nil && c.RunID == s.run {
		s.refused.Add(1)
	}
	return err
}

// wait waits for ch a while: a sweep that does not claim ahead never
// closes it.
func wait(ch chan struct{}) {
	select {
	case <-ch:
	case <-time.After(2 * time.Second):
	}
}

// A run whose two timers fall in two batches of one sweep is driven by
// the first; the second batch claimed the other timer and read the run
// before that drive committed, and must not drive the run from that stale
// read (the store would refuse its writes): no write to the run is
// refused, its step runs once, no drive fails, and the run ends.
func TestSweepTimersOfOneRunInTwoBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := testclock.New(t0)
	var steps atomic.Int32
	both := wf.New("both", func(ctx *wf.Context, _ struct{}) (int, error) {
		a := wf.Timer(ctx, time.Minute+time.Second, wf.ID("a"))
		b := wf.Timer(ctx, time.Minute+3*time.Second, wf.ID("b"))
		if err := wf.All(ctx, a, b); err != nil {
			return 0, err
		}
		return wf.Step(ctx, "after", func(wf.StepContext) (int, error) { return int(steps.Add(1)), nil })
	})
	nap := wf.New("nap", func(ctx *wf.Context, _ struct{}) (int, error) {
		wf.Sleep(ctx, time.Minute)
		return 1, nil
	})
	st := &racingFirer{Store: memstore.New(), run: "both", claimed: make(chan struct{}), committed: make(chan struct{})}
	rt := newTestRuntime(t, runtime.Config{Store: st, Clock: c.Now, Owner: "a"}, both, nap)
	start := func(workflow, id string) {
		t.Helper()
		if res, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: workflow, RunID: id}); err != nil || res.Kind != runtime.KindPaused {
			t.Fatalf("start %s: %s %v", id, res.Kind, err)
		}
	}
	// Due order: 20 naps, timer a, 20 naps, timer b; a batch holds 32.
	start("both", "both")
	for i := range 20 {
		start("nap", fmt.Sprint("early-", i))
	}
	c.Advance(2 * time.Second)
	for i := range 20 {
		start("nap", fmt.Sprint("late-", i))
	}
	c.Advance(2 * time.Minute)
	st.armed.Store(true)
	sw := mustSweep(t, rt, runtime.SweepOptions{MaxTimers: 100})
	if st.calls.Load() < 2 {
		t.Fatalf("the sweep claimed timers %d times, want the two batches", st.calls.Load())
	}
	if sw.Summary.Timers["error"] != 0 || len(sw.Summary.Failed) != 0 || sw.Summary.Timers[runtime.KindCompleted] < 40 {
		t.Fatalf("sweep: %+v; want the 40 naps completed, no drive failed", sw.Summary)
	}
	mustSweep(t, rt, runtime.SweepOptions{})
	run, err := st.GetRun(ctx, "both")
	if err != nil || run.Status != wf.StatusFinished {
		t.Fatalf("run both after the next sweep: %s %v, want finished", run.Status, err)
	}
	if n := st.refused.Load(); n != 0 {
		t.Errorf("the store refused %d writes to run both, want none (a drive from a stale read)", n)
	}
	if n := steps.Load(); n != 1 {
		t.Errorf("the step after both timers ran %d times, want once", n)
	}
}
