package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfgo/wf/host/envstore/sqlite"
	"github.com/wfgo/wf/store"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestOpen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "app.db")
	ctx := context.Background()
	if _, err := sqlite.Open(ctx, env(map[string]string{"WF_SQLITE_PATH": path}), false); err == nil || !strings.Contains(err.Error(), "wf migrate") {
		t.Fatalf("unmigrated SQLite: %v, want an error naming wf migrate", err)
	}
	o, err := sqlite.Open(ctx, env(map[string]string{"WF_SQLITE_PATH": path}), true)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if o.Kind != "sqlite" || o.Wake != nil {
		t.Fatalf("kind %s", o.Kind)
	}
	if _, err := o.Store.ListSchedules(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestOpenRefusesDatabaseURL: a SQLite-only host told to use PostgreSQL
// says so rather than quietly opening a local file.
func TestOpenRefusesDatabaseURL(t *testing.T) {
	t.Parallel()
	_, err := sqlite.Open(context.Background(), env(map[string]string{"DATABASE_URL": "postgres://x/y"}), false)
	if err == nil || !strings.Contains(err.Error(), "SQLite only") {
		t.Fatalf("err %v, want one saying the host opens SQLite only", err)
	}
}

func TestOpenPathWithURIChars(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	a, err := sqlite.Open(ctx, env(map[string]string{"WF_SQLITE_PATH": filepath.Join(dir, "a#1?x.db")}), true)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := sqlite.Open(ctx, env(map[string]string{"WF_SQLITE_PATH": filepath.Join(dir, "a#2?x.db")}), true)
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
