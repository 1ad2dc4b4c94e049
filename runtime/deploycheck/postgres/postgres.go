// Package postgres is the PostgreSQL Opener of `wfgen check --against`:
// the program wfgen builds in the app's module imports it, and so links
// pgx, only when the check reads a PostgreSQL store.
package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wfgo/wf/runtime/deploycheck"
	"github.com/wfgo/wf/store"
	pgstore "github.com/wfgo/wf/store/postgres"
)

// Open opens the PostgreSQL store at cfg.URL through a pool whose sessions
// refuse writes (default_transaction_read_only), so the check cannot
// change the store whatever the store's code does. The schema defaults to
// the first of the URL's search_path. It is a deploycheck.Opener.
func Open(ctx context.Context, cfg deploycheck.StoreConfig) (store.Store, func(), error) {
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, nil, fmt.Errorf("check: --against: %w", err)
	}
	pc.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	schema := cfg.Schema
	if schema == "" {
		schema = SearchPathSchema(pc.ConnConfig.RuntimeParams["search_path"])
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, nil, fmt.Errorf("check: --against: %w", err)
	}
	var opts []pgstore.Option
	if schema != "" {
		opts = append(opts, pgstore.WithSchema(schema))
	}
	if cfg.TablePrefix != "" {
		opts = append(opts, pgstore.WithTablePrefix(cfg.TablePrefix))
	}
	st, err := pgstore.New(ctx, pool, opts...)
	if err != nil {
		pool.Close()
		return nil, nil, fmt.Errorf("check: --against: %w", err)
	}
	return st, pool.Close, nil
}

// SearchPathSchema returns the first schema of a search_path setting: a
// URL that selects the store's schema that way needs no --schema.
func SearchPathSchema(searchPath string) string {
	first, _, _ := strings.Cut(searchPath, ",")
	return strings.Trim(strings.TrimSpace(first), `"`)
}
