package host_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/host/internal/hosttest"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store/memstore"
)

// TestIngressStoreLimit: a request within the HTTP body limit whose stored
// form is over the store's payload limit gets 413 too_large, and nothing
// is written.
func TestIngressStoreLimit(t *testing.T) {
	t.Parallel()
	const storeLimit = 300
	b := hosttest.New(t, memstore.New(memstore.WithMaxPayloadSize(storeLimit)))
	h, err := host.NewIngress(host.IngressConfig{Runtime: b.Runtime, Secret: "s3cret", MaxBodyBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	const auth = "Bearer s3cret"
	ctx := t.Context()

	big := strings.Repeat("x", storeLimit)
	code, out := call(t, h, "POST", "/runs", auth, `{"workflowId":"greet","runId":"big","input":{"greeting":"`+big+`"}}`)
	if raw, _ := json.Marshal(out); code != 413 || !strings.Contains(string(raw), `"code":"too_large"`) {
		t.Errorf("start with an input over the store's limit: %d %s, want 413 too_large", code, raw)
	}
	if _, err := b.Store.GetRun(ctx, "big"); err == nil {
		t.Error("the refused run was stored")
	}

	if code, _ := call(t, h, "POST", "/runs", auth, `{"workflowId":"greet","runId":"r1","input":{"greeting":"Hi"}}`); code != 201 {
		t.Fatalf("start: %d", code)
	}
	b.Clock.Advance(time.Minute)
	if _, err := b.Runtime.Sweep(ctx, runtime.SweepOptions{}); err != nil {
		t.Fatal(err)
	}
	// The payload alone fits the store's limit; with the delivery's other
	// fields and meta it does not.
	name := strings.Repeat("n", storeLimit-40)
	code, out = call(t, h, "POST", "/runs/r1/signals/name", auth,
		`{"signalId":"e1","payload":{"name":"`+name+`"},"meta":{"source":"webhook"}}`)
	if raw, _ := json.Marshal(out); code != 413 || !strings.Contains(string(raw), `"code":"too_large"`) || strings.Contains(string(raw), "SIGNAL_RESOLVED") {
		t.Errorf("signal over the store's limit: %d %s, want 413 too_large without the store's details", code, raw)
	}
	ex, err := b.Store.LoadExecution(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ex.Deliveries {
		if d.Name == "name" {
			t.Errorf("the refused signal was stored: %+v", d.SignalID)
		}
	}
	if ex.Run.Status != wf.StatusPaused {
		t.Errorf("after a refused signal: run %s, want paused", ex.Run.Status)
	}
	if code, out := call(t, h, "POST", "/runs/r1/signals/name", auth, `{"signalId":"e2","payload":{"name":"Ada"}}`); code != 200 {
		t.Errorf("a signal that fits: %d %v", code, out)
	}
}

// call serves one request and decodes its JSON answer.
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
