package postgres

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// BenchmarkListRuns1M times one ListRuns page per filter the CLI and the
// dashboard offer, with a million runs stored. Loading them takes a while,
// so it runs only when WF_BENCH_1M=1:
//
//	WF_BENCH_1M=1 go test -run '^$' -bench ListRuns1M -benchtime 200x ./store/postgres
//
// Each filter's plan is logged (EXPLAIN of the statement ListRuns sends, its
// generic plan after the benchmark's repetitions).
func BenchmarkListRuns1M(b *testing.B) {
	if os.Getenv("WF_BENCH_1M") != "1" {
		b.Skip("set WF_BENCH_1M=1 to load 1,000,000 runs and time ListRuns pages")
	}
	pool, schema := benchPool(b)
	ts := setupOn(b, pool, schema)
	start := time.Now()
	loadRuns(b, pool, schema, bench1MRuns)
	b.Logf("loaded %d runs in %v", bench1MRuns, time.Since(start).Round(time.Millisecond))

	for _, f := range listBenchFilters() {
		b.Run(f.name, func(b *testing.B) {
			var page store.RunPage
			for b.Loop() {
				var err error
				if page, err = ts.ListRuns(b.Context(), f.q); err != nil {
					b.Fatal(err)
				}
			}
			if len(page.Runs) == 0 {
				b.Fatalf("ListRuns(%+v): no runs", f.q)
			}
			b.Log(explainList(b, ts, f.q))
		})
	}
}

// bench1MRuns is how many runs BenchmarkListRuns1M stores.
const bench1MRuns = 1_000_000

// benchRun is the shape of the i-th loaded run: one of ten workflows, one
// second apart, mostly finished; one in a thousand canceled, one in two
// thousand parked, one in ten thousand aborted; one in ten thousand
// is of a rare workflow.
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
	return workflow, status, parked, epoch.Add(time.Duration(i) * time.Second)
}

type listBenchFilter struct {
	name string
	q    store.ListQuery
}

// listBenchFilters are the filters measured, each on a first page and,
// for the few-match ones, a later page through the cursor.
func listBenchFilters() []listBenchFilter {
	last := epoch.Add(bench1MRuns * time.Second)
	mid := store.RunCursor(epoch.Add(bench1MRuns/2*time.Second), "")
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

// loadRuns COPYs n runs shaped by benchRun into the store's runs table and
// refreshes the planner's statistics.
func loadRuns(b *testing.B, pool interface {
	CopyFrom(context.Context, pgx.Identifier, []string, pgx.CopyFromSource) (int64, error)
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, schema string, n int) {
	b.Helper()
	cols := []string{"id", "workflow_id", "version", "status", "input", "park_reason", "created_at", "updated_at"}
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == n {
			return nil, nil
		}
		workflow, status, parked, created := benchRun(i)
		row := []any{fmt.Sprintf("run-%07d", i), workflow, "v1", string(status), `{"n":1}`, parked, created, created}
		i++
		return row, nil
	})
	if _, err := pool.CopyFrom(b.Context(), pgx.Identifier{schema, "wf_runs"}, cols, src); err != nil {
		b.Fatalf("copy runs: %v", err)
	}
	if _, err := pool.Exec(b.Context(), "ANALYZE "+schema+".wf_runs"); err != nil {
		b.Fatalf("analyze: %v", err)
	}
}

// explainList is the plan of the statement ListRuns sends for q, forced
// generic as a prepared statement's plan becomes after five executions.
func explainList(b *testing.B, ts *testStore, q store.ListQuery) string {
	sql, args, err := ts.listRunsSQL(q)
	if err != nil {
		b.Fatal(err)
	}
	conn, err := ts.pool.Acquire(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(b.Context(), "SET plan_cache_mode = force_generic_plan"); err != nil {
		b.Fatal(err)
	}
	defer conn.Exec(b.Context(), "RESET plan_cache_mode")
	if _, err := conn.Conn().Prepare(b.Context(), "list_bench", sql); err != nil {
		b.Fatal(err)
	}
	defer conn.Conn().Deallocate(b.Context(), "list_bench")
	params := make([]string, len(args))
	for i, a := range args {
		params[i] = sqlLiteral(a)
	}
	rows, err := conn.Query(b.Context(), "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) EXECUTE list_bench("+strings.Join(params, ", ")+")")
	if err != nil {
		b.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		b.Fatal(err)
	}
	return "\n" + strings.Join(lines, "\n")
}

// sqlLiteral writes a ListRuns argument as SQL, for EXPLAIN EXECUTE.
func sqlLiteral(v any) string {
	switch v := v.(type) {
	case time.Time:
		return "'" + v.Format(time.RFC3339Nano) + "'::timestamptz"
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	}
	return fmt.Sprint(v)
}
