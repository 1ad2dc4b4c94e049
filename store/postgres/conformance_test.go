package postgres

import (
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store { return setup(t).Store })
}

// TestConformanceExecModes runs the suite through pools that prepare no
// statements, as behind a transaction-mode pooler.
func TestConformanceExecModes(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("covered by TestConformance in -short mode")
	}
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			pool := pgtest.NewPool(t, func(c *pgxpool.Config) {
				c.ConnConfig.DefaultQueryExecMode = mode
				c.MaxConns = 4
			})
			storetest.Run(t, func(t *testing.T) store.Store {
				return setupOn(t, pool, pgtest.NewSchema(t, pool)).Store
			})
		})
	}
}

// TestConformanceThroughPgBouncer runs the suite through a real PgBouncer
// in transaction pooling mode, where consecutive transactions of one
// client connection may run on different server connections: group
// commit's batches, queue admission's advisory lock and the migrations
// must hold no session state. The pool prepares no statements
// (QueryExecModeExec), as the package doc asks behind such a pooler.
func TestConformanceThroughPgBouncer(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("covered by TestConformanceExecModes in -short mode")
	}
	pgtest.New(t) // skips loudly, or fails in CI, without PostgreSQL
	url := pgtest.Bouncer(t)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	cfg.MaxConns = 8 // more client connections than the bouncer's 4 server connections
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	storetest.Run(t, func(t *testing.T) store.Store {
		return setupOn(t, pool, pgtest.NewSchema(t, pool)).Store
	})
}

// TestConformanceSerializable runs the suite with every transaction
// SERIALIZABLE, as on CockroachDB: contention then surfaces as SQLSTATE
// 40001, which the store must retry.
func TestConformanceSerializable(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("covered by TestConformance in -short mode")
	}
	pool := pgtest.NewPool(t, func(c *pgxpool.Config) {
		c.ConnConfig.RuntimeParams["default_transaction_isolation"] = "serializable"
		c.MaxConns = 4
	})
	storetest.Run(t, func(t *testing.T) store.Store {
		return setupOn(t, pool, pgtest.NewSchema(t, pool)).Store
	})
}
