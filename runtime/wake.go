package runtime

import "sync"

// holders marks the runs this process is about to drive or is driving, so
// that a delivery stored meanwhile for a wait the drive may already have
// passed asks the driver to drive the run again once it commits, instead
// of leaving the run ready for the next sweep. Other processes learn of it
// from the store: the commit leaves the run ready (DeliverySeq moved), and
// a store with notifications (PostgreSQL's WithNotify) wakes a worker.
//
// A hold is taken before the store call that takes the run's lease (a
// create, a claim, a timer batch's claim) and ends in one of two ways.
// The drive that held the lease ends it with done right after its commit,
// and drives again when a wake came; a hold that drives nothing (a claim
// refused, a run created before) ends with drop, which leaves a wake for
// the run's other holders in this process. After its drive's done, a hold
// marks nothing any more, so that a delivery arriving then finds no holder
// and its sender drives the run itself: one hold spans the lease's
// acquisition to its commit, never longer.
//
// A batch claim (a sweep's due timers) learns which runs it leased only
// when it returns, so it cannot hold them before. It marks its start
// instead (claiming), and holds each claimed run with holdSince, which
// counts a wake that found no holder after that start: the sender of
// such a delivery, refused the run's lease, left it to the claimer.
type holders struct {
	mu   sync.Mutex
	runs map[string]*holder
	// wakes counts wakes; woke holds, while batch claims are in flight,
	// the count at each run's last wake that found no holder.
	wakes  uint64
	claims int
	woke   map[string]uint64
}

type holder struct {
	holds int
	woken bool
}

// hold is one hold of a run; see holders.
type hold struct {
	h     *holders
	runID string
	st    *holder
	once  sync.Once
	woken bool
}

// hold registers a hold of runID.
func (h *holders) hold(runID string) *hold {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.holdLocked(runID)
}

// claiming marks the start of a batch claim: since is what holdSince
// takes for the runs it leased, and done, called once they are held, ends
// the mark.
func (h *holders) claiming() (since uint64, done func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.claims++
	return h.wakes, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.claims--; h.claims == 0 {
			h.woke = nil
		}
	}
}

// holdSince registers a hold of runID, a run a batch claim that began at
// since leased, woken already if a wake found no holder after since.
func (h *holders) holdSince(runID string, since uint64) *hold {
	h.mu.Lock()
	defer h.mu.Unlock()
	x := h.holdLocked(runID)
	if h.woke[runID] > since {
		x.st.woken = true
	}
	return x
}

func (h *holders) holdLocked(runID string) *hold {
	if h.runs == nil {
		h.runs = map[string]*holder{}
	}
	st := h.runs[runID]
	if st == nil {
		st = &holder{}
		h.runs[runID] = st
	}
	st.holds++
	return &hold{h: h, runID: runID, st: st}
}

// done ends the hold of the drive that committed and reports whether a
// delivery woke the run since the hold began. It is the drive's to call;
// later calls, and drop after it, report the same and do nothing.
func (x *hold) done() (woken bool) {
	x.end(true)
	return x.woken
}

// drop ends a hold that drove nothing, leaving a wake to the run's other
// holders; after done it does nothing.
func (x *hold) drop() { x.end(false) }

func (x *hold) end(consume bool) {
	x.once.Do(func() {
		x.h.mu.Lock()
		defer x.h.mu.Unlock()
		if consume {
			x.woken, x.st.woken = x.st.woken, false
		}
		if x.st.holds--; x.st.holds == 0 {
			delete(x.h.runs, x.runID)
		}
	})
}

// wake marks runID woken if this process holds it, and reports whether it
// does; otherwise, while a batch claim is in flight, it notes the wake for
// holdSince.
func (h *holders) wake(runID string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.wakes++
	st := h.runs[runID]
	if st == nil {
		if h.claims > 0 {
			if h.woke == nil {
				h.woke = map[string]uint64{}
			}
			h.woke[runID] = h.wakes
		}
		return false
	}
	st.woken = true
	return true
}

// wakeHolder tells this process's driver of runID, if any, that a delivery
// arrived.
func (rt *Runtime) wakeHolder(runID string) bool { return rt.holders.wake(runID) }
