// Package sqlite is the SQLite Opener of `wfgen check --against`: the
// program wfgen builds in the app's module imports it, and so links the
// SQLite driver, only when the check reads a SQLite database file.
package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/wfgo/wf/runtime/deploycheck"
	"github.com/wfgo/wf/store"
	litestore "github.com/wfgo/wf/store/sqlite"
)

// Open opens the database file cfg.SQLite with mode=ro, so that SQLite
// itself refuses writes. It is a deploycheck.Opener.
func Open(ctx context.Context, cfg deploycheck.StoreConfig) (store.Store, func(), error) {
	path := cfg.SQLite
	if _, err := os.Stat(path); err != nil {
		return nil, nil, fmt.Errorf("check: --sqlite: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, nil, fmt.Errorf("check: --sqlite %s: %w", path, err)
	}
	// An empty database is not in WAL mode, and the store's switch to it
	// would fail as a write: say what is wrong instead.
	var tables int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table'").Scan(&tables); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("check: --sqlite %s: %w", path, err)
	}
	if tables == 0 {
		db.Close()
		return nil, nil, fmt.Errorf("check: --sqlite %s: the database is empty, not migrated: run `wf migrate --sqlite %s` first", path, path)
	}
	var opts []litestore.Option
	if cfg.TablePrefix != "" {
		opts = append(opts, litestore.WithTablePrefix(cfg.TablePrefix))
	}
	st, err := litestore.New(db, opts...)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("check: --sqlite %s: %w", path, err)
	}
	return st, func() { st.Close(); db.Close() }, nil
}
