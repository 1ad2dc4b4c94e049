package runtime_test

import (
	"context"
	"testing"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// TestRetryAndForkWaitOnTheQueue: a retried run of a queue, and a fork of
// one, wait on the queue while it is full, rather than running beside the
// run it admitted, and run once it has room.
func TestRetryAndForkWaitOnTheQueue(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		ctx := context.Background()
		f := &flaky{}
		q := runtime.Queue{Name: "payments", Concurrency: 1}
		rt, err := runtime.New(runtime.Config{Store: newStore(t), Clock: testclock.New(t0).Now, Owner: "retry-queue-test",
			Workflows: []runtime.Workflow{{Definition: f.definition(), Queue: &q}, {Definition: digest(), Queue: &q}}})
		if err != nil {
			t.Fatal(err)
		}
		// occupy starts a digest run, which sleeps and keeps the queue's
		// one slot until it is canceled.
		occupy := func(id string) {
			res, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "digest", RunID: id, Input: []byte(`{"batchSize": 1}`)})
			if err != nil || res.Kind != runtime.KindPaused {
				t.Fatalf("start %s: %s, %v; want paused", id, res.Kind, err)
			}
		}
		free := func(id string) {
			if c, err := rt.Cancel(ctx, id, "make room"); err != nil || c.Kind != runtime.KindCanceled {
				t.Fatalf("Cancel(%s) = %s, %v; want canceled", id, c.Kind, err)
			}
			if _, err := rt.Sweep(ctx, runtime.SweepOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		f.down.Store(2)
		startFlaky(t, rt, "a", runtime.KindErrored)
		occupy("d-1")
		res, err := rt.Retry(ctx, "a")
		if err != nil || res.Kind != runtime.KindQueued {
			t.Fatalf("Retry with the queue full = %s, %v; want queued", res.Kind, err)
		}
		if got, _ := rt.GetRun(ctx, "a"); !got.Waiting() || got.Queue != "payments" {
			t.Fatalf("retried run: status %s admitted %v queue %q, want waiting on payments", got.Status, got.AdmittedAt, got.Queue)
		}
		wantCounts(t, f, "a", 1, 2, 0)
		free("d-1")
		if got, _ := rt.GetRun(ctx, "a"); got.Status != wf.StatusFinished {
			t.Fatalf("retried run once the queue has room: %s, want finished", got.Status)
		}
		wantCounts(t, f, "a", 1, 3, 1)

		if fork, err := rt.Fork(ctx, "a", "charge", "a-fork"); err != nil || fork.Kind != runtime.KindCompleted {
			t.Fatalf("Fork with room on the queue = %s, %v; want completed", fork.Kind, err)
		}
		occupy("d-2")
		fork, err := rt.Fork(ctx, "a", "ship", "a-fork-2")
		if err != nil || fork.Kind != runtime.KindQueued || !fork.Run.Waiting() || fork.Run.Queue != "payments" {
			t.Fatalf("Fork with the queue full = %s (status %s, queue %q), %v; want queued on payments", fork.Kind, fork.Run.Status, fork.Run.Queue, err)
		}
		if again, err := rt.Fork(ctx, "a", "ship", "a-fork-2"); err != nil || again.Kind != runtime.KindQueued || !again.Existing {
			t.Errorf("Fork of the waiting fork again = %s existing %v, %v; want queued, existing", again.Kind, again.Existing, err)
		}
		free("d-2")
		if got, _ := rt.GetRun(ctx, "a-fork-2"); got.Status != wf.StatusFinished {
			t.Errorf("waiting fork once the queue has room: %s, want finished", got.Status)
		}
		wantCounts(t, f, "a-fork-2", 0, 0, 1)
	})
}
