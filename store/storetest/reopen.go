package storetest

import (
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

var reopenCases = []testCase{
	{"AppendsDropsAndMakesReady", testReopen},
	{"RefusesLiveRunsAndMovedLogs", testReopenRefused},
	{"CreateRunWritesTheInitialLogOnce", testCreateWithLog},
	{"RunOnAQueueWaitsForAdmissionAgain", testReopenQueued},
}

// retried is a RUN_RETRIED marker for run id.
func retried(id string, now time.Time) wf.Event {
	return wf.Event{Type: wf.RunRetried, Time: now, RunID: id, StepID: "step-1", Meta: map[string]string{"by": "storetest"}}
}

// errored makes run id with two steps in its log, ended errored, with two
// stored deliveries.
func (h *harness) errored(id string) {
	h.t.Helper()
	h.createLeased(id, ownerA, base)
	h.appendEvents(id, ownerA, 0, steps(0, 2))
	h.deliver(id, signal("keep", "sig-keep"))
	h.deliver(id, signal("drop", "sig-drop"))
	h.end(id, ownerA, wf.StatusErrored, at(time.Second))
}

func testReopen(t *testing.T, h *harness) {
	h.errored("run-1")
	marker := retried("run-1", at(time.Minute))
	err := h.s.ReopenRun(h.ctx, "run-1", store.Reopen{Next: 2, Events: []wf.Event{marker}, Drop: []string{"sig-drop"}, Now: at(time.Minute)})
	if err != nil {
		t.Fatalf("ReopenRun: %v", err)
	}
	r := h.get("run-1")
	if r.Status != wf.StatusRunning || r.Error != nil || len(r.Output) != 0 || r.LeaseOwner != "" || !sameInstant(r.UpdatedAt, at(time.Minute)) {
		t.Errorf("reopened run: status %q, error %v, output %s, lease %q, updated %v; want running, no error, output or lease, updated at +1m",
			r.Status, r.Error, r.Output, r.LeaseOwner, r.UpdatedAt)
	}
	ex := h.load("run-1")
	diff(t, "log after ReopenRun", append(steps(0, 2), marker), ex.Events)
	if len(ex.Deliveries) != 1 || ex.Deliveries[0].SignalID != "sig-keep" {
		t.Errorf("deliveries after ReopenRun = %+v, want only sig-keep", ex.Deliveries)
	}
	if got := h.claimStale(10, leaseAt(ownerB, at(2*time.Minute))); len(got) != 1 || got[0].ID != "run-1" {
		t.Errorf("ClaimStaleRuns after ReopenRun = %v, want the reopened run", runIDs(got))
	}
}

func testReopenQueued(t *testing.T, h *harness) {
	h.create(queued("q-1", "imports", 0, "acme", 2))
	h.create(queued("q-2", "imports", time.Second, "acme", 0))
	a := store.Admit{Queue: "imports", Concurrency: 1, PerPartition: true, Now: at(time.Minute), Limit: 10}
	diff(t, "AdmitQueued", []string{"q-1"}, h.admit(a))
	h.mustClaim("q-1", leaseAt(ownerA, at(time.Minute)))
	h.appendEvents("q-1", ownerA, 0, steps(0, 1))
	h.end("q-1", ownerA, wf.StatusErrored, at(time.Minute))
	diff(t, "AdmitQueued after the admitted run ended", []string{"q-2"}, h.admit(a))
	err := h.s.ReopenRun(h.ctx, "q-1", store.Reopen{Next: 1, Events: []wf.Event{retried("q-1", at(2*time.Minute))}, Now: at(2 * time.Minute)})
	if err != nil {
		t.Fatalf("ReopenRun of an ended run of a queue: %v", err)
	}
	r := h.get("q-1")
	if r.Status != wf.StatusQueued || r.AdmittedAt != nil || !r.Waiting() || r.Queue != "imports" || r.PartitionKey != "acme" || r.Priority != 2 {
		t.Errorf("reopened run of a queue: status %q admitted %v queue %q partition %q priority %d; want queued, not admitted, on imports (acme, 2)",
			r.Status, r.AdmittedAt, r.Queue, r.PartitionKey, r.Priority)
	}
	if got := h.claimStale(10, leaseAt(ownerB, at(2*time.Minute))); len(got) != 1 || got[0].ID != "q-2" {
		t.Errorf("ClaimStaleRuns with the reopened run waiting claimed %v, want only the admitted q-2", runIDs(got))
	}
	a.Now = at(3 * time.Minute)
	if got := h.admit(a); len(got) != 0 {
		t.Errorf("AdmitQueued with q-2 in progress admitted %v, want none: the reopened run counts against the cap", got)
	}
	h.end("q-2", ownerB, wf.StatusFinished, at(3*time.Minute))
	diff(t, "AdmitQueued after q-2 finished", []string{"q-1"}, h.admit(a))
}

func testReopenRefused(t *testing.T, h *harness) {
	h.createLeased("live", ownerA, base)
	h.appendEvents("live", ownerA, 0, steps(0, 1))
	err := h.s.ReopenRun(h.ctx, "live", store.Reopen{Next: 1, Events: []wf.Event{retried("live", at(time.Minute))}, Now: at(time.Minute)})
	wantErr(t, "ReopenRun of a live run", err, store.ErrConflict)
	if n := len(h.events("live")); n != 1 {
		t.Errorf("live run's log after a refused ReopenRun has %d events, want 1", n)
	}
	h.errored("ended")
	for _, next := range []int{1, 3} {
		err := h.s.ReopenRun(h.ctx, "ended", store.Reopen{Next: next, Events: []wf.Event{retried("ended", at(time.Minute))}, Now: at(time.Minute)})
		wantErr(t, "ReopenRun at a wrong index", err, store.ErrConflict)
	}
	if r := h.get("ended"); r.Status != wf.StatusErrored || len(h.events("ended")) != 2 {
		t.Errorf("ended run after refused ReopenRuns: %s with %d events, want errored with 2", r.Status, len(h.events("ended")))
	}
	err = h.s.ReopenRun(h.ctx, "missing", store.Reopen{Next: 0, Events: []wf.Event{retried("missing", at(time.Minute))}, Now: at(time.Minute)})
	wantErr(t, "ReopenRun of a missing run", err, store.ErrNotFound)
}

func testCreateWithLog(t *testing.T, h *harness) {
	nr := newRun("fork-1")
	nr.Status = wf.StatusRunning
	nr.Lease = leaseAt(ownerA, base)
	nr.Log = append(steps(0, 20), wf.Event{Type: wf.RunForked, Time: base, RunID: "source", StepID: "step-20"})
	h.create(nr)
	diff(t, "log of a run created with a Log", nr.Log, h.events("fork-1"))

	again := nr
	again.Lease = leaseAt(ownerB, at(time.Second))
	again.Log = steps(100, 2)
	run, created, err := h.s.CreateRun(h.ctx, again)
	if err != nil || created || run.LeaseOwner != ownerA {
		t.Fatalf("CreateRun again = created %v, lease %q, %v; want the existing run", created, run.LeaseOwner, err)
	}
	diff(t, "log after a second CreateRun", nr.Log, h.events("fork-1"))
}
