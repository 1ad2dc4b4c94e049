package store

import (
	"fmt"
	"math"
	"time"

	"github.com/wfgo/wf"
)

// A queue bounds how many of its runs are in progress at once, across every
// process that shares the store. A run created with NewRun.Queue set waits
// as StatusQueued, not admitted (Run.AdmittedAt nil): ClaimStaleRuns never
// takes it, and the runtime does not drive it, until AdmitQueued admits it.
// An admitted run is in progress until it is terminal, whether it runs,
// waits paused or backs off: a paused run keeps its slot.

// Admit asks AdmitQueued to admit the waiting runs of one queue.
type Admit struct {
	// Queue names the queue.
	Queue string
	// Concurrency caps the queue's runs in progress (admitted and not
	// terminal); 0 for no cap.
	Concurrency int
	// PerPartition applies Concurrency and the rate to each partition key
	// (Run.PartitionKey) on its own rather than to the whole queue.
	PerPartition bool
	// Rate caps admissions within the window Per: at most Rate runs of the
	// queue (of each partition, with PerPartition) admitted at an instant
	// after Now-Per. 0 for no rate limit; Per must be positive when Rate is
	// set.
	Rate int
	Per  time.Duration
	// Now is the admission time, stored as Run.AdmittedAt.
	Now time.Time
	// Limit caps how many runs this call admits; it must be positive.
	Limit int
}

// Check reports an Admit that no store should run.
func (a Admit) Check() error {
	switch {
	case a.Queue == "":
		return fmt.Errorf("admit: empty queue name")
	case a.Concurrency < 0 || a.Rate < 0:
		return fmt.Errorf("admit queue %q: negative concurrency %d or rate %d", a.Queue, a.Concurrency, a.Rate)
	case a.Rate > 0 && a.Per <= 0:
		return fmt.Errorf("admit queue %q: rate %d per %s: the period must be positive", a.Queue, a.Rate, a.Per)
	case a.Limit <= 0:
		return fmt.Errorf("admit queue %q: limit %d: want a positive limit", a.Queue, a.Limit)
	}
	return nil
}

// Caps returns the concurrency and rate caps as numbers a query compares
// with, math.MaxInt32 for "no cap", and the start of the rate window.
func (a Admit) Caps() (concurrency, rate int, since time.Time) {
	concurrency, rate = a.Concurrency, a.Rate
	if concurrency == 0 {
		concurrency = math.MaxInt32
	}
	if rate == 0 {
		rate = math.MaxInt32
		return concurrency, rate, a.Now
	}
	return concurrency, rate, a.Now.Add(-a.Per)
}

// CheckQueued reports a NewRun that sets queue fields wrongly: a run on a
// queue is created queued, and unleased unless it has a Log (a fork of a
// run of the queue), which is written under its creator's lease; a
// partition key or a priority needs a queue.
func CheckQueued(run NewRun) error {
	if run.Queue == "" {
		if run.PartitionKey != "" || run.Priority != 0 {
			return fmt.Errorf("run %q: a partition key or priority without a queue", run.ID)
		}
		return nil
	}
	if (run.Status != "" && run.Status != wf.StatusQueued) || (run.Lease.Owner != "") != (len(run.Log) > 0) {
		return fmt.Errorf("run %q on queue %q: a queued run is created with status queued, and leased only when it has a log", run.ID, run.Queue)
	}
	return nil
}
