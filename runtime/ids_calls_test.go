package runtime_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

// badIDs break one ID rule each; on every store, no call stores anything
// for them.
var badIDs = map[string]string{
	"empty":       "",
	"8 KB":        strings.Repeat("r", 8192),
	"3 KB random": "\x8a\x01" + strings.Repeat("\xe2\x98", 1500),
	"NUL":         "run\x00one",
	"slash":       "a/b",
	"dot":         ".",
	"dot dot":     "..",
	"bad UTF-8":   "\xff\xfe",
	"reserved":    "__timer",
}

func TestCallsRefuseInvalidIDs(t *testing.T) {
	t.Parallel()
	forEachStore(t, testCallsRefuseInvalidIDs)
}

func testCallsRefuseInvalidIDs(t *testing.T, newStore func(*testing.T) store.Store) {
	b := setupOn(t, newStore(t))
	ctx := context.Background()
	start := func(runID string) error {
		_, err := b.rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "fulfillment", RunID: runID, Input: raw(t, orderInput{OrderID: "o", DelayMs: 60_000})})
		return err
	}
	if err := start("r"); err != nil {
		t.Fatal(err)
	}
	b.clock.Advance(time.Minute)
	before := deliveryCount(t, b, "r")
	for name, id := range badIDs {
		if name != "empty" { // an empty run ID asks for a random one
			expectInvalid(t, "start "+name, runtime.FieldRunID, start(id))
		}
		pay := raw(t, paymentReceived{"p"})
		for field, req := range map[string]runtime.SignalRequest{
			runtime.FieldRunID:      {RunID: id, SignalID: "s", Name: "payment-received", Payload: pay},
			runtime.FieldSignalID:   {RunID: "r", SignalID: id, Name: "payment-received", Payload: pay},
			runtime.FieldSignalName: {RunID: "r", SignalID: "s", Name: id, Payload: pay},
		} {
			_, err := b.rt.DeliverSignal(ctx, req)
			expectInvalid(t, "signal "+name, field, err)
		}
		if name != "empty" {
			_, err := b.rt.DeliverSignal(ctx, runtime.SignalRequest{RunID: "r", SignalID: "s", Name: "payment-received", StepID: id, Payload: pay})
			expectInvalid(t, "signal step "+name, runtime.FieldStepID, err)
		}
		_, err := b.rt.DeliverApproval(ctx, runtime.ApprovalDecision{RunID: id, ApprovalID: "a", Approved: true})
		expectInvalid(t, "approval run "+name, runtime.FieldRunID, err)
		_, err = b.rt.DeliverApproval(ctx, runtime.ApprovalDecision{RunID: "r", ApprovalID: id, Approved: true})
		expectInvalid(t, "approval "+name, runtime.FieldApprovalID, err)
	}
	_, err := b.rt.DeliverSignal(ctx, runtime.SignalRequest{RunID: "r", SignalID: "approval:large-order", Name: "payment-received", Payload: raw(t, paymentReceived{"p"})})
	expectInvalid(t, "approval: prefix", runtime.FieldSignalID, err)

	page, err := b.rt.ListRuns(ctx, store.ListQuery{})
	if err != nil || len(page.Runs) != 1 || page.Runs[0].ID != "r" {
		t.Fatalf("runs after refused calls: %+v %v", page.Runs, err)
	}
	if after := deliveryCount(t, b, "r"); after != before {
		t.Fatalf("refused calls stored deliveries: %d, then %d", before, after)
	}
}

func expectInvalid(t *testing.T, what, field string, err error) {
	t.Helper()
	var ie *runtime.InvalidIDError
	if !errors.Is(err, runtime.ErrInvalidID) || !errors.As(err, &ie) || ie.Field != field {
		t.Errorf("%s: %v, want an invalid %s", what, err, field)
		return
	}
	if len(err.Error()) > 300 {
		t.Errorf("%s: the message quotes the whole ID (%d bytes)", what, len(err.Error()))
	}
}

func deliveryCount(t *testing.T, b bundle, runID string) int {
	t.Helper()
	ex, err := b.store.LoadExecution(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	return len(ex.Deliveries)
}

func TestUnknownApproval(t *testing.T) {
	t.Parallel()
	review := wf.New("review", func(ctx *wf.Context, _ int) (bool, error) {
		a, err := wf.Approve(ctx, wf.ApprovalRequest{ID: "legal"})
		return a.Approved, err
	})
	b := setup(t, runtime.Workflow{Definition: review, Approvals: []string{"legal", "finance"}})
	ctx := context.Background()
	if _, err := b.rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "review", RunID: "v", Input: raw(t, 1)}); err != nil {
		t.Fatal(err)
	}
	_, err := b.rt.DeliverApproval(ctx, runtime.ApprovalDecision{RunID: "v", ApprovalID: "lega", Approved: true})
	if !errors.Is(err, runtime.ErrUnknownApproval) {
		t.Fatalf("undeclared approval: %v", err)
	}
	if n := deliveryCount(t, b, "v"); n != 0 {
		t.Fatalf("an unknown approval stored %d deliveries", n)
	}
	res, err := b.rt.DeliverApproval(ctx, runtime.ApprovalDecision{RunID: "v", ApprovalID: "legal", Approved: true})
	if err != nil || res.Kind != runtime.KindCompleted {
		t.Fatalf("declared approval: %s %v", res.Kind, err)
	}
	// A declared approval the run never reached is not "unknown".
	if _, err := b.rt.DeliverApproval(ctx, runtime.ApprovalDecision{RunID: "v", ApprovalID: "finance", Approved: true}); errors.Is(err, runtime.ErrUnknownApproval) {
		t.Fatalf("declared approval refused: %v", err)
	}
}

func TestScheduleIDsMakeValidRunIDs(t *testing.T) {
	t.Parallel()
	good := wf.New("w", func(ctx *wf.Context, _ struct{}) (int, error) { return 1, nil })
	for _, id := range []string{"reports/daily", strings.Repeat("s", runtime.MaxIDBytes), "__internal"} {
		_, err := runtime.New(runtime.Config{Store: memstore.New(), Workflows: []runtime.Workflow{{Definition: good,
			Schedules: []runtime.Schedule{{ID: id, Spec: runtime.Every(time.Hour)}}}}})
		if !errors.Is(err, runtime.ErrInvalidID) {
			t.Errorf("schedule %.40q: %v, want ErrInvalidID", id, err)
		}
	}
}
