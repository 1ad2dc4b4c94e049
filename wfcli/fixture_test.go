package wfcli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/internal/sqlitetest"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/postgres"
)

// t0 is when the fixture's first run starts.
var t0 = time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)

type orderInput struct {
	Item string `json:"item"`
}

type payment struct {
	Amount float64 `json:"amount"`
}

type orderOutput struct {
	Item     string  `json:"item"`
	Amount   float64 `json:"amount"`
	Approved bool    `json:"approved"`
	Feedback string  `json:"feedback,omitempty"`
}

// order reserves its item, waits up to an hour for a payment, then for a
// manager's approval.
func order() *wf.Definition {
	return wf.New("order", func(ctx *wf.Context, in orderInput) (orderOutput, error) {
		if _, err := wf.Step(ctx, "reserve", func(wf.StepContext) (string, error) { return "reserved " + in.Item, nil }); err != nil {
			return orderOutput{}, err
		}
		p, err := wf.WaitForEvent[payment](ctx, "payment", wf.Timeout(time.Hour))
		if err != nil {
			return orderOutput{}, err
		}
		a, err := wf.Approve(ctx, wf.ApprovalRequest{ID: "manager", Title: "Approve the order of " + in.Item})
		if err != nil {
			return orderOutput{}, err
		}
		return orderOutput{Item: in.Item, Amount: p.Amount, Approved: a.Approved, Feedback: a.Feedback}, nil
	}, wf.Version("v2"))
}

func validatePayment(raw json.RawMessage) error {
	var p payment
	if err := json.Unmarshal(raw, &p); err != nil || p.Amount <= 0 {
		return &wf.ValidationError{Subject: "signal payment", Issues: []wf.ValidationIssue{{Path: "/amount", Message: "must be positive"}}}
	}
	return nil
}

// broken fails its only step.
func broken() *wf.Definition {
	return wf.New("broken", func(ctx *wf.Context, _ struct{}) (int, error) {
		return wf.Step(ctx, "charge", func(wf.StepContext) (int, error) { return 0, errors.New("card declined") })
	})
}

// digest finishes at once; it runs on two schedules.
func digest() *wf.Definition {
	return wf.New("digest", func(ctx *wf.Context, in struct {
		Scope string `json:"scope"`
	}) (string, error) {
		return "digest of " + in.Scope, nil
	})
}

// importJob is the input of the queued import workflow.
type importJob struct {
	Tenant string `json:"tenant"`
}

// importer runs on queue imports, one at a time per tenant: it waits for
// its "done" signal, holding its slot.
func importer() *wf.Definition {
	return wf.New("import", func(ctx *wf.Context, in importJob) (string, error) {
		return wf.WaitForEvent[string](ctx, "done")
	})
}

func workflows() []runtime.Workflow {
	return []runtime.Workflow{
		{Definition: importer(), Queue: &runtime.Queue{Name: "imports", Concurrency: 1, Partitioned: true},
			QueueKeys: runtime.QueueKeysOf(func(in importJob) string { return in.Tenant }, nil)},
		{Definition: order(), Signals: map[string]wf.Validator{"payment": validatePayment}, Schedules: []runtime.Schedule{
			{ID: "restock-hourly", Spec: runtime.Every(time.Hour), Input: json.RawMessage(`{"item":"paper"}`)},
		}},
		{Definition: broken()},
		{Definition: digest(), Schedules: []runtime.Schedule{
			{ID: "digest-15m", Spec: runtime.Every(15 * time.Minute), Input: json.RawMessage(`{"scope":"all"}`)},
			{ID: "paris-9am", Spec: runtime.Cron("0 9 * * MON-FRI", "Europe/Paris"), Overlap: runtime.OverlapAllow,
				Input: json.RawMessage(`{"scope":"eu"}`)},
		}},
	}
}

// legacy is a workflow the fixture's app no longer registers: its run is
// parked when a delivery makes the app drive it.
func legacy() *wf.Definition {
	return wf.New("legacy", func(ctx *wf.Context, _ struct{}) (string, error) {
		return wf.WaitForEvent[string](ctx, "go")
	})
}

// startImports starts three imports of tenant acme at 09:11: the first
// is admitted and waits for its signal, the two others wait on the queue.
func (f *fixture) startImports(t *testing.T) {
	t.Helper()
	f.clock.Set(t0.Add(11 * time.Minute))
	for i := 1; i <= 3; i++ {
		if _, err := f.rt.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "import", RunID: fmt.Sprintf("import-%d", i),
			Input: json.RawMessage(`{"tenant":"acme"}`), Priority: i % 3}); err != nil {
			t.Fatal(err)
		}
	}
}

// fixture is a store holding runs in every state, and the flags that
// name it.
type fixture struct {
	flags []string
	clock *testclock.Clock
	rt    *runtime.Runtime
	store store.Store
}

type storeKind struct {
	name string
	open func(t *testing.T) (store.Store, []string)
}

var storeKinds = []storeKind{{"sqlite", openSQLite}, {"postgres", openPostgres}}

func openSQLite(t *testing.T) (store.Store, []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wf.db")
	return sqlitetest.Store(t, sqlitetest.Open(t, path)), []string{"--sqlite", path}
}

func openPostgres(t *testing.T) (store.Store, []string) {
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
	return st, []string{"--database-url", pgtest.URL(), "--schema", db.Schema}
}

// newFixture fills a store: order-1 awaits its payment, order-2 its
// approval, broken-1 errored, legacy-1 is parked, and the three schedules
// ran their latest ticks (restock-hourly's run awaits its payment). The clock is then at 09:10.
func newFixture(t *testing.T, kind storeKind) *fixture {
	t.Helper()
	st, flags := kind.open(t)
	f := &fixture{flags: flags, clock: testclock.New(t0), store: st}
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: workflows(), Clock: f.clock.Now, Owner: "fixture",
		NewUUID: func() string { return "uuid" }, DisableTelemetry: true})
	if err != nil {
		t.Fatal(err)
	}
	f.rt = rt
	ctx := context.Background()
	start := func(at time.Duration, workflow, id, input string) {
		f.clock.Set(t0.Add(at))
		if _, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: workflow, RunID: id, Input: json.RawMessage(input)}); err != nil {
			t.Fatal(err)
		}
	}
	start(0, "order", "order-1", `{"item":"book"}`)
	start(time.Minute, "order", "order-2", `{"item":"lamp"}`)
	f.clock.Set(t0.Add(2*time.Minute + 1500*time.Millisecond))
	if _, err := rt.DeliverSignal(ctx, runtime.SignalRequest{RunID: "order-2", SignalID: "pay-2", Name: "payment",
		Payload: json.RawMessage(`{"amount":40}`)}); err != nil {
		t.Fatal(err)
	}
	start(3*time.Minute, "broken", "broken-1", `{}`)
	f.parkLegacy(t, st)
	f.clock.Set(t0.Add(4 * time.Minute))
	if _, err := rt.Sweep(ctx, runtime.SweepOptions{}); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(t0.Add(10 * time.Minute))
	return f
}

// parkLegacy starts legacy-1 with an older build, then delivers its signal
// with the current one, which parks it.
func (f *fixture) parkLegacy(t *testing.T, st store.Store) {
	t.Helper()
	ctx := context.Background()
	old, err := runtime.New(runtime.Config{Store: st, Workflows: []runtime.Workflow{{Definition: legacy()}},
		Clock: f.clock.Now, Owner: "old", DisableTelemetry: true})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Set(t0.Add(3*time.Minute + 30*time.Second))
	if _, err := old.StartRun(ctx, runtime.StartRequest{WorkflowID: "legacy", RunID: "legacy-1", Input: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	res, err := f.rt.DeliverSignal(ctx, runtime.SignalRequest{RunID: "legacy-1", SignalID: "go-1", Name: "go", Payload: json.RawMessage(`"now"`)})
	if err != nil || res.Kind != runtime.KindParked {
		t.Fatalf("deliver to legacy-1: %+v, %v; want it parked", res, err)
	}
}

// addChildren gives order-1 two children, as a workflow starting them
// would store them: order-1.ship (attached, queued, created at 09:05) and
// order-1.audit (detached, finished at 09:06).
func (f *fixture) addChildren(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	ship := store.NewRun{ID: wf.ChildRunID("order-1", "ship"), WorkflowID: "order", Version: "v2", Status: wf.StatusQueued,
		Input: json.RawMessage(`{"item":"book"}`), Parent: &store.Parent{RunID: "order-1", StepID: "ship"},
		Lease: store.Lease{Now: t0.Add(5 * time.Minute)}}
	audit := store.NewRun{ID: wf.ChildRunID("order-1", "audit"), WorkflowID: "digest", Version: "v1", Status: wf.StatusRunning,
		Input: json.RawMessage(`{"scope":"book"}`), Parent: &store.Parent{RunID: "order-1", StepID: "audit", Detached: true},
		Lease: store.Lease{Owner: "fixture", Now: t0.Add(6 * time.Minute), Until: t0.Add(7 * time.Minute)}}
	for _, nr := range []store.NewRun{ship, audit} {
		if _, _, err := f.store.CreateRun(ctx, nr); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.store.Commit(ctx, store.Commit{RunID: audit.ID, Owner: "fixture", Status: wf.StatusFinished,
		Events: []wf.Event{{Type: wf.RunFinished, Time: t0.Add(6 * time.Minute), Output: json.RawMessage(`"digest of book"`)}},
		Output: json.RawMessage(`"digest of book"`), Now: t0.Add(6 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
}
