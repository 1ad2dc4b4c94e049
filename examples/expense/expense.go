package expense

import (
	"context"
	"errors"
	"fmt"

	"github.com/wfgo/wf"
)

// Request is an expense claim.
type Request struct {
	ClaimID     string `json:"claimId" jsonschema:"minLength=1"`
	Employee    string `json:"employee" jsonschema:"minLength=1"`
	AmountCents int64  `json:"amountCents" jsonschema:"minimum=1"`
	Purpose     string `json:"purpose"`
}

// Outcome is how the claim ended.
type Outcome struct {
	ClaimID  string `json:"claimId"`
	Approved bool   `json:"approved"`
	// DecidedBy is "manager" or "finance".
	DecidedBy string `json:"decidedBy"`
	Feedback  string `json:"feedback,omitempty"`
	Escalated bool   `json:"escalated"`
}

// Notifier tells people that a decision is waiting for them.
type Notifier interface {
	Notify(ctx context.Context, who, message, idempotencyKey string) error
}

// Ledger records decisions for payroll.
type Ledger interface {
	Record(ctx context.Context, o Outcome, idempotencyKey string) error
}

// Expense is the current version: the manager has 48 hours, then finance
// decides.
//
//wf:workflow expense version=v2 previous=ExpenseV1
//wf:step notify-manager retry=5 backoff=exponential base=1s cap=1m
//wf:step notify-finance retry=5 backoff=exponential base=1s cap=1m
//wf:step record-decision retry=5 backoff=exponential base=1s cap=1m
//wf:approval manager-approval title="Approve an expense claim" timeout=48h
//wf:approval finance-approval title="Escalated expense claim"
type Expense struct {
	Notifier Notifier
	Ledger   Ledger
}

// Run asks the manager, escalates to finance on timeout, and records the
// decision.
func (x *Expense) Run(ctx *wf.Context, in Request) (Outcome, error) {
	summary := fmt.Sprintf("%s claims %d.%02d for %q", in.Employee, in.AmountCents/100, in.AmountCents%100, in.Purpose)
	if err := wf.Do(ctx, ExpenseStepNotifyManager, func(sc wf.StepContext) error {
		return x.Notifier.Notify(sc, "manager", summary, sc.IdempotencyKey())
	}); err != nil {
		return Outcome{}, err
	}
	out := Outcome{ClaimID: in.ClaimID, DecidedBy: "manager"}
	d, err := RequestExpenseManagerApproval(ctx, summary)
	var timeout *wf.WaitTimeoutError
	switch {
	case errors.As(err, &timeout):
		out.Escalated, out.DecidedBy = true, "finance"
		if err := wf.Do(ctx, ExpenseStepNotifyFinance, func(sc wf.StepContext) error {
			return x.Notifier.Notify(sc, "finance", "escalated: "+summary, sc.IdempotencyKey())
		}); err != nil {
			return Outcome{}, err
		}
		if d, err = RequestExpenseFinanceApproval(ctx, summary); err != nil {
			return Outcome{}, err
		}
	case err != nil:
		return Outcome{}, err
	}
	out.Approved, out.Feedback = d.Approved, d.Feedback
	err = wf.Do(ctx, ExpenseStepRecordDecision, func(sc wf.StepContext) error {
		return x.Ledger.Record(sc, out, sc.IdempotencyKey())
	})
	return out, err
}

// ExpenseV1 is the first version: the manager decides, however long it
// takes. It stays registered until the runs started on it have ended.
//
//wf:workflow expense version=v1
//wf:step notify-manager retry=5 backoff=exponential base=1s cap=1m
//wf:step record-decision retry=5 backoff=exponential base=1s cap=1m
//wf:approval manager-approval title="Approve an expense claim"
type ExpenseV1 struct {
	Notifier Notifier
	Ledger   Ledger
}

// Run asks the manager and records the decision.
func (x *ExpenseV1) Run(ctx *wf.Context, in Request) (Outcome, error) {
	summary := fmt.Sprintf("%s claims %d.%02d for %q", in.Employee, in.AmountCents/100, in.AmountCents%100, in.Purpose)
	if err := wf.Do(ctx, ExpenseV1StepNotifyManager, func(sc wf.StepContext) error {
		return x.Notifier.Notify(sc, "manager", summary, sc.IdempotencyKey())
	}); err != nil {
		return Outcome{}, err
	}
	d, err := RequestExpenseV1ManagerApproval(ctx, summary)
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{ClaimID: in.ClaimID, Approved: d.Approved, DecidedBy: "manager", Feedback: d.Feedback}
	err = wf.Do(ctx, ExpenseV1StepRecordDecision, func(sc wf.StepContext) error {
		return x.Ledger.Record(sc, out, sc.IdempotencyKey())
	})
	return out, err
}
