package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/host/worker"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

func greet() *wf.Definition {
	return wf.New("greet", func(ctx *wf.Context, _ struct{}) (string, error) {
		return wf.Step(ctx, "hello", func(wf.StepContext) (string, error) { return "hello", nil })
	})
}

// sweepOnce runs the worker until its first sweep ends.
func sweepOnce(t *testing.T, rt *runtime.Runtime, opts worker.Options) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts.Interval = time.Hour
	opts.OnSweep = func(host.Summary) { cancel() }
	if err := worker.Run(ctx, rt, opts); err != nil {
		t.Fatal(err)
	}
}

// TestWorkerLogs checks the start-up line, and that a sweep logs a line
// only when it did something.
func TestWorkerLogs(t *testing.T) {
	t.Parallel()
	st := memstore.New()
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: []runtime.Workflow{{Definition: greet()}}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	opts := worker.Options{Logger: slog.New(slog.NewJSONHandler(&buf, nil)),
		Startup: &worker.Startup{Store: "sqlite", Ingress: "off (WF_INGRESS_SECRET is not set)", Metrics: "/metrics on :8080"}}
	sweepOnce(t, rt, opts)
	lines := logLines(t, &buf)
	if len(lines) != 1 || lines[0]["msg"] != "wf worker: started" {
		t.Fatalf("an idle worker logged %v, want the start-up line alone", lines)
	}
	for key, want := range map[string]any{"store": "sqlite", "workflows": []any{"greet"}, "interval": "1h0m0s",
		"ingress": "off (WF_INGRESS_SECRET is not set)", "dashboard": "off", "metrics": "/metrics on :8080", "sweep_budget": "25s"} {
		if got, _ := json.Marshal(lines[0][key]); string(got) != string(must(json.Marshal(want))) {
			t.Errorf("start-up line %s = %s, want %v", key, got, want)
		}
	}

	if _, _, err := st.CreateRun(context.Background(), store.NewRun{ID: "g1", WorkflowID: "greet", Version: "v1",
		Status: wf.StatusQueued, Input: json.RawMessage(`{}`), Lease: store.Lease{Now: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	sweepOnce(t, rt, opts)
	var sweeps []map[string]any
	for _, l := range logLines(t, &buf) {
		if l["msg"] == "wf worker: sweep" {
			sweeps = append(sweeps, l)
		}
	}
	if len(sweeps) != 1 || sweeps[0]["level"] != "INFO" || sweeps[0]["events"] == float64(0) {
		t.Fatalf("a sweep that recovered a run logged %v, want one INFO summary line", sweeps)
	}
}

func logLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
