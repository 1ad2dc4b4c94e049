package memstore

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
)

// DeleteRun removes a run with its log, timers and deliveries; it reports
// whether the run existed.
func (s *Store) DeleteRun(_ context.Context, runID string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.runs[runID]
	if !ok {
		return false, nil
	}
	s.deleteRun(e)
	return true, nil
}

func (s *Store) deleteRun(e *runEntry) {
	s.replaceTimers(e, nil)
	delete(s.runs, e.run.ID)
}

// PurgeRuns deletes up to limit terminal runs last updated before cutoff,
// oldest first, and returns how many it deleted.
func (s *Store) PurgeRuns(_ context.Context, cutoff time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var old []*runEntry
	for _, e := range s.runs {
		if e.run.Status.Terminal() && e.run.UpdatedAt.Before(cutoff) {
			old = append(old, e)
		}
	}
	slices.SortFunc(old, func(a, b *runEntry) int {
		return cmp.Or(a.run.UpdatedAt.Compare(b.run.UpdatedAt), strings.Compare(a.run.ID, b.run.ID))
	})
	old = old[:min(limit, len(old))]
	for _, e := range old {
		s.deleteRun(e)
	}
	return len(old), nil
}
