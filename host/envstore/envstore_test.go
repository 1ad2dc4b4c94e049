package envstore_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfgo/wf/host/envstore"
	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/store"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestOpenSQLite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "app.db")
	ctx := context.Background()
	if _, err := envstore.Open(ctx, env(map[string]string{"WF_SQLITE_PATH": path}), false); err == nil || !strings.Contains(err.Error(), "wfgen migrate") {
		t.Fatalf("unmigrated SQLite: %v, want an error naming wfgen migrate", err)
	}
	o, err := envstore.Open(ctx, env(map[string]string{"WF_SQLITE_PATH": path}), true)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if o.Kind != "sqlite" {
		t.Fatalf("kind %s", o.Kind)
	}
	if _, err := o.Store.ListSchedules(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestOpenPostgres(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t, nil) // skips loudly, or fails in CI, without PostgreSQL
	schema := pgtest.NewSchema(t, pool)
	vars := map[string]string{"DATABASE_URL": pgtest.URL(), "WF_PG_SCHEMA": schema}
	if _, err := envstore.Open(context.Background(), env(vars), false); err == nil || !strings.Contains(err.Error(), "migrate") {
		t.Fatalf("unmigrated PostgreSQL: %v, want an error naming the migration", err)
	}
	o, err := envstore.Open(context.Background(), env(vars), true)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if o.Kind != "postgres" || o.Pool == nil {
		t.Fatalf("kind %s", o.Kind)
	}
}

func TestOpenPostgresUnreachable(t *testing.T) {
	t.Parallel()
	_, err := envstore.Open(context.Background(), env(map[string]string{"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"}), false)
	if err == nil || !strings.Contains(err.Error(), "cannot reach PostgreSQL") {
		t.Fatalf("err %v", err)
	}
}

func TestOpenSQLitePathWithURIChars(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	a, err := envstore.Open(ctx, env(map[string]string{"WF_SQLITE_PATH": filepath.Join(dir, "a#1?x.db")}), true)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := envstore.Open(ctx, env(map[string]string{"WF_SQLITE_PATH": filepath.Join(dir, "a#2?x.db")}), true)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.Store.UpsertSchedule(ctx, store.Schedule{ID: "only-in-a", WorkflowID: "w", Spec: "@every 1m", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Store.ListSchedules(ctx); err != nil || len(got) != 0 {
		t.Fatalf("two paths that differ after '#' share a database: %v %v", got, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a#1?x.db")); err != nil {
		t.Fatalf("database file not at the given path: %v", err)
	}
}
