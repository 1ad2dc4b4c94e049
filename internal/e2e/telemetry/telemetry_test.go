package telemetry_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

func TestTelemetrySpans(t *testing.T) {
	t.Parallel()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	s := &shop{}
	c := testclock.New(t0)
	rt, err := runtime.New(runtime.Config{Store: memstore.New(), Workflows: []runtime.Workflow{{Definition: s.fulfillment()}},
		Clock: c.Now, TracerProvider: tp, Owner: "host-a"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "fulfillment", RunID: "r", Input: raw(t, orderInput{OrderID: "o", DelayMs: 1})}); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Second)
	if _, err := rt.Sweep(ctx, runtime.SweepOptions{}); err != nil {
		t.Fatal(err)
	}
	byName := map[string]sdktrace.ReadOnlySpan{}
	for _, sp := range rec.Ended() {
		byName[sp.Name()] = sp
	}
	run, step, sweep, commit := byName["wf.run fulfillment"], byName["wf.step reserve-inventory"], byName["wf.sweep"], byName["wf.store.Commit"]
	if run == nil || step == nil || sweep == nil || commit == nil {
		var names []string
		for n := range byName {
			names = append(names, n)
		}
		t.Fatalf("missing spans; got %v", names)
	}
	attrs := map[string]string{}
	for _, kv := range run.Attributes() {
		attrs[string(kv.Key)] = kv.Value.Emit()
	}
	if attrs["wf.workflow_id"] != "fulfillment" || attrs["wf.run_id"] != "r" || attrs["wf.version"] != "v1" || attrs["wf.lease_owner"] == "" {
		t.Fatalf("run span attributes %v", attrs)
	}
	childOfRun := false
	for _, sp := range rec.Ended() {
		if sp.Name() == "wf.run fulfillment" && sp.SpanContext().SpanID() == step.Parent().SpanID() {
			childOfRun = true
		}
	}
	if !childOfRun {
		t.Fatal("a step's span is not a child of a run's span")
	}
	if commit.Parent().SpanID() == [8]byte{} {
		t.Fatal("a store operation's span has no parent")
	}

	// Telemetry can be turned off.
	rec2 := tracetest.NewSpanRecorder()
	rt2, err := runtime.New(runtime.Config{Store: memstore.New(), Workflows: []runtime.Workflow{{Definition: s.fulfillment()}},
		TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec2)), DisableTelemetry: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt2.Sweep(ctx, runtime.SweepOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := len(rec2.Ended()); n != 0 {
		t.Fatalf("%d spans with telemetry disabled", n)
	}
}

// TestTelemetryLinksDrivesToTheStart checks that a run stores the trace
// context it was started in, and that a later drive by a sweep, in a trace
// of its own, links to it.
func TestTelemetryLinksDrivesToTheStart(t *testing.T) {
	t.Parallel()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	s := &shop{}
	c := testclock.New(t0)
	rt, err := runtime.New(runtime.Config{Store: memstore.New(), Workflows: []runtime.Workflow{{Definition: s.fulfillment()}},
		Clock: c.Now, TracerProvider: tp})
	if err != nil {
		t.Fatal(err)
	}
	ctx, request := tp.Tracer("app").Start(context.Background(), "POST /orders")
	res, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "fulfillment", RunID: "r", Input: raw(t, orderInput{OrderID: "o", DelayMs: 1})})
	request.End()
	if err != nil {
		t.Fatal(err)
	}
	want := request.SpanContext()
	if tp := res.Run.TraceParent; tp != "00-"+want.TraceID().String()+"-"+want.SpanID().String()+"-01" {
		t.Fatalf("run's TraceParent = %q, want the request span's", tp)
	}
	c.Advance(time.Second)
	if _, err := rt.Sweep(context.Background(), runtime.SweepOptions{}); err != nil {
		t.Fatal(err)
	}
	var drives int
	for _, sp := range rec.Ended() {
		if sp.Name() != "wf.run fulfillment" {
			continue
		}
		drives++
		links := sp.Links()
		if len(links) != 1 || links[0].SpanContext.TraceID() != want.TraceID() || links[0].SpanContext.SpanID() != want.SpanID() {
			t.Errorf("drive span (trace %s) links %v, want one link to the request span %s", sp.SpanContext().TraceID(), links, want.SpanID())
		}
	}
	if drives != 2 {
		t.Fatalf("%d drive spans, want 2 (the start, the sweep's)", drives)
	}
}

// TestTelemetryScheduleRunsStoreTheirTrace checks that a schedule's run,
// triggered or started by a sweep, stores the trace context it was
// created in, as StartRun's runs do.
func TestTelemetryScheduleRunsStoreTheirTrace(t *testing.T) {
	t.Parallel()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tracetest.NewSpanRecorder()))
	tick := wf.New("tick", func(ctx *wf.Context, _ json.RawMessage) (string, error) { return "tock", nil })
	st := memstore.New()
	c := testclock.New(t0)
	rt, err := runtime.New(runtime.Config{Store: st, TracerProvider: tp, Clock: c.Now,
		Workflows: []runtime.Workflow{{Definition: tick, Schedules: []runtime.Schedule{{ID: "hourly", Spec: runtime.Every(time.Hour), Overlap: runtime.OverlapAllow}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.MaterializeSchedules(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.Advance(30*time.Minute + time.Millisecond) // between two fire times
	ctx, op := tp.Tracer("app").Start(context.Background(), "wf schedules trigger")
	res, err := rt.TriggerSchedule(ctx, "hourly")
	op.End()
	if err != nil {
		t.Fatal(err)
	}
	page, err := st.ListRuns(context.Background(), store.ListQuery{WorkflowID: "tick"})
	if err != nil || len(page.Runs) != 1 {
		t.Fatalf("ListRuns after the trigger (%s): %d runs, %v; want 1", res.Kind, len(page.Runs), err)
	}
	run, err := st.GetRun(context.Background(), page.Runs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	want := op.SpanContext()
	if run.TraceParent != "00-"+want.TraceID().String()+"-"+want.SpanID().String()+"-01" {
		t.Fatalf("triggered run's TraceParent = %q, want the caller's span %s", run.TraceParent, want.SpanID())
	}
}
