package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/wfgo/wf/store"
)

// ClaimRun takes the run's lease and loads its execution in one batch: a
// conditional UPDATE … RETURNING, then the log and the deliveries, which
// come back only when the claim succeeded. The batch goes through the group
// committer, so concurrent claims and writes share a transaction.
func (s *Store) ClaimRun(ctx context.Context, runID string, lease store.Lease) (store.ClaimResult, error) {
	if lease.Owner == "" {
		return store.ClaimResult{}, fmt.Errorf("postgres: claim run %q: lease owner is required", runID)
	}
	var res store.ClaimResult
	err := retry(ctx, func(ctx context.Context) error {
		var err error
		res, err = s.claimRun(ctx, runID, lease)
		return err
	})
	if err != nil {
		return store.ClaimResult{}, fmt.Errorf("postgres: claim run %q: %w", runID, err)
	}
	return res, nil
}

// claimRun sends the claim's batch through the group committer.
func (s *Store) claimRun(ctx context.Context, runID string, lease store.Lease) (store.ClaimResult, error) {
	var res store.ClaimResult
	err := s.w.send(ctx, runID, func(b *pgx.Batch) {
		b.Queue(s.q.claimRun, runID, lease.Owner, lease.Now, lease.Until)
		b.Queue(s.q.claimedEvents, runID, lease.Owner)
		b.Queue(s.q.claimedDeliveries, runID, lease.Owner)
	}, func(br pgx.BatchResults) error {
		var err error
		res, err = readClaim(br, runID)
		return err
	})
	return res, err
}

// readClaim reads the results of a claim's batch.
func readClaim(br pgx.BatchResults, runID string) (store.ClaimResult, error) {
	var (
		res     store.ClaimResult
		claimed bool
		err     error
	)
	res.Execution.Run, err = scanRun(br.QueryRow(), &claimed)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return store.ClaimResult{Status: store.NotFound}, nil
	case err != nil:
		return store.ClaimResult{}, err
	case claimed:
		res.Status = store.Claimed
		res.Execution.Events, res.Execution.Deliveries, err = readLogAndDeliveries(br, runID)
		if err != nil {
			return store.ClaimResult{}, err
		}
	case res.Execution.Run.Status.Terminal():
		res.Status = store.Terminal
	default:
		res.Status = store.NotClaimable
	}
	return res, nil
}

// Heartbeat extends owner's lease to lease.Until, or reports
// store.ErrLeaseLost. An expired lease that no one else took is extended.
func (s *Store) Heartbeat(ctx context.Context, runID string, lease store.Lease) error {
	if lease.Owner == "" {
		return fmt.Errorf("postgres: heartbeat run %q: lease owner is required", runID)
	}
	var n int64
	err := retry(ctx, func(ctx context.Context) error {
		tag, err := s.pool.Exec(ctx, s.q.heartbeat, runID, lease.Owner, lease.Until)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: heartbeat run %q: %w", runID, err)
	}
	if n == 0 {
		return fmt.Errorf("postgres: heartbeat run %q for %q: %w", runID, lease.Owner, store.ErrLeaseLost)
	}
	return nil
}

// ReleaseRun gives up owner's lease; releasing a lease one does not hold
// does nothing.
func (s *Store) ReleaseRun(ctx context.Context, runID, owner string) error {
	if owner == "" {
		return nil
	}
	err := retry(ctx, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, s.q.releaseRun, runID, owner)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: release run %q: %w", runID, err)
	}
	return nil
}

// ClaimStaleRuns leases up to limit queued or running runs whose lease is
// absent or expired at lease.Now and that are not backing off: runs with no
// failed drive first, then oldest first. Concurrent callers skip
// each other's rows (FOR UPDATE SKIP LOCKED) and a row is re-checked after
// any wait, so each run goes to one caller. The result is sorted in the
// same order.
func (s *Store) ClaimStaleRuns(ctx context.Context, limit int, lease store.Lease) ([]store.Run, error) {
	if limit <= 0 {
		return nil, nil
	}
	if lease.Owner == "" {
		return nil, fmt.Errorf("postgres: claim stale runs: lease owner is required")
	}
	var runs []store.Run
	err := retry(ctx, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, s.q.claimStaleRuns, lease.Owner, lease.Now, lease.Until, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		runs = runs[:0]
		for rows.Next() {
			r, err := scanRun(rows)
			if errors.Is(err, store.ErrCorrupt) {
				// Failing the claim would keep every run claimed with
				// this one from recovery; LoadExecution reports it.
				r.Error, r.Awaiting, err = nil, nil, nil
			}
			if err != nil {
				return err
			}
			runs = append(runs, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: claim stale runs: %w", err)
	}
	slices.SortFunc(runs, func(a, b store.Run) int {
		if c := compareFailed(a, b); c != 0 {
			return c
		}
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return runs, nil
}
