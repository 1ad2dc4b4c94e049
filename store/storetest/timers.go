package storetest

import (
	"testing"
	"time"

	"github.com/wfgo/wf/store"
)

var claimDueTimersCases = []testCase{
	{"ClaimsDueTimersEarliestFirst", testTimersDueEarliestFirst},
	{"LeasedTimerNotClaimedUntilExpiry", testTimersLeaseWindow},
}

func testTimersDueEarliestFirst(t *testing.T, h *harness) {
	t3 := h.pausedOnTimer("run-1", at(3*time.Minute))
	t1 := h.pausedOnTimer("run-2", at(1*time.Minute))
	t2 := h.pausedOnTimer("run-3", at(2*time.Minute))
	h.pausedOnTimer("run-4", at(10*time.Minute))
	t5 := h.pausedOnTimer("run-5", at(5*time.Minute)) // due exactly at the sweep

	now := at(5 * time.Minute)
	diff(t, "ClaimDueTimers(limit 2)", []store.Timer{t1, t2}, h.claimTimers(2, leaseAt(ownerB, now)))
	diff(t, "ClaimDueTimers(limit 10) by another sweeper", []store.Timer{t3, t5}, h.claimTimers(10, leaseAt(ownerC, now)))
	if got := h.claimTimers(10, leaseAt("owner-d", now)); len(got) != 0 {
		t.Errorf("ClaimDueTimers once every due timer is leased: %v, want none (the timer due at +10m is not due)", got)
	}
}

func testTimersLeaseWindow(t *testing.T, h *harness) {
	due := h.pausedOnTimer("run-1", at(time.Minute))
	diff(t, "first sweeper's claim", []store.Timer{due}, h.claimTimers(10, leaseAt(ownerB, at(2*time.Minute))))
	within := at(2*time.Minute + leaseTTL - time.Second)
	if got := h.claimTimers(10, leaseAt(ownerC, within)); len(got) != 0 {
		t.Errorf("ClaimDueTimers within another sweeper's lease: %v, want none", got)
	}
	after := at(2*time.Minute + leaseTTL + time.Second)
	diff(t, "claim after the first sweeper's lease expired", []store.Timer{due}, h.claimTimers(10, leaseAt(ownerC, after)))
}
