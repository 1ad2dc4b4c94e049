// Package hosttest builds the small runtime the host adapters' tests drive:
// a "greet" workflow that sleeps a minute, waits for a "name" signal with a
// validated payload, and greets.
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
	clock := testclock.New(time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC))
	greet := wf.New("greet", func(ctx *wf.Context, in Input) (string, error) {
		wf.Sleep(ctx, time.Minute)
		n, err := wf.WaitForEvent[Name](ctx, "name")
		if err != nil {
			return "", err
		}
		return in.Greeting + ", " + n.Name, nil
	}, wf.ValidateInput(ValidateInput))
	rt, err := runtime.New(runtime.Config{
		Store: st,
		Workflows: []runtime.Workflow{{
			Definition: greet,
			Signals:    map[string]wf.Validator{"name": ValidateName},
			Schedules: []runtime.Schedule{{ID: "greet-digest", Spec: runtime.Every(15 * time.Minute),
				Input: json.RawMessage(`{"greeting":"Good afternoon"}`)}},
		}},
		Clock: clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return Bundle{Runtime: rt, Store: st, Clock: clock}
}
