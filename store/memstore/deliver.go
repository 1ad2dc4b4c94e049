package memstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// Deliver stores d as the contract in package store describes: a repeat of
// a stored SignalID is Duplicate; with NoWaitCheck d is stored for its
// StepID unless another delivery holds it (Lost); otherwise an ended run
// refuses it, a wait the run awaits now gets it (Delivered), and a wait it
// has not reached keeps it (Buffered) or, with StrictWait, refuses it.
func (s *Store) Deliver(_ context.Context, runID string, d wf.Delivery, opts store.DeliverOptions) (store.DeliveryResult, error) {
	if d.SignalID == "" || (d.StepID == "" && opts.Check == store.NoWaitCheck) {
		return store.DeliveryResult{}, fmt.Errorf("memstore: deliver to run %q: SignalID (and, with NoWaitCheck, StepID) required", runID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.runs[runID]
	if !ok {
		return store.DeliveryResult{Status: store.RunNotFound}, nil
	}
	if err := s.checkDelivery(runID, d); err != nil {
		return store.DeliveryResult{}, err
	}
	if i := e.deliveryIndex(func(x wf.Delivery) bool { return x.SignalID == d.SignalID }); i >= 0 {
		return e.deliveryResult(store.Duplicate, i), nil
	}
	if opts.Check == store.NoWaitCheck {
		if i := e.deliveryIndex(func(x wf.Delivery) bool { return x.StepID == d.StepID }); i >= 0 {
			return e.deliveryResult(store.Lost, i), nil
		}
		return e.store(d, store.Delivered), nil
	}
	if e.run.Status.Terminal() {
		return e.refused(store.Ended, d), nil
	}
	step, awaited := e.target(d, opts.Check)
	if awaited {
		if i := e.deliveryIndex(func(x wf.Delivery) bool { return x.StepID == step }); i >= 0 {
			return e.deliveryResult(store.Lost, i), nil
		}
		d.StepID = step
		return e.store(d, store.Delivered), nil
	}
	if d.StepID != "" {
		// A named wait the run has not reached: the first delivery for it
		// still wins.
		if i := e.deliveryIndex(func(x wf.Delivery) bool { return x.StepID == d.StepID }); i >= 0 {
			return e.deliveryResult(store.Lost, i), nil
		}
	}
	if opts.Check == store.StrictWait {
		return e.refused(store.NotWaiting, d), nil
	}
	if e.bufferFull(d, opts) {
		return store.DeliveryResult{Status: store.BufferFull, Run: cloneRun(e.run)}, nil
	}
	return e.store(d, store.Buffered), nil
}

// target returns the wait d resolves now, if the run awaits it: the wait
// d names, or the first awaited signal wait of d's name. A wait by name
// that another delivery holds but the log already resolves is stale (the
// run moved on and has not committed yet), and one that an older buffered
// delivery of the same name will take does not count either: d is then
// buffered behind it.
func (e *runEntry) target(d wf.Delivery, check store.WaitCheck) (string, bool) {
	for _, a := range e.run.Awaiting {
		if d.StepID != "" {
			if a.StepID == d.StepID {
				return a.StepID, true
			}
			continue
		}
		if a.Kind != wf.AwaitSignal || a.Name != d.Name {
			continue
		}
		held := e.deliveryIndex(func(x wf.Delivery) bool { return x.StepID == a.StepID }) >= 0
		if held && e.resolved(a.StepID) {
			return "", false
		}
		if !held && check == store.BufferEarly && e.bufferedByName(d.Name) {
			return "", false
		}
		return a.StepID, true
	}
	return "", false
}

// resolved reports whether the run's log resolves the wait step.
func (e *runEntry) resolved(step string) bool {
	return slices.ContainsFunc(e.events, func(ev wf.Event) bool {
		return ev.StepID == step && (ev.Type == wf.SignalResolved || ev.Type == wf.ApprovalResolved)
	})
}

// bufferedByName reports whether a buffered delivery of that name waits.
func (e *runEntry) bufferedByName(name string) bool {
	return e.deliveryIndex(func(x wf.Delivery) bool {
		return x.StepID == "" && x.Name == name && slices.Contains(e.run.Buffered, x.SignalID)
	}) >= 0
}

// bufferFull reports whether buffering d passes opts' bounds.
func (e *runEntry) bufferFull(d wf.Delivery, opts store.DeliverOptions) bool {
	if opts.MaxBuffered > 0 && len(e.run.Buffered)+1 > opts.MaxBuffered {
		return true
	}
	if opts.MaxBufferedBytes <= 0 {
		return false
	}
	size := encodedSize(d)
	for _, x := range e.deliveries {
		if slices.Contains(e.run.Buffered, x.SignalID) {
			size += encodedSize(x)
		}
	}
	return size > opts.MaxBufferedBytes
}

func encodedSize(d wf.Delivery) int {
	b, _ := json.Marshal(d)
	return len(b)
}

// store keeps d and answers status (Delivered or Buffered).
func (e *runEntry) store(d wf.Delivery, status store.DeliveryStatus) store.DeliveryResult {
	e.deliveries = append(e.deliveries, cloneDelivery(d))
	e.run.DeliverySeq++
	switch {
	case status == store.Buffered:
		e.run.Buffered = append(e.run.Buffered, d.SignalID)
	case e.run.Status == wf.StatusPaused && e.run.Parked == nil:
		// Ready: recovery drives it if the deliverer does not.
		e.run.Status = wf.StatusRunning
	}
	return store.DeliveryResult{Status: status, Run: cloneRun(e.run)}
}

// refused answers Ended or NotWaiting with the delivery that resolved the
// same wait, if any: the same StepID, or by name the same name. Buffered
// deliveries resolved nothing.
func (e *runEntry) refused(status store.DeliveryStatus, d wf.Delivery) store.DeliveryResult {
	i := e.deliveryIndex(func(x wf.Delivery) bool {
		if slices.Contains(e.run.Buffered, x.SignalID) {
			return false
		}
		if d.StepID != "" {
			return x.StepID == d.StepID
		}
		return x.Name == d.Name
	})
	if i >= 0 {
		return e.deliveryResult(status, i)
	}
	return store.DeliveryResult{Status: status, Run: cloneRun(e.run)}
}

// deliveryIndex returns the index of the first stored delivery that
// matches, or -1. Deliveries buffered by name have no StepID and match no
// StepID.
func (e *runEntry) deliveryIndex(match func(wf.Delivery) bool) int {
	return slices.IndexFunc(e.deliveries, match)
}

// deliveryResult answers status with the run's i-th delivery as winner.
func (e *runEntry) deliveryResult(status store.DeliveryStatus, i int) store.DeliveryResult {
	winner := cloneDelivery(e.deliveries[i])
	return store.DeliveryResult{Status: status, Winner: &winner, Run: cloneRun(e.run)}
}
