package expense_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/examples/expense"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

// office records notifications and ledger entries.
type office struct {
	mu       sync.Mutex
	notified []string
	recorded []expense.Outcome
}

func (o *office) Notify(_ context.Context, who, _, key string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.notified = append(o.notified, who+" "+key)
	return nil
}

func (o *office) Record(_ context.Context, out expense.Outcome, _ string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.recorded = append(o.recorded, out)
	return nil
}

type clock = testclock.Clock

func newRuntime(t *testing.T, st store.Store, c *clock, workflows []runtime.Workflow) *runtime.Runtime {
	t.Helper()
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: workflows, Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

var claim = expense.Request{ClaimID: "c-1", Employee: "ada", AmountCents: 12_050, Purpose: "team lunch"}

func TestManagerApproves(t *testing.T) {
	t.Parallel()
	o, c := &office{}, testclock.New(time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC))
	rt := newRuntime(t, memstore.New(), c, expense.Registrations(expense.Workflows{Expense: &expense.Expense{Notifier: o, Ledger: o}, ExpenseV1: &expense.ExpenseV1{Notifier: o, Ledger: o}}))
	ctx := context.Background()
	res, err := expense.StartExpense(ctx, rt, "expense:c-1", claim)
	if err != nil || res.Kind != runtime.KindPaused || res.Run.PendingApproval() == nil {
		t.Fatalf("start: %+v %v", res, err)
	}
	res, err = expense.DecideExpenseManagerApproval(ctx, rt, "expense:c-1", true, "enjoy")
	if err != nil || res.Kind != runtime.KindCompleted {
		t.Fatalf("decide: %+v %v", res, err)
	}
	want := expense.Outcome{ClaimID: "c-1", Approved: true, DecidedBy: "manager", Feedback: "enjoy"}
	if len(o.recorded) != 1 || o.recorded[0] != want {
		t.Fatalf("ledger %+v, want one %+v", o.recorded, want)
	}
	// A second click on the same approval is a no-op.
	if res, _ := expense.DecideExpenseManagerApproval(ctx, rt, "expense:c-1", false, "oops"); res.Kind != runtime.KindDuplicate {
		t.Fatalf("second decision: %s", res.Kind)
	}
}

func TestTimeoutEscalatesToFinance(t *testing.T) {
	t.Parallel()
	o, c := &office{}, testclock.New(time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC))
	rt := newRuntime(t, memstore.New(), c, expense.Registrations(expense.Workflows{Expense: &expense.Expense{Notifier: o, Ledger: o}, ExpenseV1: &expense.ExpenseV1{Notifier: o, Ledger: o}}))
	ctx := context.Background()
	if _, err := expense.StartExpense(ctx, rt, "expense:c-2", claim); err != nil {
		t.Fatal(err)
	}
	c.Advance(47 * time.Hour)
	if sw, _ := rt.Sweep(ctx, runtime.SweepOptions{}); sw.Summary.EventCount != 0 {
		t.Fatalf("escalated early: %+v", sw.Summary)
	}
	c.Advance(2 * time.Hour)
	if _, err := rt.Sweep(ctx, runtime.SweepOptions{}); err != nil {
		t.Fatal(err)
	}
	run, err := rt.GetRun(ctx, "expense:c-2")
	if err != nil {
		t.Fatal(err)
	}
	if a := run.PendingApproval(); a == nil || a.ApprovalID != "finance-approval" {
		t.Fatalf("after 49h waiting for %+v, want the finance approval", a)
	}
	// The manager answers too late: the approval already timed out.
	res, err := expense.DecideExpenseManagerApproval(ctx, rt, "expense:c-2", true, "sorry, was away")
	if err != nil || res.Kind != runtime.KindLost || res.Code != wf.CodeApprovalLost {
		t.Fatalf("late manager decision: %s %s %v", res.Kind, res.Code, err)
	}
	res, err = expense.DecideExpenseFinanceApproval(ctx, rt, "expense:c-2", false, "over budget")
	if err != nil || res.Kind != runtime.KindCompleted {
		t.Fatalf("finance decision: %+v %v", res, err)
	}
	want := expense.Outcome{ClaimID: "c-1", DecidedBy: "finance", Feedback: "over budget", Escalated: true}
	if len(o.recorded) != 1 || o.recorded[0] != want {
		t.Fatalf("ledger %+v, want %+v", o.recorded, want)
	}
	if len(o.notified) != 2 || o.notified[1] != "finance expense:c-2/notify-finance" {
		t.Fatalf("notifications %v", o.notified)
	}
}

func TestRunsInFlightFinishOnV1(t *testing.T) {
	t.Parallel()
	o, c := &office{}, testclock.New(time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC))
	st := memstore.New()
	ctx := context.Background()
	// Yesterday's deployment knew only v1.
	v1 := newRuntime(t, st, c, []runtime.Workflow{{Definition: expense.NewExpenseV1Definition(&expense.ExpenseV1{Notifier: o, Ledger: o})}})
	if res, err := v1.StartRun(ctx, runtime.StartRequest{WorkflowID: "expense", RunID: "old", Input: mustJSON(t, claim)}); err != nil || res.Run.Version != "v1" {
		t.Fatalf("start on v1: %+v %v", res, err)
	}
	// Today's deployment has v2, with v1 still registered.
	v2 := newRuntime(t, st, c, expense.Registrations(expense.Workflows{Expense: &expense.Expense{Notifier: o, Ledger: o}, ExpenseV1: &expense.ExpenseV1{Notifier: o, Ledger: o}}))
	if res, err := expense.StartExpense(ctx, v2, "new", claim); err != nil || res.Run.Version != "v2" {
		t.Fatalf("start on v2: %+v %v", res, err)
	}
	// 72 hours later: the v2 run escalates, the v1 run still waits for its manager.
	c.Advance(72 * time.Hour)
	if _, err := v2.Sweep(ctx, runtime.SweepOptions{}); err != nil {
		t.Fatal(err)
	}
	old, _ := v2.GetRun(ctx, "old")
	if a := old.PendingApproval(); old.Version != "v1" || a == nil || a.ApprovalID != "manager-approval" {
		t.Fatalf("v1 run after 72h: version %s waiting for %+v", old.Version, a)
	}
	res, err := expense.DecideExpenseV1ManagerApproval(ctx, v2, "old", true, "fine")
	if err != nil || res.Kind != runtime.KindCompleted {
		t.Fatalf("v1 decision: %+v %v", res, err)
	}
	fresh, _ := v2.GetRun(ctx, "new")
	if a := fresh.PendingApproval(); a == nil || a.ApprovalID != "finance-approval" {
		t.Fatalf("v2 run after 72h waiting for %+v, want finance", a)
	}
}

func TestInvalidClaimIsRefused(t *testing.T) {
	t.Parallel()
	o, c := &office{}, testclock.New(time.Now())
	rt := newRuntime(t, memstore.New(), c, expense.Registrations(expense.Workflows{Expense: &expense.Expense{Notifier: o, Ledger: o}, ExpenseV1: &expense.ExpenseV1{Notifier: o, Ledger: o}}))
	_, err := expense.StartExpense(context.Background(), rt, "bad", expense.Request{ClaimID: "c", Employee: "ada", AmountCents: 0})
	var ve *wf.ValidationError
	if !errors.As(err, &ve) || ve.Issues[0].Path != "/amountCents" {
		t.Fatalf("err %v, want a validation error at /amountCents", err)
	}
}

func TestUndeclaredApprovalIsRefused(t *testing.T) {
	t.Parallel()
	o, c := &office{}, testclock.New(time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC))
	rt := newRuntime(t, memstore.New(), c, expense.Registrations(expense.Workflows{Expense: &expense.Expense{Notifier: o, Ledger: o}, ExpenseV1: &expense.ExpenseV1{Notifier: o, Ledger: o}}))
	ctx := context.Background()
	if _, err := expense.StartExpense(ctx, rt, "expense:c-1", claim); err != nil {
		t.Fatal(err)
	}
	_, err := rt.DeliverApproval(ctx, runtime.ApprovalDecision{RunID: "expense:c-1", ApprovalID: "manger-approval", Approved: true})
	if !errors.Is(err, runtime.ErrUnknownApproval) {
		t.Fatalf("a misspelled approval: %v, want ErrUnknownApproval", err)
	}
}

// TestUndecodableClaimIsRefused: amounts that the schema's "integer"
// accepts but an int64 cannot hold are a validation error before the run
// is stored.
func TestUndecodableClaimIsRefused(t *testing.T) {
	t.Parallel()
	o, c := &office{}, testclock.New(time.Now())
	st := memstore.New()
	rt := newRuntime(t, st, c, expense.Registrations(expense.Workflows{Expense: &expense.Expense{Notifier: o, Ledger: o}, ExpenseV1: &expense.ExpenseV1{Notifier: o, Ledger: o}}))
	for _, amount := range []string{`1.0`, `1e30`, `9223372036854775808`} {
		input := json.RawMessage(`{"claimId": "c", "employee": "ada", "amountCents": ` + amount + `, "purpose": "lunch"}`)
		_, err := rt.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "expense", RunID: "bad-" + amount, Input: input})
		var ve *wf.ValidationError
		if !errors.As(err, &ve) || ve.Issues[0].Path != "/amountCents" {
			t.Errorf("amountCents %s: err %v, want a validation error at /amountCents", amount, err)
		}
		if _, err := st.GetRun(context.Background(), "bad-"+amount); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("amountCents %s: the refused run was stored (%v)", amount, err)
		}
	}
}
