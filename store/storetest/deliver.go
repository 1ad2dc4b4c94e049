package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

var deliverCases = []testCase{
	{"DeliveredBumpsDeliverySeq", testDeliverDelivered},
	{"SameSignalIDDuplicate", testDeliverDuplicate},
	{"OtherSignalIDForSameWaitLost", testDeliverLost},
	{"MissingRunNotFound", testDeliverNotFound},
	{"DeliveredMakesPausedRunReady", testDeliverMakesPausedRunReady},
	{"DeliveredLeavesDrivenRunAlone", testDeliverLeavesDrivenRunAlone},
	{"DuplicateAndLostChangeNothing", testDeliverDuplicateChangesNothing},
}

// checkDeliveries checks a run's DeliverySeq and stored deliveries.
func (h *harness) checkDeliveries(what, id string, seq int64, want []wf.Delivery) {
	h.t.Helper()
	exec := h.load(id)
	if exec.Run.DeliverySeq != seq {
		h.t.Errorf("DeliverySeq after %s = %d, want %d", what, exec.Run.DeliverySeq, seq)
	}
	diff(h.t, "deliveries after "+what+" (sorted by SignalID)", sortedDeliveries(want), sortedDeliveries(exec.Deliveries))
}

func testDeliverDelivered(t *testing.T, h *harness) {
	h.create(newRun("run-1"))
	timerDelivery := wf.Delivery{StepID: "sleep", SignalID: "timer:sleep", Name: wf.TimerSignal, Time: at(2 * time.Second)}
	approval := wf.Delivery{StepID: "approve", SignalID: "approval:approve", Name: "approval", ApprovalID: "approve", Approved: true, Feedback: "ok", Time: at(3 * time.Second)}
	for i, d := range []wf.Delivery{signal("wait-a", "sig-1"), timerDelivery, approval} {
		if res := h.deliver("run-1", d); res.Status != store.Delivered {
			t.Errorf("Deliver(%s to %s) status = %q, want %q", d.SignalID, d.StepID, res.Status, store.Delivered)
		}
		if got := h.get("run-1").DeliverySeq; got != int64(i+1) {
			t.Errorf("DeliverySeq after %d deliveries = %d, want %d", i+1, got, i+1)
		}
	}
	h.checkDeliveries("three deliveries", "run-1", 3, []wf.Delivery{signal("wait-a", "sig-1"), timerDelivery, approval})
}

func testDeliverDuplicate(t *testing.T, h *harness) {
	h.create(newRun("run-1"))
	first := signal("wait-a", "sig-1")
	h.deliver("run-1", first)
	again := signal("wait-a", "sig-1")
	again.Payload = json.RawMessage(`{"paymentId": "changed"}`)
	res := h.deliver("run-1", again)
	if res.Status != store.Duplicate {
		t.Errorf("Deliver of a stored SignalID: status = %q, want %q", res.Status, store.Duplicate)
	}
	if res.Winner == nil {
		t.Errorf("Deliver of a stored SignalID: Winner = nil, want the stored delivery")
	} else {
		diff(t, "duplicate Deliver's Winner", first, *res.Winner)
	}
	h.checkDeliveries("a duplicate delivery", "run-1", 1, []wf.Delivery{first})
}

func testDeliverLost(t *testing.T, h *harness) {
	h.create(newRun("run-1"))
	first := signal("wait-a", "sig-1")
	h.deliver("run-1", first)
	res := h.deliver("run-1", signal("wait-a", "sig-2"))
	if res.Status != store.Lost {
		t.Errorf("Deliver of another SignalID to a resolved wait: status = %q, want %q", res.Status, store.Lost)
	}
	if res.Winner == nil {
		t.Errorf("Deliver of another SignalID to a resolved wait: Winner = nil, want the stored delivery")
	} else {
		diff(t, "lost Deliver's Winner", first, *res.Winner)
	}
	h.checkDeliveries("a lost delivery", "run-1", 1, []wf.Delivery{first})
}

func testDeliverNotFound(t *testing.T, h *harness) {
	h.create(newRun("run-1"))
	res := h.deliver("missing", signal("wait-a", "sig-1"))
	if res.Status != store.RunNotFound {
		t.Errorf(`Deliver("missing") status = %q, want %q`, res.Status, store.RunNotFound)
	}
	h.checkDeliveries("a delivery to another run", "run-1", 0, nil)
}

// A delivery to a paused run leaves it ready (running, no lease), so that
// recovery drives it when the deliverer crashes before driving it.
func testDeliverMakesPausedRunReady(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	h.pause("run-1", ownerA, at(time.Second))
	if res := h.deliver("run-1", signal("wait-a", "sig-1")); res.Status != store.Delivered {
		t.Fatalf("Deliver status = %q, want %q", res.Status, store.Delivered)
	}
	run := h.get("run-1")
	if run.Status != wf.StatusRunning || run.LeaseOwner != "" {
		t.Errorf("paused run after a delivery: status %q, lease owner %q; want running with no lease", run.Status, run.LeaseOwner)
	}
	stale := h.claimStale(10, leaseAt(ownerB, at(2*time.Second)))
	if len(stale) != 1 || stale[0].ID != "run-1" {
		t.Errorf("ClaimStaleRuns after a delivery to a paused run = %v, want [run-1]", runIDs(stale))
	}
}

// A delivery to a run that is being driven changes neither its status nor
// its lease: the driver's commit sees the new DeliverySeq.
func testDeliverLeavesDrivenRunAlone(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	h.deliver("run-1", signal("wait-a", "sig-1"))
	run := h.get("run-1")
	if run.Status != wf.StatusRunning || run.LeaseOwner != ownerA {
		t.Errorf("driven run after a delivery: status %q, lease owner %q; want running, %q", run.Status, run.LeaseOwner, ownerA)
	}
}

// Duplicate and lost deliveries leave a paused run paused.
func testDeliverDuplicateChangesNothing(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	h.deliver("run-1", signal("wait-a", "sig-1"))
	h.pause("run-1", ownerA, at(time.Second))
	for _, d := range []wf.Delivery{signal("wait-a", "sig-1"), signal("wait-a", "sig-2")} {
		h.deliver("run-1", d)
		if run := h.get("run-1"); run.Status != wf.StatusPaused || run.DeliverySeq != 1 {
			t.Errorf("after re-delivering %s: status %q, DeliverySeq %d; want paused, 1", d.SignalID, run.Status, run.DeliverySeq)
		}
	}
}
