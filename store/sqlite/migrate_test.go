package sqlite_test

import (
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wfgo/wf/migrations"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/sqlite"
)

func TestNewRefusesUnmigratedDatabase(t *testing.T) {
	t.Parallel()
	_, err := sqlite.New(openDB(t))
	var se *sqlite.SchemaError
	if !errors.As(err, &se) || se.Have != 0 {
		t.Fatalf("New(unmigrated) error = %v, want *SchemaError with Have 0", err)
	}
	for _, want := range []string{"wf_migrations", "wf migrate --sqlite", "sqlite.Migrate"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("New(unmigrated) error %q does not mention %q", err, want)
		}
	}
}

func TestNewRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	if err := sqlite.Migrate(t.Context(), db); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if _, err := db.ExecContext(t.Context(), `INSERT INTO wf_migrations (version, name, applied_at) VALUES (999, 'future', 0)`); err != nil {
		t.Fatal(err)
	}
	_, err := sqlite.New(db)
	var se *sqlite.SchemaError
	if !errors.As(err, &se) || se.Have != 999 || se.Want >= 999 {
		t.Fatalf("New(newer schema) error = %v, want *SchemaError with Have 999", err)
	}
	if !strings.Contains(err.Error(), "newer") {
		t.Errorf("New(newer schema) error %q does not say the database is newer", err)
	}
	if err := sqlite.Migrate(t.Context(), db); !errors.As(err, &se) {
		t.Errorf("Migrate(newer schema) error = %v, want *SchemaError", err)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	for range 3 {
		if err := sqlite.Migrate(t.Context(), db); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	var n int
	if err := db.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM wf_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if want := len(migrations.SQLite()); n != want {
		t.Errorf("wf_migrations has %d rows after three Migrates, want %d", n, want)
	}
	var mode string
	if err := db.QueryRowContext(t.Context(), `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode after Migrate = %q (%v), want wal", mode, err)
	}
}

// TestMigrateConcurrently races migrators in separate pools, as separate
// processes would.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "wf.db")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		db, err := sql.Open("sqlite", dsn(path))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		wg.Go(func() { errs[i] = sqlite.Migrate(t.Context(), db) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("migrator %d: %v", i, err)
		}
	}
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := sqlite.New(db)
	if err != nil {
		t.Fatalf("New after concurrent Migrates: %v", err)
	}
	s.Close()
}

func TestTablePrefixesShareADatabase(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openDB(t)
	if err := sqlite.Migrate(ctx, db, sqlite.WithTablePrefix("app_")); err != nil {
		t.Fatalf("Migrate(app_): %v", err)
	}
	if _, err := sqlite.New(db); err == nil {
		t.Fatal("New with the default prefix on a database migrated only for app_: no error")
	}
	if err := sqlite.Migrate(ctx, db); err != nil {
		t.Fatalf("Migrate(wf_): %v", err)
	}
	app, err := sqlite.New(db, sqlite.WithTablePrefix("app_"))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	def, err := sqlite.New(db)
	if err != nil {
		t.Fatal(err)
	}
	defer def.Close()
	if _, _, err := app.CreateRun(ctx, newRun("run-1")); err != nil {
		t.Fatal(err)
	}
	if _, err := def.GetRun(ctx, "run-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetRun through wf_ of a run created through app_: %v, want ErrNotFound", err)
	}
}

func TestNewRejectsBadConfiguration(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	if err := sqlite.Migrate(t.Context(), db); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts []sqlite.Option
	}{
		{"prefix starting with a digit", []sqlite.Option{sqlite.WithTablePrefix("1wf_")}},
		{"prefix with SQL", []sqlite.Option{sqlite.WithTablePrefix("wf; DROP TABLE x; --")}},
		{"empty prefix", []sqlite.Option{sqlite.WithTablePrefix("")}},
		{"zero payload size", []sqlite.Option{sqlite.WithMaxPayloadSize(0)}},
		{"negative busy timeout", []sqlite.Option{sqlite.WithBusyTimeout(-1)}},
	}
	for _, tt := range tests {
		if _, err := sqlite.New(db, tt.opts...); err == nil {
			t.Errorf("New with %s: no error", tt.name)
		}
	}
	if _, err := sqlite.New(nil); err == nil {
		t.Error("New(nil): no error")
	}
	db.SetMaxOpenConns(1)
	if _, err := sqlite.New(db); err == nil || !strings.Contains(err.Error(), "SetMaxOpenConns") {
		t.Errorf("New on a one-connection pool: %v, want an error naming SetMaxOpenConns", err)
	}
}
