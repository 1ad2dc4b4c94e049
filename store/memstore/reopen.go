package memstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// ReopenRun appends r.Events to an ended run, drops the deliveries r.Drop
// names and leaves the run ready (running, no lease), or, on a queue,
// waiting for admission again (queued, not admitted).
func (s *Store) ReopenRun(_ context.Context, runID string, r store.Reopen) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.runs[runID]
	if !ok {
		return errRunNotFound(runID)
	}
	if !e.run.Status.Terminal() {
		return fmt.Errorf("memstore: run %q: reopen a run that is %s: %w", runID, e.run.Status, store.ErrConflict)
	}
	if r.Next != len(e.events) {
		return fmt.Errorf("memstore: run %q: reopen at index %d, log has %d events: %w", runID, r.Next, len(e.events), store.ErrConflict)
	}
	for _, ev := range r.Events {
		if err := ev.Validate(); err != nil {
			return fmt.Errorf("memstore: run %q: %w", runID, err)
		}
	}
	e.events = append(e.events, cloneEvents(r.Events)...)
	e.deliveries = slices.DeleteFunc(e.deliveries, func(d wf.Delivery) bool { return slices.Contains(r.Drop, d.SignalID) })
	run := &e.run
	run.Status, run.AdmittedAt = wf.StatusRunning, nil
	if run.Queue != "" {
		run.Status = wf.StatusQueued
	}
	run.Output, run.Error, run.Awaiting, run.WakeAt, run.Parked = nil, nil, nil, nil, nil
	run.LeaseOwner, run.LeaseExpiresAt = "", nil
	run.UpdatedAt = r.Now
	return nil
}
