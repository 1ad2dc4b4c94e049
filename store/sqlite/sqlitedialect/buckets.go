package sqlitedialect

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/wfgo/wf/store"
)

// bucketColumns are the columns decodeBucket reads, in order.
const bucketColumns = `schedule_id, bucket_id, run_id, fire_at, status, lease_owner, lease_expires_at, started_at`

const (
	ensureBucketSQL = `INSERT INTO {buckets} (schedule_id, bucket_id, run_id, fire_at, status)
	VALUES (?1, ?2, ?3, ?4, 'pending')
	ON CONFLICT (schedule_id, bucket_id) DO NOTHING`
	// claimBucketsSQL leases due pending buckets whose lease is free or
	// expired, oldest first, in one conditional UPDATE.
	claimBucketsSQL = `UPDATE {buckets} SET lease_owner = ?1, lease_expires_at = ?2
	WHERE rowid IN (SELECT rowid FROM {buckets}
		WHERE status = 'pending' AND fire_at <= ?3 AND lease_expires_at <= ?3
		ORDER BY fire_at, schedule_id, bucket_id LIMIT ?4)
	RETURNING ` + bucketColumns
	finishBucketSQL = `UPDATE {buckets} SET status = ?4,
		started_at = CASE WHEN ?4 = 'started' THEN ?5 END, lease_owner = '', lease_expires_at = 0
	WHERE schedule_id = ?1 AND bucket_id = ?2 AND status = 'pending' AND lease_owner = ?3 AND ?3 <> ''`
	releaseBucketSQL = `UPDATE {buckets} SET lease_owner = '', lease_expires_at = 0
	WHERE schedule_id = ?1 AND bucket_id = ?2 AND status = 'pending' AND lease_owner = ?3 AND ?3 <> ''`
	listBucketsSQL = `SELECT ` + bucketColumns + ` FROM {buckets}
	WHERE schedule_id = ?1 ORDER BY fire_at DESC, bucket_id DESC LIMIT ?2`
)

// EnsureBucket inserts a pending bucket unless it exists and reports
// whether it inserted.
func (s *Store) EnsureBucket(ctx context.Context, b store.Bucket) (bool, error) {
	if b.ScheduleID == "" || b.BucketID == "" {
		return false, fmt.Errorf("sqlite: EnsureBucket: empty schedule or bucket ID (%q, %q)", b.ScheduleID, b.BucketID)
	}
	res, err := s.write(ctx, fmt.Sprintf("schedule %q: ensure bucket %q", b.ScheduleID, b.BucketID), []Statement{
		s.stmt(ensureBucketSQL, b.ScheduleID, b.BucketID, b.RunID, micros(b.FireAt)),
	})
	if err != nil {
		return false, err
	}
	return res[0].RowsAffected > 0, nil
}

// ClaimDueBuckets leases up to limit pending buckets due at lease.Now whose
// lease is free or expired, oldest FireAt first.
func (s *Store) ClaimDueBuckets(ctx context.Context, limit int, lease store.Lease) ([]store.Bucket, error) {
	if limit <= 0 {
		return nil, nil
	}
	if lease.Owner == "" {
		return nil, fmt.Errorf("sqlite: ClaimDueBuckets with an empty owner")
	}
	res, err := s.write(ctx, "claim due buckets", []Statement{
		s.query(claimBucketsSQL, lease.Owner, micros(lease.Until), micros(lease.Now), int64(limit)),
	})
	if err != nil {
		return nil, err
	}
	out := decodeBuckets(res[0].Rows)
	slices.SortFunc(out, func(a, b store.Bucket) int {
		return cmp.Or(a.FireAt.Compare(b.FireAt), cmp.Compare(a.ScheduleID, b.ScheduleID), cmp.Compare(a.BucketID, b.BucketID))
	})
	return out, nil
}

// FinishBucket moves owner's leased pending bucket to status and releases
// it; a started bucket records at as its StartedAt. An error wrapping
// store.ErrLeaseLost when owner does not hold it.
func (s *Store) FinishBucket(ctx context.Context, scheduleID, bucketID, owner string, status store.BucketStatus, at time.Time) error {
	if status != store.BucketStarted && status != store.BucketSkipped {
		return fmt.Errorf("sqlite: schedule %q: bucket %q: FinishBucket with status %q, want started or skipped", scheduleID, bucketID, status)
	}
	st := s.stmt(finishBucketSQL, scheduleID, bucketID, owner, string(status), micros(at))
	st.Check = func(r Result) error {
		if r.RowsAffected == 0 {
			return failed(fmt.Errorf("sqlite: schedule %q: bucket %q: owner %q: %w", scheduleID, bucketID, owner, store.ErrLeaseLost))
		}
		return nil
	}
	_, err := s.write(ctx, fmt.Sprintf("schedule %q: finish bucket %q", scheduleID, bucketID), []Statement{st})
	return err
}

// ReleaseBucket gives up owner's lease on a pending bucket, if owner holds
// it.
func (s *Store) ReleaseBucket(ctx context.Context, scheduleID, bucketID, owner string) error {
	_, err := s.write(ctx, fmt.Sprintf("schedule %q: release bucket %q", scheduleID, bucketID), []Statement{
		s.stmt(releaseBucketSQL, scheduleID, bucketID, owner),
	})
	return err
}

// ListBuckets returns a schedule's buckets, newest FireAt first, at most
// limit (all when limit <= 0).
func (s *Store) ListBuckets(ctx context.Context, scheduleID string, limit int) ([]store.Bucket, error) {
	res, err := s.read(ctx, "list buckets of schedule "+scheduleID, []Statement{
		s.query(listBucketsSQL, scheduleID, limitArg(limit)),
	})
	if err != nil {
		return nil, err
	}
	return decodeBuckets(res[0].Rows), nil
}

// decodeBuckets decodes rows of bucketColumns.
func decodeBuckets(rows [][]any) []store.Bucket {
	out := make([]store.Bucket, len(rows))
	for i, row := range rows {
		b := store.Bucket{
			ScheduleID: text(row[0]),
			BucketID:   text(row[1]),
			RunID:      text(row[2]),
			FireAt:     instant(row[3]),
			Status:     store.BucketStatus(text(row[4])),
			LeaseOwner: text(row[5]),
			StartedAt:  optInstant(row[7]),
		}
		if b.LeaseOwner != "" {
			t := instant(row[6])
			b.LeaseExpiresAt = &t
		}
		out[i] = b
	}
	return out
}
