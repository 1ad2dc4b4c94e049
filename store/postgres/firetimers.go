package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

var _ store.TimerFirer = (*Store)(nil)

// FireDueTimers claims up to limit due timers, stores their deliveries and
// claims their runs in one statement (see sqlFireTimers): a batch of due
// timers is one write, however many it holds. It then reads the claimed
// runs' executions in one batch (see loadFired).
func (s *Store) FireDueTimers(ctx context.Context, limit int, lease store.Lease) ([]store.FiredTimer, error) {
	if limit <= 0 {
		return nil, nil
	}
	if lease.Owner == "" {
		return nil, fmt.Errorf("postgres: fire due timers: lease owner is required")
	}
	// The delivery's time as encoding/json writes it, so that it decodes
	// as Deliver's would.
	ts := lease.Now.Format(time.RFC3339Nano)
	var fired []store.FiredTimer
	err := retry(ctx, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, s.q.fireTimers, lease.Owner, lease.Now, lease.Until, limit,
			wf.TimerSignal+":", wf.TimerSignal, ts)
		if err != nil {
			return err
		}
		defer rows.Close()
		fired = fired[:0]
		for rows.Next() {
			var (
				f       store.FiredTimer
				outcome string
			)
			if err := rows.Scan(&f.RunID, &f.StepID, &f.WakeAt, &outcome, &f.Claimed); err != nil {
				return err
			}
			f.WakeAt = f.WakeAt.UTC()
			f.Delivery = store.DeliveryStatus(outcome)
			fired = append(fired, f)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: fire due timers: %w", err)
	}
	slices.SortFunc(fired, func(a, b store.FiredTimer) int {
		if c := a.WakeAt.Compare(b.WakeAt); c != 0 {
			return c
		}
		if c := strings.Compare(a.RunID, b.RunID); c != 0 {
			return c
		}
		return strings.Compare(a.StepID, b.StepID)
	})
	s.loadFired(ctx, fired)
	return fired, nil
}

// loadFired sets the Execution of the claimed timers in fired: one batch
// (one round trip) reads the claimed runs' rows, their logs up to
// store.FiredLogMax+1 events and their deliveries. A run whose log is
// longer, or whose row, events or deliveries do not decode, keeps a nil
// Execution, as do all of them if the read fails: the claim stands, and
// the caller loads those executions itself (and meets their error there).
func (s *Store) loadFired(ctx context.Context, fired []store.FiredTimer) {
	var ids []string
	seen := map[string]bool{}
	for _, f := range fired {
		if f.Claimed && !seen[f.RunID] {
			seen[f.RunID] = true
			ids = append(ids, f.RunID)
		}
	}
	if len(ids) == 0 {
		return
	}
	var exs map[string]*store.Execution
	err := retry(ctx, func(ctx context.Context) error {
		var err error
		exs, err = s.readFired(ctx, ids)
		return err
	})
	if err != nil {
		return
	}
	for i := range fired {
		if fired[i].Claimed {
			fired[i].Execution = exs[fired[i].RunID]
		}
	}
}

// readFired reads the executions of runs ids (see loadFired).
func (s *Store) readFired(ctx context.Context, ids []string) (map[string]*store.Execution, error) {
	b := &pgx.Batch{}
	b.Queue(s.q.firedRuns, ids)
	b.Queue(s.q.firedEvents, ids, store.FiredLogMax)
	b.Queue(s.q.firedDeliveries, ids)
	br := s.pool.SendBatch(ctx, b)
	defer br.Close()
	f := fired{exs: make(map[string]*store.Execution, len(ids)), bad: map[string]bool{}}
	for _, read := range []func(pgx.Rows) error{f.runs, f.events, f.deliveries} {
		rows, err := br.Query()
		if err != nil {
			return nil, err
		}
		err = read(rows)
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
		if err != nil {
			return nil, err
		}
	}
	for id := range f.bad {
		delete(f.exs, id)
	}
	return f.exs, br.Close()
}

// fired collects the executions readFired reads. A run whose row, events
// or deliveries do not decode, whose log is out of sequence (left to
// LoadExecution to report) or longer than store.FiredLogMax is bad: it
// gets no execution.
type fired struct {
	exs map[string]*store.Execution
	bad map[string]bool
}

func (f fired) runs(rows pgx.Rows) error {
	for rows.Next() {
		run, err := scanRun(rows)
		switch {
		case errors.Is(err, store.ErrCorrupt):
			f.bad[run.ID] = true
		case err != nil:
			return err
		default:
			f.exs[run.ID] = &store.Execution{Run: run}
		}
	}
	return nil
}

func (f fired) events(rows pgx.Rows) error {
	for rows.Next() {
		var (
			runID string
			idx   int
			data  []byte
		)
		if err := rows.Scan(&runID, &idx, &data); err != nil {
			return err
		}
		ex := f.exs[runID]
		if ex == nil || f.bad[runID] {
			continue
		}
		ev, err := decodeEvent(runID, idx, data)
		if err != nil || idx != len(ex.Events) || idx >= store.FiredLogMax {
			f.bad[runID] = true
			continue
		}
		ex.Events = append(ex.Events, ev)
	}
	return nil
}

func (f fired) deliveries(rows pgx.Rows) error {
	for rows.Next() {
		var (
			runID string
			data  []byte
		)
		if err := rows.Scan(&runID, &data); err != nil {
			return err
		}
		ex := f.exs[runID]
		if ex == nil || f.bad[runID] {
			continue
		}
		d, err := decodeDelivery(runID, data)
		if err != nil {
			f.bad[runID] = true
			continue
		}
		ex.Deliveries = append(ex.Deliveries, d)
	}
	return nil
}

// sqlFireTimers claims due timers as sqlClaimTimers does, then, in the
// same statement: locks their runs' rows in ID order (the order in which
// the group committer's batches lock runs); stores each timer's delivery
// unless its signal or its step is taken, as Deliver with NoWaitCheck
// does; and updates each run once, bumping its delivery sequence by the
// deliveries stored, making a paused, unparked run that got one running,
// and leasing a live run whose lease is free, expired or the owner's to
// the owner (a run ready or claimed enters run_ready, as with
// DeliverClaim). Parameters: $1 owner, $2 now, $3 the lease's end, $4
// limit, $5 the signal ID prefix, $6 the timer signal's name, $7 the
// delivery's time as JSON text. It returns, per timer claimed: the timer,
// its delivery's outcome and whether its run is claimed.
//
// Its cost follows the batch, not the tables: runs are read by primary
// key from an array of the batch's IDs (= ANY(ARRAY(…)), which the
// planner serves from the index whatever the tables' statistics), and
// the per-run and per-timer answers are joins and a grouping over the
// batch's CTEs rather than subqueries correlated with each row.
const sqlFireTimers = `
WITH due AS MATERIALIZED (` + sqlClaimTimers + `),
run AS MATERIALIZED (
	SELECT id, status NOT IN {{terminal}} AND (lease_owner = '' OR lease_owner = $1 OR lease_expires_at <= $2) AS claimable
	FROM {{runs}} WHERE id = ANY(ARRAY(SELECT run_id FROM due))
	ORDER BY id
	FOR UPDATE
),
ins AS (
	INSERT INTO {{deliveries}} (run_id, signal_id, step_id, data)
	SELECT d.run_id, $5 || d.step_id, d.step_id,
		json_build_object('stepId', d.step_id, 'signalId', $5 || d.step_id, 'name', $6::text, 'ts', $7::text)
	FROM due d JOIN run ON run.id = d.run_id
	ON CONFLICT DO NOTHING
	RETURNING run_id, step_id
),
per AS MATERIALIZED (
	SELECT run.id, run.claimable, count(ins.run_id) AS stored
	FROM run LEFT JOIN ins ON ins.run_id = run.id
	GROUP BY run.id, run.claimable
),
upd AS (
	UPDATE {{runs}} r SET
		delivery_seq = r.delivery_seq + per.stored,
		status = CASE WHEN r.status = 'paused' AND r.park_reason = '' AND per.stored > 0
			THEN 'running' ELSE r.status END,
		lease_owner = CASE WHEN per.claimable THEN $1 ELSE r.lease_owner END,
		lease_expires_at = CASE WHEN per.claimable THEN $3 ELSE r.lease_expires_at END
	FROM per
	WHERE r.id = ANY(ARRAY(SELECT id FROM per WHERE claimable OR stored > 0)) AND r.id = per.id
	RETURNING r.id, r.status, r.created_at, per.claimable
),
rdy AS (
	INSERT INTO {{ready}} (run_id, created_at)
	SELECT id, created_at FROM upd WHERE status IN ('queued', 'running') OR (status = 'paused' AND claimable)
	ON CONFLICT (run_id) DO NOTHING
)
SELECT d.run_id, d.step_id, d.wake_at,
	CASE WHEN run.id IS NULL THEN 'not-found'
		WHEN (d.run_id, d.step_id) IN (SELECT run_id, step_id FROM ins) THEN 'delivered'
		WHEN EXISTS (SELECT 1 FROM {{deliveries}} x WHERE x.run_id = d.run_id AND x.signal_id = $5 || d.step_id) THEN 'duplicate'
		ELSE 'lost' END,
	COALESCE(run.claimable, false)
FROM due d LEFT JOIN run ON run.id = d.run_id`

// The reads of loadFired: the claimed runs' rows, logs (up to
// store.FiredLogMax+1 events each: one more tells a longer log) and
// deliveries. Each walks the array of run IDs ($1) and reads each run's
// rows by primary key (a LATERAL subquery the planner cannot turn into a
// scan of the whole table, as it may for = ANY($1) with a few hundred
// IDs), so that its cost follows the batch, not the tables. (Its ORDER
// BY, or for the run's row a LIMIT 1 the primary key makes moot, keeps the
// planner from flattening the subquery into such a join.)
const (
	sqlFiredRuns = `SELECT r.* FROM unnest($1::text[]) AS b(id),
	LATERAL (SELECT {{run_columns}} FROM {{runs}} WHERE id = b.id LIMIT 1) r`
	sqlFiredEvents = `SELECT b.id, e.idx, e.data FROM unnest($1::text[]) WITH ORDINALITY AS b(id, n),
	LATERAL (SELECT idx, data FROM {{events}} WHERE run_id = b.id AND idx <= $2 ORDER BY idx) e
	ORDER BY b.n, e.idx`
	sqlFiredDeliveries = `SELECT b.id, d.data FROM unnest($1::text[]) WITH ORDINALITY AS b(id, n),
	LATERAL (SELECT step_id, data FROM {{deliveries}} WHERE run_id = b.id ORDER BY step_id) d
	ORDER BY b.n, d.step_id`
)
