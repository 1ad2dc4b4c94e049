package onepass

import "github.com/wfgo/wf"

// Billing has a bad ID, an unknown key and a previous= that names no
// type; its step is not reported for lacking a //wf:workflow.
//
//wf:workflow Billing_Run retrys=3 previous=BillingV0
//wf:step charge
type Billing struct{}

// Run is the body.
func (Billing) Run(ctx *wf.Context, in string) (string, error) { return in, nil }

// BillingV2 lists Billing, whose directive is malformed: no second error.
//
//wf:workflow billing version=v2 previous=Billing,Ledger
type BillingV2 struct{}

// Run is the body.
func (BillingV2) Run(ctx *wf.Context, in string) (string, error) { return in, nil }

// Ledger is a type without a //wf:workflow.
type Ledger struct{}

// Audit is misplaced on a function, and malformed.
//
//wf:workflow audit version=V3 previous=AuditV1
func Audit() {}

// Refund has a quote left open; the rest of the line is not read.
//
//wf:workflow refund title="open previous=Gone
type Refund struct{}

// Run is the body.
func (Refund) Run(ctx *wf.Context, in string) (string, error) { return in, nil }
