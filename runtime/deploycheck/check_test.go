package deploycheck_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/runtime/deploycheck"
	"github.com/wfgo/wf/store/memstore"
)

// ran counts step functions run: a check must run none.
var ran = map[string]int{}

func step(ctx *wf.Context, id wf.StepID) error {
	_, err := wf.Step(ctx, id, func(wf.StepContext) (string, error) {
		ran[string(id)]++
		return "ok", nil
	})
	return err
}

// orders returns a definition of workflow "orders" at version that runs
// steps then waits for "go-ahead".
func orders(version string, steps []wf.StepID, previous ...*wf.Definition) *wf.Definition {
	opts := []wf.Option{wf.Version(version)}
	for _, p := range previous {
		opts = append(opts, wf.Previous(p))
	}
	return wf.New("orders", func(ctx *wf.Context, in struct{}) (string, error) {
		for _, id := range steps {
			if err := step(ctx, id); err != nil {
				return "", err
			}
		}
		_, err := wf.WaitForEvent[struct{}](ctx, "go-ahead")
		return "done", err
	}, opts...)
}

// recordedV1 is a run of v1 paused after step "reserve", as the runtime
// recorded it. It resets ran.
func recordedV1(t *testing.T, id string) deploycheck.Run {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: []runtime.Workflow{{Definition: orders("v1", []wf.StepID{"reserve"})}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "orders", RunID: id, Input: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	ex, err := st.LoadExecution(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if ex.Run.Status != wf.StatusPaused {
		t.Fatalf("the recorded run is %s, want paused", ex.Run.Status)
	}
	clear(ran)
	return deploycheck.Run{ID: id, WorkflowID: "orders", Version: ex.Run.Version, Input: ex.Run.Input, Events: ex.Events, Deliveries: ex.Deliveries}
}

func TestCheck(t *testing.T) {
	run := recordedV1(t, "r1")
	tests := []struct {
		name string
		defs map[string]*wf.Definition
		want deploycheck.Verdict
	}{
		{"version kept", map[string]*wf.Definition{"orders": orders("v2", nil, orders("v1", []wf.StepID{"reserve"}))},
			deploycheck.Verdict{RunID: "r1"}},
		{"version dropped", map[string]*wf.Definition{"orders": orders("v2", nil)},
			deploycheck.Verdict{RunID: "r1", Reason: deploycheck.ReasonVersionMismatch,
				Detail: `workflow "orders" has no version "v1" (registered: v2)`}},
		{"step inserted", map[string]*wf.Definition{"orders": orders("v1", []wf.StepID{"check-fraud", "reserve"})},
			deploycheck.Verdict{RunID: "r1", Reason: deploycheck.ReasonNondeterminism, Operations: []string{"reserve", "check-fraud"}}},
		{"other workflow", map[string]*wf.Definition{"billing": orders("v1", nil)}, deploycheck.Verdict{RunID: "r1"}},
	}
	for _, tt := range tests {
		got := deploycheck.Check(context.Background(), tt.defs, run)
		if tt.want.Reason == deploycheck.ReasonNondeterminism {
			if !strings.Contains(got.Detail, `"reserve"`) || !strings.Contains(got.Detail, `"check-fraud"`) {
				t.Errorf("%s: detail %q does not name both operations", tt.name, got.Detail)
			}
			got.Detail = ""
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: verdict (-want +got):\n%s", tt.name, diff)
		}
	}
	if len(ran) != 0 {
		t.Errorf("step functions ran: %v", ran)
	}
}

func TestServe(t *testing.T) {
	workflows := []runtime.Workflow{{Definition: orders("v2", nil, orders("v1", []wf.StepID{"reserve"}))}}
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for _, r := range []deploycheck.Run{
		recordedV1(t, "a"),
		{ID: "b", WorkflowID: "orders", Version: "v0", Input: json.RawMessage(`{}`)},
	} {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := deploycheck.Serve(context.Background(), workflows, &in, &out); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&out)
	var m deploycheck.Manifest
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(deploycheck.Manifest{Workflows: []deploycheck.ManifestWorkflow{{ID: "orders", Versions: []string{"v1", "v2"}}}}, m); diff != "" {
		t.Errorf("manifest (-want +got):\n%s", diff)
	}
	var reasons []string
	for dec.More() {
		var v deploycheck.Verdict
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		reasons = append(reasons, v.RunID+":"+v.Reason)
	}
	if diff := cmp.Diff([]string{"a:", "b:workflow_version_mismatch"}, reasons); diff != "" {
		t.Errorf("verdicts (-want +got):\n%s", diff)
	}
}

func TestServeRefusesBadInput(t *testing.T) {
	workflows := []runtime.Workflow{{Definition: orders("v1", nil)}}
	err := deploycheck.Serve(context.Background(), workflows, strings.NewReader("{not json"), &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "reading runs") {
		t.Errorf("Serve of bad input: %v, want a reading error", err)
	}
	twice := append(workflows, workflows...)
	if err := deploycheck.Serve(context.Background(), twice, strings.NewReader(""), &bytes.Buffer{}); err == nil {
		t.Error("Serve of a workflow registered twice: no error")
	}
}
