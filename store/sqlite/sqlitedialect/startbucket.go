package sqlitedialect

import (
	"context"
	"fmt"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// startVerdictCTE judges a StartBucket before anything is written. The
// batch's transaction (one writer at a time, or D1's batch) keeps the
// judgement true while the batch's writes act on it. Parameters: ?1
// schedule, ?2 bucket, ?3 owner, ?4 run ID, ?5 exclusive (0 or 1).
const startVerdictCTE = `WITH b AS (
	SELECT fire_at, run_id, status, lease_owner FROM {buckets} WHERE schedule_id = ?1 AND bucket_id = ?2
),
latest AS (
	SELECT fire_at FROM {buckets} WHERE schedule_id = ?1 AND bucket_id <> ?2 AND status = 'started'
	ORDER BY fire_at DESC, bucket_id DESC LIMIT 1
),
live AS (
	SELECT r.id FROM {buckets} p JOIN {runs} r ON r.id = p.run_id
	WHERE p.schedule_id = ?1 AND p.bucket_id <> ?2 AND p.status <> 'skipped'
		AND (NOT EXISTS (SELECT 1 FROM latest) OR p.fire_at >= (SELECT fire_at FROM latest))
		AND r.status NOT IN (` + terminalStatuses + `)
	ORDER BY p.fire_at DESC LIMIT 1
),
v AS (SELECT CASE
	WHEN NOT EXISTS (SELECT 1 FROM {schedules} WHERE id = ?1) OR NOT EXISTS (SELECT 1 FROM b) THEN 'not-found'
	WHEN NOT EXISTS (SELECT 1 FROM b WHERE run_id = ?4) THEN 'other-run'
	WHEN NOT EXISTS (SELECT 1 FROM b WHERE status = 'pending' AND lease_owner = ?3 AND ?3 <> '') THEN 'lease-lost'
	WHEN EXISTS (SELECT 1 FROM {runs} WHERE id = ?4) THEN 'existing'
	WHEN ?5 = 1 AND EXISTS (SELECT 1 FROM latest, b WHERE latest.fire_at > b.fire_at) THEN 'superseded'
	WHEN ?5 = 1 AND EXISTS (SELECT 1 FROM live) THEN 'busy'
	ELSE 'created' END AS verdict
)
`

const (
	startVerdictSQL = startVerdictCTE + `SELECT verdict, (SELECT id FROM live) FROM v`
	// startInsertSQL creates the run when the verdict is "created".
	startInsertSQL = startVerdictCTE + `INSERT INTO {runs} (id, workflow_id, version, status, input, schedule_id,
		lease_owner, lease_expires_at, created_at, updated_at, trace_parent, queue, partition_key, priority)
	SELECT ?4, ?6, ?7, ?8, ?9, ?1, ?10, ?11, ?12, ?12, ?13, ?14, ?15, ?16 FROM v WHERE verdict = 'created'
	ON CONFLICT (id) DO NOTHING`
	// startMarkSQL marks owner's bucket started once its run exists.
	startMarkSQL = `UPDATE {buckets} SET status = 'started', started_at = ?5, lease_owner = '', lease_expires_at = 0
	WHERE schedule_id = ?1 AND bucket_id = ?2 AND run_id = ?4 AND status = 'pending' AND lease_owner = ?3 AND ?3 <> ''
		AND EXISTS (SELECT 1 FROM {runs} WHERE id = ?4)`
)

// StartBucket judges the start, creates the run and marks the bucket
// started in one batch, and reads the outcome from the batch's own
// results.
func (s *Store) StartBucket(ctx context.Context, req store.BucketStart) (store.BucketStartResult, error) {
	run := req.Run
	if run.Status == "" {
		run.Status = wf.StatusQueued
	}
	if run.ID == "" || (run.Status != wf.StatusQueued && run.Status != wf.StatusRunning) {
		return store.BucketStartResult{}, fmt.Errorf("sqlite: schedule %q: bucket %q: StartBucket needs a run ID and a queued or running status", req.ScheduleID, req.BucketID)
	}
	if err := store.CheckQueued(run); err != nil {
		return store.BucketStartResult{}, fmt.Errorf("sqlite: schedule %q: start bucket %q: %w", req.ScheduleID, req.BucketID, err)
	}
	if err := s.checkSize(run.ID, "input", len(run.Input)); err != nil {
		return store.BucketStartResult{}, err
	}
	exclusive := int64(0)
	if req.Exclusive {
		exclusive = 1
	}
	var until int64
	if run.Lease.Owner != "" {
		until = micros(run.Lease.Until)
	}
	now := micros(run.Lease.Now)
	judge := []any{req.ScheduleID, req.BucketID, req.Owner, run.ID, exclusive}
	res, err := s.write(ctx, fmt.Sprintf("schedule %q: start bucket %q", req.ScheduleID, req.BucketID), []Statement{
		s.query(startVerdictSQL, judge...),
		s.stmt(startInsertSQL, append(judge, run.WorkflowID, run.Version, string(run.Status), jsonArg(run.Input),
			run.Lease.Owner, until, now, run.TraceParent, run.Queue, run.PartitionKey, int64(run.Priority))...),
		s.stmt(startMarkSQL, req.ScheduleID, req.BucketID, req.Owner, run.ID, now),
		s.query(selectRunSQL, run.ID),
	})
	if err != nil {
		return store.BucketStartResult{}, err
	}
	if len(res[0].Rows) != 1 {
		return store.BucketStartResult{}, fmt.Errorf("sqlite: schedule %q: start bucket %q: no verdict", req.ScheduleID, req.BucketID)
	}
	return store.StartVerdict("sqlite", req, text(res[0].Rows[0][0]), text(res[0].Rows[0][1]), func() (store.Run, error) {
		return s.oneRun(req.Run.ID, res[3])
	})
}
