package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/host/worker"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
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
	const interval = 50 * time.Millisecond
	var mu sync.Mutex
	var at []time.Time
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- worker.Run(ctx, rt, worker.Options{Interval: interval, OnSweep: func(host.Summary) {
			mu.Lock()
			at = append(at, time.Now())
			n := len(at)
			mu.Unlock()
			if n == 3 {
				cancel()
			}
		}})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("three sweeps did not happen")
	}
	mu.Lock()
	defer mu.Unlock()
	// One sweep at once, then one per interval: never sooner.
	for i := 1; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap < interval {
			t.Fatalf("sweep %d came %v after the previous one, before the %v interval", i+1, gap, interval)
		}
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

func newQueued(id string) storeNewRun {
	return storeNewRun{ID: id, WorkflowID: "slow", Version: "v1", Status: wf.StatusQueued, Input: json.RawMessage(`{}`)}
}

func TestWorkerRefusesSweepPastLease(t *testing.T) {
	t.Parallel()
	rt, err := runtime.New(runtime.Config{Store: memstore.New(), LeaseDuration: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	swept := false
	err = worker.Run(context.Background(), rt, worker.Options{Sweep: runtime.SweepOptions{MaxDuration: 20 * time.Second},
		OnSweep: func(host.Summary) { swept = true }})
	if err == nil || swept {
		t.Fatalf("Run with a sweep budget past the lease: %v (swept %v), want an error before any sweep", err, swept)
	}
}

// failingCommits refuses every commit, as a store refuses one it cannot
// take.
type failingCommits struct{ *memstore.Store }

func (failingCommits) Commit(context.Context, store.Commit) error {
	return errors.New("storage refused the commit")
}

// A full batch of failing runs does not make the worker sweep again at once.
func TestWorkerNoBackToBackSweepForFailingRuns(t *testing.T) {
	t.Parallel()
	def := wf.New("one-step", func(ctx *wf.Context, _ struct{}) (int, error) {
		return wf.Step(ctx, "s", func(wf.StepContext) (int, error) { return 1, nil })
	})
	st := failingCommits{memstore.New()}
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: []runtime.Workflow{{Definition: def}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 25 {
		if _, _, err := st.CreateRun(context.Background(), store.NewRun{ID: fmt.Sprint("bad-", i), WorkflowID: "one-step",
			Version: def.Version(), Status: wf.StatusQueued, Input: json.RawMessage("null"), Lease: store.Lease{Now: time.Now()}}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var first host.Summary
	err = worker.Run(ctx, rt, worker.Options{Interval: time.Hour, OnSweep: func(s host.Summary) {
		first = s
		cancel()
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Summary.Failed) != 25 || first.RemainingMayExist {
		t.Fatalf("sweep of 25 failing runs: %d failed, RemainingMayExist %v; want 25 failed and no sweep at once",
			len(first.Summary.Failed), first.RemainingMayExist)
	}
}
