package dashboard_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/dashboard"
	"github.com/wfgo/wf/examples/expense"
	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/internal/sqlitetest"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
	"github.com/wfgo/wf/store/postgres"
)

const secret = "s3cret-for-tests"

// stores are the stores the dashboard's tests run on, for real.
var stores = []struct {
	name string
	new  func(t *testing.T) store.Store
}{
	{"memstore", func(*testing.T) store.Store { return memstore.New() }},
	{"sqlite", func(t *testing.T) store.Store { return newSQLite(t) }},
	{"postgres", newPostgres},
}

func forEachStore(t *testing.T, fn func(t *testing.T, st store.Store)) {
	for _, f := range stores {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			fn(t, f.new(t))
		})
	}
}

func newSQLite(t testing.TB) store.Store { return sqlitetest.New(t) }

func newPostgres(t *testing.T) store.Store {
	t.Helper()
	db := pgtest.New(t)
	ctx := context.Background()
	if err := postgres.Migrate(ctx, db.Pool, postgres.WithSchema(db.Schema)); err != nil {
		t.Fatal(err)
	}
	st, err := postgres.New(ctx, db.Pool, postgres.WithSchema(db.Schema))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// office records the expense example's notifications and ledger entries.
type office struct{}

func (office) Notify(context.Context, string, string, string) error  { return nil }
func (office) Record(context.Context, expense.Outcome, string) error { return nil }

// repaired holds the IDs of "flaky" runs whose service works again.
var repaired sync.Map

// workflows are the expense example, a "boom" workflow that fails with an
// error, a "flaky" one that fails until its run ID is in repaired, a
// "tick" workflow fired every 15 minutes, a "parent" that runs a tick as
// its child, and a "queued" one that runs one at a time and waits for its
// "go" signal.
func workflows() []runtime.Workflow {
	out := expense.Registrations(expense.Workflows{Expense: &expense.Expense{Notifier: office{}, Ledger: office{}}, ExpenseV1: &expense.ExpenseV1{Notifier: office{}, Ledger: office{}}})
	boom := wf.New("boom", func(ctx *wf.Context, in struct{}) (string, error) {
		return wf.Step(ctx, "explode", func(wf.StepContext) (string, error) { return "", errors.New("the fuse was short") })
	})
	flaky := wf.New("flaky", func(ctx *wf.Context, in struct{}) (string, error) {
		return wf.Step(ctx, "call", func(sc wf.StepContext) (string, error) {
			if _, ok := repaired.Load(ctx.RunID()); !ok {
				return "", errors.New("the service is down")
			}
			return "called", nil
		})
	})
	queued := wf.New("queued", func(ctx *wf.Context, in struct{}) (string, error) { return wf.WaitForEvent[string](ctx, "go") })
	tick := wf.New("tick", func(ctx *wf.Context, in json.RawMessage) (string, error) { return "tock", nil })
	parent := wf.New("parent", func(ctx *wf.Context, in struct{}) (string, error) {
		return wf.StartChild[string](ctx, "tick-once", "tick", json.RawMessage(`{}`)).Get()
	})
	return append(out,
		runtime.Workflow{Definition: boom},
		runtime.Workflow{Definition: flaky},
		runtime.Workflow{Definition: parent},
		runtime.Workflow{Definition: queued, Queue: &runtime.Queue{Name: "one-at-a-time", Concurrency: 1}},
		runtime.Workflow{Definition: tick, Schedules: []runtime.Schedule{{ID: "quarter-hourly", Spec: runtime.Every(15 * time.Minute)}}},
	)
}

// env is a dashboard served over HTTP with a runtime behind it.
type env struct {
	rt     *runtime.Runtime
	clock  *testclock.Clock
	srv    *httptest.Server
	client *http.Client
}

// setup serves a dashboard over st under /dashboard/, with cfg's fields
// (Runtime and Path are filled in; Secret too when no Authorize is set).
func setup(t *testing.T, st store.Store, cfg dashboard.Config) *env {
	t.Helper()
	clock := testclock.New(time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC))
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: workflows(), Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Runtime, cfg.Path, cfg.Clock = rt, "/dashboard/", clock.Now
	if cfg.Authorize == nil && cfg.Secret == "" {
		cfg.Secret = secret
	}
	h, err := dashboard.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/dashboard/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &env{rt: rt, clock: clock, srv: srv, client: client}
}

func (e *env) url(path string) string {
	return e.srv.URL + "/dashboard/" + strings.TrimPrefix(path, "/")
}

// get returns a page's status and body.
func (e *env) get(t *testing.T, path string) (int, string) {
	t.Helper()
	res, err := e.client.Get(e.url(path))
	if err != nil {
		t.Fatal(err)
	}
	return read(t, res)
}

// post sends a form; it returns the status, the Location and the body.
func (e *env) post(t *testing.T, path string, form url.Values, header http.Header) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url(path), strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	status, body := read(t, res)
	return status, res.Header.Get("Location"), body
}

func read(t *testing.T, res *http.Response) (int, string) {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

var tokenRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// token reads the CSRF token of the forms on a page.
func (e *env) token(t *testing.T, path string) string {
	t.Helper()
	status, body := e.get(t, path)
	m := tokenRE.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		t.Fatalf("GET %s: %d, no CSRF token in\n%s", path, status, body)
	}
	return m[1]
}

// login signs in with the secret through the form.
func (e *env) login(t *testing.T) {
	t.Helper()
	status, loc, body := e.post(t, "login", url.Values{"csrf": {e.token(t, "login")}, "secret": {secret}}, nil)
	if status != http.StatusSeeOther || loc != "/dashboard/" {
		t.Fatalf("login: %d %q\n%s", status, loc, body)
	}
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
