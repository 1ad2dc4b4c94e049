package sqlitedialect

import (
	"context"
	"fmt"

	"github.com/wfgo/wf/store"
)

const (
	// ended keeps a reopen's statements from changing a run that is not
	// over (a D1 batch runs every statement, whatever the guard saw).
	ended = `EXISTS (SELECT 1 FROM {runs} WHERE id = ?1 AND status IN (` + terminalStatuses + `))`

	// reopenGuardSQL opens a ReopenRun: no row when the run is missing,
	// else whether it is over and its log ends at ?3 - 1.
	reopenGuardSQL = `SELECT status IN (` + terminalStatuses + `) AND ` + follows + `
		AND NOT EXISTS (SELECT 1 FROM {events} WHERE run_id = ?1 AND idx = ?3)
	FROM {runs} WHERE id = ?1`
	reopenDropSQL = `DELETE FROM {deliveries} WHERE run_id = ?1 AND signal_id = ?2 AND ` + ended
	// reopenRunSQL leaves the run ready, or, on a queue, waiting for
	// admission again.
	reopenRunSQL = `UPDATE {runs} SET status = CASE WHEN queue <> '' THEN 'queued' ELSE 'running' END, admitted_at = 0, output = NULL, error = NULL, awaiting = NULL,
		wake_at = NULL, lease_owner = '', lease_expires_at = 0, updated_at = ?2,
		park_reason = '', park_message = '', parked_at = 0
	WHERE id = ?1 AND status IN (` + terminalStatuses + `) AND EXISTS (SELECT 1 FROM {events} WHERE run_id = ?1 AND idx = ?3)`
)

// initialLog returns the INSERTs of a new run's Log, which land only while
// the run is leased to run.Lease.Owner: when the batch's first statement
// created it.
func (s *Store) initialLog(run store.NewRun) ([]Statement, error) {
	if run.Lease.Owner == "" {
		return nil, fmt.Errorf("sqlite: run %q: CreateRun with a Log needs a lease owner", run.ID)
	}
	evs, err := s.encodeEvents(run.ID, 0, run.Log)
	if err != nil {
		return nil, err
	}
	return s.insertEventsIf(holdsLease, run.ID, run.Lease.Owner, 0, evs), nil
}

// ReopenRun appends r.Events to an ended run, drops the deliveries r.Drop
// names and leaves the run ready, in one batch.
func (s *Store) ReopenRun(ctx context.Context, runID string, r store.Reopen) error {
	if len(r.Events) == 0 {
		return fmt.Errorf("sqlite: run %q: ReopenRun without events", runID)
	}
	evs, err := s.encodeEvents(runID, r.Next, r.Events)
	if err != nil {
		return err
	}
	guard := s.query(reopenGuardSQL, runID, nil, int64(r.Next))
	guard.Check = func(res Result) error {
		if len(res.Rows) == 0 {
			return failed(fmt.Errorf("sqlite: run %q: %w", runID, store.ErrNotFound))
		}
		if integer(res.Rows[0][0]) == 0 {
			return failed(fmt.Errorf("sqlite: run %q: reopen at index %d: the run is not over or its log moved: %w", runID, r.Next, store.ErrConflict))
		}
		return nil
	}
	stmts := []Statement{guard}
	stmts = append(stmts, s.insertEventsIf(ended, runID, nil, r.Next, evs)...)
	for _, id := range r.Drop {
		stmts = append(stmts, s.stmt(reopenDropSQL, runID, id))
	}
	run := s.stmt(reopenRunSQL, runID, micros(r.Now), int64(r.Next+len(evs)-1))
	run.Check = func(res Result) error {
		if res.RowsAffected == 0 {
			return failed(fmt.Errorf("sqlite: run %q: reopen: %w", runID, store.ErrConflict))
		}
		return nil
	}
	_, err = s.write(ctx, fmt.Sprintf("run %q: reopen at index %d", runID, r.Next), append(stmts, run))
	return err
}
