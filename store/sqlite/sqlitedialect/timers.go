package sqlitedialect

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/wfgo/wf/store"
)

// claimTimersSQL leases due timers whose lease is free or expired, earliest
// first, in one conditional UPDATE: two sweepers never get the same timer,
// and a live lease, even the caller's, keeps a timer from a second claim.
const claimTimersSQL = `UPDATE {timers} SET lease_owner = ?1, lease_expires_at = ?2
WHERE (run_id, step_id) IN (SELECT run_id, step_id FROM {timers}
	WHERE wake_at <= ?3 AND lease_expires_at <= ?3
	ORDER BY wake_at, run_id, step_id LIMIT ?4)
RETURNING run_id, step_id, wake_at`

// ClaimDueTimers leases up to limit timers due at lease.Now whose lease is
// free or expired, earliest first.
func (s *Store) ClaimDueTimers(ctx context.Context, limit int, lease store.Lease) ([]store.Timer, error) {
	if limit <= 0 {
		return nil, nil
	}
	if lease.Owner == "" {
		return nil, fmt.Errorf("sqlite: ClaimDueTimers with an empty owner")
	}
	now := micros(lease.Now)
	res, err := s.write(ctx, "claim due timers", []Statement{
		s.query(claimTimersSQL, lease.Owner, micros(lease.Until), now, int64(limit)),
	})
	if err != nil {
		return nil, err
	}
	timers := make([]store.Timer, len(res[0].Rows))
	for i, row := range res[0].Rows {
		timers[i] = store.Timer{RunID: text(row[0]), StepID: text(row[1]), WakeAt: instant(row[2])}
	}
	slices.SortFunc(timers, func(a, b store.Timer) int {
		return cmp.Or(a.WakeAt.Compare(b.WakeAt), cmp.Compare(a.RunID, b.RunID), cmp.Compare(a.StepID, b.StepID))
	})
	return timers, nil
}
