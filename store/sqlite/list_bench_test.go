package sqlite_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
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
	if os.Getenv("WF_BENCH_1M") != "1" {
		b.Skip("set WF_BENCH_1M=1 to load 1,000,000 runs and time ListRuns pages")
	}
	db, err := sql.Open("sqlite", dsn(filepath.Join(b.TempDir(), "wf.db")))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := sqlite.Migrate(b.Context(), db); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	loadRuns(b, db, bench1MRuns)
	b.Logf("loaded %d runs in %v", bench1MRuns, time.Since(start).Round(time.Millisecond))
	s, err := sqlite.New(db)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })

	for _, f := range listBenchFilters() {
		b.Run(f.name, func(b *testing.B) {
			var page store.RunPage
			for b.Loop() {
				var err error
				if page, err = s.ListRuns(b.Context(), f.q); err != nil {
					b.Fatal(err)
				}
			}
			if len(page.Runs) == 0 {
				b.Fatalf("ListRuns(%+v): no runs", f.q)
			}
			b.Log(explainList(b, db, f.q))
		})
	}
}

// bench1MRuns is how many runs BenchmarkListRuns1M stores.
const bench1MRuns = 1_000_000

// benchEpoch is the creation time of the first loaded run.
var benchEpoch = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// benchRun is the shape of the i-th loaded run, as in store/postgres's
// benchmark: one of ten workflows, one second apart, mostly finished; one
// in a thousand canceled, one in two thousand parked, one in ten
// thousand aborted; one in ten thousand is of a rare workflow.
func benchRun(i int) (workflow string, status wf.RunStatus, parked string, created time.Time) {
	workflow = fmt.Sprintf("workflow-%d", i%10)
	if i%10000 == 9 {
		workflow = "rare"
	}
	// Ten runs in a row share a status, so that statuses and workflows
	// are independent: every workflow has its share of each status.
	switch j := i / 10; {
	case j%10000 == 13:
		status = wf.StatusAborted
	case j%1000 == 7:
		status = wf.StatusCanceled
	case j%2000 == 11:
		status, parked = wf.StatusPaused, "version_missing"
	case j%50 == 3:
		status = wf.StatusErrored
	case j%100 == 5:
		status = wf.StatusRunning
	default:
		status = wf.StatusFinished
	}
	return workflow, status, parked, benchEpoch.Add(time.Duration(i) * time.Second)
}

type listBenchFilter struct {
	name string
	q    store.ListQuery
}

// listBenchFilters are the filters measured, each on a first page and,
// for the few-match ones, a later page through the cursor.
func listBenchFilters() []listBenchFilter {
	last := benchEpoch.Add(bench1MRuns * time.Second)
	mid := store.RunCursor(benchEpoch.Add(bench1MRuns/2*time.Second), "")
	return []listBenchFilter{
		{"all", store.ListQuery{}},
		{"status=canceled", store.ListQuery{Status: wf.StatusCanceled}},
		{"status=canceled/mid", store.ListQuery{Status: wf.StatusCanceled, Cursor: mid}},
		{"status=running", store.ListQuery{Status: wf.StatusRunning}},
		{"status=aborted", store.ListQuery{Status: wf.StatusAborted}},
		{"workflow", store.ListQuery{WorkflowID: "workflow-3"}},
		{"workflow+status=errored", store.ListQuery{WorkflowID: "workflow-3", Status: wf.StatusErrored}},
		{"workflow+status=aborted", store.ListQuery{WorkflowID: "workflow-3", Status: wf.StatusAborted}},
		{"workflow+status=canceled/mid", store.ListQuery{WorkflowID: "workflow-7", Status: wf.StatusCanceled, Cursor: mid}},
		{"workflow=rare+status=finished", store.ListQuery{WorkflowID: "rare", Status: wf.StatusFinished}},
		{"parked", store.ListQuery{Parked: true}},
		{"workflow+parked", store.ListQuery{WorkflowID: "workflow-1", Parked: true}},
		{"since=1h", store.ListQuery{Since: last.Add(-time.Hour)}},
		{"status=canceled+since=1d", store.ListQuery{Status: wf.StatusCanceled, Since: last.Add(-24 * time.Hour)}},
	}
}

// loadRuns inserts n runs shaped by benchRun in one transaction, 500 rows
// a statement, and refreshes the planner's statistics.
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
			workflow, status, parked, created := benchRun(i)
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
