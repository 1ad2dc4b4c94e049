package runtime_test

import (
	"context"
	"testing"

	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/internal/sqlitetest"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
	"github.com/wfgo/wf/store/postgres"
)

// storeFactory makes a fresh, empty store for one test.
type storeFactory struct {
	name string
	new  func(t *testing.T) store.Store
}

// stores are the three stores the runtime's end-to-end tests run on, for
// real: PostgreSQL and SQLite are never mocked.
var stores = []storeFactory{
	{"memstore", func(t *testing.T) store.Store { return memstore.New() }},
	{"sqlite", newSQLite},
	{"postgres", newPostgres},
}

func newSQLite(t *testing.T) store.Store { return sqlitetest.New(t) }

func newPostgres(t *testing.T) store.Store {
	t.Helper()
	pool := pgtest.NewPool(t, nil)
	schema := pgtest.NewSchema(t, pool)
	ctx := context.Background()
	if err := postgres.Migrate(ctx, pool, postgres.WithSchema(schema)); err != nil {
		t.Fatal(err)
	}
	st, err := postgres.New(ctx, pool, postgres.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// forEachStore runs fn once per store, in parallel subtests.
func forEachStore(t *testing.T, fn func(t *testing.T, newStore func(t *testing.T) store.Store)) {
	for _, f := range stores {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			fn(t, f.new)
		})
	}
}
