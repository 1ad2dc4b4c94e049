package sqlite_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// TestConcurrentCallers hammers one store from 8 goroutines with the calls
// a runtime makes (create, append, commit, deliver, claims, reads) plus a
// contended append race on one shared run. Only the contract's own
// outcomes may come back: never SQLITE_BUSY.
func TestConcurrentCallers(t *testing.T) {
	t.Parallel()
	const (
		workers    = 8
		iterations = 40
	)
	ctx := t.Context()
	s := newStore(t)
	if _, _, err := s.CreateRun(ctx, leasedRun("hot", "shared")); err != nil {
		t.Fatal(err)
	}
	var hotAppends atomic.Int64
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			owner := fmt.Sprintf("owner-%d", g)
			fail := func(what string, err error) {
				t.Helper()
				if strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "locked") {
					t.Errorf("worker %d: %s: SQLite busy: %v", g, what, err)
				} else {
					t.Errorf("worker %d: %s: %v", g, what, err)
				}
			}
			for i := range iterations {
				now := base.Add(time.Duration(i) * time.Second)
				id := fmt.Sprintf("run-%d-%d", g, i)
				nr := leasedRun(id, owner)
				nr.Lease = lease(owner, now)
				if _, created, err := s.CreateRun(ctx, nr); err != nil || !created {
					fail("CreateRun", fmt.Errorf("created %v: %w", created, err))
					return
				}
				for k := range 3 {
					ev := step(fmt.Sprint("s", k), fmt.Sprint(k))
					if err := s.Append(ctx, id, store.Append{Owner: owner, Next: k, Events: []wf.Event{ev}}); err != nil {
						fail("Append", err)
					}
				}
				wake := now.Add(time.Second)
				err := s.Commit(ctx, store.Commit{
					RunID: id, Owner: owner, Next: 3,
					Events:   []wf.Event{{Type: wf.SignalAwaited, Time: now, StepID: "wait", Name: "go"}},
					Status:   wf.StatusPaused,
					Awaiting: []wf.Await{{StepID: "wait", Kind: wf.AwaitSignal, Name: "go", Deadline: &wake}},
					Timers:   []store.Timer{{RunID: id, StepID: "wait", WakeAt: wake}},
					Now:      now,
				})
				if err != nil {
					fail("Commit", err)
				}
				// Each run is delivered to by exactly one other worker.
				other := fmt.Sprintf("run-%d-%d", (g+1)%workers, i)
				res, err := s.Deliver(ctx, other, wf.Delivery{StepID: "wait", SignalID: "sig-" + other, Name: "go", Time: now}, store.DeliverOptions{})
				if err != nil {
					fail("Deliver", err)
				} else if res.Status != store.Delivered && res.Status != store.RunNotFound {
					t.Errorf("worker %d: Deliver to %s: %s, want delivered or not-found", g, other, res.Status)
				}
				sweep := lease(owner, now.Add(2*time.Second))
				if _, err := s.ClaimDueTimers(ctx, 2, sweep); err != nil {
					fail("ClaimDueTimers", err)
				}
				stale, err := s.ClaimStaleRuns(ctx, 2, sweep)
				if err != nil {
					fail("ClaimStaleRuns", err)
				}
				for _, r := range stale {
					if err := s.ReleaseRun(ctx, r.ID, owner); err != nil {
						fail("ReleaseRun", err)
					}
				}
				if res, err := s.ClaimRun(ctx, id, sweep); err != nil {
					fail("ClaimRun", err)
				} else if res.Status == store.Claimed {
					if err := s.ReleaseRun(ctx, id, owner); err != nil {
						fail("ReleaseRun", err)
					}
				}
				if _, err := s.LoadExecution(ctx, id); err != nil {
					fail("LoadExecution", err)
				}
				if i%8 == 0 {
					if _, err := s.ListRuns(ctx, store.ListQuery{Limit: 20}); err != nil {
						fail("ListRuns", err)
					}
				}
				// The contended race: everyone appends to "hot" at the
				// index it last saw.
				evs, err := s.Events(ctx, "hot", 0, 0)
				if err != nil {
					fail("Events(hot)", err)
					continue
				}
				err = s.Append(ctx, "hot", store.Append{Owner: "shared", Next: len(evs), Events: []wf.Event{step(id, "0")}})
				switch {
				case err == nil:
					hotAppends.Add(1)
				case !errors.Is(err, store.ErrConflict):
					fail("Append(hot)", err)
				}
			}
		})
	}
	wg.Wait()
	evs, err := s.Events(ctx, "hot", 0, 0)
	if err != nil {
		t.Fatalf("Events(hot): %v", err)
	}
	if int64(len(evs)) != hotAppends.Load() {
		t.Errorf("hot log has %d events, but %d appends succeeded", len(evs), hotAppends.Load())
	}
	page, err := s.ListRuns(ctx, store.ListQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if want := workers*iterations + 1; len(page.Runs) != want {
		t.Errorf("ListRuns: %d runs, want %d", len(page.Runs), want)
	}
}
