package memstore

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/wfgo/wf/store"
)

// timerEntry is a stored timer with its sweeper lease.
type timerEntry struct {
	timer      store.Timer
	leaseOwner string
	leaseUntil time.Time
}

// timerIndex keeps every timer sorted by (WakeAt, RunID, StepID), so that a
// claim reads the due timers from the front.
type timerIndex struct {
	byDue []*timerEntry
}

func compareTimers(a, b *timerEntry) int {
	return cmp.Or(
		a.timer.WakeAt.Compare(b.timer.WakeAt),
		strings.Compare(a.timer.RunID, b.timer.RunID),
		strings.Compare(a.timer.StepID, b.timer.StepID),
	)
}

func (x *timerIndex) insert(te *timerEntry) {
	i, _ := slices.BinarySearchFunc(x.byDue, te, compareTimers)
	x.byDue = slices.Insert(x.byDue, i, te)
}

func (x *timerIndex) remove(te *timerEntry) {
	if i, ok := slices.BinarySearchFunc(x.byDue, te, compareTimers); ok {
		x.byDue = slices.Delete(x.byDue, i, i+1)
	}
}

// replaceTimers makes timers the run's only timers. A later timer with the
// StepID of an earlier one replaces it.
func (s *Store) replaceTimers(e *runEntry, timers []store.Timer) {
	for step, te := range e.timers {
		s.timers.remove(te)
		delete(e.timers, step)
	}
	for _, t := range timers {
		t.RunID = e.run.ID
		if old, ok := e.timers[t.StepID]; ok {
			s.timers.remove(old)
		}
		te := &timerEntry{timer: t}
		e.timers[t.StepID] = te
		s.timers.insert(te)
	}
}

// ClaimDueTimers leases up to limit timers due at lease.Now, earliest
// first, whose lease is absent or expired.
func (s *Store) ClaimDueTimers(_ context.Context, limit int, lease store.Lease) ([]store.Timer, error) {
	if limit <= 0 {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	claimed := make([]store.Timer, 0, min(limit, len(s.timers.byDue)))
	for _, te := range s.timers.byDue {
		if te.timer.WakeAt.After(lease.Now) || len(claimed) == limit {
			break
		}
		if liveUntil(te.leaseOwner, te.leaseUntil, lease.Now) {
			continue
		}
		te.leaseOwner = lease.Owner
		te.leaseUntil = lease.Until
		claimed = append(claimed, te.timer)
	}
	return claimed, nil
}
