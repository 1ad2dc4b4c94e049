//go:build !(js && wasm)

package cloudflare

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/wfgo/wf/store/sqlite/sqlitedialect"
)

// TestMigrationFilesApply applies the files as `wrangler d1 migrations
// apply` does, each as one script, and checks that the store then finds
// its schema current.
func TestMigrationFilesApply(t *testing.T) {
	t.Parallel()
	for _, prefix := range []string{"", "app_wf_"} {
		files, err := MigrationFiles(prefix)
		if err != nil {
			t.Fatal(err)
		}
		fake := newFakeD1(t)
		for _, name := range sortedKeys(files) {
			if _, err := fake.db.ExecContext(t.Context(), string(files[name])); err != nil {
				t.Fatalf("prefix %q: apply %s: %v", prefix, name, err)
			}
		}
		if _, err := openStore(t.Context(), fake.executor(), "DB", sqlitedialect.Config{TablePrefix: prefix}, &sync.Map{}); err != nil {
			t.Errorf("prefix %q: after applying %v: %v", prefix, sortedKeys(files), err)
		}
	}
	if _, err := MigrationFiles("1bad"); err == nil {
		t.Error("MigrationFiles with a bad prefix: want an error")
	}
}

// TestExampleMigrationsCurrent keeps the example's migrations_dir in step
// with the schema: regenerate it with
// `go run ./cmd/wfcloudflare migrations example/migrations`.
func TestExampleMigrationsCurrent(t *testing.T) {
	t.Parallel()
	files, err := MigrationFiles("")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join("example", "migrations"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := sortedKeys(files); !slices.Equal(names, want) {
		t.Fatalf("example/migrations holds %v, want %v", names, want)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join("example", "migrations", name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("example/migrations/%s is stale: run `go run ./cmd/wfcloudflare migrations example/migrations`", name)
		}
	}
}

func TestWriteMigrations(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "migrations")
	files, err := MigrationFiles("")
	if err != nil {
		t.Fatal(err)
	}
	written, err := WriteMigrations(dir, "")
	if err != nil || !slices.Equal(written, sortedKeys(files)) || written[0] != "0001_init.sql" {
		t.Fatalf("WriteMigrations = %v, %v; want %v", written, err, sortedKeys(files))
	}
	if again, err := WriteMigrations(dir, ""); err != nil || len(again) != 0 {
		t.Errorf("second WriteMigrations wrote %v, %v; want nothing", again, err)
	}
	if changed, err := WriteMigrations(dir, "other_"); err != nil || len(changed) != len(files) {
		t.Errorf("WriteMigrations with another prefix wrote %v, %v; want the file rewritten", changed, err)
	}
}
