package fulfillment_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/examples/fulfillment"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

// services records the calls the workflow makes.
type services struct {
	mu       sync.Mutex
	reserved []string
	shipped  []string
}

func (s *services) Reserve(_ context.Context, orderID string, quantity int, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reserved = append(s.reserved, orderID+"/"+key)
	return nil
}

func (s *services) Ship(_ context.Context, orderID, paymentID, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shipped = append(s.shipped, orderID+"/"+paymentID)
	return nil
}

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type bundle struct {
	store *memstore.Store
	clock *clock
	svc   *services
}

func setup(t *testing.T) bundle {
	t.Helper()
	return bundle{
		store: memstore.New(),
		clock: &clock{now: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)},
		svc:   &services{},
	}
}

// runtime returns a runtime over the bundle's store running workflows.
func (b bundle) runtime(t *testing.T, workflows []runtime.Workflow) *runtime.Runtime {
	t.Helper()
	rt, err := runtime.New(runtime.Config{Store: b.store, Workflows: workflows, Clock: b.clock.Now})
	if err != nil {
		t.Fatalf("runtime.New: %v", err)
	}
	return rt
}

// current registers the package's workflows as deployed now: v2, with v1
// for the runs started on it.
func (b bundle) current(t *testing.T) *runtime.Runtime {
	return b.runtime(t, fulfillment.Registrations(fulfillment.Workflows{
		Fulfillment:   &fulfillment.Fulfillment{Inventory: b.svc, Shipping: b.svc},
		FulfillmentV1: &fulfillment.FulfillmentV1{Inventory: b.svc, Shipping: b.svc},
	}))
}

func wantKind(t *testing.T, what string, res runtime.Result, err error, want runtime.ResultKind) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if res.Kind != want {
		t.Fatalf("%s: kind %s (run %+v), want %s", what, res.Kind, res.Run, want)
	}
}

func TestFulfillment(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rt := b.current(t)
	ctx := context.Background()

	res, err := fulfillment.StartFulfillment(ctx, rt, "order-1", fulfillment.Input{OrderID: "order-1", DelayMs: 30_000})
	wantKind(t, "start", res, err, runtime.KindPaused)
	if res.Run.Version != "v2" {
		t.Errorf("new run on version %q, want v2", res.Run.Version)
	}

	// The delay has not passed: the sweep leaves the timer alone.
	if _, err := rt.Sweep(ctx, runtime.SweepOptions{}); err != nil {
		t.Fatal(err)
	}
	b.clock.Advance(31 * time.Second)
	if _, err := rt.Sweep(ctx, runtime.SweepOptions{}); err != nil {
		t.Fatal(err)
	}
	run, err := rt.GetRun(ctx, "order-1")
	if err != nil {
		t.Fatal(err)
	}
	if w := run.WaitingFor(); w == nil || w.Name != "payment-received" {
		t.Fatalf("after the delay the run waits for %+v, want payment-received", w)
	}

	res, err = fulfillment.DeliverPaymentReceived(ctx, rt, "order-1", "evt_1", fulfillment.PaymentReceived{PaymentID: "pi_1"})
	wantKind(t, "deliver", res, err, runtime.KindCompleted)
	var out fulfillment.Output
	if err := json.Unmarshal(res.Run.Output, &out); err != nil {
		t.Fatal(err)
	}
	if out != (fulfillment.Output{OrderID: "order-1", Shipped: true}) {
		t.Errorf("output %+v", out)
	}
	if got := strings.Join(b.svc.reserved, ","); got != "order-1/order-1/reserve-inventory" {
		t.Errorf("reserved %q", got)
	}
	if got := strings.Join(b.svc.shipped, ","); got != "order-1/pi_1" {
		t.Errorf("shipped %q", got)
	}

	// The same delivery again is a no-op.
	res, err = fulfillment.DeliverPaymentReceived(ctx, rt, "order-1", "evt_1", fulfillment.PaymentReceived{PaymentID: "pi_1"})
	wantKind(t, "repeat delivery", res, err, runtime.KindDuplicate)
}

func TestValidationErrorsCarryJSONPaths(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rt := b.current(t)
	ctx := context.Background()
	tests := []struct {
		name     string
		call     func() error
		wantPath string
	}{
		{"typed input", func() error {
			_, err := fulfillment.StartFulfillment(ctx, rt, "bad-1", fulfillment.Input{OrderID: ""})
			return err
		}, "/orderId"},
		{"raw input", func() error {
			_, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "fulfillment", RunID: "bad-2",
				Input: json.RawMessage(`{"orderId":"o","delayMs":-5}`)})
			return err
		}, "/delayMs"},
		{"raw input with an unknown field", func() error {
			_, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "fulfillment", RunID: "bad-3",
				Input: json.RawMessage(`{"orderId":"o","delayMs":0,"orderID":"x"}`)})
			return err
		}, "/orderID"},
		{"signal payload", func() error {
			if _, err := fulfillment.StartFulfillment(ctx, rt, "ok-1", fulfillment.Input{OrderID: "ok-1"}); err != nil {
				return err
			}
			_, err := fulfillment.DeliverPaymentReceived(ctx, rt, "ok-1", "evt", fulfillment.PaymentReceived{})
			return err
		}, "/paymentId"},
	}
	for _, tt := range tests {
		var verr *wf.ValidationError
		err := tt.call()
		if !errors.As(err, &verr) {
			t.Errorf("%s: error %v, want a *wf.ValidationError", tt.name, err)
			continue
		}
		if len(verr.Issues) != 1 || verr.Issues[0].Path != tt.wantPath {
			t.Errorf("%s: issues %+v, want one at %s", tt.name, verr.Issues, tt.wantPath)
		}
	}
	if _, err := rt.GetRun(ctx, "bad-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a run with invalid input was stored: %v", err)
	}
}

func TestRunStartedOnV1FinishesOnV1(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()

	// Before v2 is deployed, only v1 exists.
	v1 := b.runtime(t, []runtime.Workflow{{
		Definition: fulfillment.NewFulfillmentV1Definition(&fulfillment.FulfillmentV1{Inventory: b.svc, Shipping: b.svc}),
	}})
	res, err := fulfillment.StartFulfillment(ctx, v1, "old", fulfillment.Input{OrderID: "old", DelayMs: 60_000})
	wantKind(t, "start on v1", res, err, runtime.KindPaused)

	// v2 is deployed; the v1 run resumes on v1 (no delay: it ships at
	// once), a new run starts on v2.
	rt := b.current(t)
	res, err = fulfillment.DeliverPaymentReceived(ctx, rt, "old", "evt_old", fulfillment.PaymentReceived{PaymentID: "pi_old"})
	wantKind(t, "deliver to the v1 run", res, err, runtime.KindCompleted)
	if res.Run.Version != "v1" {
		t.Errorf("the old run finished on %q, want v1", res.Run.Version)
	}
	res, err = fulfillment.StartFulfillment(ctx, rt, "new", fulfillment.Input{OrderID: "new", DelayMs: 60_000})
	wantKind(t, "start on v2", res, err, runtime.KindPaused)
	if res.Run.Version != "v2" {
		t.Errorf("the new run started on %q, want v2", res.Run.Version)
	}
	if w := res.Run.WaitingFor(); w == nil || w.Name != wf.TimerSignal {
		t.Errorf("the v2 run waits for %+v, want its delay timer", w)
	}
}

func TestLargeOrderApproval(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rt := b.current(t)
	ctx := context.Background()
	res, err := fulfillment.StartFulfillment(ctx, rt, "big", fulfillment.Input{OrderID: "big", Quantity: fulfillment.LargeOrder})
	wantKind(t, "start", res, err, runtime.KindPaused)
	res, err = fulfillment.DecideFulfillmentLargeOrder(ctx, rt, "big", false, "too many")
	wantKind(t, "decide", res, err, runtime.KindCompleted)
	var out fulfillment.Output
	if err := json.Unmarshal(res.Run.Output, &out); err != nil {
		t.Fatal(err)
	}
	if out.Shipped || len(b.svc.shipped) > 0 {
		t.Errorf("a rejected order shipped: %+v", out)
	}
}

// TestMisspelledSignalDoesNotCompile builds the package with a file that
// waits for a misspelled signal and delivers the wrong payload type, and
// checks the compiler's errors.
func TestMisspelledSignalDoesNotCompile(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the compiler")
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bad := filepath.Join(tmp, "bad.go")
	src := `package fulfillment

import (
	"context"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
)

func misspelled(ctx *wf.Context) {
	_, _ = WaitPaymentRecieved(ctx)
}

func wrongPayload(ctx context.Context, rt *runtime.Runtime) {
	_, _ = DeliverPaymentReceived(ctx, rt, "run", "signal", Output{})
}
`
	if err := os.WriteFile(bad, []byte(src), 0o666); err != nil {
		t.Fatal(err)
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(dir, "zz_bad.go"): bad}})
	overlayPath := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(overlayPath, overlay, 0o666); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "build", "-overlay="+overlayPath, ".").CombinedOutput()
	if err == nil {
		t.Fatal("the package compiled with a misspelled signal")
	}
	for _, want := range []string{
		"bad.go:11:9: undefined: WaitPaymentRecieved",
		"bad.go:15:58: cannot use Output{} (value of struct type Output) as PaymentReceived value in argument to DeliverPaymentReceived",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("compiler output lacks %q:\n%s", want, out)
		}
	}
}

// TestNilDependencyRefusedAtStart: a Workflows field left nil is refused
// by runtime.New, naming the field, rather than run without its services
// and panic inside a step.
func TestNilDependencyRefusedAtStart(t *testing.T) {
	t.Parallel()
	w := fulfillment.LogWarehouse{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	_, err := runtime.New(runtime.Config{Store: memstore.New(), Workflows: fulfillment.Registrations(fulfillment.Workflows{
		Fulfillment: &fulfillment.Fulfillment{Inventory: w, Shipping: w},
	})})
	if err == nil || !strings.Contains(err.Error(), "fulfillment.Workflows.FulfillmentV1 is nil") {
		t.Fatalf("runtime.New with FulfillmentV1 nil: %v, want an error naming the field", err)
	}
	if _, err := runtime.New(runtime.Config{Store: memstore.New(), Workflows: fulfillment.Registrations(fulfillment.Workflows{
		Fulfillment: &fulfillment.Fulfillment{Inventory: w, Shipping: w}, FulfillmentV1: &fulfillment.FulfillmentV1{Inventory: w, Shipping: w},
	})}); err != nil {
		t.Fatal(err)
	}
}
