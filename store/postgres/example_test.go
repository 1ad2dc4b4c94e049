package postgres_test

import (
	"context"
	"log"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wfgo/wf/store/postgres"
)

// Open a store on a migrated database. Migrate is safe to call from every
// process at start-up; New refuses a schema at another version.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if err := postgres.Migrate(ctx, pool); err != nil {
		log.Fatal(err)
	}
	st, err := postgres.New(ctx, pool)
	if err != nil {
		log.Fatal(err)
	}
	_ = st // pass to runtime.New
}

// Behind a transaction-mode pooler such as PgBouncer, turn off prepared
// statements on the pool; the store needs no session state.
func Example_pooler() {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	st, err := postgres.New(ctx, pool, postgres.WithSchema("workflows"), postgres.WithMaxPayload(4<<20))
	if err != nil {
		log.Fatal(err)
	}
	_ = st
}
