package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/sqlite"
)

// Example opens a database file with modernc.org/sqlite, migrates it and
// creates a run through the store.
func Example() {
	dir, err := os.MkdirTemp("", "wf-sqlite-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	path := filepath.Join(dir, "wf.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if err := sqlite.Migrate(ctx, db); err != nil {
		log.Fatal(err)
	}
	st, err := sqlite.New(db)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	run, created, err := st.CreateRun(ctx, store.NewRun{
		ID:         "order-42",
		WorkflowID: "fulfillment",
		Version:    "v1",
		Status:     wf.StatusQueued,
		Input:      json.RawMessage(`{"orderId": 42}`),
		Lease:      store.Lease{Now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(run.ID, run.Status, created, run.CreatedAt.Format(time.RFC3339))
	// Output: order-42 queued true 2026-01-02T03:04:05Z
}

// ExampleNew shows the error New returns for a database that was never
// migrated.
func ExampleNew() {
	dir, err := os.MkdirTemp("", "wf-sqlite-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "wf.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	_, err = sqlite.New(db)
	fmt.Println(err)
	// Output: sqlite: database has no wf schema (no wf_migrations table): run `wf migrate --sqlite <path>` or call sqlite.Migrate
}
