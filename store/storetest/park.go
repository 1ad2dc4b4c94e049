package storetest

import (
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

var parkCases = []testCase{
	{"KeepsTheRunPausedWithoutTimersOrLease", testParkKeepsRun},
	{"NeedsTheLease", testParkNeedsLease},
	{"DeliveryLeavesAParkedRunPaused", testParkDeliver},
	{"UnparkMakesOneVersionReady", testUnpark},
	{"CommitClearsTheMark", testParkCommitClears},
	{"ListRunsFiltersParked", testParkList},
}

// parkAt is the park mark the cases store.
func parkAt(now time.Time) store.Park {
	return store.Park{Reason: wf.CodeVersionMismatch, Message: `workflow "orders" has no version "v1"`, At: now}
}

// parked makes a run paused on a timer, claims it as ownerB and parks it
// at base+1m.
func (h *harness) parked(id, version string) {
	h.t.Helper()
	nr := newRun(id)
	nr.Version = version
	nr.Status = wf.StatusRunning
	nr.Lease = leaseAt(ownerA, base)
	h.create(nr)
	h.pause(id, ownerA, base, timer(id, "sleep", at(time.Hour)))
	h.mustClaim(id, leaseAt(ownerB, at(time.Minute)))
	if err := h.s.ParkRun(h.ctx, id, ownerB, parkAt(at(time.Minute))); err != nil {
		h.t.Fatalf("ParkRun(%q, %s): %v", id, ownerB, err)
	}
}

// wantParked fails t unless run id is parked (or not) and paused.
func (h *harness) wantParked(id string, parked bool) store.Run {
	h.t.Helper()
	r := h.get(id)
	if (r.Parked != nil) != parked {
		h.t.Errorf("GetRun(%s).Parked = %+v, want parked = %v", id, r.Parked, parked)
	}
	return r
}

func testParkKeepsRun(t *testing.T, h *harness) {
	h.create(newRun("other"))
	h.parked("run-1", "v1")
	r := h.wantParked("run-1", true)
	want := store.Park{Reason: wf.CodeVersionMismatch, Version: "v1", Message: parkAt(base).Message, At: at(time.Minute)}
	if r.Parked != nil {
		diff(t, "GetRun.Parked", want, *r.Parked)
	}
	if r.Status != wf.StatusPaused || r.LeaseOwner != "" || r.WakeAt != nil {
		t.Errorf("parked run: status %q, lease owner %q, WakeAt %v; want paused, no lease, no WakeAt", r.Status, r.LeaseOwner, r.WakeAt)
	}
	if len(r.Awaiting) != 1 || r.Awaiting[0].StepID != "sleep" {
		t.Errorf("parked run: Awaiting = %+v, want the sleep it awaited", r.Awaiting)
	}
	if got := h.claimTimers(10, leaseAt(ownerC, at(2*time.Hour))); len(got) != 0 {
		t.Errorf("ClaimDueTimers after ParkRun = %v, want none (a parked run has no timers)", got)
	}
	if got := h.claimStale(10, leaseAt(ownerC, at(2*time.Hour))); len(got) != 1 || got[0].ID != "other" {
		t.Errorf("ClaimStaleRuns after ParkRun = %v, want only the queued run", runIDs(got))
	}
}

func testParkNeedsLease(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	err := h.s.ParkRun(h.ctx, "run-1", ownerB, parkAt(at(time.Second)))
	wantErr(t, "ParkRun by an owner without the lease", err, store.ErrLeaseLost)
	r := h.wantParked("run-1", false)
	if r.LeaseOwner != ownerA || r.Status != wf.StatusRunning {
		t.Errorf("after a refused ParkRun: lease owner %q, status %q; want %q, running", r.LeaseOwner, r.Status, ownerA)
	}
	// A running run (recovered, say) parks as paused.
	if err := h.s.ParkRun(h.ctx, "run-1", ownerA, parkAt(at(time.Second))); err != nil {
		t.Fatalf("ParkRun by the lease holder: %v", err)
	}
	if r := h.wantParked("run-1", true); r.Status != wf.StatusPaused {
		t.Errorf("parked running run: status %q, want paused", r.Status)
	}
}

func testParkDeliver(t *testing.T, h *harness) {
	h.parked("run-1", "v1")
	seq := h.get("run-1").DeliverySeq
	if res := h.deliver("run-1", signal("wait", "sig-1")); res.Status != store.Delivered {
		t.Fatalf("Deliver to a parked run: %q, want delivered", res.Status)
	}
	r := h.wantParked("run-1", true)
	if r.Status != wf.StatusPaused || r.DeliverySeq != seq+1 {
		t.Errorf("parked run after a delivery: status %q, DeliverySeq %d; want paused, %d", r.Status, r.DeliverySeq, seq+1)
	}
	if got := h.claimStale(10, leaseAt(ownerC, at(time.Hour))); len(got) != 0 {
		t.Errorf("ClaimStaleRuns after a delivery to a parked run = %v, want none", runIDs(got))
	}
	if ds := h.load("run-1").Deliveries; len(ds) != 1 || ds[0].SignalID != "sig-1" {
		t.Errorf("LoadExecution.Deliveries = %+v, want the stored signal", ds)
	}
}

func testUnpark(t *testing.T, h *harness) {
	h.parked("v1-a", "v1")
	h.parked("v1-b", "v1")
	h.parked("v2-a", "v2")
	n, err := h.s.UnparkRuns(h.ctx, nil, at(time.Hour))
	if err != nil || n != 0 {
		t.Errorf("UnparkRuns(no versions) = %d, %v; want 0, nil", n, err)
	}
	versions := []store.WorkflowVersion{{WorkflowID: "orders", Version: "v1"}, {WorkflowID: "billing", Version: "v2"}}
	if n, err = h.s.UnparkRuns(h.ctx, versions, at(time.Hour)); err != nil || n != 2 {
		t.Fatalf("UnparkRuns(orders v1) = %d, %v; want 2, nil", n, err)
	}
	for _, id := range []string{"v1-a", "v1-b"} {
		if r := h.wantParked(id, false); r.Status != wf.StatusRunning {
			t.Errorf("unparked %s: status %q, want running (ready for recovery)", id, r.Status)
		}
	}
	h.wantParked("v2-a", true)
	got := h.claimStale(10, leaseAt(ownerC, at(2*time.Hour)))
	diff(t, "ClaimStaleRuns after UnparkRuns (sorted IDs)", []string{"v1-a", "v1-b"}, sortedIDs(got))
	if n, err = h.s.UnparkRuns(h.ctx, versions, at(3*time.Hour)); err != nil || n != 0 {
		t.Errorf("second UnparkRuns = %d, %v; want 0, nil", n, err)
	}
}

func testParkCommitClears(t *testing.T, h *harness) {
	h.parked("run-1", "v1")
	h.mustClaim("run-1", leaseAt(ownerC, at(2*time.Minute)))
	h.pause("run-1", ownerC, at(3*time.Minute), timer("run-1", "sleep", at(time.Hour)))
	h.wantParked("run-1", false)
	if res := h.deliver("run-1", signal("wait", "sig-1")); res.Status != store.Delivered {
		t.Fatalf("Deliver: %q, want delivered", res.Status)
	}
	if r := h.get("run-1"); r.Status != wf.StatusRunning {
		t.Errorf("delivery to a run no longer parked: status %q, want running", r.Status)
	}
}

func testParkList(t *testing.T, h *harness) {
	h.seedList()
	h.parked("parked-orders", "v1")
	nr := newRun("parked-billing")
	nr.WorkflowID = "billing"
	nr.Status = wf.StatusRunning
	nr.Lease = leaseAt(ownerA, base)
	h.create(nr)
	if err := h.s.ParkRun(h.ctx, "parked-billing", ownerA, parkAt(at(time.Second))); err != nil {
		t.Fatal(err)
	}
	diff(t, "ListRuns{Parked}", [][]string{{"parked-orders", "parked-billing"}}, h.listAll(store.ListQuery{Parked: true}))
	diff(t, "ListRuns{billing, Parked}", [][]string{{"parked-billing"}},
		h.listAll(store.ListQuery{WorkflowID: "billing", Parked: true}))
	diff(t, "ListRuns{paused, Parked}", [][]string{{"parked-orders", "parked-billing"}},
		h.listAll(store.ListQuery{Status: wf.StatusPaused, Parked: true, Limit: 5}))
}
