package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime/deploycheck"
	"github.com/wfgo/wf/runtime/deploycheck/sqlite"
	"github.com/wfgo/wf/store"
	litestore "github.com/wfgo/wf/store/sqlite"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	missing, empty, migrated := filepath.Join(dir, "missing.db"), filepath.Join(dir, "empty.db"), filepath.Join(dir, "wf.db")
	if err := os.WriteFile(empty, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+migrated)
	if err != nil {
		t.Fatal(err)
	}
	if err := litestore.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	db.Close()

	for path, want := range map[string]string{
		missing: "check: --sqlite: stat " + missing,
		empty:   "the database is empty, not migrated: run `wf migrate --sqlite " + empty + "` first",
	} {
		if _, _, err := sqlite.Open(ctx, deploycheck.StoreConfig{SQLite: path}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%s): %v, want an error containing %q", filepath.Base(path), err, want)
		}
	}

	st, closeStore, err := sqlite.Open(ctx, deploycheck.StoreConfig{SQLite: migrated})
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	if _, err := st.ListRuns(ctx, store.ListQuery{Limit: 1}); err != nil {
		t.Errorf("ListRuns: %v", err)
	}
	// mode=ro: SQLite refuses the write, whatever the store's code does.
	_, _, err = st.CreateRun(ctx, store.NewRun{ID: "r1", WorkflowID: "w", Version: "v1", Status: wf.StatusQueued, Input: json.RawMessage(`{}`)})
	if err == nil {
		t.Error("CreateRun on a store opened read-only: no error")
	}
}
