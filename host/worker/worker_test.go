package worker_test

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/host/worker"
	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store/memstore"
)

func newRuntime(t *testing.T, defs ...*wf.Definition) *runtime.Runtime {
	t.Helper()
	var ws []runtime.Workflow
	for _, d := range defs {
		ws = append(ws, runtime.Workflow{Definition: d})
	}
	rt, err := runtime.New(runtime.Config{Store: memstore.New(), Workflows: ws})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

func TestWorkerSweepsOnInterval(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t)
	var sweeps atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		done <- worker.Run(ctx, rt, worker.Options{Interval: 50 * time.Millisecond, OnSweep: func(host.Summary) { sweeps.Add(1) }})
	}()
	time.Sleep(180 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	n := sweeps.Load()
	elapsed := time.Since(start)
	// One sweep at once, then one per interval.
	if max := int32(elapsed/(50*time.Millisecond)) + 1; n < 3 || n > max {
		t.Fatalf("%d sweeps in %v, want 3..%d", n, elapsed, max)
	}
}

func TestWorkerWakesEarly(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t)
	wake := make(chan struct{})
	swept := make(chan struct{}, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		_ = worker.Run(ctx, rt, worker.Options{Interval: time.Hour, Wake: wake, OnSweep: func(host.Summary) { swept <- struct{}{} }})
	}()
	<-swept // the first sweep
	wake <- struct{}{}
	select {
	case <-swept:
	case <-time.After(5 * time.Second):
		t.Fatal("a wake-up did not trigger a sweep")
	}
}

func TestWorkerDrainsOnShutdown(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	var once sync.Once
	slow := wf.New("slow", func(ctx *wf.Context, _ struct{}) (int, error) {
		return wf.Step(ctx, "work", func(sc wf.StepContext) (int, error) {
			once.Do(func() { close(started) })
			time.Sleep(200 * time.Millisecond)
			return 7, nil
		})
	})
	st := memstore.New()
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: []runtime.Workflow{{Definition: slow}}})
	if err != nil {
		t.Fatal(err)
	}
	// A queued run: the worker's recovery phase drives it.
	if _, _, err := st.CreateRun(context.Background(), newQueued("q")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- worker.Run(ctx, rt, worker.Options{Interval: time.Hour}) }()
	<-started
	cancel() // SIGTERM mid-step
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	run, err := rt.GetRun(context.Background(), "q")
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != wf.StatusFinished || string(run.Output) != "7" || run.LeaseOwner != "" {
		t.Fatalf("after drain: %s %s lease %q", run.Status, run.Output, run.LeaseOwner)
	}
}

func TestListenWakesOnNotify(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wake := worker.Listen(ctx, pool, "wf_wake_test", nil)
	// LISTEN is asynchronous: notify until a wake-up arrives.
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-wake:
			return
		case <-deadline:
			t.Fatal("no wake-up after NOTIFY")
		case <-tick.C:
			if _, err := pool.Exec(ctx, `SELECT pg_notify('wf_wake_test', 'run-1')`); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func newQueued(id string) storeNewRun {
	return storeNewRun{ID: id, WorkflowID: "slow", Version: "v1", Status: wf.StatusQueued, Input: json.RawMessage(`{}`)}
}
