package storetest

import (
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

var claimRunCases = []testCase{
	{"ClaimsFreeRun", testClaimFree},
	{"MissingRunNotFound", testClaimNotFound},
	{"LeasedElsewhereNotClaimable", testClaimLeasedElsewhere},
	{"TerminalRunTerminal", testClaimTerminal},
	{"SameOwnerReclaims", testClaimSameOwner},
	{"OtherOwnerClaimsAfterExpiry", testClaimAfterExpiry},
	{"ResultCarriesExecution", testClaimCarriesExecution},
}

var heartbeatCases = []testCase{
	{"ExtendsLease", testHeartbeatExtends},
	{"NonOwnerLeaseLost", testHeartbeatNonOwner},
	{"ReleasedLeaseLost", testHeartbeatReleased},
	{"MissingRunFails", testHeartbeatMissing},
}

var releaseRunCases = []testCase{
	{"ReleasesOwnLease", testReleaseOwn},
	{"NonOwnerChangesNothing", testReleaseNonOwner},
	{"MissingRunNoError", testReleaseMissing},
}

func testClaimFree(t *testing.T, h *harness) {
	created := h.create(newRun("run-1"))
	lease := leaseAt(ownerA, at(time.Minute))
	exec := h.mustClaim("run-1", lease)
	want := created
	want.LeaseOwner = ownerA
	want.LeaseExpiresAt = &lease.Until
	diff(t, "ClaimRun result Execution.Run", want, exec.Run, ignoreUpdatedAt)
	diff(t, "GetRun after ClaimRun", want, h.get("run-1"), ignoreUpdatedAt)
}

func testClaimNotFound(t *testing.T, h *harness) {
	h.create(newRun("run-1"))
	res := h.claim("missing", leaseAt(ownerA, base))
	if res.Status != store.NotFound {
		t.Errorf(`ClaimRun("missing") status = %q, want %q`, res.Status, store.NotFound)
	}
}

func testClaimLeasedElsewhere(t *testing.T, h *harness) {
	h.create(newRun("run-1"))
	h.deliver("run-1", signal("wait-a", "sig-1"))
	first := leaseAt(ownerA, base)
	h.mustClaim("run-1", first)
	h.appendEvents("run-1", ownerA, 0, steps(0, 1))
	before := h.get("run-1")

	res := h.claim("run-1", leaseAt(ownerB, at(10*time.Second)))
	if res.Status != store.NotClaimable {
		t.Fatalf("ClaimRun by %s within %s's lease: status = %q, want %q", ownerB, ownerA, res.Status, store.NotClaimable)
	}
	diff(t, "not-claimable ClaimRun Execution.Run", before, res.Execution.Run, ignoreUpdatedAt)
	if len(res.Execution.Events) != 0 || len(res.Execution.Deliveries) != 0 {
		t.Errorf("not-claimable ClaimRun carries %d events and %d deliveries, want only the run",
			len(res.Execution.Events), len(res.Execution.Deliveries))
	}
	diff(t, "GetRun after a not-claimable ClaimRun (still the first owner's)", before, h.get("run-1"), ignoreUpdatedAt)
}

func testClaimTerminal(t *testing.T, h *harness) {
	for _, status := range []wf.RunStatus{wf.StatusFinished, wf.StatusErrored, wf.StatusAborted, wf.StatusCanceled} {
		id := "run-" + string(status)
		h.createLeased(id, ownerA, base)
		h.end(id, ownerA, status, at(time.Second))
		res := h.claim(id, leaseAt(ownerB, at(time.Minute)))
		if res.Status != store.Terminal {
			t.Errorf("ClaimRun(%s run) status = %q, want %q", status, res.Status, store.Terminal)
			continue
		}
		if res.Execution.Run.ID != id || res.Execution.Run.Status != status {
			t.Errorf("ClaimRun(%s run) Execution.Run = {ID %q, Status %q}, want {ID %q, Status %q}",
				status, res.Execution.Run.ID, res.Execution.Run.Status, id, status)
		}
		if got := h.get(id); got.LeaseOwner != "" {
			t.Errorf("GetRun(%s run) after ClaimRun: LeaseOwner = %q, want none (a terminal run is never leased)", status, got.LeaseOwner)
		}
	}
}

func testClaimSameOwner(t *testing.T, h *harness) {
	h.create(newRun("run-1"))
	h.mustClaim("run-1", leaseAt(ownerA, base))
	again := leaseAt(ownerA, at(10*time.Second))
	exec := h.mustClaim("run-1", again)
	if exec.Run.LeaseOwner != ownerA || !sameInstantPtr(exec.Run.LeaseExpiresAt, again.Until) {
		t.Errorf("reclaim by the same owner: lease = %q until %v, want %q until %v",
			exec.Run.LeaseOwner, exec.Run.LeaseExpiresAt, ownerA, again.Until)
	}
}

func testClaimAfterExpiry(t *testing.T, h *harness) {
	h.create(newRun("run-1"))
	h.mustClaim("run-1", leaseAt(ownerA, base))
	takeover := leaseAt(ownerB, at(leaseTTL+time.Second))
	exec := h.mustClaim("run-1", takeover)
	if exec.Run.LeaseOwner != ownerB || !sameInstantPtr(exec.Run.LeaseExpiresAt, takeover.Until) {
		t.Errorf("claim after expiry: lease = %q until %v, want %q until %v",
			exec.Run.LeaseOwner, exec.Run.LeaseExpiresAt, ownerB, takeover.Until)
	}
	// The former owner has lost the run.
	err := h.s.Append(h.ctx, "run-1", store.Append{Owner: ownerA, Next: 0, Events: steps(0, 1)})
	wantErr(t, "Append by the former owner", err, store.ErrLeaseLost)
	err = h.s.Heartbeat(h.ctx, "run-1", leaseAt(ownerA, takeover.Now))
	wantErr(t, "Heartbeat by the former owner", err, store.ErrLeaseLost)
	if err := h.s.ReleaseRun(h.ctx, "run-1", ownerA); err != nil {
		t.Errorf("ReleaseRun by the former owner: %v, want nil", err)
	}
	if got := h.get("run-1"); got.LeaseOwner != ownerB {
		t.Errorf("LeaseOwner after the former owner's calls = %q, want %q", got.LeaseOwner, ownerB)
	}
	if evs := h.events("run-1"); len(evs) != 0 {
		t.Errorf("log after the former owner's Append: %d events, want 0", len(evs))
	}
}

func testClaimCarriesExecution(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	h.appendEvents("run-1", ownerA, 0, steps(0, 3))
	h.pause("run-1", ownerA, at(time.Second), timer("run-1", "sleep", at(time.Hour)))
	h.deliver("run-1", signal("wait-a", "sig-1"))

	exec := h.mustClaim("run-1", leaseAt(ownerB, at(time.Minute)))
	diff(t, "claimed Execution.Events", steps(0, 3), exec.Events)
	diff(t, "claimed Execution.Deliveries", []wf.Delivery{signal("wait-a", "sig-1")}, exec.Deliveries)
	if exec.Run.DeliverySeq != 1 {
		t.Errorf("claimed Execution.Run.DeliverySeq = %d, want 1", exec.Run.DeliverySeq)
	}
	diff(t, "claimed Execution.Run.Awaiting", awaitTimers([]store.Timer{timer("run-1", "sleep", at(time.Hour))}), exec.Run.Awaiting)
}

func testHeartbeatExtends(t *testing.T, h *harness) {
	h.create(newRun("run-1"))
	h.mustClaim("run-1", leaseAt(ownerA, base))
	beat := store.Lease{Owner: ownerA, Now: at(20 * time.Second), Until: at(time.Minute)}
	if err := h.s.Heartbeat(h.ctx, "run-1", beat); err != nil {
		t.Fatalf("Heartbeat by the owner: %v", err)
	}
	if got := h.get("run-1"); got.LeaseOwner != ownerA || !sameInstantPtr(got.LeaseExpiresAt, beat.Until) {
		t.Errorf("lease after Heartbeat = %q until %v, want %q until %v", got.LeaseOwner, got.LeaseExpiresAt, ownerA, beat.Until)
	}
	// Past the first expiry, within the extended one.
	if res := h.claim("run-1", leaseAt(ownerB, at(45*time.Second))); res.Status != store.NotClaimable {
		t.Errorf("ClaimRun by %s within the extended lease: status = %q, want %q", ownerB, res.Status, store.NotClaimable)
	}
	h.mustClaim("run-1", leaseAt(ownerB, at(61*time.Second)))
}

func testHeartbeatNonOwner(t *testing.T, h *harness) {
	h.create(newRun("run-1"))
	lease := leaseAt(ownerA, base)
	h.mustClaim("run-1", lease)
	err := h.s.Heartbeat(h.ctx, "run-1", store.Lease{Owner: ownerB, Now: at(time.Second), Until: at(time.Hour)})
	wantErr(t, "Heartbeat by a non-owner", err, store.ErrLeaseLost)
	if got := h.get("run-1"); got.LeaseOwner != ownerA || !sameInstantPtr(got.LeaseExpiresAt, lease.Until) {
		t.Errorf("lease after a non-owner's Heartbeat = %q until %v, want %q until %v", got.LeaseOwner, got.LeaseExpiresAt, ownerA, lease.Until)
	}
}

func testHeartbeatReleased(t *testing.T, h *harness) {
	h.create(newRun("run-1"))
	h.mustClaim("run-1", leaseAt(ownerA, base))
	if err := h.s.ReleaseRun(h.ctx, "run-1", ownerA); err != nil {
		t.Fatalf("ReleaseRun: %v", err)
	}
	err := h.s.Heartbeat(h.ctx, "run-1", leaseAt(ownerA, at(time.Second)))
	wantErr(t, "Heartbeat after ReleaseRun", err, store.ErrLeaseLost)
	if got := h.get("run-1"); got.LeaseOwner != "" {
		t.Errorf("LeaseOwner after a Heartbeat on a released lease = %q, want none", got.LeaseOwner)
	}
}

func testHeartbeatMissing(t *testing.T, h *harness) {
	err := h.s.Heartbeat(h.ctx, "missing", leaseAt(ownerA, base))
	wantErr(t, `Heartbeat("missing")`, err, store.ErrLeaseLost, store.ErrNotFound)
}

func testReleaseOwn(t *testing.T, h *harness) {
	h.create(newRun("run-1"))
	want := h.mustClaim("run-1", leaseAt(ownerA, base)).Run
	want.LeaseOwner, want.LeaseExpiresAt = "", nil
	if err := h.s.ReleaseRun(h.ctx, "run-1", ownerA); err != nil {
		t.Fatalf("ReleaseRun by the owner: %v", err)
	}
	diff(t, "GetRun after ReleaseRun (the claimed run without its lease)", want, h.get("run-1"), ignoreUpdatedAt)
	h.mustClaim("run-1", leaseAt(ownerB, at(time.Second)))
}

func testReleaseNonOwner(t *testing.T, h *harness) {
	h.create(newRun("run-1"))
	h.mustClaim("run-1", leaseAt(ownerA, base))
	before := h.get("run-1")
	if err := h.s.ReleaseRun(h.ctx, "run-1", ownerB); err != nil {
		t.Errorf("ReleaseRun by a non-owner: %v, want nil", err)
	}
	diff(t, "GetRun after a non-owner's ReleaseRun", before, h.get("run-1"))
	if res := h.claim("run-1", leaseAt(ownerB, at(time.Second))); res.Status != store.NotClaimable {
		t.Errorf("ClaimRun by %s after its ReleaseRun of %s's lease: status = %q, want %q", ownerB, ownerA, res.Status, store.NotClaimable)
	}
}

func testReleaseMissing(t *testing.T, h *harness) {
	if err := h.s.ReleaseRun(h.ctx, "missing", ownerA); err != nil {
		t.Errorf(`ReleaseRun("missing"): %v, want nil (releasing a lease one does not hold is not an error)`, err)
	}
}
