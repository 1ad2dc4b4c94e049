package sqlitedialect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// timersPerStatement bounds the rows of one multi-row timer INSERT (2
// parameters per timer + 3, under D1's 100).
const timersPerStatement = 32

const (
	// landed keeps a statement after the event INSERTs from changing
	// anything unless the last event (?3) is stored: with the lease guard
	// it makes the tail of a Commit conditional on the whole batch.
	landed = `EXISTS (SELECT 1 FROM {events} WHERE run_id = ?1 AND idx = ?3)`

	// commitRunSQL sets the run's state and releases the lease. A paused
	// run that received a delivery since the drive loaded it (DeliverySeq
	// past ?5) is stored as running, so that recovery drives it again.
	commitRunSQL = `UPDATE {runs} SET
		status = CASE WHEN ?4 = 'paused' AND delivery_seq > ?5 THEN 'running' ELSE ?4 END,
		output = ?6, error = ?7, awaiting = ?8, wake_at = ?9,
		lease_owner = '', lease_expires_at = 0, updated_at = ?10,
		drive_failures = 0, drive_retry_at = 0,
		park_reason = '', park_message = '', parked_at = 0,
		buffered = CASE WHEN ?11 IS NULL THEN buffered ELSE (
			SELECT CASE WHEN count(*) = 0 THEN NULL ELSE json_group_array(b.value) END
			FROM json_each(COALESCE(buffered, '[]')) AS b WHERE b.value NOT IN (SELECT value FROM json_each(?11))) END
	WHERE id = ?1 AND lease_owner = ?2 AND ?2 <> ''`
	deleteTimersSQL = `DELETE FROM {timers} WHERE run_id = ?1 AND ` + holdsLease
)

// Commit applies one drive's effects as one batch: the events, the run's
// timers, for a commit that ends the run the delivery an attached child's
// end owes its parent, then its state with the lease released. The batch
// guards itself; only when its last statement changes nothing is the
// lease and the log's end read, to tell the caller why.
func (s *Store) Commit(ctx context.Context, c store.Commit) error {
	stmts, err := s.CommitStatements(c)
	if err != nil {
		return err
	}
	what := func() string { return fmt.Sprintf("run %q: commit at index %d", c.RunID, c.Next) }
	_, err = s.writeAs(ctx, what, stmts)
	if !errors.Is(err, errRefused) {
		return err
	}
	return s.refused(ctx, what, c.RunID, c.Owner, c.Next, len(c.Events) > 0)
}

// CommitStatements returns the batch that Commit runs for c: a pure
// function of c and the store's configuration. Every statement is
// conditional on the lease, and every statement after the events on their
// having landed, so that a lost lease or a gap in the log changes nothing
// even when the batch runs to its end. The last statement, the run's
// update, fails its Check with errRefused when it changed nothing.
func (s *Store) CommitStatements(c store.Commit) ([]Statement, error) {
	st, err := s.encodeCommit(c)
	if err != nil {
		return nil, err
	}
	stmts := s.insertEvents(c.RunID, c.Owner, c.Next, st.events)

	// The tail runs only under the lease and, with events, once the last
	// of them (?3) is stored.
	var landedCond string
	tailArgs := []any{c.RunID, c.Owner}
	if len(st.events) > 0 {
		landedCond = ` AND ` + landed
		tailArgs = append(tailArgs, int64(c.Next+len(st.events)-1))
	}
	stmts = append(stmts, s.stmt(deleteTimersSQL+landedCond, tailArgs...))
	stmts = append(stmts, s.insertTimers(c.Timers, holdsLease+landedCond, tailArgs)...)
	if c.Status.Terminal() && !c.Parentless {
		end, err := s.childEnd(c, landedCond, tailArgs)
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, end...)
	}
	run := s.stmt(commitRunSQL+landedCond, append(padArgs(tailArgs, 3),
		string(c.Status), c.LoadedSeq, jsonArg(c.Output), st.errorInfo, st.awaiting, optMicros(st.wakeAt), micros(c.Now), st.consumed)...)
	run.Check = wrote(1)
	return append(stmts, run), nil
}

// padArgs extends args with NULLs to n values, so that later parameters
// keep their numbers.
func padArgs(args []any, n int) []any {
	out := make([]any, n, n+8)
	copy(out, args)
	return out
}

// insertTimers returns the INSERTs of a Commit's timers under guard, whose
// parameters are guardArgs (?1 the run, at most three).
func (s *Store) insertTimers(timers []store.Timer, guard string, guardArgs []any) []Statement {
	var stmts []Statement
	for start := 0; start < len(timers); start += timersPerStatement {
		chunk := timers[start:min(start+timersPerStatement, len(timers))]
		var b strings.Builder
		b.WriteString(`INSERT INTO {timers} (run_id, step_id, wake_at)
	SELECT ?1, column1, column2 FROM (VALUES `)
		args := padArgs(guardArgs, 3)
		for i, t := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			n := len(args)
			fmt.Fprintf(&b, "(?%d, ?%d)", n+1, n+2)
			args = append(args, t.StepID, micros(t.WakeAt))
		}
		b.WriteString(`)
	WHERE ` + guard)
		stmts = append(stmts, s.stmt(b.String(), args...))
	}
	return stmts
}

// encodedCommit is a Commit's values as stored.
type encodedCommit struct {
	events    []encodedEvent
	errorInfo any        // JSON text or nil
	awaiting  any        // JSON text or nil
	consumed  any        // JSON text or nil
	wakeAt    *time.Time // the earliest timer
}

// encodeCommit validates c and encodes what it stores.
func (s *Store) encodeCommit(c store.Commit) (encodedCommit, error) {
	var out encodedCommit
	switch c.Status {
	case wf.StatusRunning, wf.StatusPaused, wf.StatusFinished, wf.StatusErrored, wf.StatusAborted, wf.StatusCanceled:
	default:
		return out, fmt.Errorf("sqlite: run %q: Commit with status %q", c.RunID, c.Status)
	}
	seen := make(map[string]bool, len(c.Timers))
	for _, t := range c.Timers {
		if t.RunID != "" && t.RunID != c.RunID {
			return out, fmt.Errorf("sqlite: run %q: Commit carries a timer of run %q", c.RunID, t.RunID)
		}
		if seen[t.StepID] {
			return out, fmt.Errorf("sqlite: run %q: Commit carries two timers for step %q", c.RunID, t.StepID)
		}
		seen[t.StepID] = true
	}
	if err := s.checkSize(c.RunID, "output", len(c.Output)); err != nil {
		return out, err
	}
	var err error
	if out.events, err = s.encodeEvents(c.RunID, c.Next, c.Events); err != nil {
		return out, err
	}
	if c.Error != nil {
		if out.errorInfo, err = s.encodeJSON(c.RunID, "error", c.Error); err != nil {
			return out, err
		}
	}
	if len(c.Consumed) > 0 {
		if out.consumed, err = s.encodeJSON(c.RunID, "consumed", c.Consumed); err != nil {
			return out, err
		}
	}
	if len(c.Awaiting) > 0 {
		if out.awaiting, err = s.encodeJSON(c.RunID, "awaiting", c.Awaiting); err != nil {
			return out, err
		}
	}
	for i, t := range c.Timers {
		if out.wakeAt == nil || t.WakeAt.Before(*out.wakeAt) {
			out.wakeAt = &c.Timers[i].WakeAt
		}
	}
	return out, nil
}

// encodeJSON encodes v as stored JSON text, within the payload limit.
func (s *Store) encodeJSON(runID, what string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("sqlite: run %q: encode %s: %w", runID, what, err)
	}
	if err := s.checkSize(runID, what, len(b)); err != nil {
		return "", err
	}
	return string(b), nil
}
