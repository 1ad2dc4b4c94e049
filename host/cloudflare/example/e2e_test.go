//go:build unix

package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf/host/cloudflare"
	"github.com/wfgo/wf/host/cloudflare/internal/wranglertest"
)

// TestWorkerd runs the example Worker for real under workerd, with a
// local D1 database, through wrangler: it builds the Worker with
// `wfcloudflare build`, applies the migrations, starts a run through the
// fetch ingress, fires the Cron Trigger (`wrangler dev --test-scheduled`),
// and checks that the sweep finished the run. Opt-in: WF_CLOUDFLARE_E2E=1.
func TestWorkerd(t *testing.T) {
	wrangler := wranglertest.Require(t)
	toml, err := os.ReadFile("wrangler.toml")
	if err != nil {
		t.Fatal(err)
	}
	// The test builds the Worker itself: drop the [build] step.
	build := regexp.MustCompile(`(?m)^\[build\]\n(?:[a-z_]+ = .*\n)+`)
	if !build.Match(toml) {
		t.Fatal("wrangler.toml has no [build] section to replace")
	}
	w := wranglertest.Build(t, ".", string(build.ReplaceAll(toml, nil)))
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancel()
	w.Migrate(t, ctx, wrangler, cloudflare.DefaultBinding)
	dev := w.Start(t, ctx, wrangler)

	call := func(method, path, secret, body string) (int, map[string]any) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, method, dev.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if secret != "" {
			req.Header.Set("Authorization", "Bearer "+secret)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v\nwrangler output:\n%s", method, path, err, dev.Output())
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		var out map[string]any
		if json.Unmarshal(raw, &out) != nil {
			out = map[string]any{"text": string(raw)}
		}
		return res.StatusCode, out
	}

	if status, body := call("GET", "/runs/e2e-1", "wrong", ""); status != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d %v, want 401", status, body)
	}
	status, body := call("POST", "/runs", w.Secret, `{"workflowId":"greet","runId":"e2e-1","input":{"name":"Ada","delaySeconds":1}}`)
	if result, _ := body["result"].(map[string]any); status != http.StatusCreated || result["kind"] != "paused" {
		t.Fatalf("start: %d %v, want 201 paused\nwrangler output:\n%s", status, body, dev.Output())
	}
	time.Sleep(1500 * time.Millisecond) // the run's timer falls due

	if status, body := call("GET", "/__scheduled?cron=*/5+*+*+*+*", "", ""); status != http.StatusOK {
		t.Fatalf("scheduled: %d %v\nwrangler output:\n%s", status, body, dev.Output())
	}
	status, body = call("GET", "/runs/e2e-1", w.Secret, "")
	run, _ := body["run"].(map[string]any)
	if status != http.StatusOK || run["status"] != "finished" {
		t.Fatalf("run after the sweep: %d %v, want finished\nwrangler output:\n%s", status, body, dev.Output())
	}
	if out, _ := json.Marshal(run["output"]); string(out) != `{"followUp":"Still there, Ada?","greeting":"Hello, Ada"}` {
		t.Errorf("output = %s", out)
	}
	sweep := regexp.MustCompile(`"msg":"wf sweep".*"scheduled":\{"completed":1\}.*"timers":\{"completed":1\}`)
	for stop := time.Now().Add(5 * time.Second); !sweep.MatchString(dev.Output()); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(stop) {
			t.Fatalf("no sweep summary with the hourly schedule started and one timer completed in the Worker's log:\n%s", dev.Output())
		}
	}
}
