package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wfgo/wf/store"
)

// UpsertSchedule creates or replaces a schedule's definition.
func (s *Store) UpsertSchedule(_ context.Context, sc store.Schedule) error {
	if s.maxPayload > 0 && len(sc.Input) > s.maxPayload {
		return fmt.Errorf("memstore: schedule %q: input is %d bytes, over the %d-byte limit: %w",
			sc.ID, len(sc.Input), s.maxPayload, store.ErrTooLarge)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.schedules[sc.ID]; ok {
		sc.Enabled = old.Enabled
	}
	s.schedules[sc.ID] = cloneSchedule(sc)
	return nil
}

// SetScheduleEnabled pauses or resumes a schedule; store.ErrNotFound if
// there is no such schedule.
func (s *Store) SetScheduleEnabled(_ context.Context, scheduleID string, enabled bool, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, ok := s.schedules[scheduleID]
	if !ok {
		return fmt.Errorf("memstore: schedule %q: %w", scheduleID, store.ErrNotFound)
	}
	sc.Enabled, sc.UpdatedAt = enabled, at
	s.schedules[scheduleID] = sc
	return nil
}

// ListSchedules returns all schedules sorted by ID.
func (s *Store) ListSchedules(_ context.Context) ([]store.Schedule, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]store.Schedule, 0, len(s.schedules))
	for _, sc := range s.schedules {
		list = append(list, cloneSchedule(sc))
	}
	slices.SortFunc(list, func(a, b store.Schedule) int { return strings.Compare(a.ID, b.ID) })
	return list, nil
}

// EnsureBucket inserts b as a pending, unleased bucket unless
// (ScheduleID, BucketID) exists; it reports whether it inserted.
func (s *Store) EnsureBucket(_ context.Context, b store.Bucket) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := bucketKey{b.ScheduleID, b.BucketID}
	if _, ok := s.buckets[key]; ok {
		return false, nil
	}
	b.Status = store.BucketPending
	b.LeaseOwner, b.LeaseExpiresAt, b.StartedAt = "", nil, nil
	s.buckets[key] = &b
	return true, nil
}

// ClaimDueBuckets leases up to limit pending buckets due at lease.Now
// whose lease is absent or expired, oldest FireAt first.
func (s *Store) ClaimDueBuckets(_ context.Context, limit int, lease store.Lease) ([]store.Bucket, error) {
	if limit <= 0 {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []*store.Bucket
	for _, b := range s.buckets {
		if b.Status == store.BucketPending && !b.FireAt.After(lease.Now) &&
			!leaseLive(b.LeaseOwner, b.LeaseExpiresAt, lease.Now) {
			due = append(due, b)
		}
	}
	slices.SortFunc(due, func(a, b *store.Bucket) int {
		return cmp.Or(a.FireAt.Compare(b.FireAt), strings.Compare(a.ScheduleID, b.ScheduleID), strings.Compare(a.BucketID, b.BucketID))
	})
	claimed := make([]store.Bucket, 0, min(limit, len(due)))
	for _, b := range due[:min(limit, len(due))] {
		b.LeaseOwner = lease.Owner
		b.LeaseExpiresAt = timePtr(lease.Until)
		claimed = append(claimed, cloneBucket(*b))
	}
	return claimed, nil
}

// FinishBucket moves owner's leased bucket to status (started or skipped)
// and releases it. A started bucket records at as its StartedAt.
func (s *Store) FinishBucket(_ context.Context, scheduleID, bucketID, owner string, status store.BucketStatus, at time.Time) error {
	if status != store.BucketStarted && status != store.BucketSkipped {
		return fmt.Errorf("memstore: finish bucket %s/%s: status %q is neither %q nor %q",
			scheduleID, bucketID, status, store.BucketStarted, store.BucketSkipped)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[bucketKey{scheduleID, bucketID}]
	if !ok {
		return fmt.Errorf("memstore: bucket %s/%s: %w", scheduleID, bucketID, store.ErrNotFound)
	}
	if owner == "" || b.Status != store.BucketPending || b.LeaseOwner != owner {
		return fmt.Errorf("memstore: bucket %s/%s: %s does not hold the lease: %w", scheduleID, bucketID, owner, store.ErrLeaseLost)
	}
	b.Status = status
	b.LeaseOwner, b.LeaseExpiresAt = "", nil
	if status == store.BucketStarted {
		b.StartedAt = timePtr(at)
	}
	return nil
}

// ReleaseBucket gives up owner's lease on a still-pending bucket; it does
// nothing otherwise.
func (s *Store) ReleaseBucket(_ context.Context, scheduleID, bucketID, owner string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[bucketKey{scheduleID, bucketID}]
	if ok && owner != "" && b.Status == store.BucketPending && b.LeaseOwner == owner {
		b.LeaseOwner, b.LeaseExpiresAt = "", nil
	}
	return nil
}

// ListBuckets returns a schedule's buckets, newest FireAt first, at most
// limit.
func (s *Store) ListBuckets(_ context.Context, scheduleID string, limit int) ([]store.Bucket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []store.Bucket
	for _, b := range s.buckets {
		if b.ScheduleID == scheduleID {
			list = append(list, cloneBucket(*b))
		}
	}
	slices.SortFunc(list, func(a, b store.Bucket) int {
		return cmp.Or(b.FireAt.Compare(a.FireAt), strings.Compare(b.BucketID, a.BucketID))
	})
	if limit > 0 && limit < len(list) {
		list = list[:limit]
	}
	return list, nil
}
