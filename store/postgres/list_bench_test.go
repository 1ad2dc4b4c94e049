package postgres

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/internal/listbench"
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
	listbench.Skip(b)
	pool, schema := benchPool(b)
	ts := setupOn(b, pool, schema)
	start := time.Now()
	loadRuns(b, pool, schema, listbench.Runs)
	b.Logf("loaded %d runs in %v", listbench.Runs, time.Since(start).Round(time.Millisecond))
	listbench.Bench(b, ts, func(b *testing.B, q store.ListQuery) string { return explainList(b, ts, q) })
}

// loadRuns COPYs n runs shaped by listbench.Run into the store's
// runs table and refreshes the planner's statistics.
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
		workflow, status, parked, created := listbench.Run(i)
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
