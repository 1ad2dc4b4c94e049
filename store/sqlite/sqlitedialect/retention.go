package sqlitedialect

import (
	"context"
	"time"
)

const (
	deleteRunEventsSQL     = `DELETE FROM {events} WHERE run_id = ?1`
	deleteRunTimersSQL     = `DELETE FROM {timers} WHERE run_id = ?1`
	deleteRunDeliveriesSQL = `DELETE FROM {deliveries} WHERE run_id = ?1`
	deleteRunSQL           = `DELETE FROM {runs} WHERE id = ?1`

	// purgeable selects the runs a purge deletes. Every statement of the
	// batch selects the same set: the runs table changes only in the last.
	// A terminal run is never leased (lease_expires_at 0), which lets the
	// search use the (status, lease_expires_at, updated_at) index.
	purgeable = `SELECT id FROM {runs}
		WHERE status IN (` + terminalStatuses + `) AND lease_expires_at = 0 AND updated_at < ?1
		ORDER BY updated_at, id LIMIT ?2`
	purgeEventsSQL     = `DELETE FROM {events} WHERE run_id IN (` + purgeable + `)`
	purgeTimersSQL     = `DELETE FROM {timers} WHERE run_id IN (` + purgeable + `)`
	purgeDeliveriesSQL = `DELETE FROM {deliveries} WHERE run_id IN (` + purgeable + `)`
	purgeRunsSQL       = `DELETE FROM {runs} WHERE id IN (` + purgeable + `)`
)

// DeleteRun removes a run with its log, timers and deliveries and reports
// whether it existed.
func (s *Store) DeleteRun(ctx context.Context, runID string) (bool, error) {
	res, err := s.write(ctx, "delete run "+runID, []Statement{
		s.stmt(deleteRunEventsSQL, runID),
		s.stmt(deleteRunTimersSQL, runID),
		s.stmt(deleteRunDeliveriesSQL, runID),
		s.stmt(deleteRunSQL, runID),
	})
	if err != nil {
		return false, err
	}
	return res[3].RowsAffected > 0, nil
}

// PurgeRuns deletes up to limit terminal runs last updated before cutoff,
// oldest first, with their logs, timers and deliveries.
func (s *Store) PurgeRuns(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	args := []any{micros(cutoff), int64(limit)}
	res, err := s.write(ctx, "purge runs", []Statement{
		s.stmt(purgeEventsSQL, args...),
		s.stmt(purgeTimersSQL, args...),
		s.stmt(purgeDeliveriesSQL, args...),
		s.stmt(purgeRunsSQL, args...),
	})
	if err != nil {
		return 0, err
	}
	return int(res[3].RowsAffected), nil
}
