package memstore

import (
	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// childEnd returns the delivery that c, ending e's run, owes the run's
// parent (see store.Parent), and the parent it goes to; nil when the run
// is not an attached child, c does not end it, or the parent no longer
// exists. s.mu is held.
func (s *Store) childEnd(e *runEntry, c store.Commit) (*wf.Delivery, *runEntry, error) {
	p := e.run.Parent
	if p == nil || p.Detached || !c.Status.Terminal() {
		return nil, nil, nil
	}
	parent, ok := s.runs[p.RunID]
	if !ok {
		return nil, nil, nil
	}
	d, err := store.ChildEnd(c, p.StepID)
	if err != nil {
		return nil, nil, err
	}
	return &d, parent, nil
}

// deliverChildEnd stores d for parent unless its SignalID, or another
// delivery for the same wait, is stored already: a re-commit never stores
// twice. As Deliver does, it makes a paused, unparked parent ready.
func deliverChildEnd(parent *runEntry, d wf.Delivery) {
	held := parent.deliveryIndex(func(x wf.Delivery) bool {
		return x.SignalID == d.SignalID || x.StepID == d.StepID
	}) >= 0
	if !held {
		parent.store(d, store.Delivered)
	}
}
