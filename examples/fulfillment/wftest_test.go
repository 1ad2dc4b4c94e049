package fulfillment_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wfgo/wf/examples/fulfillment"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/wftest"
)

// updateHistories rewrites the committed histories from the code as it is:
// do it only when the change to the workflow is meant to be incompatible
// and no run recorded by the old code is still in flight.
var updateHistories = flag.Bool("update-histories", false, "rewrite testdata/history from the current code")

// newEnv is the app's workflows on an in-memory runtime with a fake clock.
func newEnv(t *testing.T, svc *services) *wftest.Env {
	return wftest.New(t, fulfillment.Registrations(fulfillment.Workflows{
		Fulfillment:   &fulfillment.Fulfillment{Inventory: svc, Shipping: svc},
		FulfillmentV1: &fulfillment.FulfillmentV1{Inventory: svc, Shipping: svc},
	})...)
}

// TestOrderShipsAfterDelayAndPayment unit-tests the workflow: the delay is a
// timer that Advance fires, the payment a signal.
func TestOrderShipsAfterDelayAndPayment(t *testing.T) {
	t.Parallel()
	svc := &services{}
	env := newEnv(t, svc)
	env.Start("fulfillment", "order-1", fulfillment.Input{OrderID: "order-1", DelayMs: 30_000})
	env.Advance(30 * time.Second)
	if res := env.Signal("order-1", "payment-received", fulfillment.PaymentReceived{PaymentID: "pi_1"}); res.Kind != runtime.KindCompleted {
		t.Fatalf("payment: %s, want completed", res.Kind)
	}
	var out fulfillment.Output
	env.Output("order-1", &out)
	if out != (fulfillment.Output{OrderID: "order-1", Shipped: true}) || len(svc.shipped) != 1 {
		t.Errorf("output %+v, shipped %v", out, svc.shipped)
	}
}

// TestLargeOrderRejected: a manager's decision is an approval.
func TestLargeOrderRejected(t *testing.T) {
	t.Parallel()
	svc := &services{}
	env := newEnv(t, svc)
	env.Start("fulfillment", "order-2", fulfillment.Input{OrderID: "order-2", Quantity: fulfillment.LargeOrder})
	env.Decide("order-2", "large-order", false, "too many")
	var out fulfillment.Output
	env.Output("order-2", &out)
	if out.Shipped || len(svc.shipped) != 0 {
		t.Errorf("rejected order: output %+v, shipped %v", out, svc.shipped)
	}
}

// recorded are the histories of runs in flight that every build must keep
// resuming: one paused on each version the package registers.
var recorded = []struct {
	file string
	// record makes the run with the code of its time.
	record func(t *testing.T) runtime.History
}{
	{"fulfillment-v2-awaiting-payment.json", func(t *testing.T) runtime.History {
		env := newEnv(t, &services{})
		env.Start("fulfillment", "order-v2", fulfillment.Input{OrderID: "order-v2", DelayMs: 30_000})
		env.Advance(time.Minute)
		return env.Export("order-v2")
	}},
	{"fulfillment-v1-awaiting-payment.json", func(t *testing.T) runtime.History {
		env := wftest.New(t, runtime.Workflow{Definition: fulfillment.NewFulfillmentV1Definition(&fulfillment.FulfillmentV1{Inventory: &services{}})})
		env.Start("fulfillment", "order-v1", fulfillment.Input{OrderID: "order-v1"})
		return env.Export("order-v1")
	}},
}

// TestRecordedRunsStillReplay replays the committed histories against the
// current code: a change that would break runs in flight fails here, with
// the operation where the code departs from the log.
func TestRecordedRunsStillReplay(t *testing.T) {
	t.Parallel()
	current := fulfillment.Registrations(fulfillment.Workflows{})[0].Definition
	for _, r := range recorded {
		path := filepath.Join("testdata", "history", r.file)
		if *updateHistories {
			data, err := r.record(t).JSON()
			if err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		wftest.ReplayFile(t, current, path)
	}
}
