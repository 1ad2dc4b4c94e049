//go:build !(js && wasm)

package cloudflare

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/wfgo/wf/host/internal/hosttest"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store/sqlite/sqlitedialect"
)

// TestFetchContract serves the ingress contract through the Worker's fetch
// path, on a migrated D1 database, with a runtime built per request.
func TestFetchContract(t *testing.T) {
	t.Parallel()
	db := newFakeD1(t)
	if err := sqlitedialect.Migrate(t.Context(), db.executor(), sqlitedialect.DefaultTablePrefix); err != nil {
		t.Fatal(err)
	}
	env := fakeEnv{vars: map[string]string{DefaultIngressSecretVar: testSecret}, dbs: map[string]*fakeD1{"CONTRACT": db}}
	clock := hosttest.NewClock()
	newConfig := func(ctx context.Context, env Env) (runtime.Config, error) {
		st, err := OpenStore(ctx, env, "CONTRACT", sqlitedialect.Config{})
		if err != nil {
			return runtime.Config{}, err
		}
		return runtime.Config{Store: st, Workflows: hosttest.Workflows(), Clock: clock.Now}, nil
	}
	log := &bytes.Buffer{}
	w, err := newWorker(Config{Runtime: newConfig, Logger: slog.New(slog.NewJSONHandler(&syncWriter{w: log}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := newConfig(t.Context(), env)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := runtime.New(rc)
	if err != nil {
		t.Fatal(err)
	}
	do := func(t *testing.T, method, path, auth, body string) (int, []byte) {
		t.Helper()
		headers := [][2]string{{"Content-Type", "application/json"}}
		if auth != "" {
			headers = append(headers, [2]string{"Authorization", auth})
		}
		if body != "" {
			headers = append(headers, [2]string{"Content-Length", fmt.Sprint(len(body))})
		}
		req, err := newRequest(method, "https://wf.example.workers.dev"+path, headers, func() ([]byte, error) { return []byte(body), nil })
		if err != nil {
			t.Fatal(err)
		}
		res := w.fetch(t.Context(), env, req)
		return res.Status(), res.Body()
	}
	hosttest.Contract(t, hosttest.Target{Do: do, Secret: testSecret, MaxBodyBytes: w.cfg.Ingress.MaxBodyBytes,
		Runtime: rt, Store: rc.Store, Clock: clock, Log: log})
}
