package sqlitedialect

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

const (
	// taken is true when the run already has a delivery with the same
	// signal ID (?2) or for the same wait (?3).
	taken = `EXISTS (SELECT 1 FROM {deliveries} WHERE run_id = ?1 AND (signal_id = ?2 OR step_id = ?3))`

	// bumpSQL runs first: it marks the run ready only when the INSERT
	// after it will store the delivery (same run, nothing taken); a parked
	// run stays paused.
	bumpSQL = `UPDATE {runs} SET delivery_seq = delivery_seq + 1,
		status = CASE WHEN status = 'paused' AND park_reason = '' THEN 'running' ELSE status END
	WHERE id = ?1 AND NOT ` + taken
	insertDeliverySQL = `INSERT INTO {deliveries} (run_id, signal_id, step_id, data, created_at)
	SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM {runs} WHERE id = ?1)
	ON CONFLICT DO NOTHING`
	// winnerSQL reads the stored delivery that beat this one: the same
	// signal ID first.
	winnerSQL = `SELECT signal_id, data FROM {deliveries}
	WHERE run_id = ?1 AND (signal_id = ?2 OR step_id = ?3)
	ORDER BY signal_id = ?2 DESC LIMIT 1`
)

// Deliver stores d unless the run has a delivery with its SignalID
// (Duplicate) or for its StepID (Lost); a stored delivery bumps the run's
// DeliverySeq and makes a paused run running.
func (s *Store) Deliver(ctx context.Context, runID string, d wf.Delivery) (store.DeliveryResult, error) {
	if d.SignalID == "" {
		return store.DeliveryResult{}, fmt.Errorf("sqlite: run %q: Deliver with an empty SignalID", runID)
	}
	data, err := s.encodeJSON(runID, "delivery "+d.SignalID, d)
	if err != nil {
		return store.DeliveryResult{}, err
	}
	res, err := s.write(ctx, fmt.Sprintf("run %q: deliver %s", runID, d.SignalID), []Statement{
		s.stmt(bumpSQL, runID, d.SignalID, d.StepID),
		s.stmt(insertDeliverySQL, runID, d.SignalID, d.StepID, data, micros(d.Time)),
		s.query(winnerSQL, runID, d.SignalID, d.StepID),
	})
	if err != nil {
		return store.DeliveryResult{}, err
	}
	switch {
	case res[1].RowsAffected > 0:
		return store.DeliveryResult{Status: store.Delivered}, nil
	case len(res[2].Rows) == 0:
		return store.DeliveryResult{Status: store.RunNotFound}, nil
	}
	row := res[2].Rows[0]
	winner, err := decodeDelivery(runID, text(row[0]), row[1])
	if err != nil {
		return store.DeliveryResult{}, err
	}
	status := store.Lost
	if winner.SignalID == d.SignalID {
		status = store.Duplicate
	}
	return store.DeliveryResult{Status: status, Winner: &winner}, nil
}

// decodeDeliveries decodes rows of (signal_id, data).
func decodeDeliveries(runID string, rows [][]any) ([]wf.Delivery, error) {
	ds := make([]wf.Delivery, len(rows))
	for i, row := range rows {
		d, err := decodeDelivery(runID, text(row[0]), row[1])
		if err != nil {
			return nil, err
		}
		ds[i] = d
	}
	return ds, nil
}

// decodeDelivery decodes one stored delivery.
func decodeDelivery(runID, signalID string, data any) (wf.Delivery, error) {
	var d wf.Delivery
	if err := json.Unmarshal([]byte(text(data)), &d); err != nil {
		return wf.Delivery{}, corrupt(runID, "delivery "+signalID, err)
	}
	return d, nil
}
