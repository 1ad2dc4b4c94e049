package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wfgo/wf/store"
)

// UpsertSchedule creates or replaces a schedule's definition; an existing
// schedule keeps its enabled flag.
func (s *Store) UpsertSchedule(ctx context.Context, sc store.Schedule) error {
	if sc.ID == "" || sc.WorkflowID == "" {
		return fmt.Errorf("postgres: upsert schedule: ID and WorkflowID are required")
	}
	if len(sc.Input) > s.maxPayload {
		return fmt.Errorf("postgres: schedule %q: input is %d bytes, over the %d-byte limit: %w",
			sc.ID, len(sc.Input), s.maxPayload, store.ErrTooLarge)
	}
	err := retry(ctx, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, s.q.upsertSchedule, sc.ID, sc.WorkflowID, sc.Spec, sc.Overlap,
			jsonArg(sc.Input), sc.Enabled, sc.UpdatedAt)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: upsert schedule %q: %w", sc.ID, err)
	}
	return nil
}

// SetScheduleEnabled pauses or resumes a schedule; store.ErrNotFound if
// there is no such schedule.
func (s *Store) SetScheduleEnabled(ctx context.Context, scheduleID string, enabled bool, at time.Time) error {
	var n int64
	err := retry(ctx, func(ctx context.Context) error {
		tag, err := s.pool.Exec(ctx, s.q.setScheduleEnabled, scheduleID, enabled, at)
		n = tag.RowsAffected()
		return err
	})
	switch {
	case err != nil:
		return fmt.Errorf("postgres: set schedule %q enabled: %w", scheduleID, err)
	case n == 0:
		return fmt.Errorf("postgres: schedule %q: %w", scheduleID, store.ErrNotFound)
	}
	return nil
}

// ListSchedules returns all schedules sorted by ID.
func (s *Store) ListSchedules(ctx context.Context) ([]store.Schedule, error) {
	rows, err := s.pool.Query(ctx, s.q.listSchedules)
	if err != nil {
		return nil, fmt.Errorf("postgres: list schedules: %w", err)
	}
	defer rows.Close()
	var out []store.Schedule
	for rows.Next() {
		sc, err := scanSchedule(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: list schedules: %w", err)
		}
		out = append(out, sc)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list schedules: %w", err)
	}
	return out, nil
}

// EnsureBucket inserts a pending bucket unless (ScheduleID, BucketID)
// exists, and reports whether it inserted.
func (s *Store) EnsureBucket(ctx context.Context, b store.Bucket) (bool, error) {
	if b.ScheduleID == "" || b.BucketID == "" || b.RunID == "" {
		return false, fmt.Errorf("postgres: ensure bucket: ScheduleID, BucketID and RunID are required")
	}
	var n int64
	err := retry(ctx, func(ctx context.Context) error {
		tag, err := s.pool.Exec(ctx, s.q.ensureBucket, b.ScheduleID, b.BucketID, b.RunID, b.FireAt)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("postgres: ensure bucket %q of schedule %q: %w", b.BucketID, b.ScheduleID, err)
	}
	return n == 1, nil
}

// ClaimDueBuckets leases up to limit pending buckets due at lease.Now,
// oldest first, whose lease is absent or expired, with one conditional
// UPDATE … RETURNING.
func (s *Store) ClaimDueBuckets(ctx context.Context, limit int, lease store.Lease) ([]store.Bucket, error) {
	if limit <= 0 {
		return nil, nil
	}
	if lease.Owner == "" {
		return nil, fmt.Errorf("postgres: claim due buckets: lease owner is required")
	}
	var out []store.Bucket
	err := retry(ctx, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, s.q.claimBuckets, lease.Owner, lease.Now, lease.Until, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = out[:0]
		for rows.Next() {
			b, err := scanBucket(rows)
			if err != nil {
				return err
			}
			out = append(out, b)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: claim due buckets: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Bucket) int {
		if c := a.FireAt.Compare(b.FireAt); c != 0 {
			return c
		}
		if c := strings.Compare(a.ScheduleID, b.ScheduleID); c != 0 {
			return c
		}
		return strings.Compare(a.BucketID, b.BucketID)
	})
	return out, nil
}

// FinishBucket moves owner's leased, pending bucket to status (started or
// skipped), records at as its StartedAt and releases it: store.ErrNotFound
// if there is no such bucket, store.ErrLeaseLost if owner does not hold it.
func (s *Store) FinishBucket(ctx context.Context, scheduleID, bucketID, owner string, status store.BucketStatus, at time.Time) error {
	if status != store.BucketStarted && status != store.BucketSkipped {
		return fmt.Errorf("postgres: finish bucket %q of schedule %q: status %q: want %q or %q",
			bucketID, scheduleID, status, store.BucketStarted, store.BucketSkipped)
	}
	if owner == "" {
		return fmt.Errorf("postgres: finish bucket %q of schedule %q: lease owner is required", bucketID, scheduleID)
	}
	var found, done bool
	err := retry(ctx, func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, s.q.finishBucket, scheduleID, bucketID, owner, string(status), at).Scan(&found, &done)
	})
	switch {
	case err != nil:
		return fmt.Errorf("postgres: finish bucket %q of schedule %q: %w", bucketID, scheduleID, err)
	case !found:
		return fmt.Errorf("postgres: bucket %q of schedule %q: %w", bucketID, scheduleID, store.ErrNotFound)
	case !done:
		return fmt.Errorf("postgres: finish bucket %q of schedule %q: %q does not hold it: %w", bucketID, scheduleID, owner, store.ErrLeaseLost)
	}
	return nil
}

// ReleaseBucket gives up owner's lease on a still-pending bucket; releasing
// a lease one does not hold does nothing.
func (s *Store) ReleaseBucket(ctx context.Context, scheduleID, bucketID, owner string) error {
	if owner == "" {
		return nil
	}
	err := retry(ctx, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, s.q.releaseBucket, scheduleID, bucketID, owner)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: release bucket %q of schedule %q: %w", bucketID, scheduleID, err)
	}
	return nil
}

// ListBuckets returns a schedule's buckets, newest FireAt first, at most
// limit (all when limit is 0).
func (s *Store) ListBuckets(ctx context.Context, scheduleID string, limit int) ([]store.Bucket, error) {
	var lim any
	if limit > 0 {
		lim = limit
	}
	rows, err := s.pool.Query(ctx, s.q.listBuckets, scheduleID, lim)
	if err != nil {
		return nil, fmt.Errorf("postgres: list buckets of schedule %q: %w", scheduleID, err)
	}
	defer rows.Close()
	var out []store.Bucket
	for rows.Next() {
		b, err := scanBucket(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: list buckets of schedule %q: %w", scheduleID, err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list buckets of schedule %q: %w", scheduleID, err)
	}
	return out, nil
}
