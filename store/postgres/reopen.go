package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/wfgo/wf/store"
)

// sqlReopenRun locks the run's row and, when the run is over and its log
// ends at $2 - 1, appends the events ($3), deletes the named deliveries
// ($4) and leaves the run ready, or, on a queue, waiting for admission
// again (out of run_ready until admitted); it reports what the guard saw
// (no row: no such run). A taken index fails on the primary key.
const sqlReopenRun = `
WITH run AS MATERIALIZED (
	SELECT status IN {{terminal}} AS ended,
		($2 = 0 OR EXISTS (SELECT 1 FROM {{events}} WHERE run_id = $1 AND idx = $2 - 1)) AS adjacent
	FROM {{runs}} WHERE id = $1
	FOR UPDATE
),
ok AS (SELECT 1 FROM run WHERE ended AND adjacent),
ev AS (
	INSERT INTO {{events}} (run_id, idx, data)
	SELECT $1, $2 + e.n - 1, e.data
	FROM json_array_elements($3::json) WITH ORDINALITY AS e(data, n)
	WHERE EXISTS (SELECT 1 FROM ok)
),
dl AS (DELETE FROM {{deliveries}} WHERE run_id = $1 AND signal_id = ANY($4::text[]) AND EXISTS (SELECT 1 FROM ok)),
upd AS (
	UPDATE {{runs}} SET status = CASE WHEN queue <> '' THEN 'queued' ELSE 'running' END, admitted_at = NULL, output = NULL, error = NULL, awaiting = NULL, wake_at = NULL,
		lease_owner = '', lease_expires_at = NULL, updated_at = $5,
		park_reason = '', park_message = '', parked_at = NULL
	WHERE id = $1 AND EXISTS (SELECT 1 FROM ok)
	RETURNING id, created_at, queue
),
rdy AS (
	-- A run of a queue waits for AdmitQueued, which enters it.
	INSERT INTO {{ready}} (run_id, created_at) SELECT id, created_at FROM upd WHERE queue = ''
	ON CONFLICT (run_id) DO NOTHING
)
SELECT ended, adjacent FROM run`

// ReopenRun appends r.Events to an ended run, drops the deliveries r.Drop
// names and leaves the run ready, in one statement.
func (s *Store) ReopenRun(ctx context.Context, runID string, r store.Reopen) error {
	data, err := s.encodeEvents(runID, r.Next, r.Events)
	if err != nil {
		return err
	}
	if data.n == 0 {
		return fmt.Errorf("postgres: reopen run %q: no events", runID)
	}
	drop := r.Drop
	if drop == nil {
		drop = []string{}
	}
	var ended, adjacent bool
	err = retry(ctx, func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, s.q.reopenRun, runID, r.Next, data.array, drop, timeArg(r.Now)).Scan(&ended, &adjacent)
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("postgres: reopen run %q: %w", runID, store.ErrNotFound)
	case uniqueViolationOn(err, s.q.eventsPkey):
		return fmt.Errorf("postgres: reopen run %q at %d: %w", runID, r.Next, store.ErrConflict)
	case err != nil:
		return fmt.Errorf("postgres: reopen run %q: %w", runID, err)
	case !ended || !adjacent:
		return fmt.Errorf("postgres: reopen run %q at %d: the run is not over or its log moved: %w", runID, r.Next, store.ErrConflict)
	}
	return nil
}
