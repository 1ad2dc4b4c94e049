package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

var startBucketCases = []testCase{
	{"CreatesRunAndStartsBucket", testStartCreates},
	{"ExistingRunStartedNeverRecreated", testStartExisting},
	{"ExclusiveBusyWhileEarlierRunLive", testStartBusy},
	{"ExclusiveBusyOnPendingBucketWhoseRunExists", testStartBusyPendingRun},
	{"ExclusiveSupersededByLaterStart", testStartSuperseded},
	{"NonOwnerOrUnknownWritesNothing", testStartRefused},
	{"RunOnAQueueWaitsForAdmission", testStartQueued},
}

// driver owns the leases of runs that StartBucket creates in the suite.
const driver = "driver"

// claimOne stores b (and its schedule) and leases it to owner at now; b
// must be the oldest claimable due bucket.
func (h *harness) claimOne(b store.Bucket, owner string, now time.Time) {
	h.t.Helper()
	if err := h.s.UpsertSchedule(h.ctx, schedule(b.ScheduleID)); err != nil {
		h.t.Fatalf("UpsertSchedule(%s): %v", b.ScheduleID, err)
	}
	h.ensure(b)
	got := h.claimBuckets(1, leaseAt(owner, now))
	if len(got) != 1 || got[0].BucketID != b.BucketID {
		h.t.Fatalf("ClaimDueBuckets(1) by %s claimed %v, want %s/%s", owner, got, b.ScheduleID, b.BucketID)
	}
}

// startReq is owner's request to start b's run at now, leased to driver.
func startReq(b store.Bucket, owner string, exclusive bool, now time.Time) store.BucketStart {
	nr := newRun(b.RunID)
	nr.Status = wf.StatusRunning
	nr.Lease = leaseAt(driver, now)
	return store.BucketStart{ScheduleID: b.ScheduleID, BucketID: b.BucketID, Owner: owner, Run: nr, Exclusive: exclusive}
}

func (h *harness) start(req store.BucketStart) store.BucketStartResult {
	h.t.Helper()
	res, err := h.s.StartBucket(h.ctx, req)
	if err != nil {
		h.t.Fatalf("StartBucket(%s/%s by %s, exclusive %v): %v", req.ScheduleID, req.BucketID, req.Owner, req.Exclusive, err)
	}
	return res
}

// bucketNamed returns b's stored state.
func (h *harness) bucketNamed(b store.Bucket) store.Bucket {
	h.t.Helper()
	for _, got := range h.listBuckets(b.ScheduleID, 100) {
		if got.BucketID == b.BucketID {
			return got
		}
	}
	h.t.Fatalf("bucket %s/%s not listed", b.ScheduleID, b.BucketID)
	return store.Bucket{}
}

func (h *harness) wantStarted(b store.Bucket, now time.Time) {
	h.t.Helper()
	want := b
	want.Status = store.BucketStarted
	want.StartedAt = &now
	diff(h.t, "bucket after StartBucket", want, h.bucketNamed(b))
}

func (h *harness) wantUnstarted(b store.Bucket, owner string, lease store.Lease) {
	h.t.Helper()
	diff(h.t, "bucket after a refused StartBucket", leased(b, lease), h.bucketNamed(b))
	if _, err := h.s.GetRun(h.ctx, b.RunID); err == nil {
		h.t.Errorf("run %q exists after a refused StartBucket, want none", b.RunID)
	}
}

func testStartCreates(t *testing.T, h *harness) {
	b := bucket("digest", at(time.Minute))
	now := at(2 * time.Minute)
	h.claimOne(b, ownerA, now)
	req := startReq(b, ownerA, true, now)
	req.Run.TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	res := h.start(req)
	if res.Status != store.BucketRunCreated {
		t.Fatalf("StartBucket of a free schedule: %+v, want %q", res, store.BucketRunCreated)
	}
	want := h.get(b.RunID)
	diff(t, "StartBucket's run and the stored run", want, res.Run)
	if want.TraceParent != req.Run.TraceParent {
		t.Errorf("created run's TraceParent %q, want %q as given", want.TraceParent, req.Run.TraceParent)
	}
	if want.ScheduleID != "digest" || want.Status != wf.StatusRunning || want.LeaseOwner != driver || !sameInstant(want.CreatedAt, now) {
		t.Errorf("created run %+v: want schedule digest, running, leased to %s, created at %v", want, driver, now)
	}
	h.wantStarted(b, now)
	if got := h.claimBuckets(10, leaseAt(ownerB, at(time.Hour))); len(got) != 0 {
		t.Errorf("ClaimDueBuckets after StartBucket claimed %v, want none", got)
	}
}

func testStartExisting(t *testing.T, h *harness) {
	earlier, b := bucket("digest", at(time.Minute)), bucket("digest", at(2*time.Minute))
	now := at(3 * time.Minute)
	h.claimOne(earlier, ownerA, now)
	h.start(startReq(earlier, ownerA, true, now)) // live: would make b busy
	orig := h.createLeased(b.RunID, ownerC, at(90*time.Second))
	h.claimOne(b, ownerB, now)
	res := h.start(startReq(b, ownerB, true, now))
	if res.Status != store.BucketRunExisting {
		t.Fatalf("StartBucket of a bucket whose run exists: %+v, want %q", res, store.BucketRunExisting)
	}
	diff(t, "existing run, returned", orig, res.Run)
	diff(t, "existing run, stored", orig, h.get(b.RunID))
	h.wantStarted(b, now)
}

func testStartBusy(t *testing.T, h *harness) {
	a, b := bucket("digest", at(time.Minute)), bucket("digest", at(2*time.Minute))
	h.claimOne(a, ownerA, at(time.Minute))
	h.start(startReq(a, ownerA, true, at(time.Minute)))
	lease := leaseAt(ownerB, at(2*time.Minute))
	h.claimOne(b, ownerB, lease.Now)

	wantBusy := func(when string) {
		t.Helper()
		res := h.start(startReq(b, ownerB, true, lease.Now))
		if res.Status != store.BucketBusy || res.LiveRunID != a.RunID {
			t.Fatalf("exclusive StartBucket while the earlier run is %s: %+v, want %q with live run %q", when, res, store.BucketBusy, a.RunID)
		}
		h.wantUnstarted(b, ownerB, lease)
	}
	wantBusy("running")
	h.pause(a.RunID, driver, at(2*time.Minute))
	wantBusy("paused")
	h.mustClaim(a.RunID, leaseAt(driver, at(3*time.Minute)))
	h.end(a.RunID, driver, wf.StatusFinished, at(3*time.Minute))
	if res := h.start(startReq(b, ownerB, true, at(4*time.Minute))); res.Status != store.BucketRunCreated {
		t.Fatalf("exclusive StartBucket once the earlier run finished: %+v, want %q", res, store.BucketRunCreated)
	}
	h.wantStarted(b, at(4*time.Minute))

	// Not exclusive (overlap allow): a live run does not stop the start.
	c := bucket("digest", at(5*time.Minute))
	h.claimOne(c, ownerC, at(5*time.Minute))
	if res := h.start(startReq(c, ownerC, false, at(5*time.Minute))); res.Status != store.BucketRunCreated {
		t.Fatalf("non-exclusive StartBucket beside a live run: %+v, want %q", res, store.BucketRunCreated)
	}
}

func testStartBusyPendingRun(t *testing.T, h *harness) {
	a, b := bucket("digest", at(time.Minute)), bucket("digest", at(time.Minute+10*time.Second))
	// a's starter created its run and died before marking a started.
	h.claimOne(a, ownerA, at(time.Minute))
	h.createLeased(a.RunID, ownerA, at(time.Minute))
	lease := leaseAt(ownerB, b.FireAt)
	h.ensure(b)
	if got := h.claimBuckets(1, lease); len(got) != 1 || got[0].BucketID != b.BucketID {
		t.Fatalf("claim of the later bucket: %v", got)
	}
	res := h.start(startReq(b, ownerB, true, lease.Now))
	if res.Status != store.BucketBusy || res.LiveRunID != a.RunID {
		t.Fatalf("exclusive StartBucket while a pending bucket's run is live: %+v, want %q with live run %q", res, store.BucketBusy, a.RunID)
	}
	h.wantUnstarted(b, ownerB, lease)
	// Once a's lease expires, a sweeper finds its run and marks it started.
	later := at(time.Minute).Add(leaseTTL + time.Second)
	if got := h.claimBuckets(1, leaseAt(ownerC, later)); len(got) != 1 || got[0].BucketID != a.BucketID {
		t.Fatalf("claim of the earlier bucket after its lease expired: %v", got)
	}
	if res := h.start(startReq(a, ownerC, true, later)); res.Status != store.BucketRunExisting {
		t.Fatalf("StartBucket of the earlier bucket: %+v, want %q", res, store.BucketRunExisting)
	}
	h.wantStarted(a, later)
}

func testStartSuperseded(t *testing.T, h *harness) {
	a, b := bucket("digest", at(time.Minute)), bucket("digest", at(2*time.Minute))
	if err := h.s.UpsertSchedule(h.ctx, schedule("digest")); err != nil {
		t.Fatal(err)
	}
	h.ensure(b)
	h.claimBuckets(1, leaseAt(ownerB, at(2*time.Minute)))
	h.start(startReq(b, ownerB, true, at(2*time.Minute)))
	h.mustClaim(b.RunID, leaseAt(driver, at(3*time.Minute)))
	h.end(b.RunID, driver, wf.StatusFinished, at(3*time.Minute))
	// a, older, turns up late (its materialiser's clock lagged).
	lease := leaseAt(ownerA, at(4*time.Minute))
	h.ensure(a)
	h.claimBuckets(1, lease)
	if res := h.start(startReq(a, ownerA, true, lease.Now)); res.Status != store.BucketSuperseded {
		t.Fatalf("exclusive StartBucket of a bucket older than a started one: %+v, want %q", res, store.BucketSuperseded)
	}
	h.wantUnstarted(a, ownerA, lease)
	if res := h.start(startReq(a, ownerA, false, lease.Now)); res.Status != store.BucketRunCreated {
		t.Fatalf("non-exclusive StartBucket of an older bucket: %+v, want %q", res, store.BucketRunCreated)
	}
}

func testStartRefused(t *testing.T, h *harness) {
	b := bucket("digest", at(time.Minute))
	lease := leaseAt(ownerA, at(2*time.Minute))
	h.claimOne(b, ownerA, lease.Now)
	_, err := h.s.StartBucket(h.ctx, startReq(b, ownerB, true, lease.Now))
	wantErr(t, "StartBucket by a non-owner", err, store.ErrLeaseLost)
	h.wantUnstarted(b, ownerA, lease)

	missing := bucket("digest", at(time.Hour))
	_, err = h.s.StartBucket(h.ctx, startReq(missing, ownerA, true, lease.Now))
	wantErr(t, "StartBucket of an unknown bucket", err, store.ErrNotFound)
	other := bucket("unstored", at(time.Minute))
	h.ensure(other)
	h.claimBuckets(1, leaseAt(ownerC, lease.Now))
	_, err = h.s.StartBucket(h.ctx, startReq(other, ownerC, true, lease.Now))
	wantErr(t, "StartBucket of a bucket whose schedule is not stored", err, store.ErrNotFound)

	h.start(startReq(b, ownerA, true, lease.Now))
	_, err = h.s.StartBucket(h.ctx, startReq(b, ownerA, true, lease.Now))
	wantErr(t, "StartBucket of a started bucket", err, store.ErrLeaseLost)
}

// testRaceExclusiveStarts starts every bucket of one schedule at once, each
// by the sweeper that claimed it: exactly one run is created.
func testRaceExclusiveStarts(t *testing.T, h *harness) {
	if err := h.s.UpsertSchedule(h.ctx, schedule("digest")); err != nil {
		t.Fatal(err)
	}
	now := at(time.Hour)
	bs := make([]store.Bucket, racers)
	for i := range bs {
		bs[i] = bucket("digest", at(time.Duration(i)*time.Minute))
		h.ensure(bs[i])
		h.claimBuckets(1, leaseAt(fmt.Sprint("sweeper-", i), now))
	}
	results := make([]store.BucketStartResult, racers)
	errs := make([]error, racers)
	concurrently(racers, func(i int) {
		results[i], errs[i] = h.s.StartBucket(h.ctx, startReq(bs[i], fmt.Sprint("sweeper-", i), true, now))
	})
	created := 0
	for i, res := range results {
		switch {
		case errs[i] != nil:
			t.Errorf("StartBucket %d: %v", i, errs[i])
		case res.Status == store.BucketRunCreated:
			created++
		case res.Status != store.BucketBusy && res.Status != store.BucketSuperseded:
			t.Errorf("StartBucket %d: %+v, want created, busy or superseded", i, res)
		}
	}
	runs := 0
	for _, b := range bs {
		if _, err := h.s.GetRun(h.ctx, b.RunID); err == nil {
			runs++
		}
	}
	if created != 1 || runs != 1 {
		t.Errorf("%d concurrent exclusive starts of one schedule: %d created, %d runs stored; want exactly 1", racers, created, runs)
	}
}

func testStartQueued(t *testing.T, h *harness) {
	b := bucket("imports", at(time.Minute))
	now := at(2 * time.Minute)
	h.claimOne(b, ownerA, now)
	bad := startReq(b, ownerA, false, now)
	bad.Run.Queue = "imports"
	if _, err := h.s.StartBucket(h.ctx, bad); err == nil {
		t.Errorf("StartBucket of a leased running run on a queue: nil error, want a refusal")
	}
	req := startReq(b, ownerA, false, now)
	req.Run.Status, req.Run.Lease = wf.StatusQueued, store.Lease{Now: now}
	req.Run.Queue, req.Run.PartitionKey, req.Run.Priority = "imports", "acme", 3
	res := h.start(req)
	run := res.Run
	if res.Status != store.BucketRunCreated || run.Status != wf.StatusQueued || !run.Waiting() || run.Queue != "imports" ||
		run.PartitionKey != "acme" || run.Priority != 3 || run.LeaseOwner != "" || run.ScheduleID != "imports" {
		t.Errorf("StartBucket on a queue = %q, run %+v: want created, queued on imports (acme, priority 3), unleased, of schedule imports", res.Status, run)
	}
	diff(t, "StartBucket's run and the stored run", h.get(b.RunID), run)
	h.wantStarted(b, now)
	if got := h.claimStale(10, leaseAt(ownerB, at(time.Hour))); len(got) != 0 {
		t.Errorf("ClaimStaleRuns with a scheduled run waiting on its queue claimed %v, want none", runIDs(got))
	}
	diff(t, "AdmitQueued", []string{b.RunID}, h.admit(store.Admit{Queue: "imports", Concurrency: 1, PerPartition: true, Now: at(time.Hour), Limit: 10}))
}
