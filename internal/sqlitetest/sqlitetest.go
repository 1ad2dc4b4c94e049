// Package sqlitetest gives tests a migrated SQLite database in a file of
// their own, opened the way hosts open it (envstore.SQLiteDSN: WAL and a
// busy timeout), so that every test package sees SQLite as production does.
package sqlitetest

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite" // the driver SQLiteDSN names

	"github.com/wfgo/wf/host/envstore"
	"github.com/wfgo/wf/store/sqlite"
)

// Open opens the SQLite database at path, migrates it, and closes it in
// t.Cleanup.
func Open(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", envstore.SQLiteDSN(path))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := sqlite.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db
}

// Store returns a store on db made with opts, closed in t.Cleanup.
func Store(t testing.TB, db *sql.DB, opts ...sqlite.Option) *sqlite.Store {
	t.Helper()
	st, err := sqlite.New(db, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// New returns a store made with opts on a fresh, migrated database in
// t.TempDir.
func New(t testing.TB, opts ...sqlite.Option) *sqlite.Store {
	t.Helper()
	return Store(t, Open(t, filepath.Join(t.TempDir(), "wf.db")), opts...)
}
