package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/wfgo/wf/store/sqlite/sqlitedialect"
)

// Migrate applies the pending schema migrations to db, in order, each in
// one transaction that also records it in the migrations table; a database
// already at the latest version is left alone. Concurrent migrators are
// safe: the loser of a race finds the version applied. It fails with a
// *SchemaError when the database is newer than this build.
//
// The wf command runs it as `wf migrate --sqlite <path>`.
func Migrate(ctx context.Context, db *sql.DB, opts ...Option) error {
	if db == nil {
		return errors.New("sqlite: Migrate: nil *sql.DB")
	}
	o, err := newOptions(opts)
	if err != nil {
		return err
	}
	exec := newExecutor(db, o.busyTimeout)
	defer exec.close()
	if err := exec.useWAL(ctx); err != nil {
		return err
	}
	return sqlitedialect.Migrate(ctx, exec, o.cfg.TablePrefix)
}
