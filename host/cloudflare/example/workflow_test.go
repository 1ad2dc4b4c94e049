package main

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store/memstore"
)

// TestGreet drives the example's workflow as the Worker does: a start
// that pauses on the timer, then a sweep once it is due.
func TestGreet(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	rt, err := runtime.New(runtime.Config{Store: memstore.New(), Workflows: workflows(), Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	res, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "greet", RunID: "r1", Input: json.RawMessage(`{"name":"Ada","delaySeconds":30}`)})
	if err != nil || res.Kind != runtime.KindPaused {
		t.Fatalf("StartRun = %+v, %v; want paused", res.Kind, err)
	}
	now = now.Add(31 * time.Second)
	if _, err := rt.Sweep(ctx, runtime.SweepOptions{}); err != nil {
		t.Fatal(err)
	}
	run, err := rt.GetRun(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	var out GreetOutput
	if err := json.Unmarshal(run.Output, &out); err != nil || run.Status != wf.StatusFinished ||
		out != (GreetOutput{Greeting: "Hello, Ada", FollowUp: "Still there, Ada?"}) {
		t.Errorf("run = %s %s (%v), want finished with both greetings", run.Status, run.Output, err)
	}
}

func TestGreetInputValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		input string
		paths []string
	}{
		{`{"name":"Ada","delaySeconds":0}`, nil},
		{`{"delaySeconds":-1}`, []string{"/name", "/delaySeconds"}},
		{`{"name":"Ada","delaySeconds":86401}`, []string{"/delaySeconds"}},
		{`[]`, []string{""}},
	}
	for _, tt := range tests {
		err := validateGreetInput(json.RawMessage(tt.input))
		var ve *wf.ValidationError
		if tt.paths == nil {
			if err != nil {
				t.Errorf("%s: %v, want valid", tt.input, err)
			}
			continue
		}
		if !errors.As(err, &ve) || len(ve.Issues) != len(tt.paths) {
			t.Errorf("%s: %v, want issues at %v", tt.input, err, tt.paths)
			continue
		}
		for i, p := range tt.paths {
			if ve.Issues[i].Path != p {
				t.Errorf("%s: issue %d at %q, want %q", tt.input, i, ve.Issues[i].Path, p)
			}
		}
	}
}
