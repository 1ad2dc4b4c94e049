package dashboard_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/dashboard"
	"github.com/wfgo/wf/examples/expense"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

func TestNewRefusesAnOpenDashboard(t *testing.T) {
	t.Parallel()
	rt, err := runtime.New(runtime.Config{Store: memstore.New(), Workflows: workflows()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dashboard.New(dashboard.Config{Runtime: rt}); err == nil {
		t.Fatal("New without Secret or Authorize: no error")
	}
	if _, err := dashboard.New(dashboard.Config{Secret: "x"}); err == nil {
		t.Fatal("New without Runtime: no error")
	}
}

// TestApproveWithFeedback is the human step done by a human: the approvals
// page lists the claim, its form approves it with feedback, and the run
// finishes with the feedback in its timeline.
func TestApproveWithFeedback(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		e := setup(t, st, dashboard.Config{})
		e.startExpense(t, "claim-1", "team lunch")
		e.login(t)
		status, body := e.get(t, "approvals")
		if status != http.StatusOK || !strings.Contains(body, "Approve an expense claim") || !strings.Contains(body, `action="/dashboard/runs/claim-1/approvals/manager-approval"`) {
			t.Fatalf("approvals page: %d\n%s", status, body)
		}
		form := url.Values{"csrf": {e.token(t, "approvals")}, "decision": {"approve"}, "feedback": {"enjoy <the> lunch"}}
		status, loc, body := e.post(t, "runs/claim-1/approvals/manager-approval", form, nil)
		if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/dashboard/runs/claim-1?flash=") {
			t.Fatalf("approve: %d %q\n%s", status, loc, body)
		}
		if got := e.status(t, "claim-1"); got != wf.StatusFinished {
			t.Fatalf("run status %s, want finished", got)
		}
		_, body = e.get(t, strings.TrimPrefix(loc, "/dashboard/"))
		for _, want := range []string{"Approved manager-approval: completed", `<span class="st finished" id="run-status">finished</span>`,
			"APPROVAL_RESOLVED", `feedback: <q class="feedback">enjoy &lt;the&gt; lunch</q>`, "RUN_FINISHED", "via=dashboard",
			"<code>approval:manager-approval</code></td><td>approval</td><td><code>manager-approval</code></td><td>consumed</td>"} {
			if !strings.Contains(body, want) {
				t.Errorf("run page lacks %q", want)
			}
		}
		if _, body := e.get(t, "approvals"); strings.Contains(body, "claim-1") {
			t.Error("the decided approval is still listed")
		}
	})
}

func TestRejectAndCancel(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		e := setup(t, st, dashboard.Config{})
		e.startExpense(t, "claim-r", "a boat")
		e.startExpense(t, "claim-c", "a car")
		e.login(t)
		tok := e.token(t, "")
		if status, _, body := e.post(t, "runs/claim-r/approvals/manager-approval", url.Values{"csrf": {tok}, "decision": {"reject"}, "feedback": {"no"}}, nil); status != http.StatusSeeOther {
			t.Fatalf("reject: %d\n%s", status, body)
		}
		tl, err := e.rt.Timeline(context.Background(), "claim-r")
		if err != nil {
			t.Fatal(err)
		}
		if !rejected(tl.Events) {
			t.Fatalf("claim-r's log has no rejection: %+v", tl.Events)
		}
		if status, _, body := e.post(t, "runs/claim-c/cancel", url.Values{"csrf": {tok}, "reason": {"duplicate claim"}}, nil); status != http.StatusSeeOther {
			t.Fatalf("cancel: %d\n%s", status, body)
		}
		if got := e.status(t, "claim-c"); got != wf.StatusCanceled {
			t.Fatalf("canceled run is %s", got)
		}
		if _, body := e.get(t, "runs/claim-c"); !strings.Contains(body, "duplicate claim") || strings.Contains(body, "Cancel run") {
			t.Errorf("canceled run's page: no reason or still a cancel button\n%s", body)
		}
		if status, _, _ := e.post(t, "runs/claim-c/approvals/manager-approval", url.Values{"csrf": {tok}, "decision": {"maybe"}}, nil); status != http.StatusBadRequest {
			t.Errorf("decision maybe: %d, want 400", status)
		}
		if status, _, body := e.post(t, "runs/claim-r/approvals/ceo-approval", url.Values{"csrf": {tok}, "decision": {"approve"}}, nil); status != http.StatusBadRequest || !strings.Contains(body, "unknown approval") {
			t.Errorf("an undeclared approval: %d, want 400 naming it\n%s", status, body)
		}
		if status, _, _ := e.post(t, "runs/nope/cancel", url.Values{"csrf": {tok}}, nil); status != http.StatusNotFound {
			t.Errorf("cancel an unknown run: %d, want 404", status)
		}
	})
}

func rejected(evs []wf.Event) bool {
	for _, ev := range evs {
		if ev.Type == wf.ApprovalResolved && ev.Approved != nil && !*ev.Approved && ev.Feedback == "no" {
			return true
		}
	}
	return false
}

// TestPostRefused: a POST without the CSRF token, with another browser's
// token, from another origin, or without the secret changes nothing.
func TestPostRefused(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		e := setup(t, st, dashboard.Config{})
		e.startExpense(t, "claim-x", "a boat")
		approve := func(tok string) url.Values {
			return url.Values{"csrf": {tok}, "decision": {"approve"}, "feedback": {"forged"}}
		}
		path := "runs/claim-x/approvals/manager-approval"

		anonTok := e.token(t, "login")
		if status, _, body := e.post(t, path, approve(anonTok), nil); status != http.StatusUnauthorized {
			t.Errorf("POST without the secret: %d, want 401\n%s", status, body)
		}
		if status, _, _ := e.post(t, path, approve(anonTok), http.Header{"Authorization": {"Bearer wrong"}}); status != http.StatusUnauthorized {
			t.Errorf("POST with a wrong bearer secret: %d, want 401", status)
		}
		if status, _, _ := e.post(t, "login", url.Values{"csrf": {anonTok}, "secret": {"guess"}}, nil); status != http.StatusUnauthorized {
			t.Errorf("login with a wrong secret: %d, want 401", status)
		}

		e.login(t)
		tok := e.token(t, "approvals")
		if status, _, body := e.post(t, path, approve(""), nil); status != http.StatusForbidden || !strings.Contains(body, "CSRF") {
			t.Errorf("POST without the token: %d, want 403\n%s", status, body)
		}
		other := setup(t, memstore.New(), dashboard.Config{})
		other.login(t)
		if status, _, _ := e.post(t, path, approve(other.token(t, "approvals")), nil); status != http.StatusForbidden {
			t.Errorf("POST with another browser's token: %d, want 403", status)
		}
		if status, _, _ := e.post(t, path, approve(tok), http.Header{"Origin": {"https://evil.example"}}); status != http.StatusForbidden {
			t.Errorf("POST from another origin: %d, want 403", status)
		}
		if status, _, _ := e.post(t, path, approve(tok), http.Header{"Referer": {"https://evil.example/page"}}); status != http.StatusForbidden {
			t.Errorf("POST referred by another origin: %d, want 403", status)
		}
		if status, _, _ := e.post(t, path, approve(tok), http.Header{"Sec-Fetch-Site": {"cross-site"}}); status != http.StatusForbidden {
			t.Errorf("POST a browser marks cross-site: %d, want 403", status)
		}
		if got := e.status(t, "claim-x"); got != wf.StatusPaused {
			t.Fatalf("after refused POSTs the run is %s, want paused", got)
		}
		if status, _, body := e.post(t, path, approve(tok), http.Header{"Origin": {e.srv.URL}}); status != http.StatusSeeOther {
			t.Fatalf("same-origin POST with the token: %d\n%s", status, body)
		}
	})
}

func TestSignInAndOut(t *testing.T) {
	t.Parallel()
	e := setup(t, memstore.New(), dashboard.Config{})
	res, err := e.client.Get(e.url("approvals?refresh=0"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/dashboard/login?next=approvals%3Frefresh%3D0" {
		t.Fatalf("anonymous GET: %d %q, want 303 to the sign-in page", res.StatusCode, loc)
	}
	tok := e.token(t, "login")
	status, loc, _ := e.post(t, "login", url.Values{"csrf": {tok}, "secret": {secret}, "next": {"approvals?refresh=0"}}, nil)
	if status != http.StatusSeeOther || loc != "/dashboard/approvals?refresh=0" {
		t.Fatalf("login: %d %q, want back to the approvals page", status, loc)
	}
	for _, c := range e.client.Jar.Cookies(mustURL(t, e.url(""))) {
		if strings.Contains(c.Value, secret) {
			t.Fatalf("cookie %s holds the secret", c.Name)
		}
	}
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
		if _, loc, _ := e.post(t, "login", url.Values{"csrf": {tok}, "secret": {secret}, "next": {next}}, nil); loc != "/dashboard/" {
			t.Errorf("login with next=%q redirects to %q, want the dashboard", next, loc)
		}
	}
	if status, _ := e.get(t, "approvals"); status != http.StatusOK {
		t.Fatalf("signed in: %d", status)
	}
	if status, _, _ := e.post(t, "logout", url.Values{"csrf": {tok}}, nil); status != http.StatusSeeOther {
		t.Fatalf("logout: %d", status)
	}
	if status, _ := e.get(t, "approvals"); status != http.StatusSeeOther {
		t.Fatalf("signed out: %d, want 303 to the sign-in page", status)
	}
	// Scripts may send the secret as a bearer token instead.
	req, _ := http.NewRequest(http.MethodGet, e.url(""), nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	if res, err := e.client.Do(req); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("bearer GET: %v %v", res, err)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestTrustedOrigins: behind a proxy that changes Host, the public origin
// may POST once trusted; a bad origin is refused by New.
func TestTrustedOrigins(t *testing.T) {
	t.Parallel()
	e := setup(t, memstore.New(), dashboard.Config{TrustedOrigins: []string{"https://ops.example.com"}})
	e.startExpense(t, "claim-p", "a lamp")
	e.login(t)
	form := url.Values{"csrf": {e.token(t, "approvals")}, "decision": {"approve"}}
	if status, _, body := e.post(t, "runs/claim-p/approvals/manager-approval", form, http.Header{"Origin": {"https://ops.example.com"}}); status != http.StatusSeeOther {
		t.Fatalf("POST from the trusted origin: %d\n%s", status, body)
	}
	rt, _ := runtime.New(runtime.Config{Store: memstore.New(), Workflows: workflows()})
	if _, err := dashboard.New(dashboard.Config{Runtime: rt, Secret: "x", TrustedOrigins: []string{"ops.example.com/path"}}); err == nil {
		t.Error("New took a malformed trusted origin")
	}
}

func TestAuthorizeFunc(t *testing.T) {
	t.Parallel()
	e := setup(t, memstore.New(), dashboard.Config{Authorize: func(r *http.Request) error {
		if r.Header.Get("X-User") == "" {
			return errors.New("no user")
		}
		return nil
	}})
	e.startExpense(t, "claim-a", "a lamp")
	if status, body := e.get(t, ""); status != http.StatusUnauthorized || !strings.Contains(body, "no user") {
		t.Fatalf("without X-User: %d\n%s", status, body)
	}
	req, _ := http.NewRequest(http.MethodGet, e.url("approvals"), nil)
	req.Header.Set("X-User", "ada")
	res, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	status, body := read(t, res)
	m := tokenRE.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		t.Fatalf("with X-User: %d\n%s", status, body)
	}
	form := url.Values{"csrf": {m[1]}, "decision": {"approve"}}
	if status, _, _ := e.post(t, "runs/claim-a/approvals/manager-approval", form, nil); status != http.StatusUnauthorized {
		t.Fatalf("POST without X-User: %d, want 401", status)
	}
	if status, _, _ := e.post(t, "runs/claim-a/approvals/manager-approval", form, http.Header{"X-User": {"ada"}}); status != http.StatusSeeOther {
		t.Fatalf("POST with X-User: %d, want 303", status)
	}
}

// TestPagesShowNoSecretsAndCutPayloads: no page holds the secret, and a
// payload above MaxPayloadBytes is cut.
func TestPagesShowNoSecretsAndCutPayloads(t *testing.T) {
	t.Parallel()
	e := setup(t, memstore.New(), dashboard.Config{MaxPayloadBytes: 256})
	long := strings.Repeat("z", 2000)
	e.startExpense(t, "claim-big", long)
	e.login(t)
	for _, path := range []string{"", "runs/claim-big", "approvals", "schedules", "failing", "login"} {
		status, body := e.get(t, path)
		if status != http.StatusOK || strings.Contains(body, secret) {
			t.Errorf("GET %s: %d, or the secret is in the page", path, status)
		}
		if strings.Contains(body, long) {
			t.Errorf("GET %s shows the whole 2,000-byte payload", path)
		}
	}
	if _, body := e.get(t, "runs/claim-big"); !strings.Contains(body, "cut: ") {
		t.Error("the run page does not say the input was cut")
	}
}

func TestRunsPage(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		e := setup(t, st, dashboard.Config{})
		for _, id := range []string{"claim-1", "claim-2", "claim-3"} {
			e.startExpense(t, id, "lunch")
			e.clock.Advance(1e9)
		}
		if _, err := e.rt.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "boom", RunID: "boom-1", Input: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
		e.login(t)
		status, body := e.get(t, "")
		for _, want := range []string{`<meta http-equiv="refresh" content="10">`, "paused <b>3</b>", "errored <b>1</b>", "finished <b>0</b>", "claim-3", "boom-1"} {
			if !strings.Contains(body, want) {
				t.Errorf("runs page (%d) lacks %q", status, want)
			}
		}
		_, body = e.get(t, "?status=errored&refresh=0")
		if strings.Contains(body, "claim-1") || !strings.Contains(body, "boom-1") || strings.Contains(body, "http-equiv") {
			t.Errorf("status filter or refresh=0 not applied\n%s", body)
		}
		_, body = e.get(t, "?workflow=expense&limit=2")
		if !strings.Contains(body, "claim-3") || !strings.Contains(body, "claim-2") || strings.Contains(body, ">claim-1<") || !strings.Contains(body, "Next page") {
			t.Fatalf("first page of 2\n%s", body)
		}
		next := nextRE.FindStringSubmatch(body)
		_, body = e.get(t, strings.ReplaceAll(next[1], "&amp;", "&")[len("/dashboard/"):]+"&limit=2")
		if !strings.Contains(body, ">claim-1<") || strings.Contains(body, ">claim-3<") {
			t.Fatalf("second page\n%s", body)
		}
		if status, _ := e.get(t, "?status=sleepy"); status != http.StatusBadRequest {
			t.Errorf("unknown status: %d, want 400", status)
		}
		if status, _ := e.get(t, "?cursor=%21%21"); status != http.StatusBadRequest {
			t.Errorf("bad cursor: %d, want 400", status)
		}
	})
}

var nextRE = regexpMust(`href="([^"]*cursor=[^"]*)">Next page`)

func TestFailingAndRunPageShowErrors(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		e := setup(t, st, dashboard.Config{})
		if _, err := e.rt.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "boom", RunID: "boom-1", Input: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
		e.login(t)
		_, body := e.get(t, "failing")
		if !strings.Contains(body, "boom-1") || !strings.Contains(body, "the fuse was short") {
			t.Errorf("failing page lacks the errored run\n%s", body)
		}
		_, body = e.get(t, "runs/boom-1")
		for _, want := range []string{"STEP_FAILED", "RUN_ERRORED", "the fuse was short", "<code>explode</code>"} {
			if !strings.Contains(body, want) {
				t.Errorf("run page lacks %q", want)
			}
		}
		if status, _ := e.get(t, "runs/nope"); status != http.StatusNotFound {
			t.Errorf("unknown run: %d, want 404", status)
		}
	})
}

func TestSchedulesPage(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		e := setup(t, st, dashboard.Config{})
		if _, err := e.rt.Sweep(context.Background(), runtime.SweepOptions{}); err != nil {
			t.Fatal(err)
		}
		e.login(t)
		_, body := e.get(t, "schedules")
		for _, want := range []string{"quarter-hourly", "<code>@every 15m0s</code>", "2026-04-01 09:15:00.000Z", `/dashboard/runs/quarter-hourly@`,
			`action="/dashboard/schedules/quarter-hourly/pause"`, `action="/dashboard/schedules/quarter-hourly/trigger"`} {
			if !strings.Contains(body, want) {
				t.Errorf("schedules page lacks %q\n%s", want, body)
			}
		}
		tok := e.token(t, "schedules")
		act := func(action string) (int, string) {
			t.Helper()
			status, loc, _ := e.post(t, "schedules/quarter-hourly/"+action, url.Values{"csrf": {tok}}, nil)
			return status, loc
		}
		if status, loc := act("pause"); status != http.StatusSeeOther || loc != "/dashboard/schedules?flash=Paused+quarter-hourly" {
			t.Fatalf("pause: %d %q", status, loc)
		}
		if _, body := e.get(t, "schedules"); !strings.Contains(body, `<span class="warn">paused</span>`) || !strings.Contains(body, `/quarter-hourly/resume"`) {
			t.Errorf("paused schedule's row\n%s", body)
		}
		if status, _ := act("trigger"); status != http.StatusBadRequest {
			t.Errorf("trigger a paused schedule: %d, want 400", status)
		}
		if status, _ := act("resume"); status != http.StatusSeeOther {
			t.Fatalf("resume: %d", status)
		}
		e.clock.Advance(90 * time.Second)
		status, loc := act("trigger")
		if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/dashboard/runs/quarter-hourly@2026-04-01T09:01:30Z?flash=Triggered") {
			t.Fatalf("trigger: %d %q", status, loc)
		}
		if got := e.status(t, "quarter-hourly@2026-04-01T09:01:30Z"); got != wf.StatusFinished {
			t.Errorf("triggered run is %s", got)
		}
		if status, _, _ := e.post(t, "schedules/nope/pause", url.Values{"csrf": {tok}}, nil); status != http.StatusBadRequest {
			t.Errorf("pause an unknown schedule: %d, want 400", status)
		}
		if status, _, _ := e.post(t, "schedules/quarter-hourly/explode", url.Values{"csrf": {tok}}, nil); status != http.StatusNotFound {
			t.Errorf("unknown action: %d, want 404", status)
		}
	})
}

// TestRunsPageCountLimit: past CountLimit runs, each status is counted on
// its own and a count at the limit shows as "limit+".
func TestRunsPageCountLimit(t *testing.T) {
	t.Parallel()
	e := setup(t, memstore.New(), dashboard.Config{CountLimit: 2})
	for _, id := range []string{"claim-1", "claim-2", "claim-3"} {
		e.startExpense(t, id, "lunch")
	}
	if _, err := e.rt.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "boom", RunID: "boom-1", Input: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	e.login(t)
	_, body := e.get(t, "")
	for _, want := range []string{"paused <b>2&#43;</b>", "errored <b>1</b>", "queued <b>0</b>"} {
		if !strings.Contains(body, want) {
			t.Errorf("runs page lacks %q\n%s", want, body)
		}
	}
	e2 := setup(t, memstore.New(), dashboard.Config{CountLimit: -1})
	e2.login(t)
	if _, body := e2.get(t, ""); strings.Contains(body, `class="counts"`) {
		t.Error("CountLimit -1 still shows counts")
	}
}

// TestRetry: an errored run's Retry button resumes it from its failed
// step; a finished or live run cannot be retried.
func TestRetry(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		e := setup(t, st, dashboard.Config{})
		id := "flaky-" + strings.ReplaceAll(t.Name(), "/", "-")
		if res, err := e.rt.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "flaky", RunID: id, Input: []byte(`{}`)}); err != nil || res.Kind != runtime.KindErrored {
			t.Fatalf("start: %s %v", res.Kind, err)
		}
		e.startExpense(t, "claim-live", "lunch")
		e.startExpense(t, "claim-done", "lunch")
		e.login(t)
		_, body := e.get(t, "failing")
		if !strings.Contains(body, `action="/dashboard/runs/`+id+`/retry"`) || !strings.Contains(body, "the service is down") {
			t.Fatalf("failing page has no Retry for %s\n%s", id, body)
		}
		repaired.Store(id, true)
		tok := e.token(t, "failing")
		status, loc, body := e.post(t, "runs/"+id+"/retry", url.Values{"csrf": {tok}, "reason": {"service back"}}, nil)
		if status != http.StatusSeeOther || !strings.Contains(loc, "Retry%3A+completed") {
			t.Fatalf("retry: %d %q\n%s", status, loc, body)
		}
		if got := e.status(t, id); got != wf.StatusFinished {
			t.Fatalf("retried run is %s, want finished", got)
		}
		_, body = e.get(t, "runs/"+id)
		if !strings.Contains(body, "by=dashboard") || !strings.Contains(body, "reason=service back") || strings.Contains(body, "Retry run") {
			t.Errorf("retried run's page lacks the retry marker or still offers Retry\n%s", body)
		}
		if status, loc, _ := e.post(t, "runs/"+id+"/retry", url.Values{"csrf": {tok}}, nil); status != http.StatusSeeOther || !strings.Contains(loc, "duplicate") {
			t.Errorf("a second retry: %d %q, want a duplicate", status, loc)
		}
		if _, err := expense.DecideExpenseManagerApproval(context.Background(), e.rt, "claim-done", true, ""); err != nil {
			t.Fatal(err)
		}
		for _, runID := range []string{"claim-done", "claim-live"} {
			if status, _, body := e.post(t, "runs/"+runID+"/retry", url.Values{"csrf": {tok}}, nil); status != http.StatusBadRequest {
				t.Errorf("retry %s: %d, want 400\n%s", runID, status, body)
			}
		}
	})
}

// TestParkedRuns: a run whose workflow no longer is registered is parked
// when its timer fires, and the failing page lists it with what it needs.
func TestParkedRuns(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		e := setup(t, st, dashboard.Config{})
		legacy := wf.New("legacy", func(ctx *wf.Context, in struct{}) (string, error) {
			wf.Sleep(ctx, time.Hour)
			return "done", nil
		})
		old, err := runtime.New(runtime.Config{Store: st, Workflows: append(workflows(), runtime.Workflow{Definition: legacy}), Clock: e.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		if res, err := old.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "legacy", RunID: "legacy-1", Input: []byte(`{}`)}); err != nil || res.Kind != runtime.KindPaused {
			t.Fatalf("start on the old build: %s %v", res.Kind, err)
		}
		e.clock.Advance(2 * time.Hour)
		if _, err := e.rt.Sweep(context.Background(), runtime.SweepOptions{}); err != nil {
			t.Fatal(err)
		}
		e.login(t)
		_, body := e.get(t, "failing")
		i := strings.Index(body, `<table class="parked">`)
		j := strings.Index(body, `<table class="backoff">`)
		if i < 0 || j < i || !strings.Contains(body[i:j], "legacy-1") || !strings.Contains(body[i:j], "<td>v1</td>") {
			t.Fatalf("parked table lacks legacy-1 needing v1\n%s", body)
		}
		if _, body := e.get(t, "runs/legacy-1"); !strings.Contains(body, "needs version v1") {
			t.Errorf("run page does not say the run is parked\n%s", body)
		}
	})
}

// TestKeptDeliveries: a decision for an approval the run has not reached
// is kept, and the run's page says so.
func TestKeptDeliveries(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		e := setup(t, st, dashboard.Config{})
		e.startExpense(t, "claim-k", "a desk")
		res, err := e.rt.DeliverApproval(context.Background(), runtime.ApprovalDecision{RunID: "claim-k", ApprovalID: "finance-approval", Approved: true, Feedback: "early"})
		if err != nil {
			t.Fatal(err)
		}
		e.login(t)
		_, body := e.get(t, "runs/claim-k")
		if !strings.Contains(body, "kept for a later wait") || !strings.Contains(body, "<code>approval:finance-approval</code>") {
			t.Errorf("early decision (%s) not shown as kept\n%s", res.Kind, body)
		}
	})
}

func TestQueues(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		e := setup(t, st, dashboard.Config{})
		for _, id := range []string{"q-1", "q-2", "q-3"} {
			if _, err := e.rt.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "queued", RunID: id, Input: []byte(`{}`), Partition: "acme"}); err != nil {
				t.Fatal(err)
			}
		}
		e.login(t)
		_, body := e.get(t, "queues")
		for _, want := range []string{">one-at-a-time<", "1 at once", `<td class="waiting"><a href="/dashboard/?queue=one-at-a-time&amp;status=queued">2</a></td>`, `<td class="in-progress">1</td>`} {
			if !strings.Contains(body, want) {
				t.Errorf("queues page lacks %q\n%s", want, body)
			}
		}
		_, body = e.get(t, "?queue=one-at-a-time&status=queued")
		if !strings.Contains(body, ">q-2<") || !strings.Contains(body, ">q-3<") || strings.Contains(body, ">q-1<") || !strings.Contains(body, "waits on one-at-a-time") {
			t.Errorf("runs page filtered by queue and status\n%s", body)
		}
		_, body = e.get(t, "runs/q-2")
		if !strings.Contains(body, "partition acme") || !strings.Contains(body, "waiting for a slot") {
			t.Errorf("run page of a waiting run lacks its queue state\n%s", body)
		}
		_, body = e.get(t, "runs/q-1")
		if !strings.Contains(body, "admitted ") {
			t.Errorf("run page of an admitted run lacks its admission\n%s", body)
		}
	})
}
