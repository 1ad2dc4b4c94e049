package vercel_test

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/host/internal/hosttest"
	"github.com/wfgo/wf/host/vercel"
	"github.com/wfgo/wf/runtime"
)

func TestSweepHandler(t *testing.T) {
	t.Parallel()
	b := hosttest.New(t, nil)
	h := vercel.SweepHandler(b.Runtime, vercel.Options{CronSecret: "cron-s3cret"})
	tests := []struct {
		name   string
		method string
		auth   string
		status int
	}{
		{"no header", "GET", "", 401},
		{"wrong secret", "GET", "Bearer nope", 401},
		{"not bearer", "GET", "cron-s3cret", 401},
		{"wrong method", "DELETE", "Bearer cron-s3cret", 405},
		{"vercel cron", "GET", "Bearer cron-s3cret", 200},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(tt.method, "/api/wf/sweep", nil)
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		rec := httptest.NewRecorder()
		h(rec, req)
		if rec.Code != tt.status {
			t.Fatalf("%s: status %d, want %d (%s)", tt.name, rec.Code, tt.status, rec.Body)
		}
		if tt.status == 401 && rec.Body.String() != "{\"error\":\"Unauthorized\",\"ok\":false}\n" {
			t.Fatalf("%s: body %s", tt.name, rec.Body)
		}
		if tt.status == 200 {
			var sum host.Summary
			if err := json.Unmarshal(rec.Body.Bytes(), &sum); err != nil {
				t.Fatal(err)
			}
			if !sum.OK || sum.Materialized != 1 || sum.Summary.Scheduled[runtime.KindPaused] != 1 {
				t.Fatalf("summary %s", rec.Body)
			}
			var raw map[string]any
			_ = json.Unmarshal(rec.Body.Bytes(), &raw)
			for _, key := range []string{"ok", "now", "leaseOwner", "materialized", "summary", "deadlineReached", "remainingMayExist"} {
				if _, ok := raw[key]; !ok {
					t.Fatalf("summary lacks %q: %s", key, rec.Body)
				}
			}
		}
	}
	// Without a configured secret every call is refused.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/api/wf/sweep", nil)
	req.Header.Set("Authorization", "Bearer ")
	vercel.SweepHandler(b.Runtime, vercel.Options{})(rec, req)
	if rec.Code != 401 {
		t.Fatalf("empty CRON_SECRET: %d", rec.Code)
	}
}
