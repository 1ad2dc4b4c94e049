package host_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/host/internal/hosttest"
)

func newIngress(t *testing.T) (http.Handler, hosttest.Bundle) {
	t.Helper()
	b := hosttest.New(t, nil)
	h, err := host.NewIngress(host.IngressConfig{Runtime: b.Runtime, Secret: "s3cret", MaxBodyBytes: 256})
	if err != nil {
		t.Fatal(err)
	}
	return h, b
}

func call(t *testing.T, h http.Handler, method, path, auth, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s: content type %q", method, path, ct)
	}
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: body %q is not JSON: %v", method, path, rec.Body, err)
	}
	return rec.Code, out
}

func TestIngress(t *testing.T) {
	t.Parallel()
	h, b := newIngress(t)
	const auth = "Bearer s3cret"
	steps := []struct {
		name       string
		method     string
		path       string
		auth       string
		body       string
		wantStatus int
		want       string // a fragment of the JSON answer
	}{
		{"no secret", "POST", "/runs", "", `{}`, 401, `"code":"unauthorized"`},
		{"wrong secret", "POST", "/runs", "Bearer guess", `{}`, 401, `"code":"unauthorized"`},
		{"bad json", "POST", "/runs", auth, `{"workflowId":`, 400, `"code":"bad_request"`},
		{"unknown field", "POST", "/runs", auth, `{"workflow":"greet"}`, 400, `unknown field`},
		{"too large", "POST", "/runs", auth, `{"workflowId":"greet","input":{"greeting":"` + strings.Repeat("x", 300) + `"}}`, 413, `"code":"too_large"`},
		{"unknown workflow", "POST", "/runs", auth, `{"workflowId":"nope","runId":"r"}`, 404, `"code":"unknown_workflow"`},
		{"invalid input", "POST", "/runs", auth, `{"workflowId":"greet","runId":"r1","input":{}}`, 422, `"path":"/greeting"`},
		{"start", "POST", "/runs", auth, `{"workflowId":"greet","runId":"r1","input":{"greeting":"Hello"}}`, 201, `"kind":"paused"`},
		{"start again", "POST", "/runs", auth, `{"workflowId":"greet","runId":"r1","input":{"greeting":"Hello"}}`, 200, `"existing":true`},
		{"signal before waiting", "POST", "/runs/r1/signals/name", auth, `{"signalId":"e1","payload":{"name":"Ada"}}`, 200, `"kind":"accepted"`},
		{"unknown signal", "POST", "/runs/r1/signals/nmae", auth, `{"signalId":"e1","payload":{"name":"Ada"}}`, 404, `"code":"unknown_signal"`},
		{"signal without id", "POST", "/runs/r1/signals/name", auth, `{"payload":{"name":"Ada"}}`, 400, `signalId is required`},
		{"invalid payload", "POST", "/runs/r1/signals/name", auth, `{"signalId":"e1","payload":{}}`, 422, `"path":"/name"`},
		{"missing run", "POST", "/runs/nope/signals/name", auth, `{"signalId":"e1","payload":{"name":"Ada"}}`, 404, `"kind":"not-found"`},
		{"get", "GET", "/runs/r1", auth, ``, 200, `"status":"paused"`},
		{"get missing", "GET", "/runs/nope", auth, ``, 404, `"code":"not_found"`},
		{"approval without decision", "POST", "/runs/r1/approvals/a", auth, `{}`, 400, `approved is required`},
		{"no route", "DELETE", "/runs/r1", auth, ``, 404, `"code":"not_found"`},
	}
	for _, s := range steps {
		code, out := call(t, h, s.method, s.path, s.auth, s.body)
		raw, _ := json.Marshal(out)
		if code != s.wantStatus || !strings.Contains(string(raw), s.want) {
			t.Errorf("%s: %d %s, want %d with %s", s.name, code, raw, s.wantStatus, s.want)
		}
	}

	// When the timer fires, the kept signal finishes the run; a repeat is a
	// duplicate.
	b.Clock.Advance(2 * 60e9)
	if _, err := b.Runtime.Sweep(t.Context(), runtimeSweepDefaults()); err != nil {
		t.Fatal(err)
	}
	code, out := call(t, h, "GET", "/runs/r1", auth, ``)
	raw, _ := json.Marshal(out)
	if code != 200 || !strings.Contains(string(raw), `"status":"finished"`) || !strings.Contains(string(raw), `"output":"Hello, Ada"`) {
		t.Fatalf("run after the timer: %d %s", code, raw)
	}
	code, out = call(t, h, "POST", "/runs/r1/signals/name", auth, `{"signalId":"e1","payload":{"name":"Ada"}}`)
	if raw, _ := json.Marshal(out); code != 200 || !strings.Contains(string(raw), `"kind":"duplicate"`) {
		t.Fatalf("repeat: %d %s", code, raw)
	}
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
