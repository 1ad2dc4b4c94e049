package runtime_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

// leaseLosingStore reports every heartbeat as lost, as if another owner had
// taken the run over.
type leaseLosingStore struct {
	*memstore.Store
	heartbeats atomic.Int32
}

func (s *leaseLosingStore) Heartbeat(ctx context.Context, runID string, l store.Lease) error {
	s.heartbeats.Add(1)
	return store.ErrLeaseLost
}

func TestLostLeaseAbortsDrive(t *testing.T) {
	t.Parallel()
	st := &leaseLosingStore{Store: memstore.New()}
	var after atomic.Bool
	slow := wf.New("slow", func(ctx *wf.Context, _ struct{}) (int, error) {
		err := wf.Do(ctx, "wait-for-cancel", func(sc wf.StepContext) error {
			select {
			case <-sc.Done():
				return sc.Err()
			case <-time.After(5 * time.Second):
				return nil
			}
		})
		if err != nil {
			return 0, err
		}
		after.Store(true)
		return 1, nil
	})
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: []runtime.Workflow{{Definition: slow}}, LeaseDuration: 60 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	res, err := rt.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "slow", RunID: "s"})
	if err != nil {
		t.Fatalf("a lost lease is not a caller error: %v", err)
	}
	if res.Kind != runtime.KindNotClaimable || st.heartbeats.Load() == 0 {
		t.Fatalf("result %s after %d heartbeats, want not-claimable", res.Kind, st.heartbeats.Load())
	}
	if after.Load() {
		t.Fatal("the workflow went on after losing its lease")
	}
	ex, err := st.LoadExecution(context.Background(), "s")
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Events) != 0 {
		t.Fatalf("a drive without its lease recorded %d events", len(ex.Events))
	}
}

// conflictStore fails the first Append with ErrConflict, as when another
// driver got ahead on the same run.
type conflictStore struct {
	*memstore.Store
	failed atomic.Bool
}

func (s *conflictStore) Append(ctx context.Context, runID string, a store.Append) error {
	if s.failed.CompareAndSwap(false, true) {
		return store.ErrConflict
	}
	return s.Store.Append(ctx, runID, a)
}

func TestConflictingDriverAbandons(t *testing.T) {
	t.Parallel()
	st := &conflictStore{Store: memstore.New()}
	var steps atomic.Int32
	def := wf.New("w", func(ctx *wf.Context, _ struct{}) (int, error) {
		for _, id := range []wf.StepID{"a", "b"} {
			if err := wf.Do(ctx, id, func(wf.StepContext) error { steps.Add(1); return nil }); err != nil {
				return 0, err
			}
		}
		return 2, nil
	})
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: []runtime.Workflow{{Definition: def}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "w", RunID: "x"})
	if err != nil || res.Kind != runtime.KindNotClaimable {
		t.Fatalf("start: %s %v", res.Kind, err)
	}
	if steps.Load() != 1 {
		t.Fatalf("steps after conflict: %d, want 1 (the invocation must stop)", steps.Load())
	}
	// The run was released; recovery finishes it.
	sw, err := rt.Sweep(ctx, runtime.SweepOptions{})
	if err != nil || sw.Summary.Recovered[runtime.KindCompleted] != 1 {
		t.Fatalf("recovery: %+v %v", sw.Summary, err)
	}
	if _, err := rt.GetRun(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetRun missing: %v", err)
	}
}
