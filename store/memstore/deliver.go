package memstore

import (
	"context"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// Deliver stores d unless the run has a delivery with the same SignalID
// (store.Duplicate) or for the same wait (store.Lost), and bumps the run's
// DeliverySeq when it does; a paused run becomes running (ready), so that
// stale-run recovery drives it if the caller does not.
func (s *Store) Deliver(_ context.Context, runID string, d wf.Delivery) (store.DeliveryResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.runs[runID]
	if !ok {
		return store.DeliveryResult{Status: store.RunNotFound}, nil
	}
	if err := s.checkDelivery(runID, d); err != nil {
		return store.DeliveryResult{}, err
	}
	for i := range e.deliveries {
		if e.deliveries[i].SignalID == d.SignalID {
			return e.deliveryResult(store.Duplicate, i), nil
		}
	}
	for i := range e.deliveries {
		if e.deliveries[i].StepID == d.StepID {
			return e.deliveryResult(store.Lost, i), nil
		}
	}
	e.deliveries = append(e.deliveries, cloneDelivery(d))
	e.run.DeliverySeq++
	if e.run.Status == wf.StatusPaused && e.run.Parked == nil {
		// Ready: recovery drives it if the deliverer does not.
		e.run.Status = wf.StatusRunning
	}
	return store.DeliveryResult{Status: store.Delivered}, nil
}

// deliveryResult answers status with the run's i-th delivery as winner.
func (e *runEntry) deliveryResult(status store.DeliveryStatus, i int) store.DeliveryResult {
	winner := cloneDelivery(e.deliveries[i])
	return store.DeliveryResult{Status: status, Winner: &winner}
}
