package sqlitedialect

import (
	"context"
	"fmt"
	"time"

	"github.com/wfgo/wf/store"
)

const (
	// parkTimersSQL runs first: once the run's UPDATE below released the
	// lease, the guard would no longer hold.
	parkTimersSQL = `DELETE FROM {timers} WHERE run_id = ?1 AND ` + holdsLease
	parkRunSQL    = `UPDATE {runs} SET status = 'paused', wake_at = NULL,
		park_reason = ?3, park_message = ?4, parked_at = ?5,
		lease_owner = '', lease_expires_at = 0, updated_at = ?5
	WHERE id = ?1 AND lease_owner = ?2 AND ?2 <> ''`

	// anyParkedSQL is answered from the partial index runs_parked.
	anyParkedSQL = `SELECT 1 FROM {runs} WHERE park_reason <> '' LIMIT 1`
	unparkSQL    = `UPDATE {runs} SET park_reason = '', park_message = '', parked_at = 0,
		status = CASE WHEN status = 'paused' THEN 'running' ELSE status END, updated_at = ?3
	WHERE workflow_id = ?1 AND version = ?2 AND park_reason <> ''`
)

// ParkRun marks owner's leased run parked in one batch: its timers go, it
// is stored paused with the park mark, and the lease is released.
func (s *Store) ParkRun(ctx context.Context, runID, owner string, p store.Park) error {
	if p.Reason == "" {
		return fmt.Errorf("sqlite: run %q: ParkRun without a reason", runID)
	}
	run := s.stmt(parkRunSQL, runID, owner, string(p.Reason), p.Message, micros(p.At))
	run.Check = leaseHeld(runID, owner)
	_, err := s.write(ctx, "park run "+runID, []Statement{s.stmt(parkTimersSQL, runID, owner), run})
	return err
}

// UnparkRuns makes the parked runs of versions ready for recovery. A read
// that finds no parked run at all spares the writer.
func (s *Store) UnparkRuns(ctx context.Context, versions []store.WorkflowVersion, now time.Time) (int, error) {
	if len(versions) == 0 {
		return 0, nil
	}
	res, err := s.read(ctx, "find parked runs", []Statement{s.query(anyParkedSQL)})
	if err != nil || len(res[0].Rows) == 0 {
		return 0, err
	}
	stmts := make([]Statement, len(versions))
	for i, v := range versions {
		stmts[i] = s.stmt(unparkSQL, v.WorkflowID, v.Version, micros(now))
	}
	res, err = s.write(ctx, "unpark runs", stmts)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range res {
		n += int(r.RowsAffected)
	}
	return n, nil
}
