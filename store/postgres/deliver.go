package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// Deliver stores a resolution of a wait in one batch: an INSERT … ON
// CONFLICT DO NOTHING that, when it stored the delivery, bumps the run's
// delivery sequence and turns a paused run to running in the same
// statement, then a read of the delivery
// that already held the signal or the wait, for the Duplicate and Lost
// answers. A Commit of the run in flight holds the run's row lock, so the
// bump lands either before it (and the commit leaves the run ready) or
// after it.
func (s *Store) Deliver(ctx context.Context, runID string, d wf.Delivery) (store.DeliveryResult, error) {
	if d.SignalID == "" || d.StepID == "" {
		return store.DeliveryResult{}, fmt.Errorf("postgres: deliver to run %q: SignalID and StepID are required", runID)
	}
	data, err := json.Marshal(d)
	if err != nil {
		return store.DeliveryResult{}, fmt.Errorf("postgres: deliver to run %q: encode: %w", runID, err)
	}
	// The limit applies to what is stored: payload, meta and the fields
	// around them.
	if err := s.tooLarge(runID, fmt.Sprintf("delivery %q", d.SignalID), len(data)); err != nil {
		return store.DeliveryResult{}, err
	}
	var res store.DeliveryResult
	err = retry(ctx, func(ctx context.Context) error {
		var err error
		res, err = s.deliver(ctx, runID, d, data)
		return err
	})
	if err != nil {
		return store.DeliveryResult{}, fmt.Errorf("postgres: deliver signal %q to run %q: %w", d.SignalID, runID, err)
	}
	return res, nil
}

// sqlNotify wakes LISTENers (WithNotify) when the transaction commits.
const sqlNotify = `SELECT pg_notify($1, $2)`

func (s *Store) deliver(ctx context.Context, runID string, d wf.Delivery, data []byte) (store.DeliveryResult, error) {
	b := &pgx.Batch{}
	b.Queue(s.q.deliver, runID, d.SignalID, d.StepID, string(data))
	b.Queue(s.q.deliveryWinner, runID, d.SignalID, d.StepID)
	if s.notify != "" {
		b.Queue(sqlNotify, s.notify, runID)
	}
	br := s.pool.SendBatch(ctx, b)
	defer br.Close()

	var found, stored bool
	if err := br.QueryRow().Scan(&found, &stored); err != nil {
		return store.DeliveryResult{}, err
	}
	rows, err := br.Query()
	if err != nil {
		return store.DeliveryResult{}, err
	}
	// At most two rows: the one holding this signal, the one holding this wait.
	var bySignal, byStep *wf.Delivery
	for rows.Next() {
		var (
			signalID string
			raw      []byte
		)
		if err := rows.Scan(&signalID, &raw); err != nil {
			return store.DeliveryResult{}, err
		}
		w, err := decodeDelivery(runID, raw)
		if err != nil {
			return store.DeliveryResult{}, err
		}
		if signalID == d.SignalID {
			bySignal = &w
		} else {
			byStep = &w
		}
	}
	if err := rows.Err(); err != nil {
		return store.DeliveryResult{}, err
	}
	if s.notify != "" {
		if _, err := br.Exec(); err != nil {
			return store.DeliveryResult{}, err
		}
	}
	if err := br.Close(); err != nil {
		return store.DeliveryResult{}, err
	}
	switch {
	case !found:
		return store.DeliveryResult{Status: store.RunNotFound}, nil
	case stored:
		return store.DeliveryResult{Status: store.Delivered}, nil
	case bySignal != nil:
		return store.DeliveryResult{Status: store.Duplicate, Winner: bySignal}, nil
	case byStep != nil:
		return store.DeliveryResult{Status: store.Lost, Winner: byStep}, nil
	}
	// The conflicting row vanished in between (the run was deleted).
	return store.DeliveryResult{Status: store.RunNotFound}, nil
}
