package memstore

import (
	"context"
	"fmt"

	"github.com/wfgo/wf/store"
)

// StartBucket creates the run of owner's leased, pending bucket and marks
// the bucket started, under the store's one mutex.
func (s *Store) StartBucket(_ context.Context, req store.BucketStart) (store.BucketStartResult, error) {
	if err := store.CheckQueued(req.Run); err != nil {
		return store.BucketStartResult{}, fmt.Errorf("memstore: bucket %s/%s: %w", req.ScheduleID, req.BucketID, err)
	}
	if err := s.checkSize(req.Run.ID, "input", len(req.Run.Input)); err != nil {
		return store.BucketStartResult{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[bucketKey{req.ScheduleID, req.BucketID}]
	if _, stored := s.schedules[req.ScheduleID]; !ok || !stored {
		return store.BucketStartResult{}, fmt.Errorf("memstore: bucket %s/%s: %w", req.ScheduleID, req.BucketID, store.ErrNotFound)
	}
	if b.RunID != req.Run.ID {
		return store.BucketStartResult{}, fmt.Errorf("memstore: bucket %s/%s starts run %q, not %q", req.ScheduleID, req.BucketID, b.RunID, req.Run.ID)
	}
	if req.Owner == "" || b.Status != store.BucketPending || b.LeaseOwner != req.Owner {
		return store.BucketStartResult{}, fmt.Errorf("memstore: bucket %s/%s: %s does not hold the lease: %w", req.ScheduleID, req.BucketID, req.Owner, store.ErrLeaseLost)
	}
	if e, ok := s.runs[b.RunID]; ok {
		started(b, req)
		return store.BucketStartResult{Status: store.BucketRunExisting, Run: cloneRun(e.run)}, nil
	}
	if req.Exclusive {
		latest := s.latestStarted(b)
		if latest != nil && latest.FireAt.After(b.FireAt) {
			return store.BucketStartResult{Status: store.BucketSuperseded}, nil
		}
		if live := s.liveRun(b, latest); live != "" {
			return store.BucketStartResult{Status: store.BucketBusy, LiveRunID: live}, nil
		}
	}
	nr := req.Run
	nr.ScheduleID = req.ScheduleID
	run := s.insertRun(nr)
	started(b, req)
	return store.BucketStartResult{Status: store.BucketRunCreated, Run: run}, nil
}

func started(b *store.Bucket, req store.BucketStart) {
	b.Status = store.BucketStarted
	b.LeaseOwner, b.LeaseExpiresAt = "", nil
	b.StartedAt = timePtr(req.Run.Lease.Now)
}

// latestStarted returns the started bucket of b's schedule, other than b,
// with the latest FireAt; nil when there is none.
func (s *Store) latestStarted(b *store.Bucket) *store.Bucket {
	var latest *store.Bucket
	for _, p := range s.buckets {
		if p.ScheduleID != b.ScheduleID || p.BucketID == b.BucketID || p.Status != store.BucketStarted {
			continue
		}
		if latest == nil || p.FireAt.After(latest.FireAt) || (p.FireAt.Equal(latest.FireAt) && p.BucketID > latest.BucketID) {
			latest = p
		}
	}
	return latest
}

// liveRun returns a live run of b's schedule among the runs of latest and
// of the buckets fired at or after it, other than b's; "" when none is.
func (s *Store) liveRun(b, latest *store.Bucket) string {
	for _, p := range s.buckets {
		if p.ScheduleID != b.ScheduleID || p.BucketID == b.BucketID || p.Status == store.BucketSkipped ||
			(latest != nil && p.FireAt.Before(latest.FireAt)) {
			continue
		}
		if e, ok := s.runs[p.RunID]; ok && !e.run.Status.Terminal() {
			return p.RunID
		}
	}
	return ""
}
