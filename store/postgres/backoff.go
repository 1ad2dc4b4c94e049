package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/wfgo/wf/store"
)

// sqlBackOffRun records a failed drive while $2 holds the lease: it
// releases the lease, counts the failure and sets the next attempt time.
const sqlBackOffRun = `
UPDATE {{runs}} SET lease_owner = '', lease_expires_at = NULL,
	drive_failures = drive_failures + 1, drive_retry_at = $3
WHERE id = $1 AND lease_owner = $2`

const sqlReleaseTimer = `
UPDATE {{timers}} SET lease_owner = '', lease_expires_at = NULL
WHERE run_id = $1 AND step_id = $2 AND lease_owner = $3`

// BackOffRun releases owner's lease on a run whose drive failed, counts the
// failure and sets when recovery may drive the run again; store.ErrLeaseLost
// when owner does not hold the lease.
func (s *Store) BackOffRun(ctx context.Context, runID, owner string, retryAt time.Time) error {
	if owner == "" {
		return fmt.Errorf("postgres: back off run %q: lease owner is required", runID)
	}
	var n int64
	err := retry(ctx, func(ctx context.Context) error {
		tag, err := s.pool.Exec(ctx, s.q.backOffRun, runID, owner, retryAt)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: back off run %q: %w", runID, err)
	}
	if n == 0 {
		return fmt.Errorf("postgres: back off run %q for %q: %w", runID, owner, store.ErrLeaseLost)
	}
	return nil
}

// ReleaseTimer gives up owner's lease on a timer; releasing a timer one
// does not hold does nothing.
func (s *Store) ReleaseTimer(ctx context.Context, runID, stepID, owner string) error {
	if owner == "" {
		return nil
	}
	err := retry(ctx, func(ctx context.Context) error {
		_, err := s.pool.Exec(ctx, s.q.releaseTimer, runID, stepID, owner)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: release timer %q of run %q: %w", stepID, runID, err)
	}
	return nil
}

// compareFailed orders runs with no failed drive before those with some.
func compareFailed(a, b store.Run) int {
	switch {
	case (a.DriveFailures > 0) == (b.DriveFailures > 0):
		return 0
	case a.DriveFailures > 0:
		return 1
	}
	return -1
}
