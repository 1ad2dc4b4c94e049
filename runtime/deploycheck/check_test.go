package deploycheck_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/runtime/deploycheck"
	"github.com/wfgo/wf/store"
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

// recordedStore is a memstore holding two runs of v1 paused after step
// "reserve" (created a second apart, "b" first) and one that ended.
func recordedStore(t *testing.T) *memstore.Store {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rt, err := runtime.New(runtime.Config{Store: st, Clock: func() time.Time { return now },
		Workflows: []runtime.Workflow{{Definition: orders("v1", []wf.StepID{"reserve"})}, {Definition: wf.New("noop", func(*wf.Context, struct{}) (int, error) { return 1, nil })}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, start := range []struct{ workflow, id string }{{"orders", "b"}, {"orders", "a"}, {"noop", "ended"}} {
		if _, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: start.workflow, RunID: start.id, Input: json.RawMessage(`{}`)}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Second)
	}
	clear(ran)
	return st
}

func TestServeStore(t *testing.T) {
	st := recordedStore(t)
	var gotCfg deploycheck.StoreConfig
	open := func(_ context.Context, cfg deploycheck.StoreConfig) (store.Store, func(), error) {
		gotCfg = cfg
		return st, func() {}, nil
	}
	tests := []struct {
		name string
		def  *wf.Definition
		want []string
	}{
		{"version kept", orders("v2", nil, orders("v1", []wf.StepID{"reserve"})), []string{"a orders v1 ", "b orders v1 "}},
		{"version dropped", orders("v2", nil), []string{"a orders v1 workflow_version_mismatch", "b orders v1 workflow_version_mismatch"}},
	}
	for _, tt := range tests {
		in := strings.NewReader(`{"sqlite":"wf.db","tablePrefix":"app_"}` + "\n")
		var out bytes.Buffer
		workflows := []runtime.Workflow{{Definition: tt.def}, {Definition: wf.New("noop", func(*wf.Context, struct{}) (int, error) { return 1, nil })}}
		if err := deploycheck.ServeStore(context.Background(), workflows, open, in, &out); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got []string
		for dec := json.NewDecoder(&out); dec.More(); {
			var c deploycheck.Checked
			if err := dec.Decode(&c); err != nil {
				t.Fatal(err)
			}
			if c.CreatedAt.IsZero() {
				t.Errorf("%s: run %s has no creation time", tt.name, c.RunID)
			}
			got = append(got, strings.Join([]string{c.RunID, c.WorkflowID, c.Version, c.Reason}, " "))
		}
		slices.Sort(got)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: checked runs (-want +got):\n%s", tt.name, diff)
		}
	}
	if want := (deploycheck.StoreConfig{SQLite: "wf.db", TablePrefix: "app_"}); gotCfg != want {
		t.Errorf("the opener got %+v, want %+v", gotCfg, want)
	}
	if len(ran) != 0 {
		t.Errorf("step functions ran: %v", ran)
	}
}

func TestServeStoreRefuses(t *testing.T) {
	workflows := []runtime.Workflow{{Definition: orders("v1", nil)}}
	refused := errors.New("check: --sqlite wf.db: not migrated")
	open := func(context.Context, deploycheck.StoreConfig) (store.Store, func(), error) { return nil, nil, refused }
	tests := []struct {
		name      string
		workflows []runtime.Workflow
		in        string
		want      string
	}{
		{"bad configuration", workflows, "{not json", "reading the store's configuration"},
		{"registered twice", append(workflows, workflows...), "{}\n", "registered twice"},
		{"store refused", workflows, "{}\n", refused.Error()},
	}
	for _, tt := range tests {
		err := deploycheck.ServeStore(context.Background(), tt.workflows, open, strings.NewReader(tt.in), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}
