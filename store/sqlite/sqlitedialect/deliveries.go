package sqlitedialect

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// deliveryCTEs decide a delivery's outcome from the state before it, as
// the store package's contract says. Parameters: ?1 run, ?2 signal ID, ?3
// step ID (empty for a delivery by name), ?5 name, ?6 store.WaitCheck, ?7 and
// ?8 the buffer's count and byte bounds (0: none), ?9 the delivery's
// encoded size.
//
// The outcome, in order: not found; duplicate (same signal ID); with
// NoWaitCheck, lost when the step is taken and delivered otherwise; ended;
// for a named step, lost when taken and delivered when awaited; for a
// delivery by name, the first awaited signal wait of that name: lost when
// another delivery holds it, unless the log already resolves it (the run
// moved on and has not committed yet), and delivered unless an older
// buffered delivery of that name is queued for it; otherwise early:
// not-waiting (StrictWait), buffer-full, or buffered.
const deliveryCTEs = `WITH run AS (
	SELECT status, awaiting, COALESCE(buffered, '[]') AS buffered FROM {runs} WHERE id = ?1
),
buffered_ids AS (SELECT b.value AS id FROM run, json_each(run.buffered) AS b),
dup AS (SELECT data FROM {deliveries} WHERE run_id = ?1 AND signal_id = ?2),
awaited AS (
	SELECT json_extract(a.value, '$.stepId') AS step
	FROM run, json_each(COALESCE(run.awaiting, '[]')) AS a
	WHERE CASE WHEN ?3 <> '' THEN json_extract(a.value, '$.stepId') = ?3
		ELSE json_extract(a.value, '$.kind') = 'signal' AND json_extract(a.value, '$.name') = ?5 END
	ORDER BY a.key LIMIT 1
),
holder AS (
	SELECT data FROM {deliveries}
	WHERE run_id = ?1 AND step_id = COALESCE(NULLIF(?3, ''), (SELECT step FROM awaited))
),
decision AS (
	SELECT CASE
		WHEN NOT EXISTS (SELECT 1 FROM run) THEN 'not-found'
		WHEN EXISTS (SELECT 1 FROM dup) THEN 'duplicate'
		WHEN ?6 = '' THEN CASE WHEN EXISTS (SELECT 1 FROM holder) THEN 'lost' ELSE 'delivered' END
		WHEN (SELECT status FROM run) IN (` + terminalStatuses + `) THEN 'ended'
		WHEN ?3 <> '' AND EXISTS (SELECT 1 FROM holder) THEN 'lost'
		WHEN ?3 <> '' AND EXISTS (SELECT 1 FROM awaited) THEN 'delivered'
		WHEN EXISTS (SELECT 1 FROM awaited) AND EXISTS (SELECT 1 FROM holder) THEN
			CASE WHEN EXISTS (SELECT 1 FROM {events} WHERE run_id = ?1 AND step_id = (SELECT step FROM awaited)
				AND type IN ('SIGNAL_RESOLVED', 'APPROVAL_RESOLVED')) THEN ` + earlySQL + ` ELSE 'lost' END
		WHEN EXISTS (SELECT 1 FROM awaited) THEN
			CASE WHEN ?6 = 'buffer' AND EXISTS (SELECT 1 FROM {deliveries} d WHERE d.run_id = ?1
				AND d.signal_id IN (SELECT id FROM buffered_ids)
				AND json_extract(d.data, '$.stepId') = '' AND json_extract(d.data, '$.name') = ?5)
			THEN ` + earlySQL + ` ELSE 'delivered' END
		ELSE ` + earlySQL + `
	END AS outcome
)`

// earlySQL is the outcome for a wait the run has not reached.
const earlySQL = `(CASE
	WHEN ?6 = 'strict' THEN 'not-waiting'
	WHEN ?7 > 0 AND (SELECT count(*) FROM buffered_ids) + 1 > ?7 THEN 'buffer-full'
	WHEN ?8 > 0 AND ?9 + COALESCE((SELECT sum(length(CAST(d.data AS BLOB))) FROM {deliveries} d
		WHERE d.run_id = ?1 AND d.signal_id IN (SELECT id FROM buffered_ids)), 0) > ?8 THEN 'buffer-full'
	ELSE 'buffered' END)`

const (
	// decideSQL reads the outcome and the delivery that holds the signal
	// or the wait, or (ended, not-waiting) resolved a wait of the same
	// step or name; no row: no such run.
	decideSQL = deliveryCTEs + `,
same AS (
	SELECT d.data FROM {deliveries} d, decision
	WHERE decision.outcome IN ('ended', 'not-waiting') AND d.run_id = ?1
		AND CASE WHEN ?3 <> '' THEN d.step_id = ?3 ELSE json_extract(d.data, '$.name') = ?5 END
		AND d.signal_id NOT IN (SELECT id FROM buffered_ids)
	LIMIT 1
)
SELECT outcome, COALESCE((SELECT data FROM dup), (SELECT data FROM holder), (SELECT data FROM same))
FROM decision, run`

	// insertDeliverySQL stores a delivered or buffered delivery: for the
	// awaited wait, for its named step, or buffered by name under a
	// placeholder step ID (the delivery's own StepID stays empty).
	insertDeliverySQL = deliveryCTEs + `
INSERT INTO {deliveries} (run_id, signal_id, step_id, data, created_at)
SELECT ?1, ?2,
	CASE WHEN outcome = 'buffered' AND ?3 = '' THEN '` + store.BufferedStepPrefix + `' || ?2
		ELSE COALESCE(NULLIF(?3, ''), (SELECT step FROM awaited)) END,
	'{"stepId":' || json_quote(CASE WHEN outcome = 'buffered' THEN ?3
		ELSE COALESCE(NULLIF(?3, ''), (SELECT step FROM awaited)) END) || ',' || ?4,
	?10
FROM decision WHERE outcome IN ('delivered', 'buffered')
ON CONFLICT DO NOTHING`

	// bumpSQL runs right after insertDeliverySQL and only when it stored
	// (changes()): it bumps the run's delivery sequence and either makes a
	// paused run ready (the delivery is for an awaited wait) or appends
	// the signal ID to the run's buffered list.
	bumpSQL = `UPDATE {runs} SET delivery_seq = delivery_seq + 1,
		status = CASE WHEN status = 'paused' AND park_reason = '' AND NOT ` + bufferedNow + ` THEN 'running' ELSE status END,
		buffered = CASE WHEN ` + bufferedNow + ` THEN json_insert(COALESCE(buffered, '[]'), '$[#]', ?2) ELSE buffered END
	WHERE id = ?1 AND changes() > 0`
	// bufferedNow: the stored delivery is for no wait the run awaits.
	bufferedNow = `(?6 <> '' AND NOT EXISTS (SELECT 1 FROM json_each(COALESCE(awaiting, '[]')) AS a
		WHERE json_extract(a.value, '$.stepId') =
			(SELECT step_id FROM {deliveries} WHERE run_id = ?1 AND signal_id = ?2)))`
)

// deliveryHead starts every encoded delivery whose StepID is empty: the
// INSERT puts the StepID it decides in front of the rest.
const deliveryHead = `{"stepId":"",`

// Deliver decides, stores and reports a delivery as the contract in package
// store describes, in one batch: the decision read from the state before
// it, the INSERT, the run's update, and the run after.
func (s *Store) Deliver(ctx context.Context, runID string, d wf.Delivery, opts store.DeliverOptions) (store.DeliveryResult, error) {
	if d.SignalID == "" || (d.StepID == "" && opts.Check == store.NoWaitCheck) {
		return store.DeliveryResult{}, fmt.Errorf("sqlite: run %q: Deliver needs a SignalID (and, with NoWaitCheck, a StepID)", runID)
	}
	step := d.StepID
	d.StepID = ""
	data, err := s.encodeJSON(runID, "delivery "+d.SignalID, d)
	if err != nil {
		return store.DeliveryResult{}, err
	}
	if !strings.HasPrefix(data, deliveryHead) {
		return store.DeliveryResult{}, fmt.Errorf("sqlite: run %q: deliver %s: unexpected encoding", runID, d.SignalID)
	}
	// What is stored carries the step ID the batch decides: at most step.
	if err := s.checkSize(runID, "delivery "+d.SignalID, len(data)+len(step)); err != nil {
		return store.DeliveryResult{}, err
	}
	args := []any{runID, d.SignalID, step, data[len(deliveryHead):], d.Name, string(opts.Check),
		int64(opts.MaxBuffered), int64(opts.MaxBufferedBytes), int64(len(data)), micros(d.Time)}
	res, err := s.write(ctx, fmt.Sprintf("run %q: deliver %s", runID, d.SignalID), []Statement{
		s.query(decideSQL, args[:9]...),
		s.stmt(insertDeliverySQL, args...),
		s.stmt(bumpSQL, args[:6]...),
		s.query(selectRunSQL, runID),
	})
	if err != nil {
		return store.DeliveryResult{}, err
	}
	if len(res[0].Rows) == 0 || len(res[3].Rows) == 0 {
		return store.DeliveryResult{Status: store.RunNotFound}, nil
	}
	run, err := decodeRun(res[3].Rows[0])
	if err != nil {
		return store.DeliveryResult{}, err
	}
	out := store.DeliveryResult{Status: store.DeliveryStatus(text(res[0].Rows[0][0])), Run: run}
	if out.Status == store.Delivered || out.Status == store.Buffered {
		if res[1].RowsAffected == 0 {
			out.Status = store.Lost
		}
		return out, nil
	}
	if w := res[0].Rows[0][1]; w != nil {
		winner, err := decodeDelivery(runID, d.SignalID, w)
		if err != nil {
			return store.DeliveryResult{}, err
		}
		out.Winner = &winner
	}
	return out, nil
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
