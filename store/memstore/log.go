package memstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// Append adds events at a.Next, a.Next+1, … while a.Owner holds the lease.
func (s *Store) Append(_ context.Context, runID string, a store.Append) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.heldRun(runID, a.Owner)
	if err != nil {
		return err
	}
	if err := e.checkNext(a.Next, len(a.Events)); err != nil {
		return err
	}
	if err := s.checkEvents(runID, a.Next, a.Events); err != nil {
		return err
	}
	e.events = append(e.events, cloneEvents(a.Events)...)
	return nil
}

// checkNext reports whether n events may be added at index next: the
// compare-and-swap on the log.
func (e *runEntry) checkNext(next, n int) error {
	switch {
	case n == 0:
		return nil
	case next < len(e.events):
		return fmt.Errorf("memstore: run %q: append at index %d, log already has %d events: %w",
			e.run.ID, next, len(e.events), store.ErrConflict)
	case next > len(e.events):
		return fmt.Errorf("memstore: run %q: append at index %d would leave a gap after %d events",
			e.run.ID, next, len(e.events))
	}
	return nil
}

// Commit applies one drive's effects at once: it appends the events, sets
// the run's state, replaces its timers (deletes them when the run is over)
// and releases the lease. The commit that ends an attached child also
// stores the parent's delivery (see store.Parent). On any error nothing
// changes.
func (s *Store) Commit(_ context.Context, c store.Commit) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.heldRun(c.RunID, c.Owner)
	if err != nil {
		return err
	}
	if err := e.checkNext(c.Next, len(c.Events)); err != nil {
		return err
	}
	if err := s.checkEvents(c.RunID, c.Next, c.Events); err != nil {
		return err
	}
	if err := s.checkSize(c.RunID, "output", len(c.Output)); err != nil {
		return err
	}
	toParent, parent, err := s.childEnd(e, c)
	if err != nil {
		return err
	}
	e.events = append(e.events, cloneEvents(c.Events)...)

	r := &e.run
	r.Status = c.Status
	if c.Status == wf.StatusPaused && r.DeliverySeq > c.LoadedSeq {
		// A delivery arrived while the run was driven: leave it for
		// recovery instead of pausing on a wait that is resolved.
		r.Status = wf.StatusRunning
	}
	r.Output = slices.Clone(c.Output)
	r.Error = cloneErrorInfo(c.Error)
	r.Awaiting = cloneAwaiting(c.Awaiting)
	r.Buffered = slices.DeleteFunc(r.Buffered, func(id string) bool { return slices.Contains(c.Consumed, id) })
	r.LeaseOwner = ""
	r.LeaseExpiresAt = nil
	r.DriveFailures, r.DriveRetryAt = 0, nil
	r.UpdatedAt = c.Now
	r.Parked = nil

	timers := c.Timers
	if r.Status.Terminal() {
		timers = nil
	}
	s.replaceTimers(e, timers)
	r.WakeAt = earliest(timers)
	if toParent != nil {
		deliverChildEnd(parent, *toParent)
	}
	return nil
}

// earliest returns the earliest WakeAt of timers, or nil.
func earliest(timers []store.Timer) *time.Time {
	var first *time.Time
	for _, t := range timers {
		if first == nil || t.WakeAt.Before(*first) {
			first = timePtr(t.WakeAt)
		}
	}
	return first
}

// Events returns a run's log from index from, at most limit events (all
// when limit is zero or less).
func (s *Store) Events(_ context.Context, runID string, from, limit int) ([]wf.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.runs[runID]
	if !ok {
		return nil, errRunNotFound(runID)
	}
	from = max(from, 0)
	if from >= len(e.events) {
		return nil, nil
	}
	end := len(e.events)
	if limit > 0 {
		end = min(end, from+limit)
	}
	return cloneEvents(e.events[from:end]), nil
}
