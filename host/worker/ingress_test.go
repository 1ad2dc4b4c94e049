package worker_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/wfgo/wf/host"
	pgenv "github.com/wfgo/wf/host/envstore/postgres"
	"github.com/wfgo/wf/host/internal/hosttest"
	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store/postgres"
)

// lockedBuffer is a log destination safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.Write(p)
}

// TestIngressContract serves the ingress API as the generated worker does
// (host.NewIngress on an http.Server), over PostgreSQL with NOTIFY on, where
// an 8 KB run ID once failed the commit's NOTIFY after creating the run.
func TestIngressContract(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	if err := postgres.Migrate(ctx, db.Pool, postgres.WithSchema(db.Schema)); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DATABASE_URL": pgtest.URL(), "WF_PG_SCHEMA": db.Schema, "WF_PG_NOTIFY": "wake_" + db.Schema}
	opened, err := pgenv.Open(ctx, func(k string) string { return env[k] }, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(opened.Close)
	if opened.NotifyChannel == "" {
		t.Fatal("NOTIFY is off")
	}
	clock := hosttest.NewClock()
	var log lockedBuffer
	logger := slog.New(slog.NewJSONHandler(&log, nil))
	rt, err := runtime.New(runtime.Config{Store: opened.Store, Workflows: hosttest.Workflows(), Clock: clock.Now, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	h, err := host.NewIngress(host.IngressConfig{Runtime: rt, Secret: "s3cret", Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	do := func(t *testing.T, method, path, auth, body string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		data, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, data
	}
	hosttest.Contract(t, hosttest.Target{Do: do, Secret: "s3cret", MaxBodyBytes: 1 << 20,
		Runtime: rt, Store: opened.Store, Clock: clock, Log: &log.Buffer})
}
