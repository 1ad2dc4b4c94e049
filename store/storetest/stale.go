package storetest

import (
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

var claimStaleRunsCases = []testCase{
	{"ClaimsOnlyRunsNeedingADriver", testStaleEligible},
	{"RespectsLimit", testStaleLimit},
}

func testStaleEligible(t *testing.T, h *harness) {
	now := at(time.Minute)
	h.create(newRun("queued-free"))
	h.createLeased("yielded", ownerA, base)
	h.commit(store.Commit{RunID: "yielded", Owner: ownerA, Status: wf.StatusRunning, Now: at(time.Second)})
	h.createLeased("running-expired", ownerA, base)
	h.createLeased("running-live", ownerA, now.Add(-time.Second))
	queuedLive := newRun("queued-live")
	queuedLive.Lease = leaseAt(ownerA, now.Add(-time.Second))
	h.create(queuedLive)
	h.pausedOnTimer("paused", at(time.Hour))
	h.createLeased("finished", ownerA, base)
	h.end("finished", ownerA, wf.StatusFinished, at(time.Second))
	h.createLeased("errored", ownerA, base)
	h.end("errored", ownerA, wf.StatusErrored, at(time.Second))

	lease := leaseAt(ownerB, now)
	got := h.claimStale(10, lease)
	diff(t, "ClaimStaleRuns (sorted IDs)", []string{"queued-free", "running-expired", "yielded"}, sortedIDs(got))
	for _, r := range got {
		if r.LeaseOwner != ownerB || !sameInstantPtr(r.LeaseExpiresAt, lease.Until) {
			t.Errorf("ClaimStaleRuns returned %s leased to %q until %v, want %q until %v", r.ID, r.LeaseOwner, r.LeaseExpiresAt, ownerB, lease.Until)
		}
		if stored := h.get(r.ID); stored.LeaseOwner != ownerB {
			t.Errorf("GetRun(%s) after ClaimStaleRuns: LeaseOwner = %q, want %q", r.ID, stored.LeaseOwner, ownerB)
		}
	}
	if again := h.claimStale(10, leaseAt(ownerC, now.Add(time.Second))); len(again) != 0 {
		t.Errorf("second ClaimStaleRuns within the first one's leases claimed %v, want none", runIDs(again))
	}
}

func testStaleLimit(t *testing.T, h *harness) {
	want := []string{"run-1", "run-2", "run-3", "run-4", "run-5"}
	for _, id := range want {
		h.create(newRun(id))
	}
	var claimed []store.Run
	for i, wantLen := range []int{2, 2, 1, 0} {
		got := h.claimStale(2, leaseAt("sweeper-"+string(rune('a'+i)), at(time.Minute)))
		if len(got) != wantLen {
			t.Errorf("ClaimStaleRuns(limit 2) call %d claimed %d runs %v, want %d", i+1, len(got), runIDs(got), wantLen)
		}
		claimed = append(claimed, got...)
	}
	diff(t, "runs claimed over all calls (sorted)", want, sortedIDs(claimed))
}
