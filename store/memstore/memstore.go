// Package memstore is an in-memory store.Store, for tests and demos.
//
// One mutex guards all state, and values are deep-copied on the way in and
// on the way out: no caller can change stored state through a slice, map or
// pointer it passed or got back. Nothing survives the process. The store
// passes storetest.Run; context arguments are not consulted, since no method
// waits for anything but the mutex.
//
// Where the contract in package store leaves a choice open, memstore takes
// the one a SQL store makes naturally:
//
//   - A lease has expired at now when its expiry is not after now; a timer
//     or bucket is due when its time is not after now.
//   - ClaimDueTimers and ClaimDueBuckets skip anything under a live lease,
//     the caller's own included, so that a sweeper claiming in batches
//     under one owner name never gets the same timer or bucket twice.
//   - Heartbeat, Append and Commit check only that the caller is the lease
//     owner, not that the lease is unexpired: a lapsed lease that nobody
//     took over still belongs to its owner.
//   - An Append or Commit whose first index is past the end of the log is
//     rejected with a plain error: it would leave a gap in the log.
//   - Run.WakeAt after a Commit is the earliest of the Commit's timers.
//   - ClaimStaleRuns takes runs with no failed drive first, then the least
//     recently updated runs first.
//   - ClaimDueTimers, ClaimStaleRuns, ClaimDueBuckets, ListBuckets and
//     PurgeRuns do nothing for a limit of zero or less.
//   - Values are refused over the SQL stores' default payload limit (1 MiB,
//     WithMaxPayloadSize), measured as those stores measure them, so that
//     tests on memstore meet the limit production meets.
package memstore

import (
	"fmt"
	"sync"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// Store is an in-memory store.Store. Its methods are safe for concurrent
// use. Make one with New.
type Store struct {
	mu        sync.Mutex
	runs      map[string]*runEntry
	timers    timerIndex
	schedules map[string]store.Schedule
	buckets   map[bucketKey]*store.Bucket
	// maxPayload is the size limit in bytes; 0 for none.
	maxPayload int
}

var _ store.Store = (*Store)(nil)

// New returns an empty store.
func New(opts ...Option) *Store {
	s := &Store{
		runs:       map[string]*runEntry{},
		schedules:  map[string]store.Schedule{},
		buckets:    map[bucketKey]*store.Bucket{},
		maxPayload: DefaultMaxPayloadSize,
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// runEntry is a run with everything stored beside it.
type runEntry struct {
	run        store.Run
	events     []wf.Event
	deliveries []wf.Delivery
	// timers are the run's entries in Store.timers, by StepID.
	timers map[string]*timerEntry
}

type bucketKey struct{ scheduleID, bucketID string }

// leaseLive reports whether a lease held by owner until until (nil: no
// lease) is still in force at now.
func leaseLive(owner string, until *time.Time, now time.Time) bool {
	return until != nil && liveUntil(owner, *until, now)
}

func liveUntil(owner string, until, now time.Time) bool {
	return owner != "" && until.After(now)
}

// takeable reports whether claimant may take a lease held by owner until
// until at now: it is free, expired or already claimant's.
func takeable(owner string, until *time.Time, claimant string, now time.Time) bool {
	return owner == claimant || !leaseLive(owner, until, now)
}

func errRunNotFound(runID string) error {
	return fmt.Errorf("memstore: run %q: %w", runID, store.ErrNotFound)
}

// heldRun returns the run that owner holds the lease of.
func (s *Store) heldRun(runID, owner string) (*runEntry, error) {
	e, ok := s.runs[runID]
	if !ok {
		return nil, errRunNotFound(runID)
	}
	if owner == "" || e.run.LeaseOwner != owner {
		return nil, fmt.Errorf("memstore: run %q: %s does not hold the lease (held by %q): %w",
			runID, owner, e.run.LeaseOwner, store.ErrLeaseLost)
	}
	return e, nil
}

// execution returns a deep copy of the run with its log and deliveries.
func (e *runEntry) execution() store.Execution {
	return store.Execution{
		Run:        cloneRun(e.run),
		Events:     cloneEvents(e.events),
		Deliveries: cloneDeliveries(e.deliveries),
	}
}
