//go:build !(js && wasm)

package cloudflare

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store/sqlite/sqlitedialect"
)

const testSecret = "s3cret"

// fakeEnv is an Env with variables and fake D1 databases.
type fakeEnv struct {
	vars map[string]string
	dbs  map[string]*fakeD1
}

func (e fakeEnv) Var(name string) string { return e.vars[name] }

func (e fakeEnv) D1(name string) (*D1, error) {
	db, ok := e.dbs[name]
	if !ok {
		return nil, fmt.Errorf("no D1 binding %s", name)
	}
	return db.executor(), nil
}

// bundle is a worker over a migrated fake D1 with a settable clock.
type bundle struct {
	w   *worker
	env fakeEnv
	log *bytes.Buffer

	mu  sync.Mutex
	now time.Time
}

func (b *bundle) clock() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.now
}

func (b *bundle) advance(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.now = b.now.Add(d)
}

// setup returns a worker whose runtime runs "nap" (sleep a minute, then
// return "rested") on a migrated database bound as binding.
func setup(t *testing.T, binding string) *bundle {
	t.Helper()
	db := newFakeD1(t)
	if err := sqlitedialect.Migrate(t.Context(), db.executor(), sqlitedialect.DefaultTablePrefix); err != nil {
		t.Fatal(err)
	}
	b := &bundle{
		env: fakeEnv{vars: map[string]string{DefaultIngressSecretVar: testSecret}, dbs: map[string]*fakeD1{binding: db}},
		log: &bytes.Buffer{},
		now: time.Now().UTC(),
	}
	nap := wf.New("nap", func(ctx *wf.Context, _ struct{}) (string, error) {
		wf.Sleep(ctx, time.Minute)
		return "rested", nil
	})
	w, err := newWorker(Config{
		Runtime: func(ctx context.Context, env Env) (runtime.Config, error) {
			st, err := OpenStore(ctx, env, binding, sqlitedialect.Config{})
			if err != nil {
				return runtime.Config{}, err
			}
			return runtime.Config{Store: st, Workflows: []runtime.Workflow{{Definition: nap}}, Clock: b.clock}, nil
		},
		Logger: slog.New(slog.NewJSONHandler(&syncWriter{w: b.log}, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	b.w = w
	return b
}

// syncWriter serialises writes to w.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// do serves one request through the bridge's request and response types.
func (b *bundle) do(t *testing.T, method, path, auth, body string) (int, map[string]any) {
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
	res := b.w.fetch(t.Context(), b.env, req)
	var out map[string]any
	if err := json.Unmarshal(res.Body(), &out); err != nil {
		t.Fatalf("%s %s: body %q: %v", method, path, res.Body(), err)
	}
	if ct := res.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: Content-Type %q, want JSON", method, path, ct)
	}
	return res.Status(), out
}

func TestFetch(t *testing.T) {
	t.Parallel()
	b := setup(t, "FETCH")
	bearer := "Bearer " + testSecret
	tests := []struct {
		name, method, path, auth, body string
		wantStatus                     int
		wantCode                       string
	}{
		{"no secret", "GET", "/runs/r1", "", "", http.StatusUnauthorized, host.CodeUnauthorized},
		{"wrong secret", "GET", "/runs/r1", "Bearer nope", "", http.StatusUnauthorized, host.CodeUnauthorized},
		{"start", "POST", "/runs", bearer, `{"workflowId":"nap","runId":"r1","input":{}}`, http.StatusCreated, ""},
		{"get", "GET", "/runs/r1", bearer, "", http.StatusOK, ""},
		{"unknown run", "GET", "/runs/r2", bearer, "", http.StatusNotFound, host.CodeNotFound},
		{"unknown workflow", "POST", "/runs", bearer, `{"workflowId":"nope","input":{}}`, http.StatusNotFound, host.CodeUnknownWorkflow},
		{"too large", "POST", "/runs", bearer, `{"workflowId":"nap","input":"` + strings.Repeat("x", 1<<20) + `"}`, http.StatusRequestEntityTooLarge, host.CodeTooLarge},
	}
	for _, tt := range tests { // in order: get reads what start wrote
		status, body := b.do(t, tt.method, tt.path, tt.auth, tt.body)
		if status != tt.wantStatus || (tt.wantCode != "" && body["code"] != tt.wantCode) {
			t.Errorf("%s: %s %s = %d %v, want %d %q", tt.name, tt.method, tt.path, status, body, tt.wantStatus, tt.wantCode)
		}
	}
}

func TestFetchMisconfigured(t *testing.T) {
	t.Parallel()
	t.Run("secret unset", func(t *testing.T) {
		t.Parallel()
		b := setup(t, "NOSECRET")
		delete(b.env.vars, DefaultIngressSecretVar)
		status, body := b.do(t, "GET", "/runs/r1", "Bearer ", "")
		if status != http.StatusInternalServerError || !strings.Contains(fmt.Sprint(body["error"]), "wrangler secret put WF_INGRESS_SECRET") {
			t.Errorf("GET = %d %v, want 500 naming the secret", status, body)
		}
	})
	t.Run("database not migrated", func(t *testing.T) {
		t.Parallel()
		b := setup(t, "MIGRATED")
		b.env.dbs["UNMIGRATED"] = newFakeD1(t)
		b.w.cfg.Runtime = func(ctx context.Context, env Env) (runtime.Config, error) {
			_, err := OpenStore(ctx, env, "UNMIGRATED", sqlitedialect.Config{})
			return runtime.Config{}, err
		}
		status, body := b.do(t, "GET", "/runs/r1", "Bearer "+testSecret, "")
		if status != http.StatusInternalServerError || body["code"] != host.CodeInternal || strings.Contains(fmt.Sprint(body), "D1") {
			t.Errorf("GET = %d %v, want 500 internal without the store's details", status, body)
		}
		if !strings.Contains(b.log.String(), "wrangler d1 migrations apply UNMIGRATED") {
			t.Errorf("the log does not name the migrations:\n%s", b.log)
		}
	})
}

func TestScheduled(t *testing.T) {
	t.Parallel()
	b := setup(t, "SCHEDULED")
	if status, body := b.do(t, "POST", "/runs", "Bearer "+testSecret, `{"workflowId":"nap","runId":"r1","input":{}}`); status != http.StatusCreated {
		t.Fatalf("start = %d %v", status, body)
	}
	ev := scheduledEvent{Cron: "*/5 * * * *", ScheduledTime: time.Date(2026, 7, 1, 12, 5, 0, 0, time.UTC)}
	early, err := b.w.scheduled(t.Context(), b.env, ev)
	if err != nil {
		t.Fatal(err)
	}
	if n := early.Summary.Timers[runtime.KindCompleted]; n != 0 || !early.OK {
		t.Fatalf("sweep before the timer is due = %+v, want nothing done", early)
	}
	b.advance(2 * time.Minute)
	sum, err := b.w.scheduled(t.Context(), b.env, ev)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.OK || sum.Summary.Timers[runtime.KindCompleted] != 1 {
		t.Errorf("sweep after the timer is due = %+v, want one timer completed", sum)
	}
	if !strings.HasPrefix(sum.LeaseOwner, DefaultOwner+"-") || sum.LeaseOwner == early.LeaseOwner {
		t.Errorf("lease owners %q then %q: want distinct owners starting %q", early.LeaseOwner, sum.LeaseOwner, DefaultOwner+"-")
	}
	if status, body := b.do(t, "GET", "/runs/r1", "Bearer "+testSecret, ""); status != http.StatusOK ||
		body["run"].(map[string]any)["status"] != string(wf.StatusFinished) {
		t.Errorf("run after the sweep = %d %v, want finished", status, body)
	}
	var line struct {
		Msg     string       `json:"msg"`
		Cron    string       `json:"cron"`
		Summary host.Summary `json:"summary"`
	}
	lines := strings.Split(strings.TrimSpace(b.log.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &line); err != nil {
		t.Fatalf("last log line %q: %v", lines[len(lines)-1], err)
	}
	if line.Msg != "wf sweep" || line.Cron != ev.Cron || line.Summary.Summary.Timers[runtime.KindCompleted] != 1 {
		t.Errorf("logged %+v, want the sweep's summary", line)
	}
}

func TestScheduledRuntimeError(t *testing.T) {
	t.Parallel()
	b := setup(t, "BROKEN")
	b.w.cfg.Runtime = func(context.Context, Env) (runtime.Config, error) {
		return runtime.Config{}, errors.New("no store today")
	}
	sum, err := b.w.scheduled(t.Context(), b.env, scheduledEvent{})
	if err == nil || sum.OK || sum.Error != "no store today" {
		t.Errorf("scheduled = %+v, %v; want the runtime's error", sum, err)
	}
	if !strings.Contains(b.log.String(), `"msg":"wf sweep failed"`) {
		t.Errorf("log %q: want the failure", b.log.String())
	}
}

func TestNewWorker(t *testing.T) {
	t.Parallel()
	if _, err := newWorker(Config{}); err == nil {
		t.Error("newWorker without Runtime: want an error")
	}
	w, err := newWorker(Config{Runtime: func(context.Context, Env) (runtime.Config, error) { return runtime.Config{}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if w.cfg.Sweep.MaxDuration != DefaultSweepDuration || w.cfg.IngressSecretVar != DefaultIngressSecretVar ||
		w.cfg.Logger == nil || w.cfg.Ingress.Logger != w.cfg.Logger || w.cfg.Ingress.MaxBodyBytes != 1<<20 {
		t.Errorf("defaults not filled in: %+v", w.cfg)
	}
	if a, b := randomToken(), randomToken(); len(a) != 16 || a == b {
		t.Errorf("randomToken() = %q, %q: want 16 distinct hex digits", a, b)
	}
}

func TestNewRequest(t *testing.T) {
	t.Parallel()
	loads := 0
	load := func() ([]byte, error) { loads++; return []byte(`{"a":1}`), nil }
	headers := [][2]string{{"content-length", "7"}, {"x-multi", "1"}, {"x-multi", "2"}}
	req, err := newRequest("POST", "https://w.example/runs?x=1", headers, load)
	if err != nil {
		t.Fatal(err)
	}
	if req.URL.Path != "/runs" || req.Host != "w.example" || req.ContentLength != 7 || len(req.Header.Values("X-Multi")) != 2 {
		t.Errorf("request = %s %s host %q length %d headers %v", req.Method, req.URL, req.Host, req.ContentLength, req.Header)
	}
	if loads != 0 {
		t.Error("body loaded before it was read")
	}
	body, err := io.ReadAll(req.Body)
	if err != nil || string(body) != `{"a":1}` || loads != 1 {
		t.Errorf("body = %q, %v after %d loads", body, err, loads)
	}
	get, err := newRequest("GET", "https://w.example/runs/r1", nil, load)
	if err != nil || get.Body != http.NoBody || get.ContentLength != -1 {
		t.Errorf("GET request body %v length %d, %v: want no body", get.Body, get.ContentLength, err)
	}
	if _, err := newRequest("GET", "::", nil, load); err == nil {
		t.Error("bad URL: want an error")
	}
	failing, _ := newRequest("POST", "https://w.example/runs", nil, func() ([]byte, error) { return nil, errors.New("stream broke") })
	if _, err := io.ReadAll(failing.Body); err == nil || err.Error() != "stream broke" {
		t.Errorf("failing body read error = %v", err)
	}
}

func TestResponse(t *testing.T) {
	t.Parallel()
	r := newResponse()
	if r.Status() != http.StatusOK {
		t.Errorf("status of an untouched response = %d, want 200", r.Status())
	}
	r.WriteHeader(http.StatusNoContent)
	r.WriteHeader(http.StatusTeapot)
	_, _ = r.Write([]byte("ignored"))
	if r.Status() != http.StatusNoContent || r.Body() != nil {
		t.Errorf("204 response = %d %q, want no body", r.Status(), r.Body())
	}
	w := newResponse()
	_, _ = w.Write([]byte("hi"))
	if w.Status() != http.StatusOK || string(w.Body()) != "hi" {
		t.Errorf("written response = %d %q", w.Status(), w.Body())
	}
}
