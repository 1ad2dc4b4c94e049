package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

type clock = testclock.Clock

var t0 = time.Date(2026, 5, 6, 9, 0, 0, 0, time.UTC)

type orderInput struct {
	OrderID string `json:"orderId"`
	DelayMs int    `json:"delayMs"`
}

type orderOutput struct {
	OrderID string `json:"orderId"`
	Shipped bool   `json:"shipped"`
}

type paymentReceived struct {
	PaymentID string `json:"paymentId"`
}

// shop records the side effects of the fulfillment workflow's steps.
type shop struct {
	mu       sync.Mutex
	reserved []string
	shipped  []string
}

func (s *shop) fulfillment() *wf.Definition {
	return wf.New("fulfillment", func(ctx *wf.Context, in orderInput) (orderOutput, error) {
		if err := wf.Do(ctx, "reserve-inventory", func(sc wf.StepContext) error {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.reserved = append(s.reserved, sc.IdempotencyKey())
			return nil
		}); err != nil {
			return orderOutput{}, err
		}
		now := wf.Now(ctx)
		wf.SleepUntil(ctx, now.Add(time.Duration(in.DelayMs)*time.Millisecond))
		p, err := wf.WaitForEvent[paymentReceived](ctx, "payment-received")
		if err != nil {
			return orderOutput{}, err
		}
		if err := wf.Do(ctx, "ship-order", func(sc wf.StepContext) error {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.shipped = append(s.shipped, in.OrderID+":"+p.PaymentID)
			return nil
		}); err != nil {
			return orderOutput{}, err
		}
		return orderOutput{OrderID: in.OrderID, Shipped: true}, nil
	})
}

func validatePayment(raw json.RawMessage) error {
	var p paymentReceived
	if err := json.Unmarshal(raw, &p); err != nil || p.PaymentID == "" {
		return &wf.ValidationError{Subject: "signal payment-received", Issues: []wf.ValidationIssue{{Path: "/paymentId", Message: "required"}}}
	}
	return nil
}

type bundle struct {
	rt    *runtime.Runtime
	store store.Store
	clock *clock
	shop  *shop
}

func setup(t *testing.T, extra ...runtime.Workflow) bundle {
	t.Helper()
	return setupOn(t, memstore.New(), extra...)
}

func setupOn(t *testing.T, st store.Store, extra ...runtime.Workflow) bundle {
	t.Helper()
	s := &shop{}
	c := testclock.New(t0)
	workflows := append([]runtime.Workflow{{
		Definition: s.fulfillment(),
		Signals:    map[string]wf.Validator{"payment-received": validatePayment},
	}}, extra...)
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: workflows, Clock: c.Now, Owner: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return bundle{rt: rt, store: st, clock: c, shop: s}
}

func raw(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func eventKinds(evs []wf.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = string(ev.Type)
		if ev.StepID != "" {
			out[i] += ":" + ev.StepID
		}
	}
	return out
}

func TestFulfillment(t *testing.T) {
	t.Parallel()
	forEachStore(t, testFulfillment)
}

func testFulfillment(t *testing.T, newStore func(*testing.T) store.Store) {
	b := setupOn(t, newStore(t))
	ctx := context.Background()

	res, err := b.rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "fulfillment", RunID: "fulfillment:o-1", Input: raw(t, orderInput{OrderID: "o-1", DelayMs: 30_000})})
	if err != nil {
		t.Fatal(err)
	}
	if res.Kind != runtime.KindPaused || res.Run.Status != wf.StatusPaused {
		t.Fatalf("start: %s %s", res.Kind, res.Run.Status)
	}
	if w := res.Run.WaitingFor(); w == nil || w.Name != wf.TimerSignal {
		t.Fatalf("start: waiting for %+v, want the timer", w)
	}

	// A sweep before the timer is due does nothing.
	b.clock.Advance(10 * time.Second)
	sw, err := b.rt.Sweep(ctx, runtime.SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sw.Summary.Timers) != 0 || sw.Summary.EventCount != 0 || sw.RemainingMayExist {
		t.Fatalf("early sweep did work: %+v", sw.Summary)
	}

	// After the deadline the sweep delivers the timer; the run waits for payment.
	b.clock.Advance(25 * time.Second)
	sw, err = b.rt.Sweep(ctx, runtime.SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sw.Summary.Timers[runtime.KindPaused] != 1 || len(sw.Timers) != 0 {
		t.Fatalf("due sweep: %+v (items must be empty without IncludeEvents)", sw.Summary)
	}
	run, err := b.rt.GetRun(ctx, "fulfillment:o-1")
	if err != nil {
		t.Fatal(err)
	}
	if w := run.WaitingFor(); run.Status != wf.StatusPaused || w == nil || w.Name != "payment-received" {
		t.Fatalf("after timer: %s waiting for %+v", run.Status, w)
	}

	// A bad payload is refused before anything is stored.
	_, err = b.rt.DeliverSignal(ctx, runtime.SignalRequest{RunID: "fulfillment:o-1", SignalID: "evt_0", Name: "payment-received", Payload: raw(t, map[string]string{})})
	var ve *wf.ValidationError
	if !errors.As(err, &ve) || ve.Issues[0].Path != "/paymentId" {
		t.Fatalf("bad payload: %v", err)
	}

	sig := runtime.SignalRequest{RunID: "fulfillment:o-1", SignalID: "evt_1", Name: "payment-received", Payload: raw(t, paymentReceived{PaymentID: "pay_1"})}
	res, err = b.rt.DeliverSignal(ctx, sig)
	if err != nil {
		t.Fatal(err)
	}
	if res.Kind != runtime.KindCompleted || string(res.Run.Output) != `{"orderId":"o-1","shipped":true}` {
		t.Fatalf("signal: %s %s", res.Kind, res.Run.Output)
	}

	// The same delivery again is a no-op.
	res, err = b.rt.DeliverSignal(ctx, sig)
	if err != nil || res.Kind != runtime.KindDuplicate {
		t.Fatalf("duplicate: %s %v", res.Kind, err)
	}
	// Another delivery for the resolved wait loses.
	sig.SignalID = "evt_2"
	res, err = b.rt.DeliverSignal(ctx, sig)
	if err != nil || res.Kind != runtime.KindLost || res.Code != wf.CodeSignalLost {
		t.Fatalf("late signal: %s %s %v", res.Kind, res.Code, err)
	}

	tl, err := b.rt.Timeline(ctx, "fulfillment:o-1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"STEP_FINISHED:reserve-inventory", "NOW_RECORDED:__now-0",
		"SIGNAL_AWAITED:__sleep-0", "SIGNAL_RESOLVED:__sleep-0",
		"SIGNAL_AWAITED:__wait-0", "SIGNAL_RESOLVED:__wait-0",
		"STEP_FINISHED:ship-order", "RUN_FINISHED",
	}
	if got := eventKinds(tl.Events); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("timeline:\n got %v\nwant %v", got, want)
	}
	if len(b.shop.reserved) != 1 || b.shop.reserved[0] != "fulfillment:o-1/reserve-inventory" || len(b.shop.shipped) != 1 || b.shop.shipped[0] != "o-1:pay_1" {
		t.Fatalf("side effects: reserved %v shipped %v", b.shop.reserved, b.shop.shipped)
	}
}

func TestStartRun(t *testing.T) {
	t.Parallel()
	other := wf.New("other", func(ctx *wf.Context, _ struct{}) (int, error) { return 1, nil })
	b := setup(t, runtime.Workflow{Definition: other})
	ctx := context.Background()
	in := raw(t, orderInput{OrderID: "o-2", DelayMs: 1000})

	first, err := b.rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "fulfillment", RunID: "r", Input: in})
	if err != nil || first.Existing {
		t.Fatalf("first start: %+v %v", first, err)
	}
	again, err := b.rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "fulfillment", RunID: "r", Input: in})
	if err != nil || !again.Existing || again.Kind != runtime.KindPaused {
		t.Fatalf("second start: %+v %v", again, err)
	}
	if len(b.shop.reserved) != 1 {
		t.Fatalf("a repeated start ran the workflow again: %v", b.shop.reserved)
	}
	if _, err := b.rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "other", RunID: "r"}); !errors.Is(err, runtime.ErrRunExists) {
		t.Fatalf("same ID, other workflow: %v", err)
	}
	if _, err := b.rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "nope", RunID: "x"}); !errors.Is(err, runtime.ErrUnknownWorkflow) {
		t.Fatalf("unknown workflow: %v", err)
	}
	if _, err := b.rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "fulfillment", RunID: "bad", Input: json.RawMessage(`{"orderId":`)}); err == nil {
		t.Fatal("invalid JSON input accepted")
	}
	if _, err := b.rt.GetRun(ctx, "bad"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("invalid input was stored: %v", err)
	}
	res, err := b.rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "other"})
	if err != nil || res.Kind != runtime.KindCompleted || res.Run.ID == "" {
		t.Fatalf("start without run ID: %+v %v", res, err)
	}
}

func TestDeliveryOutcomes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	if _, err := b.rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "fulfillment", RunID: "r", Input: raw(t, orderInput{OrderID: "o", DelayMs: 1})}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		req  runtime.SignalRequest
		kind runtime.ResultKind
		err  error
	}{
		{"missing run", runtime.SignalRequest{RunID: "nope", SignalID: "s", Name: "payment-received", Payload: raw(t, paymentReceived{"p"})}, runtime.KindNotFound, nil},
		{"not waiting yet (on the timer)", runtime.SignalRequest{RunID: "r", SignalID: "s", Name: "payment-received", Payload: raw(t, paymentReceived{"p"})}, runtime.KindAccepted, nil},
		{"not waiting yet, strict", runtime.SignalRequest{RunID: "r", SignalID: "s2", Name: "payment-received", Payload: raw(t, paymentReceived{"p"}), Strict: true}, runtime.KindNotWaiting, nil},
		{"repeat of a kept signal", runtime.SignalRequest{RunID: "r", SignalID: "s", Name: "payment-received", Payload: raw(t, paymentReceived{"p"})}, runtime.KindDuplicate, nil},
		{"unknown signal", runtime.SignalRequest{RunID: "r", SignalID: "s", Name: "payment-recieved", Payload: raw(t, paymentReceived{"p"})}, "", runtime.ErrUnknownSignal},
	}
	for _, tt := range tests {
		res, err := b.rt.DeliverSignal(ctx, tt.req)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("%s: err %v, want %v", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || res.Kind != tt.kind {
			t.Errorf("%s: %s %v, want %s", tt.name, res.Kind, err, tt.kind)
		}
	}
	if _, err := b.rt.DeliverSignal(ctx, runtime.SignalRequest{RunID: "r", SignalID: "t", Name: wf.TimerSignal}); err == nil {
		t.Error("a caller delivered the reserved timer signal")
	}
}

func TestApprovals(t *testing.T) {
	t.Parallel()
	forEachStore(t, testApprovals)
}

func testApprovals(t *testing.T, newStore func(*testing.T) store.Store) {
	expense := wf.New("expense", func(ctx *wf.Context, amount int) (string, error) {
		a, err := wf.Approve(ctx, wf.ApprovalRequest{ID: "manager", Title: "Expense", Timeout: 48 * time.Hour})
		var te *wf.WaitTimeoutError
		if errors.As(err, &te) {
			return "escalated", nil
		}
		if err != nil {
			return "", err
		}
		if a.Approved {
			return "approved: " + a.Feedback, nil
		}
		return "rejected: " + a.Feedback, nil
	})
	b := setupOn(t, newStore(t), runtime.Workflow{Definition: expense})
	ctx := context.Background()

	start := func(id string) {
		t.Helper()
		res, err := b.rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "expense", RunID: id, Input: raw(t, 120)})
		if err != nil || res.Kind != runtime.KindPaused || res.Run.PendingApproval() == nil {
			t.Fatalf("start %s: %+v %v", id, res, err)
		}
	}
	start("e1")
	decision := runtime.ApprovalDecision{RunID: "e1", ApprovalID: "manager", Approved: true, Feedback: "fine"}
	res, err := b.rt.DeliverApproval(ctx, decision)
	if err != nil || res.Kind != runtime.KindCompleted || string(res.Run.Output) != `"approved: fine"` {
		t.Fatalf("approve: %+v %v", res, err)
	}
	decision.Approved = false
	if res, err := b.rt.DeliverApproval(ctx, decision); err != nil || res.Kind != runtime.KindDuplicate {
		t.Fatalf("second decision: %s %v", res.Kind, err)
	}
	if res, err := b.rt.DeliverApproval(ctx, runtime.ApprovalDecision{RunID: "e1", ApprovalID: "cfo", Approved: true}); err != nil || res.Kind != runtime.KindNotWaiting {
		t.Fatalf("unknown approval: %s %v", res.Kind, err)
	}

	// The timeout escalates; a late decision loses.
	start("e2")
	b.clock.Advance(49 * time.Hour)
	sw, err := b.rt.Sweep(ctx, runtime.SweepOptions{})
	if err != nil || sw.Summary.Timers[runtime.KindCompleted] != 1 {
		t.Fatalf("timeout sweep: %+v %v", sw.Summary, err)
	}
	run, _ := b.rt.GetRun(ctx, "e2")
	if string(run.Output) != `"escalated"` {
		t.Fatalf("after timeout: %s", run.Output)
	}
	res, err = b.rt.DeliverApproval(ctx, runtime.ApprovalDecision{RunID: "e2", ApprovalID: "manager", Approved: true})
	if err != nil || res.Kind != runtime.KindLost || res.Code != wf.CodeApprovalLost {
		t.Fatalf("late decision: %s %s %v", res.Kind, res.Code, err)
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) { testCancel(t, setupOn(t, newStore(t))) })
}

func testCancel(t *testing.T, b bundle) {
	ctx := context.Background()
	if _, err := b.rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "fulfillment", RunID: "c", Input: raw(t, orderInput{OrderID: "o", DelayMs: 1000})}); err != nil {
		t.Fatal(err)
	}
	res, err := b.rt.Cancel(ctx, "c", "customer changed their mind")
	if err != nil || res.Kind != runtime.KindCanceled || res.Run.Error.Code != wf.CodeCanceled {
		t.Fatalf("cancel: %+v %v", res, err)
	}
	// No timer fires and no further step runs.
	b.clock.Advance(time.Hour)
	sw, err := b.rt.Sweep(ctx, runtime.SweepOptions{})
	if err != nil || sw.Summary.EventCount != 0 {
		t.Fatalf("sweep after cancel: %+v %v", sw.Summary, err)
	}
	if res, _ := b.rt.Cancel(ctx, "c", ""); res.Kind != runtime.KindCanceled {
		t.Fatalf("cancel twice: %s", res.Kind)
	}
	if res, _ := b.rt.Cancel(ctx, "missing", ""); res.Kind != runtime.KindNotFound {
		t.Fatalf("cancel missing: %s", res.Kind)
	}
	if len(b.shop.shipped) != 0 {
		t.Fatal("a canceled run shipped")
	}
}

func TestLeasesAndRecovery(t *testing.T) {
	t.Parallel()
	forEachStore(t, testLeasesAndRecovery)
}

func testLeasesAndRecovery(t *testing.T, newStore func(*testing.T) store.Store) {
	steps, yielded := 0, false
	looper := wf.New("looper", func(ctx *wf.Context, _ struct{}) (int, error) {
		for i := range 4 {
			if err := wf.Do(ctx, wf.StepID("s-"+string(rune('a'+i))), func(wf.StepContext) error { steps++; return nil }); err != nil {
				return 0, err
			}
			if i == 1 && !yielded {
				yielded = true // Yield is not durable: the next invocation goes on
				wf.Yield(ctx)
			}
		}
		return steps, nil
	})
	b := setupOn(t, newStore(t), runtime.Workflow{Definition: looper})
	ctx := context.Background()
	res, err := b.rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "looper", RunID: "l"})
	if err != nil || res.Kind != runtime.KindRunning {
		t.Fatalf("start: %+v %v", res, err)
	}
	sw, err := b.rt.Sweep(ctx, runtime.SweepOptions{})
	if err != nil || sw.Summary.Recovered[runtime.KindCompleted] != 1 || steps != 4 {
		t.Fatalf("recovery sweep: %+v steps=%d %v", sw.Summary, steps, err)
	}

	// A run leased by another owner is not driven.
	if _, err := b.rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "fulfillment", RunID: "f", Input: raw(t, orderInput{OrderID: "o", DelayMs: 1})}); err != nil {
		t.Fatal(err)
	}
	claim, err := b.store.ClaimRun(ctx, "f", store.Lease{Owner: "someone-else", Now: b.clock.Now(), Until: b.clock.Now().Add(time.Minute)})
	if err != nil || claim.Status != store.Claimed {
		t.Fatalf("claim: %+v %v", claim.Status, err)
	}
	b.clock.Advance(time.Second)
	sw, err = b.rt.Sweep(ctx, runtime.SweepOptions{})
	if err != nil || sw.Summary.Timers[runtime.KindNotClaimable] != 1 {
		t.Fatalf("sweep of a leased run: %+v %v", sw.Summary, err)
	}
	// After the other owner's lease expires, a later sweep moves the run on.
	b.clock.Advance(2 * time.Minute)
	if _, err := b.rt.Sweep(ctx, runtime.SweepOptions{}); err != nil {
		t.Fatal(err)
	}
	run, _ := b.rt.GetRun(ctx, "f")
	if w := run.WaitingFor(); w == nil || w.Name != "payment-received" {
		t.Fatalf("after expiry: %s %+v", run.Status, w)
	}
}

func TestHeartbeatKeepsLease(t *testing.T) {
	t.Parallel()
	st := memstore.New()
	started := make(chan struct{})
	slow := wf.New("slow", func(ctx *wf.Context, _ struct{}) (int, error) {
		return wf.Step(ctx, "work", func(sc wf.StepContext) (int, error) {
			close(started)
			time.Sleep(1500 * time.Millisecond)
			return 1, nil
		})
	})
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: []runtime.Workflow{{Definition: slow}}, LeaseDuration: 600 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan runtime.Result, 1)
	go func() {
		res, err := rt.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "slow", RunID: "h"})
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	<-started
	time.Sleep(900 * time.Millisecond) // past the first lease's expiry
	now := time.Now()
	claim, err := st.ClaimRun(context.Background(), "h", store.Lease{Owner: "thief", Now: now, Until: now.Add(time.Second)})
	if err != nil || claim.Status != store.NotClaimable {
		t.Fatalf("claim during a heartbeat-renewed lease: %s %v", claim.Status, err)
	}
	if res := <-done; res.Kind != runtime.KindCompleted {
		t.Fatalf("result %s", res.Kind)
	}
}

func TestVersionMismatch(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	if _, _, err := b.store.CreateRun(ctx, store.NewRun{ID: "old", WorkflowID: "fulfillment", Version: "v0", Status: wf.StatusQueued, Input: raw(t, orderInput{})}); err != nil {
		t.Fatal(err)
	}
	sw, err := b.rt.Sweep(ctx, runtime.SweepOptions{})
	if err != nil || sw.Summary.Recovered[runtime.KindParked] != 1 || sw.Summary.Parked != 1 {
		t.Fatalf("sweep: %+v %v", sw.Summary, err)
	}
	run, _ := b.rt.GetRun(ctx, "old")
	if run.Status != wf.StatusPaused || run.Parked == nil || run.Parked.Reason != wf.CodeVersionMismatch || run.Parked.Version != "v0" {
		t.Fatalf("run %s %+v", run.Status, run.Parked)
	}
}

func TestSweepBudgets(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	for _, id := range []string{"a", "b", "c"} {
		if _, err := b.rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "fulfillment", RunID: id, Input: raw(t, orderInput{OrderID: id, DelayMs: 1000})}); err != nil {
			t.Fatal(err)
		}
	}
	b.clock.Advance(time.Minute)
	sw, err := b.rt.Sweep(ctx, runtime.SweepOptions{MaxTimers: 2, IncludeEvents: true, MaxEvents: 1})
	if err != nil {
		t.Fatal(err)
	}
	if sw.Summary.Timers[runtime.KindPaused] != 2 || !sw.RemainingMayExist || len(sw.Timers) != 2 {
		t.Fatalf("bounded sweep: %+v remaining=%v items=%d", sw.Summary, sw.RemainingMayExist, len(sw.Timers))
	}
	if sw.Summary.EventCount != 4 || sw.Summary.ReturnedEventCount != 2 || !sw.Timers[0].Result.Truncated {
		t.Fatalf("event counts: %+v truncated=%v", sw.Summary, sw.Timers[0].Result.Truncated)
	}
	sw, err = b.rt.Sweep(ctx, runtime.SweepOptions{MaxTimers: 2})
	if err != nil || sw.Summary.Timers[runtime.KindPaused] != 1 || sw.RemainingMayExist {
		t.Fatalf("second sweep: %+v remaining=%v %v", sw.Summary, sw.RemainingMayExist, err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	good := wf.New("w", func(ctx *wf.Context, _ struct{}) (int, error) { return 1, nil })
	tests := []struct {
		name string
		cfg  runtime.Config
		want string
	}{
		{"nil store", runtime.Config{}, "Store is nil"},
		{"nil definition", runtime.Config{Store: memstore.New(), Workflows: []runtime.Workflow{{}}}, "nil definition"},
		{"broken definition", runtime.Config{Store: memstore.New(), Workflows: []runtime.Workflow{{Definition: wf.New[struct{}, int]("x", nil)}}}, "handler is nil"},
		{"twice", runtime.Config{Store: memstore.New(), Workflows: []runtime.Workflow{{Definition: good}, {Definition: good}}}, "registered twice"},
		{"bad cron", runtime.Config{Store: memstore.New(), Workflows: []runtime.Workflow{{Definition: good, Schedules: []runtime.Schedule{{ID: "s", Spec: runtime.Cron("61 * * * *", "")}}}}}, "cron"},
		{"bad zone", runtime.Config{Store: memstore.New(), Workflows: []runtime.Workflow{{Definition: good, Schedules: []runtime.Schedule{{ID: "s", Spec: runtime.Cron("0 * * * *", "Mars/Olympus")}}}}}, "time zone"},
		{"bad overlap", runtime.Config{Store: memstore.New(), Workflows: []runtime.Workflow{{Definition: good, Schedules: []runtime.Schedule{{ID: "s", Spec: runtime.Every(time.Minute), Overlap: "queue"}}}}}, "unknown overlap"},
	}
	for _, tt := range tests {
		if _, err := runtime.New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestPublishIsBestEffort(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []string
	s := &shop{}
	for _, publish := range []func(string, wf.Event){
		func(runID string, ev wf.Event) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, runID+" "+string(ev.Type))
		},
		func(string, wf.Event) { panic("subscriber is down") },
	} {
		rt, err := runtime.New(runtime.Config{Store: memstore.New(), Workflows: []runtime.Workflow{{Definition: s.fulfillment()}}, Publish: publish})
		if err != nil {
			t.Fatal(err)
		}
		res, err := rt.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "fulfillment", RunID: "p", Input: raw(t, orderInput{OrderID: "o", DelayMs: 60_000})})
		if err != nil || res.Kind != runtime.KindPaused {
			t.Fatalf("start with a publisher: %s %v", res.Kind, err)
		}
	}
	want := []string{"p RUN_STARTED", "p STEP_STARTED", "p STEP_FINISHED", "p NOW_RECORDED", "p SIGNAL_AWAITED"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("published %v, want %v", got, want)
	}
}

func TestConcurrentSweep(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
		b := setupOn(t, newStore(t))
		ctx := context.Background()
		const n = 30
		for i := range n {
			if _, err := b.rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "fulfillment", RunID: fmt.Sprint("c-", i), Input: raw(t, orderInput{OrderID: "o", DelayMs: 1000})}); err != nil {
				t.Fatal(err)
			}
		}
		b.clock.Advance(time.Minute)
		sw, err := b.rt.Sweep(ctx, runtime.SweepOptions{MaxTimers: 100, Concurrency: 4, IncludeEvents: true})
		if err != nil {
			t.Fatal(err)
		}
		if sw.Summary.Timers[runtime.KindPaused] != n || len(sw.Timers) != n || sw.Summary.EventCount != 2*n {
			t.Fatalf("concurrent sweep: %+v, %d items", sw.Summary, len(sw.Timers))
		}
	})
}

func TestSharedSignalsAndContextDeadline(t *testing.T) {
	t.Parallel()
	waiter := wf.New("waiter", func(ctx *wf.Context, _ struct{}) (string, error) {
		p, err := wf.WaitForEvent[paymentReceived](ctx, "payment-received")
		if err != nil {
			return "", err
		}
		return p.PaymentID, nil
	})
	var sawDeadline time.Time
	deadlined := wf.New("deadlined", func(ctx *wf.Context, _ struct{}) (int, error) {
		sawDeadline = ctx.Deadline()
		return 1, nil
	})
	rt, err := runtime.New(runtime.Config{Store: memstore.New(),
		Workflows: []runtime.Workflow{{Definition: waiter, Signals: map[string]wf.Validator{}}, {Definition: deadlined}},
		Signals:   map[string]wf.Validator{"payment-received": validatePayment}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "waiter", RunID: "w"}); err != nil {
		t.Fatal(err)
	}
	_, err = rt.DeliverSignal(ctx, runtime.SignalRequest{RunID: "w", SignalID: "s0", Name: "payment-received", Payload: raw(t, map[string]string{})})
	var ve *wf.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("a shared signal's validator was not applied: %v", err)
	}
	res, err := rt.DeliverSignal(ctx, runtime.SignalRequest{RunID: "w", SignalID: "s1", Name: "payment-received", Payload: raw(t, paymentReceived{"p1"})})
	if err != nil || res.Kind != runtime.KindCompleted {
		t.Fatalf("shared signal: %s %v", res.Kind, err)
	}
	dctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	want, _ := dctx.Deadline()
	if _, err := rt.StartRun(dctx, runtime.StartRequest{WorkflowID: "deadlined", RunID: "d"}); err != nil {
		t.Fatal(err)
	}
	if !sawDeadline.Equal(want) {
		t.Fatalf("invocation deadline %v, want ctx's %v", sawDeadline, want)
	}
}

func TestCancelWhileDrivenElsewhere(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
		b := setupOn(t, newStore(t))
		ctx := context.Background()
		if _, err := b.rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "fulfillment", RunID: "x", Input: raw(t, orderInput{OrderID: "o", DelayMs: 1000})}); err != nil {
			t.Fatal(err)
		}
		// Another process is driving the run.
		now := b.clock.Now()
		claim, err := b.store.ClaimRun(ctx, "x", store.Lease{Owner: "other", Now: now, Until: now.Add(time.Minute)})
		if err != nil || claim.Status != store.Claimed {
			t.Fatalf("claim: %s %v", claim.Status, err)
		}
		res, err := b.rt.Cancel(ctx, "x", "order withdrawn")
		if err != nil || res.Kind != runtime.KindAccepted {
			t.Fatalf("cancel while leased: %s %v", res.Kind, err)
		}
		// The other driver pauses the run again, unaware of the request.
		if err := b.store.Commit(ctx, store.Commit{RunID: "x", Owner: "other", Next: len(claim.Execution.Events), Status: wf.StatusPaused,
			LoadedSeq: claim.Execution.Run.DeliverySeq, Awaiting: claim.Execution.Run.Awaiting, Now: now}); err != nil {
			t.Fatal(err)
		}
		sw, err := b.rt.Sweep(ctx, runtime.SweepOptions{})
		if err != nil || sw.Summary.Recovered[runtime.KindCanceled] != 1 {
			t.Fatalf("sweep after the request: %+v %v", sw.Summary, err)
		}
		run, _ := b.rt.GetRun(ctx, "x")
		if run.Status != wf.StatusCanceled || run.Error == nil || run.Error.Message != "order withdrawn" {
			t.Fatalf("run %s %+v", run.Status, run.Error)
		}
	})
}
