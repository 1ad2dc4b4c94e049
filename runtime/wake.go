package runtime

import "sync"

// holders marks the runs this process is driving, so that a delivery
// stored meanwhile for a wait the drive may already have passed asks the
// driver to drive the run again once it commits, instead of leaving the
// run ready for the next sweep. Other processes learn of it from the
// store: the commit leaves the run ready (DeliverySeq moved), and a store
// with notifications (PostgreSQL's WithNotify) wakes a worker.
type holders struct {
	mu   sync.Mutex
	runs map[string]*holder
}

type holder struct {
	drivers int
	woken   bool
}

// hold registers a drive of runID; release ends it and reports whether a
// delivery woke the run meanwhile.
func (h *holders) hold(runID string) (release func() (woken bool)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.runs == nil {
		h.runs = map[string]*holder{}
	}
	st := h.runs[runID]
	if st == nil {
		st = &holder{}
		h.runs[runID] = st
	}
	st.drivers++
	var once sync.Once
	var woken bool
	return func() bool {
		once.Do(func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			woken, st.woken = st.woken, false
			if st.drivers--; st.drivers == 0 {
				delete(h.runs, runID)
			}
		})
		return woken
	}
}

// wake marks runID woken if this process drives it, and reports whether it
// does.
func (h *holders) wake(runID string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := h.runs[runID]
	if st == nil {
		return false
	}
	st.woken = true
	return true
}

// wakeHolder tells this process's driver of runID, if any, that a delivery
// arrived.
func (rt *Runtime) wakeHolder(runID string) bool { return rt.holders.wake(runID) }
