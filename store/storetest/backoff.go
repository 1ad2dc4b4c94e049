package storetest

import (
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

var backOffRunCases = []testCase{
	{"RecordsFailureAndReleases", testBackOffRecords},
	{"RefusesNonHolder", testBackOffNonHolder},
	{"StaleClaimWaitsForRetryTime", testBackOffStaleWaits},
	{"HealthyRunsClaimedFirst", testBackOffHealthyFirst},
	{"CommitResets", testBackOffCommitResets},
}

var releaseTimerCases = []testCase{
	{"ClaimableAtOnce", testReleaseTimerClaimable},
	{"OnlyHolderReleases", testReleaseTimerOnlyHolder},
}

func (h *harness) backOff(id, owner string, retryAt time.Time) {
	h.t.Helper()
	if err := h.s.BackOffRun(h.ctx, id, owner, retryAt); err != nil {
		h.t.Fatalf("BackOffRun(%q, %s, %s): %v", id, owner, retryAt, err)
	}
}

// checkBackoff fails unless run is unleased with failures and retryAt.
func checkBackoff(t *testing.T, what string, run store.Run, failures int, retryAt time.Time) {
	t.Helper()
	if run.LeaseOwner != "" || run.LeaseExpiresAt != nil {
		t.Errorf("%s: lease %q until %v, want released", what, run.LeaseOwner, run.LeaseExpiresAt)
	}
	if run.DriveFailures != failures || !sameInstantPtr(run.DriveRetryAt, retryAt) {
		t.Errorf("%s: DriveFailures %d, DriveRetryAt %v; want %d, %s", what, run.DriveFailures, run.DriveRetryAt, failures, retryAt)
	}
}

func testBackOffRecords(t *testing.T, h *harness) {
	h.createLeased("r", ownerA, base)
	h.backOff("r", ownerA, at(10*time.Second))
	checkBackoff(t, "GetRun after one BackOffRun", h.get("r"), 1, at(10*time.Second))

	h.mustClaim("r", leaseAt(ownerB, at(11*time.Second)))
	h.backOff("r", ownerB, at(13*time.Second))
	checkBackoff(t, "GetRun after two BackOffRuns", h.get("r"), 2, at(13*time.Second))

	page, err := h.s.ListRuns(h.ctx, store.ListQuery{})
	if err != nil || len(page.Runs) != 1 {
		t.Fatalf("ListRuns: %d runs, %v", len(page.Runs), err)
	}
	checkBackoff(t, "ListRuns after two BackOffRuns", page.Runs[0], 2, at(13*time.Second))
}

func testBackOffNonHolder(t *testing.T, h *harness) {
	h.createLeased("r", ownerA, base)
	wantErr(t, "BackOffRun by a non-holder", h.s.BackOffRun(h.ctx, "r", ownerB, at(time.Minute)), store.ErrLeaseLost)
	if run := h.get("r"); run.LeaseOwner != ownerA || run.DriveFailures != 0 || run.DriveRetryAt != nil {
		t.Errorf("after a refused BackOffRun: lease %q, DriveFailures %d, DriveRetryAt %v; want %q, 0, nil",
			run.LeaseOwner, run.DriveFailures, run.DriveRetryAt, ownerA)
	}
	wantErr(t, "BackOffRun of a missing run", h.s.BackOffRun(h.ctx, "missing", ownerA, at(time.Minute)), store.ErrLeaseLost)
}

func testBackOffStaleWaits(t *testing.T, h *harness) {
	h.createLeased("failing", ownerA, base)
	h.backOff("failing", ownerA, at(time.Minute))
	if got := h.claimStale(10, leaseAt(ownerB, at(59*time.Second))); len(got) != 0 {
		t.Errorf("ClaimStaleRuns before the retry time claimed %v, want none", runIDs(got))
	}
	got := h.claimStale(10, leaseAt(ownerB, at(time.Minute)))
	diff(t, "ClaimStaleRuns at the retry time", []string{"failing"}, runIDs(got))
	if len(got) == 1 && got[0].DriveFailures != 1 {
		t.Errorf("claimed run's DriveFailures = %d, want 1", got[0].DriveFailures)
	}
}

func testBackOffHealthyFirst(t *testing.T, h *harness) {
	for _, id := range []string{"a-failing-1", "a-failing-2", "a-failing-3"} {
		h.createLeased(id, ownerA, base)
		h.backOff(id, ownerA, at(time.Second))
	}
	h.create(newRun("z-healthy"))
	now := at(time.Minute)
	diff(t, "ClaimStaleRuns(limit 1)", []string{"z-healthy"}, runIDs(h.claimStale(1, leaseAt(ownerB, now))))
	diff(t, "ClaimStaleRuns(limit 10) after it", []string{"a-failing-1", "a-failing-2", "a-failing-3"},
		sortedIDs(h.claimStale(10, leaseAt(ownerC, now))))
}

func testBackOffCommitResets(t *testing.T, h *harness) {
	h.createLeased("r", ownerA, base)
	h.backOff("r", ownerA, at(time.Hour))
	// An explicit claim (a delivery, a cancellation) does not wait for the
	// retry time.
	h.mustClaim("r", leaseAt(ownerB, at(time.Second)))
	h.commit(store.Commit{RunID: "r", Owner: ownerB, Status: wf.StatusRunning, Now: at(2 * time.Second)})
	if run := h.get("r"); run.DriveFailures != 0 || run.DriveRetryAt != nil {
		t.Errorf("after Commit: DriveFailures %d, DriveRetryAt %v; want 0, nil", run.DriveFailures, run.DriveRetryAt)
	}
}

func testReleaseTimerClaimable(t *testing.T, h *harness) {
	h.pausedOnTimer("r", at(time.Second))
	if got := h.claimTimers(10, leaseAt(ownerA, at(2*time.Second))); len(got) != 1 {
		t.Fatalf("ClaimDueTimers claimed %d timers, want 1", len(got))
	}
	if got := h.claimTimers(10, leaseAt(ownerB, at(3*time.Second))); len(got) != 0 {
		t.Fatalf("ClaimDueTimers under a live lease claimed %d timers, want 0", len(got))
	}
	if err := h.s.ReleaseTimer(h.ctx, "r", "sleep", ownerA); err != nil {
		t.Fatalf("ReleaseTimer: %v", err)
	}
	got := h.claimTimers(10, leaseAt(ownerB, at(3*time.Second)))
	if len(got) != 1 || got[0].RunID != "r" || got[0].StepID != "sleep" {
		t.Errorf("ClaimDueTimers after ReleaseTimer = %+v, want the released timer", got)
	}
}

func testReleaseTimerOnlyHolder(t *testing.T, h *harness) {
	h.pausedOnTimer("r", at(time.Second))
	h.claimTimers(10, leaseAt(ownerA, at(2*time.Second)))
	if err := h.s.ReleaseTimer(h.ctx, "r", "sleep", ownerB); err != nil {
		t.Errorf("ReleaseTimer by a non-holder: %v, want nil", err)
	}
	if got := h.claimTimers(10, leaseAt(ownerC, at(3*time.Second))); len(got) != 0 {
		t.Errorf("ClaimDueTimers after a non-holder's ReleaseTimer claimed %d timers, want 0", len(got))
	}
	if err := h.s.ReleaseTimer(h.ctx, "missing", "sleep", ownerA); err != nil {
		t.Errorf("ReleaseTimer of a missing run: %v, want nil", err)
	}
}
