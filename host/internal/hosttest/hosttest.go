// Package hosttest builds the small runtime the host adapters' tests drive:
// a "greet" workflow that sleeps a minute, waits for a "name" signal with a
// validated payload, and greets; and a "review" workflow that waits up to
// an hour for approval "legal". Contract runs the ingress API's contract
// against a host.
package hosttest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

// Clock is the tests' settable clock.
type Clock = testclock.Clock

// Name is the "name" signal's payload.
type Name struct {
	Name string `json:"name"`
}

// Input is the greet workflow's input.
type Input struct {
	Greeting string `json:"greeting"`
}

// ValidateInput requires a greeting.
func ValidateInput(raw json.RawMessage) error {
	var in Input
	if err := json.Unmarshal(raw, &in); err != nil || in.Greeting == "" {
		return &wf.ValidationError{Subject: "input", Issues: []wf.ValidationIssue{{Path: "/greeting", Message: "required"}}}
	}
	return nil
}

// ValidateName requires a name.
func ValidateName(raw json.RawMessage) error {
	var n Name
	if err := json.Unmarshal(raw, &n); err != nil || n.Name == "" {
		return &wf.ValidationError{Subject: "signal name", Issues: []wf.ValidationIssue{{Path: "/name", Message: "required"}}}
	}
	return nil
}

// Bundle is a runtime with its store and clock.
type Bundle struct {
	Runtime *runtime.Runtime
	Store   store.Store
	Clock   *Clock
}

// New returns a runtime over st (memstore when nil) with the greet workflow
// and a 15-minute "greet-digest" schedule.
func New(t testing.TB, st store.Store) Bundle {
	t.Helper()
	if st == nil {
		st = memstore.New()
	}
	clock := NewClock()
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: Workflows(), Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return Bundle{Runtime: rt, Store: st, Clock: clock}
}

// NewClock returns a clock set to the tests' start time.
func NewClock() *Clock { return testclock.New(time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)) }

// Workflows returns the registrations of greet, with a 15-minute
// "greet-digest" schedule, and of review, which declares approvals "legal"
// (the one it requests) and "finance" and a queue, "reviews", on which
// one run per partition is in progress at a time.
func Workflows() []runtime.Workflow {
	greet := wf.New("greet", func(ctx *wf.Context, in Input) (string, error) {
		wf.Sleep(ctx, time.Minute)
		n, err := wf.WaitForEvent[Name](ctx, "name")
		if err != nil {
			return "", err
		}
		return in.Greeting + ", " + n.Name, nil
	}, wf.ValidateInput(ValidateInput))
	review := wf.New("review", func(ctx *wf.Context, _ json.RawMessage) (bool, error) {
		a, err := wf.Approve(ctx, wf.ApprovalRequest{ID: "legal", Title: "Legal review", Timeout: time.Hour})
		return a.Approved, err
	})
	return []runtime.Workflow{
		{
			Definition: greet,
			Signals:    map[string]wf.Validator{"name": ValidateName},
			Schedules: []runtime.Schedule{{ID: "greet-digest", Spec: runtime.Every(15 * time.Minute),
				Input: json.RawMessage(`{"greeting":"Good afternoon"}`)}},
		},
		{Definition: review, Signals: map[string]wf.Validator{}, Approvals: []string{"legal", "finance"},
			Queue: &runtime.Queue{Name: "reviews", Concurrency: 1, Partitioned: true}},
	}
}
