// Package dashboard drives wf's dashboard from a real browser (headless
// Chromium through chromedp). It lives in the e2e module so that wf's own
// module does not require chromedp.
package dashboard_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/dashboard"
	"github.com/wfgo/wf/examples/expense"
	"github.com/wfgo/wf/internal/sqlitetest"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
)

const secret = "s3cret-for-tests"

// office records the expense example's notifications and ledger entries.
type office struct{}

func (office) Notify(context.Context, string, string, string) error  { return nil }
func (office) Record(context.Context, expense.Outcome, string) error { return nil }

// env is a dashboard served over HTTP on SQLite with a runtime behind it:
// the expense example, a "boom" workflow that fails and a "tick" workflow
// fired every 15 minutes.
type env struct {
	rt    *runtime.Runtime
	clock *testclock.Clock
	srv   *httptest.Server
}

func setup(t *testing.T) *env {
	t.Helper()
	clock := testclock.New(time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC))
	workflows := expense.Registrations(expense.Workflows{Expense: &expense.Expense{Notifier: office{}, Ledger: office{}}, ExpenseV1: &expense.ExpenseV1{Notifier: office{}, Ledger: office{}}})
	boom := wf.New("boom", func(ctx *wf.Context, in struct{}) (string, error) {
		return wf.Step(ctx, "explode", func(wf.StepContext) (string, error) { return "", errors.New("the fuse was short") })
	})
	tick := wf.New("tick", func(ctx *wf.Context, in struct{}) (string, error) { return "tock", nil })
	workflows = append(workflows, runtime.Workflow{Definition: boom},
		runtime.Workflow{Definition: tick, Schedules: []runtime.Schedule{{ID: "quarter-hourly", Spec: runtime.Every(15 * time.Minute)}}})
	rt, err := runtime.New(runtime.Config{Store: sqlitetest.New(t), Workflows: workflows, Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	h, err := dashboard.New(dashboard.Config{Runtime: rt, Path: "/dashboard/", Clock: clock.Now, Secret: secret, RefreshInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/dashboard/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{rt: rt, clock: clock, srv: srv}
}

func (e *env) url(path string) string {
	return e.srv.URL + "/dashboard/" + strings.TrimPrefix(path, "/")
}

// startExpense starts an expense claim, which pauses for the manager.
func (e *env) startExpense(t *testing.T, runID string, purpose string) {
	t.Helper()
	res, err := expense.StartExpense(context.Background(), e.rt, runID,
		expense.Request{ClaimID: runID, Employee: "ada", AmountCents: 12_050, Purpose: purpose})
	if err != nil || res.Kind != runtime.KindPaused {
		t.Fatalf("start %s: %+v %v", runID, res.Kind, err)
	}
}

func (e *env) status(t *testing.T, runID string) wf.RunStatus {
	t.Helper()
	run, err := e.rt.GetRun(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	return run.Status
}

var updateScreenshots = flag.Bool("update-screenshots", false, "rewrite docs/dashboard-*.png from the browser test")

// chromium finds Debian's Chromium (installed by .ci/run). Without it the
// browser test skips loudly, or fails under CI=true: CI must never pass
// without having clicked through the dashboard.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("WF_CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	msg := "CHROMIUM NOT FOUND: THE DASHBOARD WAS NOT TESTED IN A BROWSER (apt-get install chromium, or set WF_CHROMIUM)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	fmt.Fprintln(os.Stderr, msg)
	t.Skip(msg)
	return ""
}

// browser starts a headless Chromium with the flags this machine's closed
// network needs (no background connections) and a fresh profile.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 800),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return ctx
}

// TestBrowserApprove is the expense example driven from a real browser: sign
// in, open the approvals page, approve a claim with feedback, and see the run
// finished with the feedback in its timeline. With -update-screenshots it
// rewrites the screenshots the README shows.
func TestBrowserApprove(t *testing.T) {
	t.Parallel()
	ctx := browser(t)
	e := setup(t)
	e.populate(t)
	e.startExpense(t, "claim-browser", "conference ticket")

	base := e.url("")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base),
		chromedp.WaitVisible(chromedp.CSS(`input[name="secret"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="secret"]`), secret),
		chromedp.Click(chromedp.CSS(`form.login button`)),
		chromedp.WaitVisible(chromedp.CSS(`table.runs`)),
	); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	e.screenshot(t, ctx, "runs")

	section := `section.approval[data-run="claim-browser"]`
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"approvals"),
		chromedp.WaitVisible(chromedp.CSS(section)),
	); err != nil {
		t.Fatalf("approvals page: %v", err)
	}
	e.screenshot(t, ctx, "approvals")
	e.clock.Advance(95 * time.Minute) // the manager takes a while
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(section+` textarea[name="feedback"]`), "Approved: within the travel budget"),
		chromedp.Click(chromedp.CSS(section+` button[value="approve"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#run-status`)),
	); err != nil {
		t.Fatalf("approve: %v", err)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#run-status`)))
	if err != nil || status != "finished" {
		t.Fatalf("run status after approving: %q %v, want finished", status, err)
	}
	timeline, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#timeline`)))
	if err != nil || !strings.Contains(timeline, "Approved: within the travel budget") || !strings.Contains(timeline, "RUN_FINISHED") {
		t.Fatalf("timeline lacks the feedback or the end: %v\n%s", err, timeline)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.HasPrefix(loc, base+"runs/claim-browser") {
		t.Fatalf("after approving the browser is at %q, %v", loc, err)
	}
	e.screenshot(t, ctx, "run")

	// From the signed-in page, a POST without the CSRF token is refused;
	// from a client without the session, a POST is refused too; neither
	// decides the pending claim.
	e.startExpense(t, "claim-forged", "a yacht")
	forge := `(() => { const f = document.createElement("form"); f.method = "post";
		f.action = "/dashboard/runs/claim-forged/approvals/manager-approval";
		for (const [k, v] of [["decision", "approve"], ["feedback", "forged"]]) {
			const i = document.createElement("input"); i.name = k; i.value = v; f.appendChild(i);
		}
		document.body.appendChild(f); f.submit(); return true })()`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](forge)); err != nil {
		t.Fatalf("forged form: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#error`))); err != nil {
		t.Fatalf("forged form: %v", err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#error`)))
	if err != nil || !strings.Contains(msg, "CSRF token") {
		t.Errorf("browser POST without the CSRF token: %q %v, want the CSRF refusal", msg, err)
	}
	res, err := http.Post(base+"runs/claim-forged/approvals/manager-approval", "application/x-www-form-urlencoded",
		strings.NewReader("decision=approve&feedback=forged"))
	if err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST without the secret: %v %v, want 401", res, err)
	} else {
		res.Body.Close()
	}
	if got := e.status(t, "claim-forged"); got != "paused" {
		t.Errorf("claim-forged is %s after refused POSTs, want paused", got)
	}
}

// populate makes runs in every state the pages show: decided and pending
// claims, an errored run and scheduled ticks.
func (e *env) populate(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	claims := []struct{ id, purpose, decision string }{
		{"claim-1001", "team lunch", "approve"}, {"claim-1002", "taxi to the airport", "reject"},
		{"claim-1003", "new monitor", ""}, {"claim-1004", "client dinner", "approve"}, {"claim-1005", "books", ""},
	}
	for _, c := range claims {
		e.startExpense(t, c.id, c.purpose)
		e.clock.Advance(7 * time.Minute)
		if c.decision != "" {
			if _, err := e.rt.DeliverApproval(ctx, runtime.ApprovalDecision{RunID: c.id, ApprovalID: "manager-approval",
				Approved: c.decision == "approve", Feedback: "ok for " + c.purpose}); err != nil {
				t.Fatal(err)
			}
		}
		e.clock.Advance(3 * time.Minute)
	}
	if _, err := e.rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "boom", RunID: "boom-7", Input: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		e.clock.Advance(15 * time.Minute)
		if _, err := e.rt.Sweep(ctx, runtime.SweepOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

// screenshot writes docs/dashboard-<name>.png when -update-screenshots is
// set.
func (e *env) screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if !*updateScreenshots {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("..", "..", "..", "docs", "dashboard-"+name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
