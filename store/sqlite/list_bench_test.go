package sqlite_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/internal/listbench"
	"github.com/wfgo/wf/store/sqlite"
)

// BenchmarkListRuns1M times one ListRuns page per filter the CLI and the
// dashboard offer, with a million runs stored. Loading them takes a while,
// so it runs only when WF_BENCH_1M=1:
//
//	WF_BENCH_1M=1 go test -run '^$' -bench ListRuns1M -benchtime 200x ./store/sqlite
//
// Each filter's query plan is logged.
func BenchmarkListRuns1M(b *testing.B) {
	listbench.Skip(b)
	db, err := sql.Open("sqlite", dsn(filepath.Join(b.TempDir(), "wf.db")))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := sqlite.Migrate(b.Context(), db); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	loadRuns(b, db, listbench.Runs)
	b.Logf("loaded %d runs in %v", listbench.Runs, time.Since(start).Round(time.Millisecond))
	s, err := sqlite.New(db)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	listbench.Bench(b, s, func(b *testing.B, q store.ListQuery) string { return explainList(b, db, q) })
}

// loadRuns inserts n runs shaped by listbench.Run in one
// transaction, 500 rows a statement, and refreshes the planner's statistics.
func loadRuns(b *testing.B, db *sql.DB, n int) {
	b.Helper()
	const perStatement = 500
	tx, err := db.BeginTx(b.Context(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	for from := 0; from < n; from += perStatement {
		var sb strings.Builder
		sb.WriteString("INSERT INTO wf_runs (id, workflow_id, version, status, input, park_reason, created_at, updated_at) VALUES ")
		for i := from; i < min(from+perStatement, n); i++ {
			workflow, status, parked, created := listbench.Run(i)
			if i > from {
				sb.WriteString(", ")
			}
			fmt.Fprintf(&sb, "('run-%07d', '%s', 'v1', '%s', '{\"n\":1}', '%s', %d, %d)",
				i, workflow, status, parked, created.UnixMicro(), created.UnixMicro())
		}
		if _, err := tx.ExecContext(b.Context(), sb.String()); err != nil {
			b.Fatalf("insert runs: %v", err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(b.Context(), "ANALYZE"); err != nil {
		b.Fatalf("analyze: %v", err)
	}
}

// explainList is SQLite's plan for the statement ListRuns sends for q
// (store/sqlite/sqlitedialect's list.go, written out here).
func explainList(b *testing.B, db *sql.DB, q store.ListQuery) string {
	var where []string
	var args []any
	if q.WorkflowID != "" {
		where, args = append(where, "workflow_id = ?"), append(args, q.WorkflowID)
	}
	if q.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(q.Status))
	}
	if q.Parked {
		where = append(where, "park_reason <> ''")
	}
	if !q.Since.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, q.Since.UnixMicro())
	}
	if q.Cursor != "" {
		at, id, err := store.ParseRunCursor(q.Cursor)
		if err != nil {
			b.Fatal(err)
		}
		where, args = append(where, "(created_at, id) < (?, ?)"), append(args, at.UnixMicro(), id)
	}
	sql := "EXPLAIN QUERY PLAN SELECT * FROM wf_runs"
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := db.QueryContext(b.Context(), sql+" ORDER BY created_at DESC, id DESC LIMIT 51", args...)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			b.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}
