package memstore

import (
	"context"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// ParkRun marks owner's leased run parked: paused, timers deleted, lease
// released; its log, deliveries and Awaiting stay.
func (s *Store) ParkRun(_ context.Context, runID, owner string, p store.Park) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.heldRun(runID, owner)
	if err != nil {
		return err
	}
	r := &e.run
	p.Version = r.Version
	r.Parked = &p
	r.Status = wf.StatusPaused
	r.LeaseOwner, r.LeaseExpiresAt = "", nil
	r.UpdatedAt = p.At
	s.replaceTimers(e, nil)
	r.WakeAt = nil
	return nil
}

// UnparkRuns makes every parked run of versions ready for recovery.
func (s *Store) UnparkRuns(_ context.Context, versions []store.WorkflowVersion, now time.Time) (int, error) {
	want := make(map[store.WorkflowVersion]bool, len(versions))
	for _, v := range versions {
		want[v] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.runs {
		r := &e.run
		if r.Parked == nil || !want[store.WorkflowVersion{WorkflowID: r.WorkflowID, Version: r.Version}] {
			continue
		}
		r.Parked = nil
		if !r.Status.Terminal() {
			r.Status = wf.StatusRunning
		}
		r.UpdatedAt = now
		n++
	}
	return n, nil
}
