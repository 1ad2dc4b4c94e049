package chaos

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wfgo/wf/store/postgres"
)

// Side tables, in the suite's schema beside the store's tables.
const (
	executionsTable = "chaos_executions"
	startedTable    = "chaos_started"
)

// sideTables holds what the suite's processes record outside the store:
// every step execution, and every run whose StartRun was acknowledged.
const sideTables = `
CREATE TABLE %[1]s.` + executionsTable + ` (
	run_id  text        NOT NULL,
	step_id text        NOT NULL,
	attempt integer     NOT NULL,
	pid     integer     NOT NULL,
	at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE %[1]s.` + startedTable + ` (
	run_id text        NOT NULL PRIMARY KEY,
	at     timestamptz NOT NULL DEFAULT clock_timestamp()
);`

// newSchemaName returns a fresh schema name for one suite run.
func newSchemaName() (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "wfchaos_" + hex.EncodeToString(b[:]), nil
}

// appName is the application_name of every connection of the suite's
// child processes: pg_terminate_backend targets exactly these.
func appName(schema string) string { return schema }

// notifyChannel is the store's NOTIFY channel for the suite's workers.
func notifyChannel(schema string) string { return schema }

// createSchema makes the schema, migrates the store into it and adds the
// side tables.
func createSchema(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	if _, err := pool.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return fmt.Errorf("create schema %s: %w", schema, err)
	}
	if err := postgres.Migrate(ctx, pool, postgres.WithSchema(schema)); err != nil {
		return fmt.Errorf("migrate %s: %w", schema, err)
	}
	if _, err := pool.Exec(ctx, fmt.Sprintf(sideTables, schema)); err != nil {
		return fmt.Errorf("side tables in %s: %w", schema, err)
	}
	return nil
}

func dropSchema(pool *pgxpool.Pool, schema string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := pool.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
	return err
}

// connect opens a pool whose connections carry application, retrying
// while the database refuses (the suite terminates its own backends).
func connect(ctx context.Context, url, application string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = application
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	for {
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err == nil {
			if err = pool.Ping(ctx); err == nil {
				return pool, nil
			}
			pool.Close()
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("connect: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// terminateSome ends each of the suite's child backends with probability
// one half and returns how many it ended. Only connections named
// appName(schema) in the current database are touched.
func terminateSome(ctx context.Context, pool *pgxpool.Pool, schema string) (int, error) {
	var n int
	err := pool.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))
		FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = $1
		  AND pid <> pg_backend_pid() AND random() < 0.5`, appName(schema)).Scan(&n)
	return n, err
}

// countRuns counts all runs and those not yet ended.
func countRuns(ctx context.Context, pool *pgxpool.Pool, schema string) (total, live int, err error) {
	err = pool.QueryRow(ctx, "SELECT count(*), count(*) FILTER (WHERE status IN ('queued', 'running', 'paused')) FROM "+
		schema+".wf_runs").Scan(&total, &live)
	return total, live, err
}
