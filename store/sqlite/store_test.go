package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/sqlite"
	"github.com/wfgo/wf/store/storetest"
)

// dsn is the modernc.org/sqlite DSN the package documentation recommends.
func dsn(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"
}

// openDB opens a fresh database file in t's temporary directory. The
// driver must work: these tests never skip.
func openDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(filepath.Join(t.TempDir(), "wf.db")))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.PingContext(t.Context()); err != nil {
		t.Fatalf("ping sqlite: %v", err)
	}
	return db
}

// newStore returns a store over a fresh, migrated database.
func newStore(t testing.TB, opts ...sqlite.Option) *sqlite.Store {
	t.Helper()
	db := openDB(t)
	if err := sqlite.Migrate(t.Context(), db, opts...); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	s, err := sqlite.New(db, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store { return newStore(t) })
}
