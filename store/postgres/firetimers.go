package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

var _ store.TimerFirer = (*Store)(nil)

// FireDueTimers claims up to limit due timers, stores their deliveries and
// claims their runs in one statement (see sqlFireTimers): a batch of due
// timers is one write, however many it holds.
func (s *Store) FireDueTimers(ctx context.Context, limit int, lease store.Lease) ([]store.FiredTimer, error) {
	if limit <= 0 {
		return nil, nil
	}
	if lease.Owner == "" {
		return nil, fmt.Errorf("postgres: fire due timers: lease owner is required")
	}
	// The delivery's time as encoding/json writes it, so that it decodes
	// as Deliver's would.
	ts := lease.Now.Format(time.RFC3339Nano)
	var fired []store.FiredTimer
	err := retry(ctx, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, s.q.fireTimers, lease.Owner, lease.Now, lease.Until, limit,
			wf.TimerSignal+":", wf.TimerSignal, ts)
		if err != nil {
			return err
		}
		defer rows.Close()
		fired = fired[:0]
		for rows.Next() {
			var (
				f       store.FiredTimer
				outcome string
			)
			if err := rows.Scan(&f.RunID, &f.StepID, &f.WakeAt, &outcome, &f.Claimed); err != nil {
				return err
			}
			f.WakeAt = f.WakeAt.UTC()
			f.Delivery = store.DeliveryStatus(outcome)
			fired = append(fired, f)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: fire due timers: %w", err)
	}
	slices.SortFunc(fired, func(a, b store.FiredTimer) int {
		if c := a.WakeAt.Compare(b.WakeAt); c != 0 {
			return c
		}
		if c := strings.Compare(a.RunID, b.RunID); c != 0 {
			return c
		}
		return strings.Compare(a.StepID, b.StepID)
	})
	return fired, nil
}

// sqlFireTimers claims due timers as sqlClaimTimers does, then, in the
// same statement: locks their runs' rows in ID order (the order in which
// the group committer's batches lock runs); stores each timer's delivery
// unless its signal or its step is taken, as Deliver with NoWaitCheck
// does; and updates each run once, bumping its delivery sequence by the
// deliveries stored, making a paused, unparked run that got one running,
// and leasing a live run whose lease is free, expired or the owner's to
// the owner (a run ready or claimed enters run_ready, as with
// DeliverClaim). Parameters: $1 owner, $2 now, $3 the lease's end, $4
// limit, $5 the signal ID prefix, $6 the timer signal's name, $7 the
// delivery's time as JSON text. It returns, per timer claimed: the timer,
// its delivery's outcome and whether its run is claimed.
const sqlFireTimers = `
WITH due AS MATERIALIZED (` + sqlClaimTimers + `),
run AS MATERIALIZED (
	SELECT id, status NOT IN {{terminal}} AND (lease_owner = '' OR lease_owner = $1 OR lease_expires_at <= $2) AS claimable
	FROM {{runs}} WHERE id IN (SELECT run_id FROM due)
	ORDER BY id
	FOR UPDATE
),
ins AS (
	INSERT INTO {{deliveries}} (run_id, signal_id, step_id, data)
	SELECT d.run_id, $5 || d.step_id, d.step_id,
		json_build_object('stepId', d.step_id, 'signalId', $5 || d.step_id, 'name', $6::text, 'ts', $7::text)
	FROM due d WHERE d.run_id IN (SELECT id FROM run)
	ON CONFLICT DO NOTHING
	RETURNING run_id, step_id
),
upd AS (
	UPDATE {{runs}} r SET
		delivery_seq = r.delivery_seq + (SELECT count(*) FROM ins WHERE ins.run_id = r.id),
		status = CASE WHEN r.status = 'paused' AND r.park_reason = '' AND EXISTS (SELECT 1 FROM ins WHERE ins.run_id = r.id)
			THEN 'running' ELSE r.status END,
		lease_owner = CASE WHEN run.claimable THEN $1 ELSE r.lease_owner END,
		lease_expires_at = CASE WHEN run.claimable THEN $3 ELSE r.lease_expires_at END
	FROM run
	WHERE r.id = run.id AND (run.claimable OR EXISTS (SELECT 1 FROM ins WHERE ins.run_id = r.id))
	RETURNING r.id, r.status, r.created_at, run.claimable
),
rdy AS (
	INSERT INTO {{ready}} (run_id, created_at)
	SELECT id, created_at FROM upd WHERE status IN ('queued', 'running') OR (status = 'paused' AND claimable)
	ON CONFLICT (run_id) DO NOTHING
)
SELECT d.run_id, d.step_id, d.wake_at,
	CASE WHEN NOT EXISTS (SELECT 1 FROM run WHERE run.id = d.run_id) THEN 'not-found'
		WHEN EXISTS (SELECT 1 FROM ins WHERE ins.run_id = d.run_id AND ins.step_id = d.step_id) THEN 'delivered'
		WHEN EXISTS (SELECT 1 FROM {{deliveries}} x WHERE x.run_id = d.run_id AND x.signal_id = $5 || d.step_id) THEN 'duplicate'
		ELSE 'lost' END,
	COALESCE((SELECT claimable FROM run WHERE run.id = d.run_id), false)
FROM due d`
