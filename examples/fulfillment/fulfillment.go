package fulfillment

import (
	"context"
	"time"

	"github.com/wfgo/wf"
)

// Input is a fulfillment run's input.
type Input struct {
	OrderID string `json:"orderId" jsonschema:"minLength=1"`
	// DelayMs is how long to wait after reserving before waiting for the
	// payment.
	DelayMs  int64 `json:"delayMs" jsonschema:"minimum=0"`
	Quantity int   `json:"quantity,omitempty" jsonschema:"minimum=1"`
}

// Output is a fulfillment run's result.
type Output struct {
	OrderID string `json:"orderId"`
	Shipped bool   `json:"shipped"`
}

// PaymentReceived is delivered by the payment provider's webhook.
//
//wf:signal payment-received
type PaymentReceived struct {
	PaymentID string `json:"paymentId" jsonschema:"minLength=1"`
}

// Inventory reserves stock; key makes a retried reservation a no-op.
type Inventory interface {
	Reserve(ctx context.Context, orderID string, quantity int, key string) error
}

// Shipping ships an order; key makes a retried shipment a no-op.
type Shipping interface {
	Ship(ctx context.Context, orderID, paymentID, key string) error
}

// LargeOrder is the quantity from which a manager approves the order.
const LargeOrder = 100

// Fulfillment is the current version of the fulfillment workflow. Its
// fields are the services it calls from steps.
//
//wf:workflow fulfillment version=v2 previous=FulfillmentV1
//wf:step reserve-inventory retry=3 backoff=exponential base=250ms cap=5s timeout=10s
//wf:step ship-order retry=5 backoff=exponential base=1s cap=30s
//wf:approval large-order title="Approve a large order" timeout=48h
type Fulfillment struct {
	Inventory Inventory
	Shipping  Shipping
}

// Run reserves the stock, waits for the order's delay and the payment,
// and ships.
func (f *Fulfillment) Run(ctx *wf.Context, in Input) (Output, error) {
	err := wf.Do(ctx, FulfillmentStepReserveInventory, func(sc wf.StepContext) error {
		return f.Inventory.Reserve(sc, in.OrderID, max(in.Quantity, 1), sc.IdempotencyKey())
	})
	if err != nil {
		return Output{}, err
	}
	if in.Quantity >= LargeOrder {
		d, err := RequestFulfillmentLargeOrder(ctx, "order "+in.OrderID)
		if err != nil {
			return Output{}, err
		}
		if !d.Approved {
			return Output{OrderID: in.OrderID}, nil
		}
	}
	now := wf.Now(ctx)
	wf.SleepUntil(ctx, now.Add(time.Duration(in.DelayMs)*time.Millisecond))
	payment, err := WaitPaymentReceived(ctx)
	if err != nil {
		return Output{}, err
	}
	err = wf.Do(ctx, FulfillmentStepShipOrder, func(sc wf.StepContext) error {
		return f.Shipping.Ship(sc, in.OrderID, payment.PaymentID, sc.IdempotencyKey())
	})
	if err != nil {
		return Output{}, err
	}
	return Output{OrderID: in.OrderID, Shipped: true}, nil
}

// FulfillmentV1 is the first version of the workflow: no delay, no
// approval. It stays registered until the runs started on it have ended.
//
//wf:workflow fulfillment version=v1
//wf:step reserve-inventory retry=3
//wf:step ship-order retry=3
type FulfillmentV1 struct {
	Inventory Inventory
	Shipping  Shipping
}

// Run reserves the stock, waits for the payment and ships.
func (f *FulfillmentV1) Run(ctx *wf.Context, in Input) (Output, error) {
	err := wf.Do(ctx, FulfillmentV1StepReserveInventory, func(sc wf.StepContext) error {
		return f.Inventory.Reserve(sc, in.OrderID, max(in.Quantity, 1), sc.IdempotencyKey())
	})
	if err != nil {
		return Output{}, err
	}
	payment, err := WaitPaymentReceived(ctx)
	if err != nil {
		return Output{}, err
	}
	err = wf.Do(ctx, FulfillmentV1StepShipOrder, func(sc wf.StepContext) error {
		return f.Shipping.Ship(sc, in.OrderID, payment.PaymentID, sc.IdempotencyKey())
	})
	if err != nil {
		return Output{}, err
	}
	return Output{OrderID: in.OrderID, Shipped: true}, nil
}
