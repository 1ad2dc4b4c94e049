package basic

import (
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/gen/testdata/ok/orders"
)

// Receipt is Checkout's output.
type Receipt struct {
	OrderID string    `json:"orderId"`
	Total   float64   `json:"total" jsonschema:"minimum=0"`
	At      time.Time `json:"at"`
	Tags    []string  `json:"tags,omitempty" jsonschema:"uniqueItems=true,enum=a,enum=b"`
	Note    *string   `json:"note,omitempty" jsonschema:"nullable,maxLength=200"`
}

// Checkout exercises every option.
//
//wf:workflow checkout retry=2 backoff=fixed base=1s
//wf:step charge-card retry=4 backoff=exponential base=100ms cap=2s timeout=30s
//wf:step send-receipt timeout=1m30s
//wf:step audit local
//wf:approval refund-over-limit title="Refund over the limit" timeout=72h
//wf:approval manual-review
//wf:schedule nightly-checkout cron="0 2 * * *" tz=Europe/Paris overlap=buffer-one input=nightlyOrder
//wf:schedule frequent every=15m
type Checkout struct {
	Gateway interface{ Charge(orderID string) error }
}

var nightlyOrder = orders.Order{ID: "o-1", Lines: []string{"sku"}}

// Run is the workflow body.
func (c *Checkout) Run(ctx *wf.Context, in orders.Order) (Receipt, error) {
	return Receipt{}, nil
}

// cleanup is an unexported workflow with a map input.
//
//wf:workflow cleanup
//wf:step sweep-old
type cleanup struct{}

func (cleanup) Run(ctx *wf.Context, in map[string]int) ([]string, error) { return nil, nil }

// Refunded is a signal payload.
//
//wf:signal refunded
type Refunded struct {
	Amount int    `json:"amount" jsonschema:"minimum=1"`
	Reason string `json:"reason,omitempty" jsonschema:"title=Why,description=Free text"`
}

// note is an unexported signal payload.
//
//wf:signal note-added
type note struct {
	Text string `json:"text"`
}
