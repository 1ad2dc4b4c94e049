package memstore

import (
	"context"
	"fmt"
	"time"

	"github.com/wfgo/wf/store"
)

// BackOffRun records a failed drive: it releases owner's lease, counts the
// failure and sets the run's next attempt time.
func (s *Store) BackOffRun(_ context.Context, runID, owner string, retryAt time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.runs[runID]
	if !ok || owner == "" || e.run.LeaseOwner != owner {
		return fmt.Errorf("memstore: back off run %q: %s does not hold the lease: %w", runID, owner, store.ErrLeaseLost)
	}
	e.run.LeaseOwner = ""
	e.run.LeaseExpiresAt = nil
	e.run.DriveFailures++
	e.run.DriveRetryAt = timePtr(retryAt)
	return nil
}

// ReleaseTimer gives up owner's lease on the run's timer for stepID, if
// owner holds it.
func (s *Store) ReleaseTimer(_ context.Context, runID, stepID, owner string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.runs[runID]
	if !ok {
		return nil
	}
	if te, ok := e.timers[stepID]; ok && owner != "" && te.leaseOwner == owner {
		te.leaseOwner = ""
		te.leaseUntil = time.Time{}
	}
	return nil
}

// backingOff reports whether a run's next attempt, after a failed drive,
// is still to come at now.
func backingOff(r *store.Run, now time.Time) bool {
	return r.DriveRetryAt != nil && r.DriveRetryAt.After(now)
}

// compareFailed orders runs with no failed drive before those with some.
func compareFailed(a, b *store.Run) int {
	switch {
	case (a.DriveFailures > 0) == (b.DriveFailures > 0):
		return 0
	case a.DriveFailures > 0:
		return 1
	}
	return -1
}
