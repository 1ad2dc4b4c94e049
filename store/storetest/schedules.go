package storetest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/wfgo/wf/store"
)

var scheduleCases = []testCase{
	{"UpsertReplacesListSortsByID", testSchedulesUpsertList},
	{"PauseSurvivesUpsert", testSchedulesPause},
}

var bucketCases = []testCase{
	{"EnsureInsertsPendingOnce", testBucketEnsure},
	{"ClaimsDuePendingOldestFirst", testBucketClaimOldestFirst},
	{"LeasedBucketNotClaimedUntilExpiry", testBucketLeaseWindow},
	{"FinishedBucketNeverClaimedAgain", testBucketFinished},
	{"FinishByNonOwnerLeaseLost", testBucketFinishNonOwner},
	{"OlderStartedBucketsDoNotStarve", testBucketNoStarvation},
	{"ReleaseFreesBucket", testBucketRelease},
	{"ListNewestFirst", testBucketList},
}

func schedule(id string) store.Schedule {
	return store.Schedule{
		ID:         id,
		WorkflowID: "digest",
		Spec:       "@every 15m",
		Overlap:    "skip",
		Input:      json.RawMessage(`{"scope": "all", "limit": 10}`),
		Enabled:    true,
		UpdatedAt:  base,
	}
}

// bucket is schedule scheduleID's bucket firing at fire, as passed to
// EnsureBucket: its status is left for the store to set.
func bucket(scheduleID string, fire time.Time) store.Bucket {
	id := fire.UTC().Format(time.RFC3339)
	return store.Bucket{ScheduleID: scheduleID, BucketID: id, RunID: scheduleID + "@" + id, FireAt: fire}
}

// pending is b as stored by EnsureBucket.
func pending(b store.Bucket) store.Bucket {
	b.Status = store.BucketPending
	return b
}

// leased is b pending and leased by lease.
func leased(b store.Bucket, lease store.Lease) store.Bucket {
	b = pending(b)
	b.LeaseOwner = lease.Owner
	b.LeaseExpiresAt = &lease.Until
	return b
}

func (h *harness) ensure(b store.Bucket) {
	h.t.Helper()
	inserted, err := h.s.EnsureBucket(h.ctx, b)
	if err != nil {
		h.t.Fatalf("EnsureBucket(%s/%s): %v", b.ScheduleID, b.BucketID, err)
	}
	if !inserted {
		h.t.Fatalf("EnsureBucket(%s/%s) of a new bucket: inserted = false, want true", b.ScheduleID, b.BucketID)
	}
}

func (h *harness) claimBuckets(limit int, lease store.Lease) []store.Bucket {
	h.t.Helper()
	got, err := h.s.ClaimDueBuckets(h.ctx, limit, lease)
	if err != nil {
		h.t.Fatalf("ClaimDueBuckets(%d, %s at %s): %v", limit, lease.Owner, lease.Now, err)
	}
	return got
}

func (h *harness) finishBucket(b store.Bucket, owner string, status store.BucketStatus, at time.Time) {
	h.t.Helper()
	if err := h.s.FinishBucket(h.ctx, b.ScheduleID, b.BucketID, owner, status, at); err != nil {
		h.t.Fatalf("FinishBucket(%s/%s, %s, %s): %v", b.ScheduleID, b.BucketID, owner, status, err)
	}
}

func (h *harness) listBuckets(scheduleID string, limit int) []store.Bucket {
	h.t.Helper()
	got, err := h.s.ListBuckets(h.ctx, scheduleID, limit)
	if err != nil {
		h.t.Fatalf("ListBuckets(%s, %d): %v", scheduleID, limit, err)
	}
	return got
}

func testSchedulesUpsertList(t *testing.T, h *harness) {
	b, a := schedule("b-digest"), schedule("a-report")
	for _, s := range []store.Schedule{b, a} {
		if err := h.s.UpsertSchedule(h.ctx, s); err != nil {
			t.Fatalf("UpsertSchedule(%s): %v", s.ID, err)
		}
	}
	list := func() []store.Schedule {
		got, err := h.s.ListSchedules(h.ctx)
		if err != nil {
			t.Fatalf("ListSchedules: %v", err)
		}
		return got
	}
	diff(t, "ListSchedules after two upserts", []store.Schedule{a, b}, list())

	b.Spec = "CRON_TZ=Europe/Paris 0 9 * * MON-FRI"
	b.Overlap = "allow"
	b.Input = json.RawMessage(`{"scope": "eu"}`)
	b.Enabled = false // kept as stored: only SetScheduleEnabled changes it
	b.UpdatedAt = at(time.Hour)
	if err := h.s.UpsertSchedule(h.ctx, b); err != nil {
		t.Fatalf("UpsertSchedule(%s) again: %v", b.ID, err)
	}
	b.Enabled = true
	diff(t, "ListSchedules after replacing one", []store.Schedule{a, b}, list())
}

func testSchedulesPause(t *testing.T, h *harness) {
	s := schedule("digest")
	if err := h.s.UpsertSchedule(h.ctx, s); err != nil {
		t.Fatalf("UpsertSchedule: %v", err)
	}
	if err := h.s.SetScheduleEnabled(h.ctx, s.ID, false, at(time.Minute)); err != nil {
		t.Fatalf("SetScheduleEnabled(false): %v", err)
	}
	s.UpdatedAt = at(2 * time.Minute)
	if err := h.s.UpsertSchedule(h.ctx, s); err != nil {
		t.Fatalf("UpsertSchedule after pause: %v", err)
	}
	paused := s
	paused.Enabled = false
	got, err := h.s.ListSchedules(h.ctx)
	if err != nil {
		t.Fatalf("ListSchedules: %v", err)
	}
	diff(t, "ListSchedules after pause and upsert", []store.Schedule{paused}, got)

	if err := h.s.SetScheduleEnabled(h.ctx, s.ID, true, at(3*time.Minute)); err != nil {
		t.Fatalf("SetScheduleEnabled(true): %v", err)
	}
	resumed := s
	resumed.UpdatedAt = at(3 * time.Minute)
	got, err = h.s.ListSchedules(h.ctx)
	if err != nil {
		t.Fatalf("ListSchedules: %v", err)
	}
	diff(t, "ListSchedules after resume", []store.Schedule{resumed}, got)

	if err := h.s.SetScheduleEnabled(h.ctx, "missing", false, at(0)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetScheduleEnabled(missing) = %v, want store.ErrNotFound", err)
	}
}

func testBucketEnsure(t *testing.T, h *harness) {
	first := bucket("digest", at(time.Minute))
	h.ensure(first)
	again := first
	again.RunID = "other-run"
	again.FireAt = at(time.Hour)
	again.Status = store.BucketStarted
	inserted, err := h.s.EnsureBucket(h.ctx, again)
	if err != nil {
		t.Fatalf("second EnsureBucket: %v", err)
	}
	if inserted {
		t.Errorf("second EnsureBucket of (%s, %s): inserted = true, want false", again.ScheduleID, again.BucketID)
	}
	diff(t, "ListBuckets after two EnsureBucket calls (the first, pending)", []store.Bucket{pending(first)}, h.listBuckets("digest", 10))
}

func testBucketClaimOldestFirst(t *testing.T, h *harness) {
	b3 := bucket("digest", at(3*time.Minute))
	b1 := bucket("report", at(1*time.Minute))
	b2 := bucket("digest", at(2*time.Minute))
	b5 := bucket("report", at(5*time.Minute)) // due exactly at the sweep
	future := bucket("report", at(10*time.Minute))
	for _, b := range []store.Bucket{b3, b1, b2, b5, future} {
		h.ensure(b)
	}
	now := at(5 * time.Minute)
	first, second := leaseAt(ownerB, now), leaseAt(ownerC, now)
	diff(t, "ClaimDueBuckets(limit 2)", []store.Bucket{leased(b1, first), leased(b2, first)}, h.claimBuckets(2, first))
	diff(t, "ClaimDueBuckets(limit 10) by another sweeper", []store.Bucket{leased(b3, second), leased(b5, second)}, h.claimBuckets(10, second))
	if got := h.claimBuckets(10, leaseAt("owner-d", now)); len(got) != 0 {
		t.Errorf("ClaimDueBuckets once every due bucket is leased: %v, want none", got)
	}
}

func testBucketLeaseWindow(t *testing.T, h *harness) {
	b := bucket("digest", at(time.Minute))
	h.ensure(b)
	first := leaseAt(ownerB, at(2*time.Minute))
	diff(t, "first sweeper's claim", []store.Bucket{leased(b, first)}, h.claimBuckets(10, first))
	if got := h.claimBuckets(10, leaseAt(ownerC, first.Until.Add(-time.Second))); len(got) != 0 {
		t.Errorf("ClaimDueBuckets within another sweeper's lease: %v, want none", got)
	}
	after := leaseAt(ownerC, first.Until.Add(time.Second))
	diff(t, "claim after the first sweeper's lease expired", []store.Bucket{leased(b, after)}, h.claimBuckets(10, after))
}

func testBucketFinished(t *testing.T, h *harness) {
	started, skipped := bucket("digest", at(time.Minute)), bucket("digest", at(2*time.Minute))
	h.ensure(started)
	h.ensure(skipped)
	if got := h.claimBuckets(10, leaseAt(ownerB, at(3*time.Minute))); len(got) != 2 {
		t.Fatalf("ClaimDueBuckets claimed %d buckets, want 2", len(got))
	}
	h.finishBucket(started, ownerB, store.BucketStarted, at(3*time.Minute+time.Second))
	h.finishBucket(skipped, ownerB, store.BucketSkipped, at(3*time.Minute+2*time.Second))

	wantStarted := started
	wantStarted.Status = store.BucketStarted
	startedAt := at(3*time.Minute + time.Second)
	wantStarted.StartedAt = &startedAt
	got := h.listBuckets("digest", 10)
	if len(got) != 2 {
		t.Fatalf("ListBuckets: %d buckets, want 2", len(got))
	}
	diff(t, "started bucket (released)", wantStarted, got[1])
	if got[0].Status != store.BucketSkipped || got[0].LeaseOwner != "" {
		t.Errorf("skipped bucket: status %q, lease owner %q; want %q, released", got[0].Status, got[0].LeaseOwner, store.BucketSkipped)
	}
	for i, now := range []time.Time{at(4 * time.Minute), at(24 * time.Hour)} {
		if again := h.claimBuckets(10, leaseAt(ownerC, now)); len(again) != 0 {
			t.Errorf("ClaimDueBuckets %d after FinishBucket claimed %v, want none", i+1, again)
		}
	}
}

func testBucketFinishNonOwner(t *testing.T, h *harness) {
	b := bucket("digest", at(time.Minute))
	h.ensure(b)
	first := leaseAt(ownerB, at(2*time.Minute))
	h.claimBuckets(10, first)
	err := h.s.FinishBucket(h.ctx, b.ScheduleID, b.BucketID, ownerC, store.BucketStarted, at(2*time.Minute))
	wantErr(t, "FinishBucket by a non-owner", err, store.ErrLeaseLost)
	diff(t, "bucket after a non-owner's FinishBucket", []store.Bucket{leased(b, first)}, h.listBuckets("digest", 10))

	// After expiry another sweeper takes the bucket: the first has lost it.
	takeover := leaseAt(ownerC, first.Until.Add(time.Second))
	h.claimBuckets(10, takeover)
	err = h.s.FinishBucket(h.ctx, b.ScheduleID, b.BucketID, ownerB, store.BucketStarted, takeover.Now)
	wantErr(t, "FinishBucket by the former owner", err, store.ErrLeaseLost)
	diff(t, "bucket after the former owner's FinishBucket", []store.Bucket{leased(b, takeover)}, h.listBuckets("digest", 10))
}

func testBucketNoStarvation(t *testing.T, h *harness) {
	for i := range 5 {
		old := bucket("digest", at(time.Duration(i+1)*time.Minute))
		h.ensure(old)
		lease := leaseAt(ownerA, at(time.Duration(i+1)*time.Minute))
		diff(t, "claim of a due bucket", []store.Bucket{leased(old, lease)}, h.claimBuckets(1, lease))
		h.finishBucket(old, ownerA, store.BucketStarted, lease.Now)
	}
	later := bucket("digest", at(10*time.Minute))
	other := bucket("report", at(11*time.Minute))
	h.ensure(later)
	h.ensure(other)
	now := at(time.Hour)
	diff(t, "ClaimDueBuckets(limit 1) past five started buckets", []store.Bucket{leased(later, leaseAt(ownerB, now))}, h.claimBuckets(1, leaseAt(ownerB, now)))
	diff(t, "next ClaimDueBuckets(limit 1)", []store.Bucket{leased(other, leaseAt(ownerC, now))}, h.claimBuckets(1, leaseAt(ownerC, now)))
}

func testBucketRelease(t *testing.T, h *harness) {
	b := bucket("digest", at(time.Minute))
	h.ensure(b)
	first := leaseAt(ownerB, at(2*time.Minute))
	h.claimBuckets(10, first)
	if err := h.s.ReleaseBucket(h.ctx, b.ScheduleID, b.BucketID, ownerC); err != nil {
		t.Errorf("ReleaseBucket by a non-owner: %v, want nil", err)
	}
	diff(t, "bucket after a non-owner's ReleaseBucket", []store.Bucket{leased(b, first)}, h.listBuckets("digest", 10))
	if err := h.s.ReleaseBucket(h.ctx, b.ScheduleID, b.BucketID, ownerB); err != nil {
		t.Fatalf("ReleaseBucket by the owner: %v", err)
	}
	diff(t, "bucket after ReleaseBucket", []store.Bucket{pending(b)}, h.listBuckets("digest", 10))
	second := leaseAt(ownerC, first.Now.Add(time.Second))
	diff(t, "claim within the released lease", []store.Bucket{leased(b, second)}, h.claimBuckets(10, second))
}

func testBucketList(t *testing.T, h *harness) {
	var all []store.Bucket
	for _, m := range []int{3, 1, 4, 2} {
		b := bucket("digest", at(time.Duration(m)*time.Minute))
		h.ensure(b)
		all = append(all, b)
	}
	h.ensure(bucket("report", at(30*time.Minute)))
	b3, b1, b4, b2 := pending(all[0]), pending(all[1]), pending(all[2]), pending(all[3])
	diff(t, "ListBuckets(digest, 10)", []store.Bucket{b4, b3, b2, b1}, h.listBuckets("digest", 10))
	diff(t, "ListBuckets(digest, 2)", []store.Bucket{b4, b3}, h.listBuckets("digest", 2))
	diff(t, "ListBuckets(digest, 0)", []store.Bucket{b4, b3, b2, b1}, h.listBuckets("digest", 0))
	if got := h.listBuckets("none", 10); len(got) != 0 {
		t.Errorf("ListBuckets of a schedule without buckets: %v, want none", got)
	}
}
