// Package sqlite opens the SQLite store a host's environment names: the
// file WF_SQLITE_PATH (default "wf.db"), through the embedded
// modernc.org/sqlite driver. It links no PostgreSQL driver.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	_ "modernc.org/sqlite" // the embedded driver

	"github.com/wfgo/wf/host/envstore"
	litestore "github.com/wfgo/wf/store/sqlite"
)

// Open is an envstore.Opener for SQLite. DATABASE_URL set is an error:
// the environment names PostgreSQL, which this host does not link. It
// fails, unless migrate, when the file lacks the schema.
func Open(ctx context.Context, getenv func(string) string, migrate bool) (*envstore.Opened, error) {
	if getenv("DATABASE_URL") != "" {
		return nil, errors.New("envstore: DATABASE_URL is set, but this host opens SQLite only (//wf:hosts store=); unset it or build the host for PostgreSQL")
	}
	path := getenv("WF_SQLITE_PATH")
	if path == "" {
		path = envstore.DefaultSQLitePath
	}
	db, err := sql.Open("sqlite", envstore.SQLiteDSN(path))
	if err != nil {
		return nil, fmt.Errorf("envstore: open SQLite %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("envstore: open SQLite %s (set WF_SQLITE_PATH or DATABASE_URL): %w", path, err)
	}
	if migrate {
		if err := litestore.Migrate(ctx, db); err != nil {
			db.Close()
			return nil, fmt.Errorf("envstore: migrate SQLite %s: %w", path, err)
		}
	}
	st, err := litestore.New(db)
	if err != nil {
		db.Close()
		var se *litestore.SchemaError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("envstore: SQLite %s: %w", path, err)
		}
		return nil, err
	}
	return &envstore.Opened{Store: st, Kind: "sqlite", Release: func() { _ = st.Close(); _ = db.Close() }}, nil
}
