package sqlitedialect

import (
	"context"
	"fmt"
	"time"

	"github.com/wfgo/wf/store"
)

const (
	// backOffSQL records a failed drive while ?2 holds the lease: it
	// releases the lease, counts the failure and sets the next attempt.
	backOffSQL = `UPDATE {runs} SET lease_owner = '', lease_expires_at = 0,
		drive_failures = drive_failures + 1, drive_retry_at = ?3
	WHERE id = ?1 AND lease_owner = ?2 AND ?2 <> ''`
	releaseTimerSQL = `UPDATE {timers} SET lease_owner = '', lease_expires_at = 0
	WHERE run_id = ?1 AND step_id = ?2 AND lease_owner = ?3 AND ?3 <> ''`
)

// BackOffRun releases owner's lease on a run whose drive failed, counts the
// failure and sets when recovery may drive the run again; an error wrapping
// store.ErrLeaseLost when owner does not hold the lease.
func (s *Store) BackOffRun(ctx context.Context, runID, owner string, retryAt time.Time) error {
	st := s.stmt(backOffSQL, runID, owner, micros(retryAt))
	st.Check = leaseHeld(runID, owner)
	_, err := s.write(ctx, "back off run "+runID, []Statement{st})
	return err
}

// ReleaseTimer gives up owner's lease on a timer, if owner holds it.
func (s *Store) ReleaseTimer(ctx context.Context, runID, stepID, owner string) error {
	_, err := s.write(ctx, fmt.Sprintf("release timer %s of run %s", stepID, runID),
		[]Statement{s.stmt(releaseTimerSQL, runID, stepID, owner)})
	return err
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
