package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/postgres"
)

// farWorkflow waits up to a year for "go": the loader's runs are paused on
// it, each with a timer a year away, as most stored runs of a busy
// deployment wait on something far off.
func farWorkflow() *wf.Definition {
	return wf.New("far", func(ctx *wf.Context, _ struct{}) (int, error) {
		if _, err := wf.WaitForEvent[struct{}](ctx, "go", wf.ID("go"), wf.Timeout(365*24*time.Hour)); err != nil {
			return 0, err
		}
		return 1, nil
	})
}

// loader creates runs in bulk: copies of one template run, made by the
// runtime, with everything the store keeps of it (its row, log, timers,
// deliveries and any other per-run row), under new IDs, by INSERT … SELECT
// over generate_series, so that a million runs load in seconds and the
// copies are exactly what the store would have written.
type loader struct {
	pool     *pgxpool.Pool
	schema   string
	template string
	// tables lists the store's per-run tables with the column holding the
	// run ID.
	tables []loadTable
	loaded int
}

type loadTable struct {
	name, idColumn string
	columns        []string
}

// newLoader starts a template run of farWorkflow and reads the store's
// per-run tables from the catalog.
func newLoader(ctx context.Context, pool *pgxpool.Pool, schema string, rt *runtime.Runtime) (*loader, error) {
	l := &loader{pool: pool, schema: schema, template: fmt.Sprintf("far-template-%d", time.Now().UnixNano())}
	res, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "far", RunID: l.template})
	if err != nil {
		return nil, err
	}
	if res.Kind != runtime.KindPaused {
		return nil, fmt.Errorf("template run %s: %s", l.template, res.Kind)
	}
	rows, err := pool.Query(ctx, `
		SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = $1 AND table_name LIKE 'wf\_%' AND table_name NOT IN ('wf_migrations', 'wf_schedules', 'wf_schedule_buckets')
		ORDER BY table_name, ordinal_position`, schema)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			return nil, err
		}
		if len(l.tables) == 0 || l.tables[len(l.tables)-1].name != table {
			l.tables = append(l.tables, loadTable{name: table})
		}
		t := &l.tables[len(l.tables)-1]
		t.columns = append(t.columns, column)
		if column == "run_id" || (table == "wf_runs" && column == "id") {
			t.idColumn = column
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	l.tables = slices.DeleteFunc(l.tables, func(t loadTable) bool { return t.idColumn == "" })
	return l, nil
}

// id is the ID of the i-th loaded run.
func (l *loader) id(i int) string { return fmt.Sprintf("%s-%d", l.template, i) }

// loadTo adds copies of the template until n runs are loaded, in chunks
// of 50,000 runs per statement, then vacuums and analyzes the tables, as
// autovacuum would after a bulk load.
func (l *loader) loadTo(ctx context.Context, n int) error {
	const chunk = 50_000
	for from := l.loaded; from < n; from += chunk {
		to := min(n, from+chunk) - 1
		for _, t := range l.tables {
			sel := make([]string, len(t.columns))
			for i, c := range t.columns {
				sel[i] = "t." + c
				if c == t.idColumn {
					sel[i] = "$2 || '-' || g"
				}
			}
			q := fmt.Sprintf(`INSERT INTO %s.%s (%s) SELECT %s FROM %s.%s t, generate_series($3::int, $4::int) g WHERE t.%s = $1`,
				l.schema, t.name, strings.Join(t.columns, ", "), strings.Join(sel, ", "), l.schema, t.name, t.idColumn)
			if _, err := l.pool.Exec(ctx, q, l.template, l.template, from, to); err != nil {
				return fmt.Errorf("load %s: %w", t.name, err)
			}
		}
	}
	l.loaded = max(l.loaded, n)
	for _, t := range l.tables {
		if _, err := l.pool.Exec(ctx, fmt.Sprintf("VACUUM ANALYZE %s.%s", l.schema, t.name)); err != nil {
			return err
		}
	}
	return nil
}

// scaleFigures loads the store to each of o.Scale runs and measures, at
// each, after o.ScaleChurn of them went through a start and a pause: an
// idle sweep's time and the buffers one idle ClaimStaleRuns touches; the
// same after what autovacuum's thresholds would vacuum (the tables whose
// dead rows exceed them, and how long that took); GetRun; a delivery that
// drives a loaded run to its end; and a sweep over due timers at
// concurrency 8.
func scaleFigures(ctx context.Context, o Options, schema string, pool *pgxpool.Pool, rt *runtime.Runtime, st store.Store, raw func(context.Context, string) error) ([]Figure, error) {
	l, err := newLoader(ctx, pool, schema, rt)
	if err != nil {
		return nil, fmt.Errorf("loader: %w", err)
	}
	// One connection of its own, so that its statistics can be flushed
	// and read right after its claims.
	cfg, err := pgxpool.ParseConfig(o.URL)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = 1
	one, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer one.Close()
	claimer, err := postgres.New(ctx, one, postgres.WithSchema(schema))
	if err != nil {
		return nil, err
	}
	var out []Figure
	used := 0 // loaded runs consumed by deliveries
	for _, n := range o.Scale {
		start := time.Now()
		if err := l.loadTo(ctx, n); err != nil {
			return nil, err
		}
		out = append(out, Figure{Name: fmt.Sprintf("load-%d-runs", n), Concurrency: 1, Value: time.Since(start).Seconds(), Unit: "s"})
		churned := max(100, int(o.ScaleChurn*float64(n)))
		if err := churn(ctx, rt, fmt.Sprintf("churn-%d", n), churned); err != nil {
			return nil, fmt.Errorf("churn: %w", err)
		}
		// Let every backend report its statistics (dead rows, buffers).
		time.Sleep(11 * time.Second)
		note := fmt.Sprintf("%d runs started since the last vacuum", churned)
		figs, err := idleFigures(ctx, one, claimer, rt, schema, n, "after-churn", note)
		if err != nil {
			return nil, err
		}
		out = append(out, figs...)
		vacuumed, took, err := autovacuum(ctx, pool, schema)
		if err != nil {
			return nil, fmt.Errorf("vacuum: %w", err)
		}
		out = append(out, Figure{Name: fmt.Sprintf("autovacuum-%d-runs", n), Concurrency: 1, Value: float64(took.Microseconds()) / 1000, Unit: "ms",
			Note: "vacuumed: " + strings.Join(vacuumed, ", ")})
		figs, err = idleFigures(ctx, one, claimer, rt, schema, n, "after-autovacuum", "vacuumed: "+strings.Join(vacuumed, ", "))
		if err != nil {
			return nil, err
		}
		out = append(out, figs...)

		var gets []time.Duration
		for range 500 {
			id := l.id(rand.N(n))
			t0 := time.Now()
			if _, err := st.GetRun(ctx, id); err != nil {
				return nil, err
			}
			gets = append(gets, time.Since(t0))
		}
		out = append(out, Figure{Name: fmt.Sprintf("get-run-%d-runs", n), Concurrency: 1, Value: median(gets), Unit: "ms"})

		var dels []time.Duration
		for range 50 {
			id := l.id(used)
			used++
			t0 := time.Now()
			res, err := rt.DeliverSignal(ctx, runtime.SignalRequest{RunID: id, SignalID: "go-1", Name: "go"})
			if err != nil {
				return nil, err
			}
			if res.Kind != runtime.KindCompleted {
				return nil, fmt.Errorf("delivery to %s: %s", id, res.Kind)
			}
			dels = append(dels, time.Since(t0))
		}
		out = append(out, Figure{Name: fmt.Sprintf("delivery-%d-runs", n), Concurrency: 1, Value: median(dels), Unit: "ms"})

		fig, err := sweepFigure(ctx, rt, st, 1000, 8, raw)
		if err != nil {
			return nil, fmt.Errorf("timer sweep: %w", err)
		}
		fig.Name = fmt.Sprintf("sweep-1000-timers-%d-runs", n)
		out = append(out, fig)
	}
	return out, nil
}

// churn starts n runs of farWorkflow on eight goroutines; each pauses.
func churn(ctx context.Context, rt *runtime.Runtime, prefix string, n int) error {
	g, ctx := errgroup.WithContext(ctx)
	for w := range 8 {
		g.Go(func() error {
			for i := w; i < n; i += 8 {
				res, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "far", RunID: fmt.Sprintf("%s-%d", prefix, i)})
				if err != nil {
					return err
				}
				if res.Kind != runtime.KindPaused {
					return fmt.Errorf("churn run: %s", res.Kind)
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// idleFigures measures the buffers one idle ClaimStaleRuns touches (from
// the tables' I/O statistics around ten claims on a connection of its
// own, after one that marks the dead index entries it meets) and an idle
// sweep's median time.
func idleFigures(ctx context.Context, one *pgxpool.Pool, claimer store.Store, rt *runtime.Runtime, schema string, n int, when, note string) ([]Figure, error) {
	const claims = 10
	touched := func() (int64, error) {
		var b int64
		err := one.QueryRow(ctx, `SELECT coalesce(sum(heap_blks_read + heap_blks_hit + coalesce(idx_blks_read, 0) + coalesce(idx_blks_hit, 0)), 0)::bigint
			FROM pg_statio_user_tables WHERE schemaname = $1`, schema).Scan(&b)
		return b, err
	}
	now := time.Now()
	lease := store.Lease{Owner: "idle-probe", Now: now, Until: now.Add(time.Minute)}
	if _, err := claimer.ClaimStaleRuns(ctx, 25, lease); err != nil {
		return nil, err
	}
	if _, err := one.Exec(ctx, "SELECT pg_stat_force_next_flush()"); err != nil {
		return nil, err
	}
	before, err := touched()
	if err != nil {
		return nil, err
	}
	for range claims {
		runs, err := claimer.ClaimStaleRuns(ctx, 25, lease)
		if err != nil {
			return nil, err
		}
		if len(runs) > 0 {
			return nil, fmt.Errorf("idle claim found %d stale runs", len(runs))
		}
	}
	if _, err := one.Exec(ctx, "SELECT pg_stat_force_next_flush()"); err != nil {
		return nil, err
	}
	after, err := touched()
	if err != nil {
		return nil, err
	}
	var sweeps []time.Duration
	for range 15 {
		t0 := time.Now()
		if _, err := rt.Sweep(ctx, runtime.SweepOptions{}); err != nil {
			return nil, err
		}
		sweeps = append(sweeps, time.Since(t0))
	}
	return []Figure{
		{Name: fmt.Sprintf("idle-claim-buffers-%d-runs-%s", n, when), Concurrency: 1, Value: float64(after-before) / claims, Unit: "buffers", Note: note},
		{Name: fmt.Sprintf("idle-sweep-%d-runs-%s", n, when), Concurrency: 1, Value: median(sweeps), Unit: "ms", Note: note},
	}, nil
}

// autovacuum vacuums the schema's tables whose dead rows exceed their
// autovacuum threshold (threshold + scale factor × rows, each from the
// table's options or the server's settings), as autovacuum would on its
// next round; this server may run without it. It returns the tables and
// how long their vacuum took.
func autovacuum(ctx context.Context, pool *pgxpool.Pool, schema string) ([]string, time.Duration, error) {
	rows, err := pool.Query(ctx, `
		SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
		WHERE s.schemaname = $1 AND s.n_dead_tup > 0 AND s.n_dead_tup >
			coalesce((SELECT option_value::float FROM pg_options_to_table(c.reloptions) WHERE option_name = 'autovacuum_vacuum_threshold'),
				current_setting('autovacuum_vacuum_threshold')::float)
			+ coalesce((SELECT option_value::float FROM pg_options_to_table(c.reloptions) WHERE option_name = 'autovacuum_vacuum_scale_factor'),
				current_setting('autovacuum_vacuum_scale_factor')::float) * greatest(c.reltuples, 0)
		ORDER BY 1`, schema)
	if err != nil {
		return nil, 0, err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, 0, err
		}
		tables = append(tables, t)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	start := time.Now()
	for _, t := range tables {
		if _, err := pool.Exec(ctx, fmt.Sprintf("VACUUM %s.%s", schema, t)); err != nil {
			return nil, 0, err
		}
	}
	return tables, time.Since(start), nil
}

// median returns the median of ds in milliseconds.
func median(ds []time.Duration) float64 {
	slices.Sort(ds)
	return float64(ds[len(ds)/2]) / float64(time.Millisecond)
}
