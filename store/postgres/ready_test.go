package postgres

import (
	"context"
	"testing"

	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/storetest"
)

// TestReadyTableFollowsStatus runs the conformance suite and checks, at
// the end of every case, that run_ready holds every queued and running
// run and otherwise only paused runs (which ClaimRun put there): every
// write that changes a run's status keeps the table in step, whatever the
// case did.
func TestReadyTableFollowsStatus(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		ts := setup(t)
		t.Cleanup(func() { checkReady(t, ts) })
		return ts.Store
	})
}

// checkReady fails t unless run_ready lists every queued and running run
// that does not wait on its queue, with its creation time, and no ended,
// deleted or waiting run.
func checkReady(t *testing.T, ts *testStore) {
	t.Helper()
	rows, err := ts.pool.Query(context.Background(), `
		SELECT coalesce(r.id, q.run_id), r.status, q.run_id IS NOT NULL
		FROM (SELECT id, CASE WHEN queue <> '' AND admitted_at IS NULL THEN 'waiting' ELSE status END AS status, created_at
			FROM `+ts.schema+`.wf_runs WHERE status <> 'paused') r
		FULL JOIN (SELECT q.* FROM `+ts.schema+`.wf_run_ready q LEFT JOIN `+ts.schema+`.wf_runs p ON p.id = q.run_id
			WHERE p.status IS DISTINCT FROM 'paused') q ON q.run_id = r.id AND q.created_at = r.created_at
		WHERE (r.status IN ('queued', 'running')) IS DISTINCT FROM (q.run_id IS NOT NULL)`)
	if err != nil {
		t.Fatalf("read run_ready: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id      string
			status  *string
			inReady bool
		)
		if err := rows.Scan(&id, &status, &inReady); err != nil {
			t.Fatal(err)
		}
		if inReady {
			t.Errorf("run %s is in run_ready but ended, deleted or waiting on its queue", id)
		} else {
			t.Errorf("run %s is %s but not in run_ready", id, *status)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
