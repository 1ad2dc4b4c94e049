package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

var _ store.DeliverClaimer = (*Store)(nil)

// DeliverClaim stores a delivery and claims its run in one batch, through
// the group committer: one round trip and one transaction, shared with
// concurrent writes. A delivery with store.NoWaitCheck (a timer's) is one
// statement that stores it and updates the run once, bumping its delivery
// sequence and taking its lease together (see sqlDeliverClaim), then the
// claim's reads; any other is Deliver's statements, then ClaimRun's, which
// see the delivery stored.
func (s *Store) DeliverClaim(ctx context.Context, runID string, d wf.Delivery, opts store.DeliverOptions, lease store.Lease) (store.DeliveryResult, store.ClaimResult, error) {
	if lease.Owner == "" {
		return store.DeliveryResult{}, store.ClaimResult{}, fmt.Errorf("postgres: deliver and claim run %q: lease owner is required", runID)
	}
	if d.SignalID == "" || (d.StepID == "" && opts.Check == store.NoWaitCheck) {
		return store.DeliveryResult{}, store.ClaimResult{}, fmt.Errorf("postgres: deliver to run %q: SignalID (and, with NoWaitCheck, StepID) required", runID)
	}
	size, rest, err := deliveryTail(d)
	if err != nil {
		return store.DeliveryResult{}, store.ClaimResult{}, fmt.Errorf("postgres: deliver to run %q: encode: %w", runID, err)
	}
	if err := s.tooLarge(runID, fmt.Sprintf("delivery %q", d.SignalID), size+len(d.StepID)); err != nil {
		return store.DeliveryResult{}, store.ClaimResult{}, err
	}
	var (
		dr store.DeliveryResult
		cr store.ClaimResult
	)
	err = retry(ctx, func(ctx context.Context) error {
		if opts.Check == store.NoWaitCheck {
			return s.w.send(ctx, runID, func(b *pgx.Batch) {
				b.Queue(s.q.deliverClaim, runID, d.SignalID, d.StepID, rest, lease.Owner, lease.Now, lease.Until)
				b.Queue(s.q.deliveryWinner, runID, d.SignalID, d.StepID, d.Name)
				if s.notify != "" {
					b.Queue(sqlNotify, s.notify, runID)
				}
				b.Queue(s.q.claimedEvents, runID, lease.Owner)
				b.Queue(s.q.claimedDeliveries, runID, lease.Owner)
			}, func(br pgx.BatchResults) error {
				var err error
				dr, cr, err = s.readDeliverClaim(br, runID, d.SignalID)
				return err
			})
		}
		return s.w.send(ctx, runID, func(b *pgx.Batch) {
			s.queueDelivery(b, runID, d, opts, size, rest)
			b.Queue(s.q.claimRun, runID, lease.Owner, lease.Now, lease.Until)
			b.Queue(s.q.claimedEvents, runID, lease.Owner)
			b.Queue(s.q.claimedDeliveries, runID, lease.Owner)
		}, func(br pgx.BatchResults) error {
			var err error
			if dr, err = readDelivery(br, runID, d.SignalID); err != nil {
				return err
			}
			if s.notify != "" {
				if _, err := br.Exec(); err != nil {
					return err
				}
			}
			cr, err = readClaim(br, runID)
			return err
		})
	})
	if err != nil {
		return store.DeliveryResult{}, store.ClaimResult{}, fmt.Errorf("postgres: deliver signal %q to run %q and claim it: %w", d.SignalID, runID, err)
	}
	return dr, cr, nil
}

// sqlDeliverClaim stores a delivery with NoWaitCheck and claims the run in
// one statement. Parameters: $1 run, $2 signal ID, $3 step ID, $4 the
// encoded delivery after deliveryHead, $5 owner, $6 now, $7 the lease's
// end. Like sqlDeliver it first locks the run's row, so that it takes
// turns with other deliveries and a commit in flight; it then inserts the
// delivery unless its signal or its step is taken, and updates the run
// once: a stored delivery bumps the delivery sequence and makes a paused,
// unparked run running (as Deliver does), and a run that is live with its
// lease free, expired or the owner's is leased to the owner (as ClaimRun
// does). It returns one row (none for a missing run): whether it stored
// the delivery, whether it claimed the run, and the run after the call.
const sqlDeliverClaim = `
WITH run AS MATERIALIZED (
	SELECT status NOT IN {{terminal}} AND (lease_owner = '' OR lease_owner = $5 OR lease_expires_at <= $6) AS claimable
	FROM {{runs}} WHERE id = $1 FOR UPDATE
),
ins AS (
	INSERT INTO {{deliveries}} (run_id, signal_id, step_id, data)
	SELECT $1, $2, $3, ('{"stepId":' || to_json($3::text)::text || ',' || $4)::json FROM run
	ON CONFLICT DO NOTHING
	RETURNING 1
),
upd AS (
	UPDATE {{runs}} SET
		delivery_seq = delivery_seq + CASE WHEN EXISTS (SELECT 1 FROM ins) THEN 1 ELSE 0 END,
		status = CASE WHEN status = 'paused' AND park_reason = '' AND EXISTS (SELECT 1 FROM ins)
			THEN 'running' ELSE status END,
		lease_owner = CASE WHEN (SELECT claimable FROM run) THEN $5 ELSE lease_owner END,
		lease_expires_at = CASE WHEN (SELECT claimable FROM run) THEN $7 ELSE lease_expires_at END
	WHERE id = $1 AND (EXISTS (SELECT 1 FROM ins) OR (SELECT claimable FROM run))
	RETURNING {{run_columns}}
),
rdy AS (
	INSERT INTO {{ready}} (run_id, created_at)
	SELECT id, created_at FROM upd
	WHERE status IN ('queued', 'running') OR (status = 'paused' AND (SELECT claimable FROM run))
	ON CONFLICT (run_id) DO NOTHING
)
SELECT EXISTS (SELECT 1 FROM ins), (SELECT claimable FROM run), r.*
FROM (
	SELECT {{run_columns}} FROM upd
	UNION ALL
	SELECT {{run_columns}} FROM {{runs}} WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM upd)
) r`

// readDeliverClaim reads the results of sqlDeliverClaim's batch.
func (s *Store) readDeliverClaim(br pgx.BatchResults, runID, signalID string) (store.DeliveryResult, store.ClaimResult, error) {
	var stored, claimed bool
	run, err := scanRun(br.QueryRow(), &stored, &claimed)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.DeliveryResult{Status: store.RunNotFound}, store.ClaimResult{Status: store.NotFound}, nil
	}
	if err != nil {
		return store.DeliveryResult{}, store.ClaimResult{}, err
	}
	var (
		heldBy string
		holds  []byte
	)
	if err := br.QueryRow().Scan(&heldBy, &holds); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return store.DeliveryResult{}, store.ClaimResult{}, err
	}
	dr := store.DeliveryResult{Status: store.Delivered, Run: run}
	if !stored {
		// The signal was stored before (a duplicate), or another delivery
		// holds the step (lost).
		dr.Status = store.Lost
		if heldBy == signalID {
			dr.Status = store.Duplicate
		}
		if holds != nil {
			w, err := decodeDelivery(runID, holds)
			if err != nil {
				return store.DeliveryResult{}, store.ClaimResult{}, err
			}
			dr.Winner = &w
		}
	}
	if s.notify != "" {
		if _, err := br.Exec(); err != nil {
			return store.DeliveryResult{}, store.ClaimResult{}, err
		}
	}
	cr := store.ClaimResult{Execution: store.Execution{Run: run}}
	switch {
	case claimed:
		cr.Status = store.Claimed
		cr.Execution.Events, cr.Execution.Deliveries, err = readLogAndDeliveries(br, runID)
		if err != nil {
			return store.DeliveryResult{}, store.ClaimResult{}, err
		}
	case run.Status.Terminal():
		cr.Status = store.Terminal
	default:
		cr.Status = store.NotClaimable
	}
	return dr, cr, nil
}
