package storetest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

var commitCases = []testCase{
	{"PausedSetsStateTimersAndReleases", testCommitPaused},
	{"FinishedSetsOutputDeletesTimers", testCommitFinished},
	{"ErroredSetsError", testCommitErrored},
	{"ReplacesTimers", testCommitReplacesTimers},
	{"RunningClearsWaitsAndReleases", testCommitRunning},
	{"PausedAfterNewDeliveryStaysReady", testCommitDeliveryAfterClaim},
	{"PausedWithSeenDeliveriesPauses", testCommitDeliveryBeforeClaim},
	{"ConflictChangesNothing", testCommitConflict},
	{"NonOwnerChangesNothing", testCommitNonOwner},
	{"GapChangesNothing", testCommitGap},
	{"MissingRunFails", testCommitMissing},
}

// awaited is the SIGNAL_AWAITED event of wait stepID.
func awaited(stepID, name string, deadline time.Time) wf.Event {
	return wf.Event{Type: wf.SignalAwaited, Time: base, StepID: stepID, Name: name, Deadline: &deadline}
}

// finished is the RUN_FINISHED event of run id with output.
func finished(id string, output json.RawMessage) wf.Event {
	return wf.Event{Type: wf.RunFinished, Time: base, RunID: id, Output: output}
}

// allTimers claims every timer of the store for ownerC, far in the future;
// each call sweeps a day after the previous one, when its leases are over.
func (h *harness) allTimers() []store.Timer {
	h.t.Helper()
	h.sweeps++
	return h.claimTimers(1000, leaseAt(ownerC, at(365*24*time.Hour+time.Duration(h.sweeps)*24*time.Hour)))
}

func testCommitPaused(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	h.appendEvents("run-1", ownerA, 0, steps(0, 2))
	wait := timer("run-1", "wait-payment", at(10*time.Minute))
	sleep := timer("run-1", "sleep-1", at(5*time.Minute))
	awaiting := []wf.Await{
		{StepID: "wait-payment", Kind: wf.AwaitSignal, Name: "payment-received", Deadline: &wait.WakeAt},
		{StepID: "sleep-1", Kind: wf.AwaitTimer, Name: wf.TimerSignal, Deadline: &sleep.WakeAt},
	}
	evs := []wf.Event{awaited("wait-payment", "payment-received", wait.WakeAt), awaited("sleep-1", wf.TimerSignal, sleep.WakeAt)}
	h.commit(store.Commit{
		RunID: "run-1", Owner: ownerA, Next: 2, Events: evs,
		Status: wf.StatusPaused, Awaiting: awaiting, Timers: []store.Timer{wait, sleep}, Now: at(time.Minute),
	})
	want := store.Run{
		ID:         "run-1",
		WorkflowID: "orders",
		Version:    "v1",
		Status:     wf.StatusPaused,
		Input:      newRun("run-1").Input,
		Awaiting:   awaiting,
		WakeAt:     &sleep.WakeAt, // the earliest timer
		CreatedAt:  base,
		UpdatedAt:  at(time.Minute),
	}
	diff(t, "GetRun after a paused Commit (lease released)", want, h.get("run-1"))
	diff(t, "log after a paused Commit", append(steps(0, 2), evs...), h.events("run-1"))
	diff(t, "timers after a paused Commit, earliest first", []store.Timer{sleep, wait}, h.allTimers())
}

func testCommitFinished(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	h.pause("run-1", ownerA, at(time.Second), timer("run-1", "sleep", at(time.Minute)))
	h.mustClaim("run-1", leaseAt(ownerA, at(2*time.Minute)))
	output := json.RawMessage(`{"total": 42, "currency": "EUR"}`)
	h.commit(store.Commit{
		RunID: "run-1", Owner: ownerA, Next: 0, Events: []wf.Event{finished("run-1", output)},
		Status: wf.StatusFinished, Output: output, Now: at(3 * time.Minute),
	})
	want := store.Run{
		ID:         "run-1",
		WorkflowID: "orders",
		Version:    "v1",
		Status:     wf.StatusFinished,
		Input:      newRun("run-1").Input,
		Output:     output,
		CreatedAt:  base,
		UpdatedAt:  at(3 * time.Minute),
	}
	diff(t, "GetRun after a finished Commit", want, h.get("run-1"))
	diff(t, "log after a finished Commit", []wf.Event{finished("run-1", output)}, h.events("run-1"))
	if got := h.allTimers(); len(got) != 0 {
		t.Errorf("timers after a finished Commit: %v, want none", got)
	}
}

func testCommitErrored(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	info := &wf.ErrorInfo{
		Name:    "*fmt.wrapError",
		Message: "charge: card declined",
		Code:    wf.CodeError,
		Cause:   &wf.ErrorInfo{Name: "*errors.errorString", Message: "card declined"},
	}
	ev := wf.Event{Type: wf.RunErrored, Time: base, RunID: "run-1", Error: info, Code: wf.CodeError}
	h.commit(store.Commit{RunID: "run-1", Owner: ownerA, Next: 0, Events: []wf.Event{ev}, Status: wf.StatusErrored, Error: info, Now: at(time.Minute)})
	want := store.Run{
		ID:         "run-1",
		WorkflowID: "orders",
		Version:    "v1",
		Status:     wf.StatusErrored,
		Input:      newRun("run-1").Input,
		Error:      info,
		CreatedAt:  base,
		UpdatedAt:  at(time.Minute),
	}
	diff(t, "GetRun after an errored Commit", want, h.get("run-1"))
	diff(t, "log after an errored Commit", []wf.Event{ev}, h.events("run-1"))
}

func testCommitReplacesTimers(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	h.pause("run-1", ownerA, at(time.Second), timer("run-1", "a", at(5*time.Minute)), timer("run-1", "b", at(6*time.Minute)))
	h.mustClaim("run-1", leaseAt(ownerA, at(10*time.Second)))
	c := timer("run-1", "c", at(7*time.Minute))
	h.pause("run-1", ownerA, at(20*time.Second), c)
	got := h.get("run-1")
	if !sameInstantPtr(got.WakeAt, c.WakeAt) {
		t.Errorf("WakeAt after replacing timers = %v, want %v", got.WakeAt, c.WakeAt)
	}
	diff(t, "Awaiting after replacing timers", awaitTimers([]store.Timer{c}), got.Awaiting)
	diff(t, "timers after a Commit replaced them", []store.Timer{c}, h.allTimers())
}

func testCommitRunning(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	h.pause("run-1", ownerA, at(time.Second), timer("run-1", "sleep", at(time.Minute)))
	h.mustClaim("run-1", leaseAt(ownerA, at(2*time.Minute)))
	h.commit(store.Commit{RunID: "run-1", Owner: ownerA, Next: 0, Events: steps(0, 1), Status: wf.StatusRunning, Now: at(3 * time.Minute)})
	want := store.Run{
		ID:         "run-1",
		WorkflowID: "orders",
		Version:    "v1",
		Status:     wf.StatusRunning,
		Input:      newRun("run-1").Input,
		CreatedAt:  base,
		UpdatedAt:  at(3 * time.Minute),
	}
	diff(t, "GetRun after a running (yield) Commit", want, h.get("run-1"))
	if got := h.allTimers(); len(got) != 0 {
		t.Errorf("timers after a Commit without timers: %v, want none", got)
	}
}

func testCommitDeliveryAfterClaim(t *testing.T, h *harness) {
	loaded := h.createLeased("run-1", ownerA, base).DeliverySeq
	h.deliver("run-1", signal("wait-a", "sig-1"))
	h.commit(store.Commit{
		RunID: "run-1", Owner: ownerA, Status: wf.StatusPaused, LoadedSeq: loaded,
		Awaiting: []wf.Await{{StepID: "wait-a", Kind: wf.AwaitSignal, Name: "payment-received"}},
		Now:      at(time.Second),
	})
	got := h.get("run-1")
	if got.Status != wf.StatusRunning || got.LeaseOwner != "" || got.LeaseExpiresAt != nil {
		t.Errorf("run paused with LoadedSeq %d after a delivery moved DeliverySeq to %d: status %q, lease %q until %v; want status %q and no lease",
			loaded, got.DeliverySeq, got.Status, got.LeaseOwner, got.LeaseExpiresAt, wf.StatusRunning)
	}
	stale := h.claimStale(10, leaseAt(ownerB, at(time.Minute)))
	diff(t, "ClaimStaleRuns after a paused Commit that missed a delivery", []string{"run-1"}, sortedIDs(stale))
}

func testCommitDeliveryBeforeClaim(t *testing.T, h *harness) {
	h.create(newRun("run-1"))
	h.deliver("run-1", signal("wait-a", "sig-1"))
	exec := h.mustClaim("run-1", leaseAt(ownerA, base))
	if exec.Run.DeliverySeq != 1 {
		t.Fatalf("DeliverySeq after one delivery = %d, want 1", exec.Run.DeliverySeq)
	}
	h.commit(store.Commit{
		RunID: "run-1", Owner: ownerA, Status: wf.StatusPaused, LoadedSeq: exec.Run.DeliverySeq,
		Awaiting: []wf.Await{{StepID: "wait-b", Kind: wf.AwaitSignal, Name: "shipped"}},
		Now:      at(time.Second),
	})
	if got := h.get("run-1"); got.Status != wf.StatusPaused {
		t.Errorf("status after a paused Commit with LoadedSeq = DeliverySeq = 1: %q, want %q", got.Status, wf.StatusPaused)
	}
	if stale := h.claimStale(10, leaseAt(ownerB, at(time.Minute))); len(stale) != 0 {
		t.Errorf("ClaimStaleRuns claimed a paused run: %v", runIDs(stale))
	}
}

// setupForFailedCommit makes run-1 with a one-event log, paused on timer
// kept, then claimed again by ownerA; it returns the timer.
func (h *harness) setupForFailedCommit() store.Timer {
	h.t.Helper()
	h.createLeased("run-1", ownerA, base)
	h.appendEvents("run-1", ownerA, 0, steps(0, 1))
	kept := timer("run-1", "sleep", at(time.Hour))
	h.pause("run-1", ownerA, at(time.Second), kept)
	h.mustClaim("run-1", leaseAt(ownerA, at(time.Minute)))
	return kept
}

// failingCommit is a finished Commit of run-1 by owner at index next
// that would also replace its timers.
func failingCommit(owner string, next int) store.Commit {
	output := json.RawMessage(`{"ok": true}`)
	return store.Commit{
		RunID: "run-1", Owner: owner, Next: next,
		Events: append(steps(10, 1), finished("run-1", output)),
		Status: wf.StatusFinished, Output: output,
		Timers: []store.Timer{timer("run-1", "other", at(2*time.Hour))},
		Now:    at(2 * time.Minute),
	}
}

// checkUnchanged checks that run-1 is still before, with a one-event log and
// timer kept.
func (h *harness) checkUnchanged(what string, before store.Run, kept store.Timer) {
	h.t.Helper()
	diff(h.t, "GetRun after "+what, before, h.get("run-1"))
	diff(h.t, "log after "+what, steps(0, 1), h.events("run-1"))
	diff(h.t, "timers after "+what, []store.Timer{kept}, h.allTimers())
}

func testCommitConflict(t *testing.T, h *harness) {
	kept := h.setupForFailedCommit()
	before := h.get("run-1")
	// Index 0 is taken, index 1 is free: nothing may be written.
	err := h.s.Commit(h.ctx, failingCommit(ownerA, 0))
	wantErr(t, "Commit at a taken index", err, store.ErrConflict)
	h.checkUnchanged("a conflicting Commit", before, kept)
}

func testCommitGap(t *testing.T, h *harness) {
	kept := h.setupForFailedCommit()
	before := h.get("run-1")
	// The log ends at index 0: a Commit from index 2 would leave a gap.
	err := h.s.Commit(h.ctx, failingCommit(ownerA, 2))
	if err == nil {
		t.Fatal("Commit past the log's end: nil error, want a failure")
	}
	if errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("Commit past the log's end by the lease holder: %v, want no ErrLeaseLost", err)
	}
	h.checkUnchanged("a Commit past the log's end", before, kept)
}

func testCommitNonOwner(t *testing.T, h *harness) {
	kept := h.setupForFailedCommit()
	before := h.get("run-1")
	err := h.s.Commit(h.ctx, failingCommit(ownerB, 1))
	wantErr(t, "Commit by a non-owner", err, store.ErrLeaseLost)
	h.checkUnchanged("a non-owner's Commit", before, kept)

	if err := h.s.ReleaseRun(h.ctx, "run-1", ownerA); err != nil {
		t.Fatalf("ReleaseRun: %v", err)
	}
	before = h.get("run-1")
	err = h.s.Commit(h.ctx, failingCommit(ownerA, 1))
	wantErr(t, "Commit after ReleaseRun", err, store.ErrLeaseLost)
	h.checkUnchanged("a Commit after ReleaseRun", before, kept)
}

func testCommitMissing(t *testing.T, h *harness) {
	c := failingCommit(ownerA, 0)
	c.RunID = "missing"
	c.Timers = nil
	err := h.s.Commit(h.ctx, c)
	wantErr(t, `Commit("missing")`, err, store.ErrNotFound, store.ErrLeaseLost)
	if got := h.allTimers(); len(got) != 0 {
		t.Errorf("timers after a Commit to a missing run: %v, want none", got)
	}
}
