package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf/host/envstore"
	"github.com/wfgo/wf/host/envstore/postgres"
	"github.com/wfgo/wf/internal/pgtest"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestOpen(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t, nil) // skips loudly, or fails in CI, without PostgreSQL
	schema := pgtest.NewSchema(t, pool)
	vars := map[string]string{"DATABASE_URL": pgtest.URL(), "WF_PG_SCHEMA": schema}
	if _, err := postgres.Open(context.Background(), env(vars), false); err == nil || !strings.Contains(err.Error(), "migrate") {
		t.Fatalf("unmigrated PostgreSQL: %v, want an error naming the migration", err)
	}
	o, err := postgres.Open(context.Background(), env(vars), true)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if o.Kind != "postgres" || o.NotifyChannel != envstore.DefaultNotifyChannel || o.Wake == nil {
		t.Fatalf("kind %s, channel %q, wake %v", o.Kind, o.NotifyChannel, o.Wake != nil)
	}
	vars["WF_PG_NOTIFY"] = "off"
	off, err := postgres.Open(context.Background(), env(vars), false)
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	if off.NotifyChannel != "" || off.Wake != nil {
		t.Fatalf("WF_PG_NOTIFY=off: channel %q", off.NotifyChannel)
	}
}

func TestOpenWithoutURL(t *testing.T) {
	t.Parallel()
	_, err := postgres.Open(context.Background(), env(map[string]string{"WF_SQLITE_PATH": "x.db"}), false)
	if !errors.Is(err, envstore.ErrNoDatabaseURL) {
		t.Fatalf("err %v, want ErrNoDatabaseURL", err)
	}
}

func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	_, err := postgres.Open(context.Background(), env(map[string]string{"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"}), false)
	if err == nil || !strings.Contains(err.Error(), "cannot reach PostgreSQL") {
		t.Fatalf("err %v", err)
	}
}

// TestWakeOnNotify LISTENs through Opened.Wake, as the worker does.
func TestWakeOnNotify(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wake := postgres.Listen(ctx, pool, "wf_wake_test", nil)
	// LISTEN is asynchronous: notify until a wake-up arrives.
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-wake:
			return
		case <-deadline:
			t.Fatal("no wake-up after NOTIFY")
		case <-tick.C:
			if _, err := pool.Exec(ctx, `SELECT pg_notify('wf_wake_test', 'run-1')`); err != nil {
				t.Fatal(err)
			}
		}
	}
}
