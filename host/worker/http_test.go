package worker_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wfgo/wf/host/worker"
)

// TestHandlerServesWhatIsConfigured: the ingress API with WF_INGRESS_SECRET,
// the dashboard under /dashboard/ with WF_DASHBOARD_SECRET, nothing with
// neither.
func TestHandlerServesWhatIsConfigured(t *testing.T) {
	t.Parallel()
	rt := newRuntime(t)
	serve := func(t *testing.T, env map[string]string) *httptest.Server {
		t.Helper()
		h, err := worker.Handler(rt, func(k string) string { return env[k] }, nil)
		if err != nil || h == nil {
			t.Fatalf("Handler: %v, %v", h, err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv
	}
	get := func(t *testing.T, url, bearer string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	if h, err := worker.Handler(rt, func(string) string { return "" }, nil); h != nil || err != nil {
		t.Fatalf("neither secret: %v, %v; want nothing served", h, err)
	}

	both := serve(t, map[string]string{worker.EnvIngressSecret: "in", worker.EnvDashboardSecret: "dash"})
	if status, body := get(t, both.URL+"/runs/nope", "in"); status != http.StatusNotFound || !strings.Contains(body, `"not_found"`) {
		t.Errorf("ingress GET: %d %s", status, body)
	}
	if status, body := get(t, both.URL+"/dashboard/", "dash"); status != http.StatusOK || !strings.Contains(body, "<h1>Runs</h1>") {
		t.Errorf("dashboard GET: %d %s", status, body)
	}
	if status, _ := get(t, both.URL+"/dashboard/", "in"); status != http.StatusSeeOther {
		t.Errorf("dashboard GET with the ingress secret: %d, want 303 to its sign-in page", status)
	}

	only := serve(t, map[string]string{worker.EnvDashboardSecret: "dash"})
	if status, _ := get(t, only.URL+"/runs/nope", "in"); status != http.StatusNotFound {
		t.Errorf("ingress GET without WF_INGRESS_SECRET: %d, want 404", status)
	}
	if status, _ := get(t, only.URL+"/dashboard/login", ""); status != http.StatusOK {
		t.Errorf("dashboard sign-in page: %d", status)
	}
}
