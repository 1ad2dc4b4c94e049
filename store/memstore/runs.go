package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// CreateRun inserts a run unless one with the same ID exists, stamping
// CreatedAt and UpdatedAt with nr.Lease.Now.
func (s *Store) CreateRun(_ context.Context, nr store.NewRun) (store.Run, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.runs[nr.ID]; ok {
		return cloneRun(e.run), false, nil
	}
	if err := store.CheckQueued(nr); err != nil {
		return store.Run{}, false, fmt.Errorf("memstore: %w", err)
	}
	if err := s.checkSize(nr.ID, "input", len(nr.Input)); err != nil {
		return store.Run{}, false, err
	}
	for _, ev := range nr.Log {
		if err := ev.Validate(); err != nil {
			return store.Run{}, false, fmt.Errorf("memstore: run %q: %w", nr.ID, err)
		}
	}
	return s.insertRun(nr), true, nil
}

// insertRun stores a new run; s.mu is held and nr.ID is free.
func (s *Store) insertRun(nr store.NewRun) store.Run {
	status := nr.Status
	if status == "" {
		status = wf.StatusQueued
	}
	run := store.Run{
		ID:         nr.ID,
		WorkflowID: nr.WorkflowID,
		Version:    nr.Version,
		Status:     status,
		Input:      nr.Input,
		ScheduleID: nr.ScheduleID,
		CreatedAt:  nr.Lease.Now,
		UpdatedAt:  nr.Lease.Now,

		TraceParent: nr.TraceParent,
		Parent:      nr.Parent,

		Queue:        nr.Queue,
		PartitionKey: nr.PartitionKey,
		Priority:     nr.Priority,
	}
	if nr.Lease.Owner != "" {
		run.LeaseOwner = nr.Lease.Owner
		run.LeaseExpiresAt = timePtr(nr.Lease.Until)
	}
	run = cloneRun(run)
	s.runs[nr.ID] = &runEntry{run: run, events: cloneEvents(nr.Log), timers: map[string]*timerEntry{}}
	return cloneRun(run)
}

// GetRun returns a run's state, or store.ErrNotFound.
func (s *Store) GetRun(_ context.Context, runID string) (store.Run, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.runs[runID]
	if !ok {
		return store.Run{}, errRunNotFound(runID)
	}
	return cloneRun(e.run), nil
}

// LoadExecution returns a run with its whole log and its deliveries.
func (s *Store) LoadExecution(_ context.Context, runID string) (store.Execution, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.runs[runID]
	if !ok {
		return store.Execution{}, errRunNotFound(runID)
	}
	return e.execution(), nil
}

// ClaimRun takes the run's lease for lease.Owner when the run is not
// terminal and its lease is free, expired or already the owner's.
func (s *Store) ClaimRun(_ context.Context, runID string, lease store.Lease) (store.ClaimResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.runs[runID]
	switch {
	case !ok:
		return store.ClaimResult{Status: store.NotFound}, nil
	case e.run.Status.Terminal():
		return store.ClaimResult{Status: store.Terminal, Execution: store.Execution{Run: cloneRun(e.run)}}, nil
	case !takeable(e.run.LeaseOwner, e.run.LeaseExpiresAt, lease.Owner, lease.Now):
		return store.ClaimResult{Status: store.NotClaimable, Execution: store.Execution{Run: cloneRun(e.run)}}, nil
	}
	e.run.LeaseOwner = lease.Owner
	e.run.LeaseExpiresAt = timePtr(lease.Until)
	return store.ClaimResult{Status: store.Claimed, Execution: e.execution()}, nil
}

// Heartbeat extends the owner's lease to lease.Until; store.ErrLeaseLost if
// another owner holds it or nobody does.
func (s *Store) Heartbeat(_ context.Context, runID string, lease store.Lease) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.heldRun(runID, lease.Owner)
	if err != nil {
		return err
	}
	e.run.LeaseExpiresAt = timePtr(lease.Until)
	return nil
}

// ReleaseRun gives up owner's lease; it does nothing when owner does not
// hold it or the run does not exist.
func (s *Store) ReleaseRun(_ context.Context, runID, owner string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, err := s.heldRun(runID, owner); err == nil {
		e.run.LeaseOwner = ""
		e.run.LeaseExpiresAt = nil
	}
	return nil
}

// ClaimStaleRuns leases up to limit queued or running runs whose lease is
// absent or expired at lease.Now and that are not backing off: runs with no
// failed drive first, then least recently updated first.
func (s *Store) ClaimStaleRuns(_ context.Context, limit int, lease store.Lease) ([]store.Run, error) {
	if limit <= 0 {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var stale []*runEntry
	for _, e := range s.runs {
		r := &e.run
		if (r.Status == wf.StatusQueued || r.Status == wf.StatusRunning) &&
			!leaseLive(r.LeaseOwner, r.LeaseExpiresAt, lease.Now) && !backingOff(r, lease.Now) &&
			!r.Waiting() {
			stale = append(stale, e)
		}
	}
	slices.SortFunc(stale, func(a, b *runEntry) int {
		return cmp.Or(compareFailed(&a.run, &b.run),
			a.run.UpdatedAt.Compare(b.run.UpdatedAt), strings.Compare(a.run.ID, b.run.ID))
	})
	claimed := make([]store.Run, 0, min(limit, len(stale)))
	for _, e := range stale[:min(limit, len(stale))] {
		e.run.LeaseOwner = lease.Owner
		e.run.LeaseExpiresAt = timePtr(lease.Until)
		claimed = append(claimed, cloneRun(e.run))
	}
	return claimed, nil
}
