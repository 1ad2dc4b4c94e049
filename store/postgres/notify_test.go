package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/postgres"
)

// TestNotifyOnDeliveryAndYield checks WithNotify: a delivery and a commit
// that leaves the run ready each NOTIFY the channel with the run's ID.
func TestNotifyOnDeliveryAndYield(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t, nil)
	schema := pgtest.NewSchema(t, pool)
	ctx := context.Background()
	if err := postgres.Migrate(ctx, pool, postgres.WithSchema(schema)); err != nil {
		t.Fatal(err)
	}
	channel := schema + "_wake"
	st, err := postgres.New(ctx, pool, postgres.WithSchema(schema), postgres.WithNotify(channel))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	lease := store.Lease{Owner: "o", Now: now, Until: now.Add(time.Minute)}
	if _, _, err := st.CreateRun(ctx, store.NewRun{ID: "run-1", WorkflowID: "w", Status: wf.StatusRunning, Lease: lease}); err != nil {
		t.Fatal(err)
	}
	expect := func(what string) {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		n, err := conn.Conn().WaitForNotification(wctx)
		if err != nil {
			t.Fatalf("%s: no notification: %v", what, err)
		}
		if n.Channel != channel || n.Payload != "run-1" {
			t.Fatalf("%s: notification %+v", what, n)
		}
	}
	if err := st.Commit(ctx, store.Commit{RunID: "run-1", Owner: "o", Status: wf.StatusRunning, Now: now}); err != nil {
		t.Fatal(err)
	}
	expect("yielded commit")
	if _, err := st.Deliver(ctx, "run-1", wf.Delivery{StepID: "w", SignalID: "s", Name: "go", Time: now}, store.DeliverOptions{}); err != nil {
		t.Fatal(err)
	}
	expect("delivery")
}
