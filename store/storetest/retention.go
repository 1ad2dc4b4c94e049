package storetest

import (
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

var deleteRunCases = []testCase{
	{"RemovesRunLogTimersAndDeliveries", testDeleteRun},
	{"MissingRunFalse", testDeleteMissing},
}

var purgeRunsCases = []testCase{
	{"PurgesOldTerminalRunsUpToLimit", testPurge},
}

func testDeleteRun(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	h.appendEvents("run-1", ownerA, 0, steps(0, 2))
	h.pause("run-1", ownerA, at(time.Second), timer("run-1", "sleep", at(time.Minute)))
	h.deliver("run-1", signal("wait-a", "sig-1"))
	kept := h.pausedOnTimer("run-2", at(time.Minute))

	deleted, err := h.s.DeleteRun(h.ctx, "run-1")
	if err != nil || !deleted {
		t.Fatalf("DeleteRun(run-1) = %v, %v; want true, nil", deleted, err)
	}
	_, err = h.s.GetRun(h.ctx, "run-1")
	wantErr(t, "GetRun after DeleteRun", err, store.ErrNotFound)
	_, err = h.s.LoadExecution(h.ctx, "run-1")
	wantErr(t, "LoadExecution after DeleteRun", err, store.ErrNotFound)
	if res := h.deliver("run-1", signal("wait-b", "sig-2")); res.Status != store.RunNotFound {
		t.Errorf("Deliver after DeleteRun: status = %q, want %q", res.Status, store.RunNotFound)
	}
	diff(t, "timers after DeleteRun (the other run's only)", []store.Timer{kept}, h.allTimers())
	if deleted, err := h.s.DeleteRun(h.ctx, "run-1"); err != nil || deleted {
		t.Errorf("second DeleteRun(run-1) = %v, %v; want false, nil", deleted, err)
	}
	h.checkGone("run-1")
	if other := h.get("run-2"); other.Status != wf.StatusPaused {
		t.Errorf("the other run after DeleteRun: status %q, want %q", other.Status, wf.StatusPaused)
	}
}

// checkGone recreates a deleted run and checks that nothing of the old one
// remains: no log, no deliveries, and its SignalIDs are new again.
func (h *harness) checkGone(id string) {
	h.t.Helper()
	h.create(newRun(id))
	exec := h.load(id)
	if len(exec.Events) != 0 || len(exec.Deliveries) != 0 || exec.Run.DeliverySeq != 0 {
		h.t.Errorf("run %s recreated after deletion: %d events, %d deliveries, DeliverySeq %d; want none of the old run's",
			id, len(exec.Events), len(exec.Deliveries), exec.Run.DeliverySeq)
	}
	if res := h.deliver(id, signal("wait-a", "sig-1")); res.Status != store.Delivered {
		h.t.Errorf("Deliver of the deleted run's SignalID to the recreated run: status = %q, want %q", res.Status, store.Delivered)
	}
}

func testDeleteMissing(t *testing.T, h *harness) {
	h.create(newRun("run-1"))
	if deleted, err := h.s.DeleteRun(h.ctx, "missing"); err != nil || deleted {
		t.Errorf(`DeleteRun("missing") = %v, %v; want false, nil`, deleted, err)
	}
	h.get("run-1")
}

func testPurge(t *testing.T, h *harness) {
	cutoff := at(time.Hour)
	old := map[string]wf.RunStatus{"old-finished": wf.StatusFinished, "old-errored": wf.StatusErrored, "old-canceled": wf.StatusCanceled}
	for id, status := range old {
		h.createLeased(id, ownerA, base)
		h.appendEvents(id, ownerA, 0, steps(0, 1))
		h.deliver(id, signal("wait-a", "sig-1"))
		h.end(id, ownerA, status, at(time.Minute))
	}
	h.createLeased("recent-finished", ownerA, base)
	h.end("recent-finished", ownerA, wf.StatusFinished, cutoff.Add(time.Minute))
	h.create(newRun("old-queued"))
	h.createLeased("old-running", ownerA, base)
	h.pausedOnTimer("old-paused", at(2*time.Hour))

	for i, want := range []int{2, 1, 0} {
		n, err := h.s.PurgeRuns(h.ctx, cutoff, 2)
		if err != nil || n != want {
			t.Errorf("PurgeRuns(cutoff, limit 2) call %d = %d, %v; want %d, nil", i+1, n, err, want)
		}
	}
	for id := range old {
		_, err := h.s.GetRun(h.ctx, id)
		wantErr(t, "GetRun of purged run "+id, err, store.ErrNotFound)
	}
	for _, id := range []string{"recent-finished", "old-queued", "old-running", "old-paused"} {
		if _, err := h.s.GetRun(h.ctx, id); err != nil {
			t.Errorf("GetRun(%s) after PurgeRuns: %v, want the run kept", id, err)
		}
	}
	h.checkGone("old-finished")
}
