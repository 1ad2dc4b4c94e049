package telemetry_test

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/wfgo/wf"
)

// The fulfillment workflow and helpers below are copies of runtime's
// test fixtures (runtime/runtime_test.go), which these tests used when
// they lived there.

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

func raw(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
