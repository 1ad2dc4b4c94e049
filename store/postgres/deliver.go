package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// Deliver stores a resolution of a wait in one batch, one round trip (and,
// through the group committer, one transaction with concurrent writes): one
// statement that locks the run's row (so that deliveries to one run, and a
// Commit of it in flight, take turns, and the decision reads the run as the
// last of them left it), decides the outcome (see sqlDeliver), stores the
// delivery and updates the run; a read of the row that holds the signal ID,
// for a delivery that a concurrent one beat to the insert; and, with
// WithNotify, a NOTIFY that wakes a worker.
func (s *Store) Deliver(ctx context.Context, runID string, d wf.Delivery, opts store.DeliverOptions) (store.DeliveryResult, error) {
	if d.SignalID == "" || (d.StepID == "" && opts.Check == store.NoWaitCheck) {
		return store.DeliveryResult{}, fmt.Errorf("postgres: deliver to run %q: SignalID (and, with NoWaitCheck, StepID) required", runID)
	}
	size, rest, err := deliveryTail(d)
	if err != nil {
		return store.DeliveryResult{}, fmt.Errorf("postgres: deliver to run %q: encode: %w", runID, err)
	}
	// The limit applies to what is stored: payload, meta and the fields
	// around them, with the longest step ID the statement may put in.
	if err := s.tooLarge(runID, fmt.Sprintf("delivery %q", d.SignalID), size+len(d.StepID)); err != nil {
		return store.DeliveryResult{}, err
	}
	var res store.DeliveryResult
	err = retry(ctx, func(ctx context.Context) error {
		var err error
		res, err = s.deliver(ctx, runID, d, opts, size, rest)
		return err
	})
	if err != nil {
		return store.DeliveryResult{}, fmt.Errorf("postgres: deliver signal %q to run %q: %w", d.SignalID, runID, err)
	}
	return res, nil
}

// deliveryHead starts every encoded delivery whose StepID is empty: the
// statement puts the StepID it decides in front of the rest.
const deliveryHead = `{"stepId":"",`

// deliveryTail encodes d without its StepID: it returns the full encoding's
// size and what follows deliveryHead.
func deliveryTail(d wf.Delivery) (int, string, error) {
	d.StepID = ""
	data, err := json.Marshal(d)
	if err != nil {
		return 0, "", err
	}
	if !bytes.HasPrefix(data, []byte(deliveryHead)) {
		return 0, "", errors.New("unexpected delivery encoding")
	}
	return len(data), string(data[len(deliveryHead):]), nil
}

// sqlNotify wakes LISTENers (WithNotify) when the transaction commits.
const sqlNotify = `SELECT pg_notify($1, $2)`

// deliver sends the delivery's batch through the group committer.
func (s *Store) deliver(ctx context.Context, runID string, d wf.Delivery, opts store.DeliverOptions, size int, rest string) (store.DeliveryResult, error) {
	var res store.DeliveryResult
	err := s.w.send(ctx, runID, func(b *pgx.Batch) {
		s.queueDelivery(b, runID, d, opts, size, rest)
	}, func(br pgx.BatchResults) error {
		var err error
		res, err = readDelivery(br, runID, d.SignalID)
		return err
	})
	return res, err
}

// queueDelivery queues a delivery's statements: the decision and write,
// the winner's read and, with WithNotify, the NOTIFY.
func (s *Store) queueDelivery(b *pgx.Batch, runID string, d wf.Delivery, opts store.DeliverOptions, size int, rest string) {
	b.Queue(s.q.deliver, runID, d.SignalID, d.StepID, rest, d.Name, string(opts.Check),
		opts.MaxBuffered, opts.MaxBufferedBytes, size)
	b.Queue(s.q.deliveryWinner, runID, d.SignalID, d.StepID, d.Name)
	if s.notify != "" {
		b.Queue(sqlNotify, s.notify, runID)
	}
}

// readDelivery reads the results of a delivery's batch.
func readDelivery(br pgx.BatchResults, runID, signalID string) (store.DeliveryResult, error) {
	var (
		outcome string
		stored  bool
		winner  []byte
	)
	run, err := scanRun(br.QueryRow(), &outcome, &stored, &winner)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.DeliveryResult{Status: store.RunNotFound}, nil
	}
	if err != nil {
		return store.DeliveryResult{}, err
	}
	var (
		heldBy   string
		holdsNow []byte
	)
	if err := br.QueryRow().Scan(&heldBy, &holdsNow); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return store.DeliveryResult{}, err
	}
	res := store.DeliveryResult{Status: store.DeliveryStatus(outcome), Run: run}
	if (res.Status == store.Delivered || res.Status == store.Buffered) && !stored {
		// A concurrent delivery got its insert in first: the same signal
		// (a duplicate) or the same wait (lost).
		res.Status, winner = store.Lost, holdsNow
		if heldBy == signalID {
			res.Status = store.Duplicate
		}
	}
	if winner != nil && res.Status != store.Delivered && res.Status != store.Buffered {
		w, err := decodeDelivery(runID, winner)
		if err != nil {
			return store.DeliveryResult{}, err
		}
		res.Winner = &w
	}
	return res, nil
}

// sqlDeliver decides a delivery's outcome, stores it and updates the run,
// in one statement. Parameters: $1 run, $2 signal ID, $3 step ID (empty for a
// delivery by name), $4 the encoded delivery after deliveryHead, $5 name,
// $6 store.WaitCheck, $7 and $8 the buffer's count and byte bounds (0:
// none), $9 this delivery's encoded size. It returns one row (none for a
// missing run): outcome, whether it stored, the winner's data, and the run
// after the call.
//
// The outcome, in order: not found; duplicate (same signal ID); with
// NoWaitCheck, lost when the step is taken and delivered otherwise; ended;
// for a named step, lost when taken and delivered when awaited; for a
// delivery by name, the first awaited signal wait of that name: lost when
// another delivery holds it, unless the log already resolves it (the run
// moved on and has not committed yet), and delivered unless an older
// buffered delivery of that name is queued for it; otherwise early:
// not-waiting (StrictWait), buffer-full, or buffered.
var sqlDeliver = strings.NewReplacer(
	"{{early}}", sqlEarly,
	"{{resolved}}", `EXISTS (SELECT 1 FROM {{events}} e WHERE e.run_id = $1
		AND e.data->>'stepId' = (SELECT step FROM awaited)
		AND e.data->>'type' IN ('SIGNAL_RESOLVED', 'APPROVAL_RESOLVED'))`,
	"{{queued}}", `EXISTS (SELECT 1 FROM {{deliveries}} d WHERE d.run_id = $1
		AND d.signal_id IN (SELECT * FROM buffered_ids) AND d.data->>'stepId' = '' AND d.data->>'name' = $5)`,
).Replace(`
WITH run AS MATERIALIZED (
	SELECT {{run_columns}} FROM {{runs}} WHERE id = $1 FOR UPDATE
),
buffered_ids AS MATERIALIZED (
	SELECT json_array_elements_text(COALESCE((SELECT buffered FROM run), '[]'::json))
),
dup AS MATERIALIZED (
	SELECT data FROM {{deliveries}} WHERE run_id = $1 AND signal_id = $2
),
awaited AS MATERIALIZED (
	SELECT a.w->>'stepId' AS step
	FROM run, json_array_elements(COALESCE(run.awaiting, '[]'::json)) WITH ORDINALITY AS a(w, n)
	WHERE CASE WHEN $3 <> '' THEN a.w->>'stepId' = $3
		ELSE a.w->>'kind' = 'signal' AND a.w->>'name' = $5 END
	ORDER BY a.n LIMIT 1
),
holder AS MATERIALIZED (
	SELECT data FROM {{deliveries}}
	WHERE run_id = $1 AND step_id = COALESCE(NULLIF($3, ''), (SELECT step FROM awaited))
),
decision AS MATERIALIZED (
	SELECT CASE
		WHEN NOT EXISTS (SELECT 1 FROM run) THEN 'not-found'
		WHEN EXISTS (SELECT 1 FROM dup) THEN 'duplicate'
		WHEN $6 = '' THEN CASE WHEN EXISTS (SELECT 1 FROM holder) THEN 'lost' ELSE 'delivered' END
		WHEN (SELECT status FROM run) IN {{terminal}} THEN 'ended'
		WHEN $3 <> '' AND EXISTS (SELECT 1 FROM holder) THEN 'lost'
		WHEN $3 <> '' AND EXISTS (SELECT 1 FROM awaited) THEN 'delivered'
		WHEN EXISTS (SELECT 1 FROM awaited) AND EXISTS (SELECT 1 FROM holder) THEN
			CASE WHEN {{resolved}} THEN {{early}} ELSE 'lost' END
		WHEN EXISTS (SELECT 1 FROM awaited) THEN
			CASE WHEN $6 = 'buffer' AND {{queued}} THEN {{early}} ELSE 'delivered' END
		ELSE {{early}}
	END AS outcome
),
target AS (
	SELECT outcome,
		CASE WHEN outcome = 'buffered' AND $3 = '' THEN '` + store.BufferedStepPrefix + `' || $2
			ELSE COALESCE(NULLIF($3, ''), (SELECT step FROM awaited)) END AS step_col,
		CASE WHEN outcome = 'buffered' THEN $3
			ELSE COALESCE(NULLIF($3, ''), (SELECT step FROM awaited)) END AS data_step
	FROM decision
),
ins AS (
	INSERT INTO {{deliveries}} (run_id, signal_id, step_id, data)
	SELECT $1, $2, step_col, ('{"stepId":' || to_json(data_step)::text || ',' || $4)::json
	FROM target WHERE outcome IN ('delivered', 'buffered')
	ON CONFLICT DO NOTHING
	RETURNING 1
),
bump AS (
	UPDATE {{runs}} SET delivery_seq = delivery_seq + 1,
		status = CASE WHEN status = 'paused' AND park_reason = '' AND (SELECT outcome FROM decision) = 'delivered'
			THEN 'running' ELSE status END,
		buffered = CASE WHEN (SELECT outcome FROM decision) = 'buffered'
			THEN (COALESCE(buffered::jsonb, '[]'::jsonb) || to_jsonb($2::text))::json ELSE buffered END
	WHERE id = $1 AND EXISTS (SELECT 1 FROM ins)
	RETURNING {{run_columns}}
),
rdy AS (
	INSERT INTO {{ready}} (run_id, created_at)
	SELECT id, created_at FROM bump WHERE status IN ('queued', 'running')
	ON CONFLICT (run_id) DO NOTHING
),
same AS (
	SELECT d.data FROM {{deliveries}} d
	WHERE (SELECT outcome FROM decision) IN ('ended', 'not-waiting') AND d.run_id = $1
		AND CASE WHEN $3 <> '' THEN d.step_id = $3 ELSE d.data->>'name' = $5 END
		AND d.signal_id NOT IN (SELECT * FROM buffered_ids)
	LIMIT 1
)
SELECT (SELECT outcome FROM decision), EXISTS (SELECT 1 FROM ins),
	COALESCE((SELECT data FROM dup), (SELECT data FROM holder), (SELECT data FROM same)),
	r.*
FROM (
	SELECT {{run_columns}} FROM bump
	UNION ALL
	SELECT {{run_columns}} FROM run WHERE NOT EXISTS (SELECT 1 FROM bump)
) r`)

// sqlDeliveryWinner reads, after sqlDeliver and with a fresh snapshot, the
// delivery holding the signal ID ($2) or the wait ($3, or for a delivery
// by name the run's awaited signal wait of name $4), the signal first: the
// answer for a delivery that a concurrent one beat to the insert.
const sqlDeliveryWinner = `
SELECT signal_id, data FROM {{deliveries}}
WHERE run_id = $1 AND (signal_id = $2 OR step_id = COALESCE(NULLIF($3, ''), (
	SELECT a.w->>'stepId' FROM {{runs}} r, json_array_elements(COALESCE(r.awaiting, '[]'::json)) WITH ORDINALITY AS a(w, n)
	WHERE r.id = $1 AND a.w->>'kind' = 'signal' AND a.w->>'name' = $4
	ORDER BY a.n LIMIT 1)))
ORDER BY signal_id = $2 DESC
LIMIT 1`

// sqlEarly is the outcome for a wait the run has not reached.
const sqlEarly = `CASE
	WHEN $6 = 'strict' THEN 'not-waiting'
	WHEN $7 > 0 AND (SELECT count(*) FROM buffered_ids) + 1 > $7 THEN 'buffer-full'
	WHEN $8 > 0 AND $9 + COALESCE((SELECT sum(octet_length(d.data::text)) FROM {{deliveries}} d
		WHERE d.run_id = $1 AND d.signal_id IN (SELECT * FROM buffered_ids)), 0) > $8 THEN 'buffer-full'
	ELSE 'buffered' END`
