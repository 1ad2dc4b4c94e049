package vercel_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wfgo/wf/host/internal/hosttest"
	"github.com/wfgo/wf/host/vercel"
)

func call(h http.Handler, method, path, token, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestSweepApp: the cron route refuses a request without CRON_SECRET
// before opening the store, opens it on the first authorised request and
// keeps it for the next.
func TestSweepApp(t *testing.T) {
	t.Parallel()
	app := hosttest.NewApp(map[string]string{"CRON_SECRET": "cron"}, nil, nil)
	h := vercel.Sweep(app.App, vercel.Options{})
	if rec := call(h, "GET", "/api/wf-sweep", "wrong", ""); rec.Code != 401 || app.Opens.Load() != 0 {
		t.Fatalf("wrong secret: %d, %d opens; want 401 and the store untouched", rec.Code, app.Opens.Load())
	}
	for range 2 {
		if rec := call(h, "GET", "/api/wf-sweep", "cron", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"ok":true`) {
			t.Fatalf("sweep: %d %s", rec.Code, rec.Body)
		}
	}
	if app.Opens.Load() != 1 {
		t.Fatalf("store opened %d times, want once for the instance", app.Opens.Load())
	}
}

// TestSweepAppStoreFails: 500 with the reason, and the next request tries
// again.
func TestSweepAppStoreFails(t *testing.T) {
	t.Parallel()
	app := hosttest.NewApp(map[string]string{"CRON_SECRET": "cron"}, nil, errors.New("run wf migrate"))
	h := vercel.Sweep(app.App, vercel.Options{})
	for range 2 {
		if rec := call(h, "GET", "/api/wf-sweep", "cron", ""); rec.Code != 500 || !strings.Contains(rec.Body.String(), "wf migrate") {
			t.Fatalf("sweep: %d %s, want 500 with the reason", rec.Code, rec.Body)
		}
	}
	if app.Opens.Load() != 2 {
		t.Fatalf("store opened %d times, want a try per request", app.Opens.Load())
	}
}

// TestIngressApp serves the ingress API under /api/wf, refusing requests
// without WF_INGRESS_SECRET before the store is opened, and every request
// while the secret is unset.
func TestIngressApp(t *testing.T) {
	t.Parallel()
	app := hosttest.NewApp(map[string]string{"WF_INGRESS_SECRET": "in"}, nil, nil)
	h := vercel.Ingress(app.App)
	if rec := call(h, "GET", "/api/wf/runs/x", "cron", ""); rec.Code != 401 || app.Opens.Load() != 0 {
		t.Fatalf("wrong secret: %d, %d opens", rec.Code, app.Opens.Load())
	}
	rec := call(h, "POST", "/api/wf/runs", "in", `{"workflowId":"greet","runId":"r-1","input":{"greeting":"Hi"}}`)
	if rec.Code != 201 {
		t.Fatalf("start: %d %s", rec.Code, rec.Body)
	}
	if rec := call(h, "GET", "/api/wf-ingress/runs/r-1", "in", ""); rec.Code != 200 {
		t.Fatalf("read after the rewrite: %d %s", rec.Code, rec.Body)
	}
	unset := hosttest.NewApp(nil, nil, nil)
	if rec := call(vercel.Ingress(unset.App), "GET", "/api/wf/runs/r-1", "", ""); rec.Code != 401 {
		t.Fatalf("secret unset: %d, want 401", rec.Code)
	}
}

// TestIngressAppStoreFails: 500 internal, the reason logged, not sent.
func TestIngressAppStoreFails(t *testing.T) {
	t.Parallel()
	var log lockedBuffer
	app := hosttest.NewApp(map[string]string{"WF_INGRESS_SECRET": "in"}, &log, errors.New("secret detail"))
	rec := call(vercel.Ingress(app.App), "GET", "/api/wf/runs/r-1", "in", "")
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "secret detail") || !strings.Contains(log.String(), "secret detail") {
		t.Fatalf("%d %s; log %s", rec.Code, rec.Body, log.String())
	}
}
