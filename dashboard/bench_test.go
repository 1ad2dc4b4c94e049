package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wfgo/wf/dashboard"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

// runsPageFixture is a dashboard over n runs (expense claims paused for a
// decision, and errored runs) and the request for its first page.
func runsPageFixture(tb testing.TB, st store.Store, n int) (http.Handler, *http.Request) {
	tb.Helper()
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: workflows()})
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	for i := range n {
		req := runtime.StartRequest{WorkflowID: "expense", RunID: fmt.Sprintf("claim-%04d", i),
			Input: []byte(fmt.Sprintf(`{"claimId":"c-%d","employee":"ada","amountCents":1200,"purpose":"lunch"}`, i))}
		if i%10 == 0 {
			req = runtime.StartRequest{WorkflowID: "boom", RunID: fmt.Sprintf("boom-%04d", i), Input: []byte(`{}`)}
		}
		if _, err := rt.StartRun(ctx, req); err != nil {
			tb.Fatal(err)
		}
	}
	h, err := dashboard.New(dashboard.Config{Runtime: rt, Secret: secret})
	if err != nil {
		tb.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	return h, req
}

// TestFirstPageSmall: the runs page over 1,000 runs, with its stylesheet,
// stays under 100 KB.
func TestFirstPageSmall(t *testing.T) {
	t.Parallel()
	h, req := runsPageFixture(t, memstore.New(), 1000)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	css := httptest.NewRecorder()
	h.ServeHTTP(css, httptest.NewRequest(http.MethodGet, "/static/style.css", nil))
	if rec.Code != http.StatusOK || css.Code != http.StatusOK {
		t.Fatalf("runs page %d, stylesheet %d", rec.Code, css.Code)
	}
	if size := rec.Body.Len() + css.Body.Len(); size >= 100_000 {
		t.Fatalf("first page is %d bytes with its stylesheet, want < 100 KB", size)
	}
}

// BenchmarkRunsPage1000 renders the runs page (a page of 50 runs and the
// counts per status) over 1,000 stored runs.
func BenchmarkRunsPage1000(b *testing.B) {
	for _, s := range []struct {
		name string
		new  func(tb testing.TB) store.Store
	}{{"memstore", func(testing.TB) store.Store { return memstore.New() }}, {"sqlite", newSQLite}} {
		b.Run(s.name, func(b *testing.B) {
			h, req := runsPageFixture(b, s.new(b), 1000)
			var size int
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("runs page: %d", rec.Code)
				}
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size), "page-bytes")
		})
	}
}
