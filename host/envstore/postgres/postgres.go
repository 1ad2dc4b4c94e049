// Package postgres opens the PostgreSQL store a host's environment names:
// DATABASE_URL, tables in the schema WF_PG_SCHEMA (default public), and
// wake-ups NOTIFYed on WF_PG_NOTIFY (default wf_wake, "off" for none),
// which Opened.Wake LISTENs for. It links pgx and no SQLite driver.
package postgres

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wfgo/wf/host/envstore"
	pgstore "github.com/wfgo/wf/store/postgres"
)

// Open is an envstore.Opener for PostgreSQL. It fails when DATABASE_URL is
// unset, when the database cannot be reached and, unless migrate, when
// the schema is not migrated.
func Open(ctx context.Context, getenv func(string) string, migrate bool) (*envstore.Opened, error) {
	url := getenv("DATABASE_URL")
	if url == "" {
		return nil, envstore.ErrNoDatabaseURL
	}
	var opts []pgstore.Option
	if schema := getenv("WF_PG_SCHEMA"); schema != "" {
		opts = append(opts, pgstore.WithSchema(schema))
	}
	channel := getenv("WF_PG_NOTIFY")
	switch channel {
	case "off":
		channel = ""
	case "":
		channel = envstore.DefaultNotifyChannel
	}
	if channel != "" {
		opts = append(opts, pgstore.WithNotify(channel))
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("envstore: DATABASE_URL: %w", err)
	}
	st, err := openPool(ctx, pool, migrate, opts)
	if err != nil {
		pool.Close()
		return nil, err
	}
	o := &envstore.Opened{Store: st, Kind: "postgres", NotifyChannel: channel, Release: pool.Close}
	if channel != "" {
		o.Wake = func(ctx context.Context, logger *slog.Logger) <-chan struct{} {
			return Listen(ctx, pool, channel, logger)
		}
	}
	return o, nil
}

func openPool(ctx context.Context, pool *pgxpool.Pool, migrate bool, opts []pgstore.Option) (*pgstore.Store, error) {
	if err := pool.Ping(ctx); err != nil {
		return nil, fmt.Errorf("envstore: cannot reach PostgreSQL at DATABASE_URL: %w", err)
	}
	if migrate {
		if err := pgstore.Migrate(ctx, pool, opts...); err != nil {
			return nil, fmt.Errorf("envstore: migrate PostgreSQL: %w", err)
		}
	}
	return pgstore.New(ctx, pool, opts...)
}
