package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wfgo/wf/store"
)

// sqlParkRun deletes the run's timers and stores it paused with the park
// mark, lease released, while $2 holds the lease; it reports whether it
// did.
const sqlParkRun = `
WITH tm AS (DELETE FROM {{timers}} WHERE run_id = $1 AND {{lease_held}}),
rdy AS (DELETE FROM {{ready}} WHERE run_id = $1 AND {{lease_held}}),
upd AS (
	UPDATE {{runs}} SET status = 'paused', wake_at = NULL,
		park_reason = $3, park_message = $4, parked_at = $5,
		lease_owner = '', lease_expires_at = NULL, updated_at = $5
	WHERE id = $1 AND lease_owner = $2 AND $2 <> ''
	RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM upd)`

// sqlUnparkRuns clears the park mark of one workflow version's parked
// runs, found by the partial index runs_parked_idx, and leaves them ready
// for recovery.
const sqlUnparkRuns = `
WITH upd AS (
	UPDATE {{runs}} SET park_reason = '', park_message = '', parked_at = NULL,
		status = CASE WHEN status = 'paused' THEN 'running' ELSE status END, updated_at = $3
	WHERE workflow_id = $1 AND version = $2 AND park_reason <> ''
	RETURNING id, status, created_at
),
rdy AS ({{make_ready}})
SELECT count(*) FROM upd`

// ParkRun marks owner's leased run parked in one statement.
func (s *Store) ParkRun(ctx context.Context, runID, owner string, p store.Park) error {
	if p.Reason == "" || owner == "" {
		return fmt.Errorf("postgres: park run %q: a reason and an owner are required", runID)
	}
	var parked bool
	err := retry(ctx, func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, s.q.parkRun, runID, owner, string(p.Reason), p.Message, timeArg(p.At)).Scan(&parked)
	})
	if err != nil {
		return fmt.Errorf("postgres: park run %q: %w", runID, err)
	}
	if !parked {
		return fmt.Errorf("postgres: park run %q: owner %q: %w", runID, owner, store.ErrLeaseLost)
	}
	return nil
}

// UnparkRuns makes the parked runs of versions ready for recovery, one
// UPDATE per version in one batch.
func (s *Store) UnparkRuns(ctx context.Context, versions []store.WorkflowVersion, now time.Time) (int, error) {
	if len(versions) == 0 {
		return 0, nil
	}
	var n int
	err := retry(ctx, func(ctx context.Context) error {
		b := &pgx.Batch{}
		for _, v := range versions {
			b.Queue(s.q.unparkRuns, v.WorkflowID, v.Version, timeArg(now))
		}
		br := s.pool.SendBatch(ctx, b)
		defer br.Close()
		n = 0
		for range versions {
			var k int
			if err := br.QueryRow().Scan(&k); err != nil {
				return err
			}
			n += k
		}
		return br.Close()
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: unpark runs: %w", err)
	}
	return n, nil
}
