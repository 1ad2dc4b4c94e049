package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// Append adds events at c.Next, c.Next+1, … with one INSERT … SELECT whose
// WHERE checks c.Owner's lease and that the log ends at c.Next-1:
// store.ErrConflict if an index is taken (the primary key's unique
// violation) or would leave a gap, store.ErrLeaseLost if another owner
// holds the lease, store.ErrNotFound if there is no such run. Only when it
// inserted nothing does a second statement read which guard failed.
//
// Append takes no lock on the run: a takeover racing it may load the log
// without these events, and then loses its own first append to the
// primary key, which is what keeps the log whole.
func (s *Store) Append(ctx context.Context, runID string, c store.Append) error {
	data, err := s.encodeEvents(runID, c.Next, c.Events)
	if err != nil || len(data) == 0 {
		return err
	}
	var inserted int64
	err = retry(ctx, func(ctx context.Context) error {
		tag, err := s.pool.Exec(ctx, s.q.appendEvents, runID, c.Owner, c.Next, data)
		inserted = tag.RowsAffected()
		return err
	})
	switch {
	case uniqueViolationOn(err, s.q.eventsPkey):
		return fmt.Errorf("postgres: append to run %q at %d: %w", runID, c.Next, store.ErrConflict)
	case err != nil:
		return fmt.Errorf("postgres: append to run %q: %w", runID, err)
	case inserted == int64(len(data)):
		return nil
	}
	var (
		holder   *string
		adjacent bool
	)
	err = s.pool.QueryRow(ctx, s.q.guardState, runID, c.Next).Scan(&holder, &adjacent)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: append to run %q: %w", runID, err)
	}
	if err := guardOutcome("append to", runID, c.Owner, c.Next, holder, adjacent); err != nil {
		return err
	}
	// The guards hold now, so they did not when the INSERT ran: someone
	// else moved the log or the lease in between.
	return fmt.Errorf("postgres: append to run %q at %d: the log or the lease changed: %w", runID, c.Next, store.ErrConflict)
}

// guardOutcome turns what a write's guard saw (the lease holder, NULL for
// no such run, and whether the log ends where the write starts) into the
// contract's errors; op names the write.
func guardOutcome(op, runID, owner string, next int, holder *string, adjacent bool) error {
	switch {
	case holder == nil:
		return fmt.Errorf("postgres: %s run %q: %w", op, runID, store.ErrNotFound)
	case *holder != owner:
		return fmt.Errorf("postgres: %s run %q: %q does not hold the lease: %w", op, runID, owner, store.ErrLeaseLost)
	case !adjacent:
		return fmt.Errorf("postgres: %s run %q at %d: the log does not end at %d: %w", op, runID, next, next-1, store.ErrConflict)
	}
	return nil
}

// Commit applies one drive's effects in one batch of two statements, that
// is one round trip and one implicit transaction. The first locks the run's
// row, reads the lease, appends the events and clears the timers; the
// second inserts the new timers, sets the run's state and releases the
// lease. Every write checks the lease itself, and the row lock keeps the
// lease from changing hands in between, so a lost lease writes nothing,
// and a taken log index fails the whole batch.
func (s *Store) Commit(ctx context.Context, c store.Commit) error {
	batch, err := s.commitBatch(c)
	if err != nil {
		return err
	}
	var (
		holder   *string
		adjacent bool
	)
	err = retry(ctx, func(ctx context.Context) error {
		holder, adjacent = nil, false
		return s.sendCommit(ctx, batch(), &holder, &adjacent)
	})
	switch {
	case uniqueViolationOn(err, s.q.eventsPkey):
		return fmt.Errorf("postgres: commit run %q at %d: %w", c.RunID, c.Next, store.ErrConflict)
	case err != nil:
		return fmt.Errorf("postgres: commit run %q: %w", c.RunID, err)
	}
	return guardOutcome("commit", c.RunID, c.Owner, c.Next, holder, adjacent)
}

// sendCommit sends the batch and reads every result; the first error wins.
func (s *Store) sendCommit(ctx context.Context, b *pgx.Batch, holder **string, adjacent *bool) error {
	br := s.pool.SendBatch(ctx, b)
	err := br.QueryRow().Scan(holder, adjacent)
	if errors.Is(err, pgx.ErrNoRows) { // no such run: the guards wrote nothing
		err = nil
	}
	for range b.Len() - 1 {
		if _, e := br.Exec(); err == nil {
			err = e
		}
	}
	if e := br.Close(); err == nil {
		err = e
	}
	return err
}

// commitBatch validates and encodes a commit and returns a maker of its
// batch: a sent pgx.Batch remembers the connection's prepared statements,
// so each attempt needs a fresh one.
func (s *Store) commitBatch(c store.Commit) (func() *pgx.Batch, error) {
	if c.RunID == "" || c.Owner == "" {
		return nil, fmt.Errorf("postgres: commit: RunID and Owner are required")
	}
	if c.Status == "" || c.Status == wf.StatusQueued {
		return nil, fmt.Errorf("postgres: commit run %q: status %q cannot be committed", c.RunID, c.Status)
	}
	data, err := s.encodeEvents(c.RunID, c.Next, c.Events)
	if err != nil {
		return nil, err
	}
	if err := s.tooLarge(c.RunID, "output", len(c.Output)); err != nil {
		return nil, err
	}
	errArg, err := marshalArg(c.Error)
	if err != nil {
		return nil, fmt.Errorf("postgres: commit run %q: encode error: %w", c.RunID, err)
	}
	var awaitArg any
	if len(c.Awaiting) > 0 {
		if awaitArg, err = marshalArg(&c.Awaiting); err != nil {
			return nil, fmt.Errorf("postgres: commit run %q: encode awaiting: %w", c.RunID, err)
		}
	}
	steps, wakes, err := timerArgs(c)
	if err != nil {
		return nil, err
	}
	// With no events there is no index to check: 0 turns the check off.
	next := c.Next
	if len(data) == 0 {
		next = 0
	}
	return func() *pgx.Batch {
		b := &pgx.Batch{}
		b.Queue(s.q.commitFirst, c.RunID, c.Owner, next, data)
		b.Queue(s.q.commitRun, c.RunID, c.Owner, next, string(c.Status), c.LoadedSeq,
			jsonArg(c.Output), errArg, awaitArg, wakeAt(wakes), timeArg(c.Now), steps, wakes, consumedArg(c.Consumed))
		if s.notify != "" && (c.Status == wf.StatusRunning || c.Status == wf.StatusPaused) {
			// A paused commit may be stored as running (a delivery raced
			// it); a spurious wake-up costs one empty sweep.
			b.Queue(sqlNotify, s.notify, c.RunID)
		}
		return b
	}, nil
}

// consumedArg is Commit.Consumed as a text[] argument, never NULL.
func consumedArg(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// timerArgs splits a commit's timers into parallel arrays for unnest.
func timerArgs(c store.Commit) ([]string, []time.Time, error) {
	steps := make([]string, 0, len(c.Timers))
	wakes := make([]time.Time, 0, len(c.Timers))
	seen := make(map[string]bool, len(c.Timers))
	for _, t := range c.Timers {
		if t.RunID != "" && t.RunID != c.RunID {
			return nil, nil, fmt.Errorf("postgres: commit run %q: timer for another run %q", c.RunID, t.RunID)
		}
		if seen[t.StepID] {
			return nil, nil, fmt.Errorf("postgres: commit run %q: two timers for step %q", c.RunID, t.StepID)
		}
		seen[t.StepID] = true
		steps = append(steps, t.StepID)
		wakes = append(wakes, t.WakeAt)
	}
	return steps, wakes, nil
}

// wakeAt is the earliest of the run's timers, or NULL.
func wakeAt(wakes []time.Time) any {
	if len(wakes) == 0 {
		return nil
	}
	return slices.MinFunc(wakes, time.Time.Compare)
}

// encodeEvents validates and encodes events for the json[] parameter,
// refusing any over the payload limit before anything is written.
func (s *Store) encodeEvents(runID string, next int, evs []wf.Event) ([]string, error) {
	if next < 0 {
		return nil, fmt.Errorf("postgres: run %q: negative log index %d", runID, next)
	}
	data := make([]string, len(evs))
	for i := range evs {
		if err := evs[i].Validate(); err != nil {
			return nil, fmt.Errorf("postgres: run %q: event %d: %w", runID, next+i, err)
		}
		b, err := wf.EncodeEvent(evs[i])
		if err != nil {
			return nil, fmt.Errorf("postgres: run %q: event %d: %w", runID, next+i, err)
		}
		if err := s.tooLarge(runID, fmt.Sprintf("event %d (%s)", next+i, evs[i].Type), len(b)); err != nil {
			return nil, err
		}
		data[i] = string(b)
	}
	return data, nil
}
