package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// sqlStartBucket judges a StartBucket, creates the run when the verdict is
// "created" and marks the bucket started once its run exists, in one
// statement. The batch locks the schedule's row first, so the statement's
// snapshot, taken after the lock, holds every earlier start of the same
// schedule: two exclusive starts can never both find it free. Parameters:
// $1 schedule, $2 bucket, $3 owner, $4 run ID, $5 exclusive, $6 workflow,
// $7 version, $8 status, $9 input, $10 run lease owner, $11 its expiry,
// $12 now, $13 trace parent, $14 queue, $15 partition key, $16 priority.
const sqlStartBucket = `
WITH b AS (
	SELECT fire_at, run_id, status, lease_owner FROM {{buckets}} WHERE schedule_id = $1 AND bucket_id = $2
),
latest AS (
	SELECT fire_at FROM {{buckets}} WHERE schedule_id = $1 AND bucket_id <> $2 AND status = 'started'
	ORDER BY fire_at DESC, bucket_id DESC LIMIT 1
),
live AS (
	SELECT r.id FROM {{buckets}} p JOIN {{runs}} r ON r.id = p.run_id
	WHERE p.schedule_id = $1 AND p.bucket_id <> $2 AND p.status <> 'skipped'
		AND (NOT EXISTS (SELECT 1 FROM latest) OR p.fire_at >= (SELECT fire_at FROM latest))
		AND r.status NOT IN {{terminal}}
	ORDER BY p.fire_at DESC LIMIT 1
),
v AS (SELECT CASE
	WHEN NOT EXISTS (SELECT 1 FROM {{schedules}} WHERE id = $1) OR NOT EXISTS (SELECT 1 FROM b) THEN 'not-found'
	WHEN NOT EXISTS (SELECT 1 FROM b WHERE run_id = $4) THEN 'other-run'
	WHEN NOT EXISTS (SELECT 1 FROM b WHERE status = 'pending' AND lease_owner = $3 AND $3 <> '') THEN 'lease-lost'
	WHEN EXISTS (SELECT 1 FROM {{runs}} WHERE id = $4) THEN 'existing'
	WHEN $5::boolean AND EXISTS (SELECT 1 FROM latest, b WHERE latest.fire_at > b.fire_at) THEN 'superseded'
	WHEN $5::boolean AND EXISTS (SELECT 1 FROM live) THEN 'busy'
	ELSE 'created' END AS verdict
),
ins AS (
	INSERT INTO {{runs}} (id, workflow_id, version, status, input, schedule_id,
		lease_owner, lease_expires_at, created_at, updated_at, trace_parent, queue, partition_key, priority)
	SELECT $4, $6::text, $7::text, $8::text, $9::json, $1, $10::text, $11::timestamptz, COALESCE($12, now()), COALESCE($12, now()), $13::text,
		$14::text, $15::text, $16::integer
	FROM v WHERE verdict = 'created'
	ON CONFLICT (id) DO NOTHING
	RETURNING id, created_at, queue
),
rdy AS (INSERT INTO {{ready}} (run_id, created_at) SELECT id, created_at FROM ins WHERE queue = ''),
upd AS (
	UPDATE {{buckets}} SET status = 'started', started_at = COALESCE($12, now()), lease_owner = '', lease_expires_at = NULL
	WHERE schedule_id = $1 AND bucket_id = $2 AND run_id = $4 AND status = 'pending' AND lease_owner = $3
		AND (EXISTS (SELECT 1 FROM ins) OR EXISTS (SELECT 1 FROM v WHERE verdict = 'existing'))
	RETURNING 1
)
SELECT verdict, (SELECT id FROM live), EXISTS (SELECT 1 FROM upd) FROM v`

// StartBucket judges the start, creates the run and marks the bucket
// started in one batch (one round trip, one implicit transaction): lock
// the schedule's row, run sqlStartBucket, read the run back.
func (s *Store) StartBucket(ctx context.Context, req store.BucketStart) (store.BucketStartResult, error) {
	run := req.Run
	if run.ID == "" || run.WorkflowID == "" || (run.Status != wf.StatusQueued && run.Status != wf.StatusRunning) {
		return store.BucketStartResult{}, fmt.Errorf("postgres: schedule %q: start bucket %q: the run needs an ID, a workflow and a queued or running status", req.ScheduleID, req.BucketID)
	}
	if err := store.CheckQueued(run); err != nil {
		return store.BucketStartResult{}, fmt.Errorf("postgres: schedule %q: start bucket %q: %w", req.ScheduleID, req.BucketID, err)
	}
	if err := s.tooLarge(run.ID, "input", len(run.Input)); err != nil {
		return store.BucketStartResult{}, err
	}
	var until any
	if run.Lease.Owner != "" {
		until = timeArg(run.Lease.Until)
	}
	var (
		verdict string
		live    *string
		started bool
		stored  store.Run
	)
	err := retry(ctx, func(ctx context.Context) error {
		for range maxAttempts {
			b := &pgx.Batch{}
			b.Queue(s.q.lockSchedule, req.ScheduleID)
			b.Queue(s.q.startBucket, req.ScheduleID, req.BucketID, req.Owner, run.ID, req.Exclusive,
				run.WorkflowID, run.Version, string(run.Status), jsonArg(run.Input), run.Lease.Owner, until, timeArg(run.Lease.Now), run.TraceParent,
				run.Queue, run.PartitionKey, run.Priority)
			b.Queue(s.q.getRun, run.ID)
			var err error
			verdict, live, started, stored, err = s.sendStart(ctx, b)
			// "created" without the bucket marked: a concurrent insert of
			// the run committed after the snapshot. The next try sees it.
			if err != nil || verdict != "created" || started {
				return err
			}
		}
		return errors.New("run did not appear after a conflicting insert")
	})
	if err != nil {
		return store.BucketStartResult{}, fmt.Errorf("postgres: schedule %q: start bucket %q: %w", req.ScheduleID, req.BucketID, err)
	}
	var liveID string
	if live != nil {
		liveID = *live
	}
	return store.StartVerdict("postgres", req, verdict, liveID, func() (store.Run, error) { return stored, nil })
}

// sendStart sends a StartBucket batch and reads its three results.
func (s *Store) sendStart(ctx context.Context, b *pgx.Batch) (verdict string, live *string, started bool, run store.Run, err error) {
	br := s.pool.SendBatch(ctx, b)
	defer br.Close()
	if _, err = br.Exec(); err != nil {
		return
	}
	if err = br.QueryRow().Scan(&verdict, &live, &started); err != nil {
		return
	}
	run, err = scanRun(br.QueryRow())
	if errors.Is(err, pgx.ErrNoRows) {
		err = nil
	}
	if err == nil {
		err = br.Close()
	}
	return
}
