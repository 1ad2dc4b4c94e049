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

// AdmitQueued admits the queue's waiting runs, highest priority then oldest
// first, while the queue's (or partition's) runs in progress and recent
// admissions stay within a's caps. The store's lock serialises admitters.
func (s *Store) AdmitQueued(_ context.Context, a store.Admit) ([]string, error) {
	if err := a.Check(); err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	concurrency, rate, since := a.Caps()
	partition := func(r *store.Run) string {
		if a.PerPartition {
			return r.PartitionKey
		}
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	busy, recent := map[string]int{}, map[string]int{}
	var waiting []*store.Run
	for _, e := range s.runs {
		r := &e.run
		switch {
		case r.Queue != a.Queue:
		case r.Waiting():
			waiting = append(waiting, r)
		case r.AdmittedAt != nil:
			if !r.Status.Terminal() {
				busy[partition(r)]++
			}
			if r.AdmittedAt.After(since) {
				recent[partition(r)]++
			}
		}
	}
	slices.SortFunc(waiting, func(x, y *store.Run) int {
		return cmp.Or(cmp.Compare(y.Priority, x.Priority), x.CreatedAt.Compare(y.CreatedAt), strings.Compare(x.ID, y.ID))
	})
	var admitted []string
	for _, r := range waiting {
		if len(admitted) == a.Limit {
			break
		}
		p := partition(r)
		if busy[p] >= concurrency || recent[p] >= rate {
			continue
		}
		busy[p]++
		recent[p]++
		r.AdmittedAt = timePtr(a.Now)
		r.Status = wf.StatusRunning
		r.UpdatedAt = a.Now
		admitted = append(admitted, r.ID)
	}
	return admitted, nil
}
