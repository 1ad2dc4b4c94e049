package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wfgo/wf/migrations"
	"github.com/wfgo/wf/store"
)

// Store is the PostgreSQL execution store. It is safe for concurrent use;
// all state lives in the database, so any number of Stores in any number of
// processes may share one schema.
type Store struct {
	pool       *pgxpool.Pool
	q          queries
	maxPayload int
	notify     string
	w          committer
}

var _ store.Store = (*Store)(nil)

// New returns a store over pool, after checking that the schema is
// migrated to exactly the version this build knows: an unmigrated database,
// or one migrated by a newer version of wf, is refused with a
// *SchemaVersionError that names the command to run. New does not migrate;
// run Migrate (or `wf migrate`) first.
//
// The pool's configuration is the caller's: keep pgx's default statement
// cache, or pick pgx.QueryExecModeExec or QueryExecModeSimpleProtocol in
// pgxpool.Config.ConnConfig.DefaultQueryExecMode behind a transaction-mode
// pooler. The store needs no session state either way.
func New(ctx context.Context, pool *pgxpool.Pool, opts ...Option) (*Store, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	have, err := schemaVersion(ctx, pool, cfg)
	if err != nil {
		return nil, err
	}
	if want := len(migrations.Postgres()); have != want {
		return nil, &SchemaVersionError{Schema: cfg.schema, Prefix: cfg.prefix, Have: have, Want: want}
	}
	return &Store{pool: pool, q: newQueries(cfg), maxPayload: cfg.maxPayload, notify: cfg.notify,
		w: newCommitter(pool)}, nil
}

// MaxPayloadSize returns the limit set by WithMaxPayload, in bytes
// (store.PayloadLimiter).
func (s *Store) MaxPayloadSize() int { return s.maxPayload }

var _ store.PayloadLimiter = (*Store)(nil)

// tooLarge checks one payload against the limit.
func (s *Store) tooLarge(runID, what string, size int) error {
	if size <= s.maxPayload {
		return nil
	}
	return fmt.Errorf("postgres: run %q: %s is %d bytes, over the %d-byte limit: %w",
		runID, what, size, s.maxPayload, store.ErrTooLarge)
}
