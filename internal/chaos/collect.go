package chaos

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/postgres"
)

// collect reads back every run with its log through the store, and the
// side tables, once the suite's processes have stopped.
func collect(ctx context.Context, pool *pgxpool.Pool, schema string, drainedAt time.Time) (Observations, error) {
	obs := Observations{
		Expected: expectedSteps, ScheduleWorkflow: TickWorkflowID, StartedWorkflow: WorkflowID,
		DrainedAt: drainedAt, Executions: map[string]int{},
	}
	st, err := postgres.New(ctx, pool, postgres.WithSchema(schema))
	if err != nil {
		return obs, err
	}
	q := store.ListQuery{Limit: 500}
	for {
		page, err := st.ListRuns(ctx, q)
		if err != nil {
			return obs, err
		}
		for _, r := range page.Runs {
			rec, err := record(ctx, st, r)
			if err != nil {
				return obs, err
			}
			obs.Runs = append(obs.Runs, rec)
		}
		if page.Next == "" {
			break
		}
		q.Cursor = page.Next
	}
	if obs.Acknowledged, err = acknowledged(ctx, pool, schema); err != nil {
		return obs, err
	}
	return obs, executions(ctx, pool, schema, obs.Executions)
}

// record summarises one run's log: results per step and when it ended.
func record(ctx context.Context, st store.Store, r store.Run) (RunRecord, error) {
	rec := RunRecord{ID: r.ID, WorkflowID: r.WorkflowID, Status: r.Status, Created: r.CreatedAt, Recorded: map[string]int{}}
	events, err := st.Events(ctx, r.ID, 0, 0)
	if err != nil {
		return rec, err
	}
	for _, ev := range events {
		switch {
		case ev.Type == wf.StepFinished:
			rec.Recorded[ev.StepID]++
		case ev.Type.Terminal() && rec.Ended.IsZero():
			rec.Ended = ev.Time
		}
	}
	if r.Status.Terminal() && rec.Ended.IsZero() {
		rec.Ended = r.UpdatedAt // ended without a terminal event (canceled, aborted)
	}
	return rec, nil
}

func acknowledged(ctx context.Context, pool *pgxpool.Pool, schema string) ([]string, error) {
	rows, err := pool.Query(ctx, "SELECT run_id FROM "+schema+"."+startedTable+" ORDER BY run_id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func executions(ctx context.Context, pool *pgxpool.Pool, schema string, into map[string]int) error {
	rows, err := pool.Query(ctx, "SELECT run_id, step_id, count(*) FROM "+schema+"."+executionsTable+" GROUP BY run_id, step_id")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var run, step string
		var n int
		if err := rows.Scan(&run, &step, &n); err != nil {
			return err
		}
		into[run+"/"+step] = n
	}
	return rows.Err()
}
