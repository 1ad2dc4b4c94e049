package runtime_test

import (
	"context"
	"sync"
	"testing"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// deliveryHookStore runs a hook once, at a chosen moment of a run's
// writes: around its first pausing commit, or right after a claim of it
// that took the lease. The hook stands for a delivery that arrives then.
type deliveryHookStore struct {
	store.Store
	mu          sync.Mutex
	beforePause func()
	afterPause  func()
	afterClaim  func()
	afterCreate func()
}

func (s *deliveryHookStore) take(hook *func()) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := *hook
	*hook = nil
	return h
}

func (s *deliveryHookStore) Commit(ctx context.Context, c store.Commit) error {
	if c.Status != wf.StatusPaused {
		return s.Store.Commit(ctx, c)
	}
	if h := s.take(&s.beforePause); h != nil {
		h()
	}
	err := s.Store.Commit(ctx, c)
	if h := s.take(&s.afterPause); h != nil {
		h()
	}
	return err
}

func (s *deliveryHookStore) CreateRun(ctx context.Context, run store.NewRun) (store.Run, bool, error) {
	stored, created, err := s.Store.CreateRun(ctx, run)
	if err == nil && created {
		if h := s.take(&s.afterCreate); h != nil {
			h()
		}
	}
	return stored, created, err
}

func (s *deliveryHookStore) ClaimRun(ctx context.Context, runID string, l store.Lease) (store.ClaimResult, error) {
	res, err := s.Store.ClaimRun(ctx, runID, l)
	if err == nil && res.Status == store.Claimed {
		if h := s.take(&s.afterClaim); h != nil {
			h()
		}
	}
	return res, err
}

// prepareThenWait runs a step, then waits for "paid" and returns its ID.
func prepareThenWait() *wf.Definition {
	return wf.New("wait-payment", func(ctx *wf.Context, _ struct{}) (string, error) {
		if err := wf.Do(ctx, "prepare", func(wf.StepContext) error { return nil }); err != nil {
			return "", err
		}
		p, err := wf.WaitForEvent[payment](ctx, "paid")
		return p.ID, err
	})
}

// A signal that arrives while a run is driven toward its wait, whether
// before the drive's pausing commit (which then leaves the run ready) or
// after it, is applied in the same call: the run finishes with no sweep.
func TestSignalAroundPausingCommitDrivesAgain(t *testing.T) {
	t.Parallel()
	waitForPayment := prepareThenWait()
	for _, moment := range []string{"before", "after"} {
		t.Run(moment, func(t *testing.T) {
			forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
				st := &deliveryHookStore{Store: newStore(t)}
				e := setupEarly(t, st, runtime.Config{}, waitForPayment)
				var during runtime.Result
				hook := func() { during = e.signal("r", "pay", "paid") }
				if moment == "before" {
					st.beforePause = hook
				} else {
					st.afterPause = hook
				}
				e.start("wait-payment", "r")
				if during.Kind != runtime.KindAccepted && during.Kind != runtime.KindCompleted {
					t.Errorf("signal %s the pausing commit: %s, want accepted or completed", moment, during.Kind)
				}
				e.wantOutput("r", `"pay"`)
			})
		})
	}
}

// A signal that arrives after a sweep claimed a run whose timer fired but
// before the sweep drives it is applied by that sweep: the drive, working
// from the execution read with the claim, pauses at the wait, and the
// sweep drives the run again at once.
func TestSignalBetweenTimerClaimAndDriveAppliedBySameSweep(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
		st := &deliveryHookStore{Store: newStore(t)}
		e := setupEarly(t, st, runtime.Config{}, sleepThenWait(1))
		if res := e.start("sleep-then-wait", "r"); res.Kind != runtime.KindPaused {
			t.Fatalf("start: %s, want paused on the sleep", res.Kind)
		}
		var during runtime.Result
		st.afterClaim = func() { during = e.signal("r", "pay", "paid") }
		e.wakeTimers() // one sweep
		if during.Kind == "" {
			t.Fatal("the sweep never claimed the run")
		}
		e.wantOutput("r", `["pay"]`)
	})
}

// A signal that arrives right after a fork is created, before its first
// drive, is applied by that drive or by a drive again at once.
func TestSignalRightAfterForkCreatedAppliedByFork(t *testing.T) {
	t.Parallel()
	waitForPayment := prepareThenWait()
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
		st := &deliveryHookStore{Store: newStore(t)}
		e := setupEarly(t, st, runtime.Config{}, waitForPayment)
		e.start("wait-payment", "r")
		e.signal("r", "pay", "paid")
		e.wantOutput("r", `"pay"`)
		var during runtime.Result
		st.afterCreate = func() { during = e.signal("r-fork", "pay-again", "paid") }
		if _, err := e.rt.Fork(e.ctx, "r", "prepare", "r-fork"); err != nil {
			t.Fatal(err)
		}
		if during.Kind == "" {
			t.Fatal("the fork's creation was not seen")
		}
		e.wantOutput("r-fork", `"pay-again"`)
	})
}
