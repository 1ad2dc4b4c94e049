package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/sqlite/sqlitedialect"
)

// Store is the SQLite execution store. Its methods are those of
// store.Store; build it with New and release it with Close.
type Store struct {
	*sqlitedialect.Store
	exec *executor
}

var _ store.Store = (*Store)(nil)

// New returns a store over db, a database opened with a SQLite driver (see
// the package documentation for the DSN). It switches the database to WAL
// mode and takes one connection of db's pool for its writes until Close, so
// db must allow at least two open connections.
//
// New fails with a *SchemaError when the database is not migrated to this
// build's schema: run Migrate (or `wf migrate --sqlite <path>`) first.
func New(db *sql.DB, opts ...Option) (*Store, error) {
	if db == nil {
		return nil, errors.New("sqlite: New: nil *sql.DB")
	}
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	if n := db.Stats().MaxOpenConnections; n == 1 {
		return nil, errors.New("sqlite: New: db allows one open connection; the store holds one for writes and reads on others: allow at least two (SetMaxOpenConns)")
	}
	ctx := context.Background()
	exec := newExecutor(db, o.busyTimeout)
	if err := exec.useWAL(ctx); err != nil {
		exec.close()
		return nil, err
	}
	if err := sqlitedialect.CheckSchema(ctx, exec, o.cfg.TablePrefix); err != nil {
		exec.close()
		return nil, err
	}
	core, err := sqlitedialect.New(exec, o.cfg)
	if err != nil {
		exec.close()
		return nil, err
	}
	return &Store{Store: core, exec: exec}, nil
}

// Close waits for a running write to end and returns the store's writer
// connection to db's pool. It does not close db. The store must not be used
// after.
func (s *Store) Close() error { return s.exec.close() }

// SchemaError reports a database whose wf schema is missing, older or newer
// than this build's; New returns it.
type SchemaError = sqlitedialect.SchemaError
