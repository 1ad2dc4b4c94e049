package fulfillment

import (
	"context"
	"log/slog"
)

// HostWorkflows builds the workflows' services for the entry points that
// wfgen writes into wfhosts/ (//wf:hosts in doc.go). The example has no
// real warehouse: every host runs the workflows against LogWarehouse, an
// in-process stand-in that logs each call, which is enough to deploy the
// example and watch runs go through. An app builds its inventory and
// shipping clients here, from what getenv reads (URLs, keys).
func HostWorkflows(ctx context.Context, getenv func(string) string) (Workflows, error) {
	w := LogWarehouse{Logger: slog.Default()}
	return Workflows{
		Fulfillment:   &Fulfillment{Inventory: w, Shipping: w},
		FulfillmentV1: &FulfillmentV1{Inventory: w, Shipping: w},
	}, nil
}

// LogWarehouse is a stand-in for the inventory and shipping services: it
// logs each call with the idempotency key a real service would dedupe on,
// and never fails.
type LogWarehouse struct {
	Logger *slog.Logger
}

// Reserve logs the reservation.
func (w LogWarehouse) Reserve(ctx context.Context, orderID string, quantity int, key string) error {
	w.Logger.InfoContext(ctx, "inventory: reserved", "order", orderID, "quantity", quantity, "idempotencyKey", key)
	return nil
}

// Ship logs the shipment.
func (w LogWarehouse) Ship(ctx context.Context, orderID, paymentID, key string) error {
	w.Logger.InfoContext(ctx, "shipping: shipped", "order", orderID, "payment", paymentID, "idempotencyKey", key)
	return nil
}
