package host_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/host/internal/hosttest"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.Write(p)
}

func serve(h http.Handler) func(t *testing.T, method, path, auth, body string) (int, []byte) {
	return func(t *testing.T, method, path, auth, body string) (int, []byte) {
		t.Helper()
		req := httptest.NewRequest(method, "http://wf.example"+path, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %.80s: content type %q", method, path, ct)
		}
		return rec.Code, rec.Body.Bytes()
	}
}

func TestIngressContract(t *testing.T) {
	t.Parallel()
	b := hosttest.New(t, nil)
	var log syncBuffer
	h, err := host.NewIngress(host.IngressConfig{Runtime: b.Runtime, Secret: "s3cret", MaxBodyBytes: 64 << 10,
		Logger: slog.New(slog.NewJSONHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	hosttest.Contract(t, hosttest.Target{Do: serve(h), Secret: "s3cret", MaxBodyBytes: 64 << 10,
		Runtime: b.Runtime, Store: b.Store, Clock: b.Clock, Log: &log.Buffer})
}

func TestIngressAuthorizeFunc(t *testing.T) {
	t.Parallel()
	b := hosttest.New(t, nil)
	h, err := host.NewIngress(host.IngressConfig{Runtime: b.Runtime, Authorize: func(r *http.Request) error {
		if r.Header.Get("X-Api-Key") != "k" {
			return errors.New("missing API key")
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/runs/x", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 401 || !strings.Contains(rec.Body.String(), "missing API key") {
		t.Fatalf("without key: %d %s", rec.Code, rec.Body)
	}
	req.Header.Set("X-Api-Key", "k")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 404 {
		t.Fatalf("with key: %d %s", rec.Code, rec.Body)
	}
	if _, err := host.NewIngress(host.IngressConfig{Runtime: b.Runtime}); err == nil {
		t.Fatal("an unauthenticated ingress was built")
	}
}

// brokenStore fails reads and writes with an error full of internals.
type brokenStore struct{ store.Store }

var errBroken = errors.New(`postgres: ERROR: relation "wf_events" index 17 (SQLSTATE 42P01)`)

func (brokenStore) GetRun(context.Context, string) (store.Run, error) { return store.Run{}, errBroken }
func (brokenStore) CreateRun(context.Context, store.NewRun) (store.Run, bool, error) {
	return store.Run{}, false, errBroken
}
func (brokenStore) Deliver(context.Context, string, wf.Delivery, store.DeliverOptions) (store.DeliveryResult, error) {
	return store.DeliveryResult{}, errBroken
}

func TestIngressHidesInternalErrors(t *testing.T) {
	t.Parallel()
	rt, err := runtime.New(runtime.Config{Store: brokenStore{memstore.New()}, Workflows: hosttest.Workflows()})
	if err != nil {
		t.Fatal(err)
	}
	var log syncBuffer
	h, err := host.NewIngress(host.IngressConfig{Runtime: rt, Secret: "s", Logger: slog.New(slog.NewJSONHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	do := serve(h)
	for _, r := range [][3]string{
		{"GET", "/runs/r1", ""},
		{"POST", "/runs", `{"workflowId":"greet","runId":"r1","input":{"greeting":"Hi"}}`},
		{"POST", "/runs/r1/signals/name", `{"signalId":"e1","payload":{"name":"Ada"}}`},
		{"POST", "/runs/r1/approvals/legal", `{"approved":true}`},
	} {
		status, body := do(t, r[0], r[1], "Bearer s", r[2])
		var a struct {
			OK    bool   `json:"ok"`
			Code  string `json:"code"`
			Error string `json:"error"`
		}
		if err := json.Unmarshal(body, &a); err != nil || status != 500 || a.OK || a.Code != host.CodeInternal || a.Error != "internal error" {
			t.Errorf("%s %s = %d %s, want 500 internal with a generic message", r[0], r[1], status, body)
		}
		if bytes.Contains(body, []byte("wf_events")) || bytes.Contains(body, []byte("postgres")) {
			t.Errorf("%s %s: the answer echoes the store's error: %s", r[0], r[1], body)
		}
	}
	if n := strings.Count(log.String(), "SQLSTATE 42P01"); n != 4 {
		t.Errorf("the log has the store's error %d times, want 4:\n%s", n, log.String())
	}
}

func TestIngressPathEscapes(t *testing.T) {
	t.Parallel()
	b := hosttest.New(t, nil)
	h, err := host.NewIngress(host.IngressConfig{Runtime: b.Runtime, Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	do := serve(h)
	// An escaped ID is one path segment, unescaped: a run ID may hold
	// spaces and "%", and "%2F" is a "/", which IDs refuse.
	if status, body := do(t, "POST", "/runs", "Bearer s", `{"workflowId":"greet","runId":"order 50%","input":{"greeting":"Hi"}}`); status != 201 {
		t.Fatalf("start: %d %s", status, body)
	}
	if status, body := do(t, "GET", "/runs/order%2050%25", "Bearer s", ""); status != 200 || !strings.Contains(string(body), `"id":"order 50%"`) {
		t.Errorf("read an escaped ID: %d %s", status, body)
	}
	for _, p := range []string{"/runs/a%2Fb", "/runs/./signals/name", "/runs//signals/name", "/runs/%2E%2E/signals/name"} {
		if status, body := do(t, "POST", p, "Bearer s", `{"signalId":"e1","payload":{"name":"Ada"}}`); status != 400 && !(status == 404 && strings.HasPrefix(p, "/runs/a")) {
			t.Errorf("POST %s = %d %s, want 400", p, status, body)
		}
	}
}
