package sqlitedialect_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/sqlite/sqlitedialect"
	"github.com/wfgo/wf/store/storetest"
)

// batchExecutor runs every batch to its end and commits, ignoring Checks,
// as a D1 batch() does: it proves that the statements guard themselves.
type batchExecutor struct {
	mu sync.Mutex
	db *sql.DB
}

func (e *batchExecutor) Write(ctx context.Context, stmts []sqlitedialect.Statement) ([]sqlitedialect.Result, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	res, err := runAll(ctx, tx, stmts)
	if err != nil {
		tx.Rollback()
		return nil, err
	}
	return res, tx.Commit()
}

func (e *batchExecutor) Read(ctx context.Context, stmts []sqlitedialect.Statement) ([]sqlitedialect.Result, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return runAll(ctx, tx, stmts)
}

func runAll(ctx context.Context, tx *sql.Tx, stmts []sqlitedialect.Statement) ([]sqlitedialect.Result, error) {
	res := make([]sqlitedialect.Result, len(stmts))
	for i, st := range stmts {
		if !st.Query {
			r, err := tx.ExecContext(ctx, st.SQL, st.Args...)
			if err != nil {
				return nil, err
			}
			res[i].RowsAffected, _ = r.RowsAffected()
			continue
		}
		rows, err := tx.QueryContext(ctx, st.SQL, st.Args...)
		if err != nil {
			return nil, err
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			row := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for j := range row {
				ptrs[j] = &row[j]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, err
			}
			res[i].Rows = append(res[i].Rows, row)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func newBatchStore(t *testing.T) store.Store {
	return newBatchDialectStore(t)
}

func newBatchDialectStore(t *testing.T) *sqlitedialect.Store {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "d1.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	exec := &batchExecutor{db: db}
	if err := sqlitedialect.Migrate(t.Context(), exec, sqlitedialect.DefaultTablePrefix); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if err := sqlitedialect.CheckSchema(t.Context(), exec, sqlitedialect.DefaultTablePrefix); err != nil {
		t.Fatalf("CheckSchema after Migrate: %v", err)
	}
	s, err := sqlitedialect.New(exec, sqlitedialect.Config{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// TestConformanceWithoutEarlyStop runs the conformance suite through an
// executor that never stops at a failed Check, the way D1 runs a batch.
func TestConformanceWithoutEarlyStop(t *testing.T) {
	t.Parallel()
	storetest.Run(t, newBatchStore)
}

// TestGapConflictsWithoutEarlyStop checks that a batch starting past the
// end of the log changes nothing when run to its end.
func TestGapConflictsWithoutEarlyStop(t *testing.T) {
	t.Parallel()
	s := newBatchStore(t)
	ctx := t.Context()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	lease := store.Lease{Owner: "owner-a", Now: now, Until: now.Add(time.Minute)}
	if _, _, err := s.CreateRun(ctx, store.NewRun{ID: "run-1", WorkflowID: "w", Status: wf.StatusRunning, Lease: lease}); err != nil {
		t.Fatal(err)
	}
	ev := wf.Event{Type: wf.StepFinished, Time: now, StepID: "a", Result: json.RawMessage(`1`)}
	if err := s.Append(ctx, "run-1", store.Append{Owner: "owner-a", Next: 0, Events: []wf.Event{ev}}); err != nil {
		t.Fatal(err)
	}
	err := s.Append(ctx, "run-1", store.Append{Owner: "owner-a", Next: 2, Events: []wf.Event{ev}})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("Append past the end of the log: %v, want ErrConflict", err)
	}
	err = s.Commit(ctx, store.Commit{RunID: "run-1", Owner: "owner-a", Next: 3, Events: []wf.Event{ev},
		Status: wf.StatusPaused, Timers: []store.Timer{{RunID: "run-1", StepID: "t", WakeAt: now}}, Now: now})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("Commit past the end of the log: %v, want ErrConflict", err)
	}
	run, err := s.GetRun(ctx, "run-1")
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != wf.StatusRunning || run.LeaseOwner != "owner-a" {
		t.Errorf("run after conflicting writes: status %s, lease %q; want running, owner-a", run.Status, run.LeaseOwner)
	}
	if evs, _ := s.Events(ctx, "run-1", 0, 0); len(evs) != 1 {
		t.Errorf("log after conflicting writes: %d events, want 1", len(evs))
	}
	if timers, _ := s.ClaimDueTimers(ctx, 10, store.Lease{Owner: "sweeper", Now: now.Add(time.Hour), Until: now.Add(2 * time.Hour)}); len(timers) != 0 {
		t.Errorf("timers after a conflicting Commit: %v, want none", timers)
	}
}
