package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/wfgo/wf/store"
)

// ClaimDueTimers leases up to limit timers due at lease.Now, earliest
// first, whose lease is absent or expired (a live lease, even the caller's,
// keeps a timer), with one conditional UPDATE … RETURNING; concurrent
// callers never get the same timer within a lease window.
func (s *Store) ClaimDueTimers(ctx context.Context, limit int, lease store.Lease) ([]store.Timer, error) {
	if limit <= 0 {
		return nil, nil
	}
	if lease.Owner == "" {
		return nil, fmt.Errorf("postgres: claim due timers: lease owner is required")
	}
	var timers []store.Timer
	err := retry(ctx, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, s.q.claimTimers, lease.Owner, lease.Now, lease.Until, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		timers = timers[:0]
		for rows.Next() {
			var t store.Timer
			if err := rows.Scan(&t.RunID, &t.StepID, &t.WakeAt); err != nil {
				return err
			}
			t.WakeAt = t.WakeAt.UTC()
			timers = append(timers, t)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: claim due timers: %w", err)
	}
	slices.SortFunc(timers, func(a, b store.Timer) int {
		if c := a.WakeAt.Compare(b.WakeAt); c != 0 {
			return c
		}
		if c := strings.Compare(a.RunID, b.RunID); c != 0 {
			return c
		}
		return strings.Compare(a.StepID, b.StepID)
	})
	return timers, nil
}
