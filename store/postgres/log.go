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

// Append adds events at c.Next, c.Next+1, … with one statement that reads
// the guards (c.Owner's lease, and that the log ends at c.Next-1), inserts
// the events only when they hold, and reports what it saw:
// store.ErrConflict if an index is taken (the primary key's unique
// violation) or would leave a gap, store.ErrLeaseLost if another owner
// holds the lease, store.ErrNotFound if there is no such run. It goes
// through the group committer, so concurrent appends share a commit.
//
// Append takes no lock on the run: a takeover racing it may load the log
// without these events, and then loses its own first append to the
// primary key, which is what keeps the log whole.
func (s *Store) Append(ctx context.Context, runID string, c store.Append) error {
	data, err := s.encodeEvents(runID, c.Next, c.Events)
	if err != nil || data.n == 0 {
		return err
	}
	var (
		holder   *string
		adjacent bool
		inserted int
	)
	err = retry(ctx, func(ctx context.Context) error {
		return s.w.send(ctx, runID, func(b *pgx.Batch) {
			b.Queue(s.q.appendEvents, runID, c.Owner, c.Next, data.array)
		}, func(br pgx.BatchResults) error {
			holder, adjacent, inserted = nil, false, 0
			err := br.QueryRow().Scan(&holder, &adjacent, &inserted)
			if errors.Is(err, pgx.ErrNoRows) { // no such run
				return nil
			}
			return err
		})
	})
	switch {
	case uniqueViolationOn(err, s.q.eventsPkey):
		return fmt.Errorf("postgres: append to run %q at %d: %w", runID, c.Next, store.ErrConflict)
	case err != nil:
		return fmt.Errorf("postgres: append to run %q: %w", runID, err)
	case inserted == data.n:
		return nil
	}
	if err := guardOutcome("append to", runID, c.Owner, c.Next, holder, adjacent); err != nil {
		return err
	}
	// The guards held and the statement wrote nothing: cannot happen in
	// one snapshot, but is not success either.
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

// Commit applies one drive's effects in one statement, one implicit
// transaction (see sqlCommit): it locks the run's row, reads the lease and
// the log's end, and only when both hold appends the events, clears the
// timers and sets the run's state, releasing the lease; it reports what
// the guard saw. A commit that sets timers adds a second statement to the
// batch (see sqlCommitFirst), as one statement writes each table once; a
// commit that ends the run starts with sqlChildEnd, which stores the
// delivery an attached child's end owes its parent. A
// taken log index fails the whole write on the primary key. It goes
// through the group committer, so concurrent commits share a transaction.
func (s *Store) Commit(ctx context.Context, c store.Commit) error {
	queue, err := s.commitBatch(c)
	if err != nil {
		return err
	}
	var (
		holder   *string
		adjacent bool
	)
	err = retry(ctx, func(ctx context.Context) error {
		return s.w.send(ctx, c.RunID, queue, func(br pgx.BatchResults) error {
			holder, adjacent = nil, false
			if endsChild(c) { // sqlChildEnd
				if _, err := br.Exec(); err != nil {
					return err
				}
			}
			err := br.QueryRow().Scan(&holder, &adjacent)
			if errors.Is(err, pgx.ErrNoRows) { // no such run: the guards wrote nothing
				err = nil
			}
			return err
		})
	})
	switch {
	case uniqueViolationOn(err, s.q.eventsPkey):
		return fmt.Errorf("postgres: commit run %q at %d: %w", c.RunID, c.Next, store.ErrConflict)
	case err != nil:
		return fmt.Errorf("postgres: commit run %q: %w", c.RunID, err)
	}
	return guardOutcome("commit", c.RunID, c.Owner, c.Next, holder, adjacent)
}

// commitBatch validates and encodes a commit and returns what queues its
// statements: for a commit that ends the run, sqlChildEnd, read first;
// then the statement that reports the guard's view; the rest return
// nothing to read.
func (s *Store) commitBatch(c store.Commit) (func(*pgx.Batch), error) {
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
	if data.n == 0 {
		next = 0
	}
	var signalID, delivery string
	if endsChild(c) {
		if signalID, delivery, err = childEndArgs(c); err != nil {
			return nil, err
		}
	}
	return func(b *pgx.Batch) {
		switch {
		case !endsChild(c):
		case s.notify != "":
			b.Queue(s.q.childEndNotify, c.RunID, c.Owner, next, signalID, delivery, s.notify)
		default:
			b.Queue(s.q.childEnd, c.RunID, c.Owner, next, signalID, delivery)
		}
		if len(steps) == 0 {
			b.Queue(s.q.commit, c.RunID, c.Owner, next, string(c.Status), c.LoadedSeq,
				jsonArg(c.Output), errArg, awaitArg, nil, timeArg(c.Now), data.array, consumedArg(c.Consumed))
		} else {
			b.Queue(s.q.commitFirst, c.RunID, c.Owner, next, data.array)
			b.Queue(s.q.commitRun, c.RunID, c.Owner, next, string(c.Status), c.LoadedSeq,
				jsonArg(c.Output), errArg, awaitArg, wakeAt(wakes), timeArg(c.Now), steps, wakes, consumedArg(c.Consumed))
		}
		if s.notify != "" && (c.Status == wf.StatusRunning || c.Status == wf.StatusPaused) {
			// A paused commit may be stored as running (a delivery raced
			// it); a spurious wake-up costs one empty sweep.
			b.Queue(sqlNotify, s.notify, c.RunID)
		}
	}, nil
}

// endsChild reports whether c ends a run that may have an attached
// parent, whose delivery the commit then stores (sqlChildEnd).
func endsChild(c store.Commit) bool { return c.Status.Terminal() && !c.Parentless }

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

// eventsArg is events encoded as one JSON array, the parameter whose
// elements a statement inserts (json_array_elements): one text value is
// cheaper to send than a text[] of as many, which pgx encodes element by
// element.
type eventsArg struct {
	array string // "[]" for none
	n     int
}

// encodeEvents validates and encodes events for their parameter, refusing
// any over the payload limit before anything is written.
func (s *Store) encodeEvents(runID string, next int, evs []wf.Event) (eventsArg, error) {
	if next < 0 {
		return eventsArg{}, fmt.Errorf("postgres: run %q: negative log index %d", runID, next)
	}
	if len(evs) == 0 {
		return eventsArg{array: "[]"}, nil
	}
	var buf []byte
	for i := range evs {
		if err := evs[i].Validate(); err != nil {
			return eventsArg{}, fmt.Errorf("postgres: run %q: event %d: %w", runID, next+i, err)
		}
		b, err := wf.EncodeEvent(evs[i])
		if err != nil {
			return eventsArg{}, fmt.Errorf("postgres: run %q: event %d: %w", runID, next+i, err)
		}
		if len(b) > s.maxPayload {
			return eventsArg{}, s.tooLarge(runID, fmt.Sprintf("event %d (%s)", next+i, evs[i].Type), len(b))
		}
		if buf == nil {
			buf = make([]byte, 0, 2+len(evs)*(len(b)+1))
			buf = append(buf, '[')
		} else {
			buf = append(buf, ',')
		}
		buf = append(buf, b...)
	}
	return eventsArg{array: string(append(buf, ']')), n: len(evs)}, nil
}
