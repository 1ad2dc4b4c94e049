package postgres

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wfgo/wf/internal/pgtest"
)

// testStore is what a test gets: a migrated store in a schema of its own.
type testStore struct {
	*Store
	pool   *pgxpool.Pool
	schema string
}

// setup migrates a fresh schema and opens a store on it.
func setup(t testing.TB, opts ...Option) *testStore {
	t.Helper()
	db := pgtest.New(t)
	return setupOn(t, db.Pool, db.Schema, opts...)
}

// setupOn migrates schema on pool and opens a store on it.
func setupOn(t testing.TB, pool *pgxpool.Pool, schema string, opts ...Option) *testStore {
	t.Helper()
	opts = append([]Option{WithSchema(schema)}, opts...)
	if err := Migrate(t.Context(), pool, opts...); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	s, err := New(t.Context(), pool, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &testStore{Store: s, pool: pool, schema: schema}
}
