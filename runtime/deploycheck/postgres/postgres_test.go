package postgres_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/runtime/deploycheck"
	"github.com/wfgo/wf/runtime/deploycheck/postgres"
	"github.com/wfgo/wf/store"
	pgstore "github.com/wfgo/wf/store/postgres"
)

func TestSearchPathSchema(t *testing.T) {
	for in, want := range map[string]string{"": "", "app": "app", ` "App" , public`: "App", "app,public": "app"} {
		if got := postgres.SearchPathSchema(in); got != want {
			t.Errorf("SearchPathSchema(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	unmigrated := pgtest.New(t).Schema
	if err := pgstore.Migrate(ctx, db.Pool, pgstore.WithSchema(db.Schema)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := postgres.Open(ctx, deploycheck.StoreConfig{URL: pgtest.URL(), Schema: unmigrated}); err == nil ||
		!strings.Contains(err.Error(), "check: --against: postgres: schema "+unmigrated) || !strings.Contains(err.Error(), "wf migrate") {
		t.Errorf("Open of an unmigrated schema: %v, want an error naming it and wf migrate", err)
	}
	if _, _, err := postgres.Open(ctx, deploycheck.StoreConfig{URL: "postgres://[bad"}); err == nil || !strings.HasPrefix(err.Error(), "check: --against: ") {
		t.Errorf("Open of a bad URL: %v", err)
	}

	// The schema comes from the URL's search_path when not given.
	url := pgtest.URL()
	if strings.Contains(url, "?") {
		url += "&search_path=" + db.Schema
	} else {
		url += "?search_path=" + db.Schema
	}
	st, closeStore, err := postgres.Open(ctx, deploycheck.StoreConfig{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	if _, err := st.ListRuns(ctx, store.ListQuery{Limit: 1}); err != nil {
		t.Errorf("ListRuns: %v", err)
	}
	// default_transaction_read_only: the session refuses the write.
	_, _, err = st.CreateRun(ctx, store.NewRun{ID: "r1", WorkflowID: "w", Version: "v1", Status: wf.StatusQueued, Input: json.RawMessage(`{}`)})
	if err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("CreateRun on a store opened read-only: %v, want a read-only refusal", err)
	}
}
