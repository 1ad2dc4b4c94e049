package metrics_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/host/internal/hosttest"
	"github.com/wfgo/wf/host/metrics"
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

// TestWorkerServesMetrics scrapes /metrics as the worker serves it
// (WF_METRICS=1) after it recovered a run.
func TestWorkerServesMetrics(t *testing.T) {
	t.Parallel()
	m, err := metrics.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown(context.Background()) })
	st := memstore.New()
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: []runtime.Workflow{{Definition: greet()}}, MeterProvider: m.Provider})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "greet", RunID: "g1", Input: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.CreateRun(context.Background(), store.NewRun{ID: "g2", WorkflowID: "greet", Version: "v1",
		Status: wf.StatusQueued, Input: json.RawMessage(`{}`), Lease: store.Lease{Now: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	sweepOnce(t, rt, worker.Options{Logger: slog.New(slog.DiscardHandler)})

	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	for _, want := range []string{
		`wf_runs_started_total{otel_scope_name="github.com/wfgo/wf/runtime",otel_scope_schema_url="",otel_scope_version="",workflow="greet"} 1`,
		`wf_runs_ended_total{code="",otel_scope_name="github.com/wfgo/wf/runtime",otel_scope_schema_url="",otel_scope_version="",status="finished",workflow="greet"} 2`,
		`wf_runs_recovered_total{otel_scope_name="github.com/wfgo/wf/runtime",otel_scope_schema_url="",otel_scope_version="",workflow="greet"} 1`,
		`wf_step_attempts_total{`,
		`wf_step_duration_seconds_bucket{`,
		`wf_sweep_duration_seconds_count{`,
		`wf_sweep_items_total{kind="completed",otel_scope_name="github.com/wfgo/wf/runtime",otel_scope_schema_url="",otel_scope_version="",phase="recovered"} 1`,
		`wf_runs_parked{`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("GET /metrics lacks %s; got:\n%s", want, body)
		}
	}
}

// TestServeFromEnv runs worker.Serve as a generated main with the metrics
// option does (Options.Metrics = metrics.FromEnv): without WF_METRICS it
// serves nothing; with WF_METRICS=1 it installs the global meter provider
// before the runtime is made and serves the runtime's metrics at /metrics
// alone. It is not parallel: it sets otel's global meter provider.
func TestServeFromEnv(t *testing.T) {
	if exp, err := metrics.FromEnv(func(string) string { return "" }); exp != nil || err != nil {
		t.Fatalf("FromEnv without WF_METRICS = %v, %v; want nil, nil", exp, err)
	}
	port := freePort(t)
	app := hosttest.NewApp(map[string]string{"WF_METRICS": "1", "PORT": port}, io.Discard, nil)
	ctx, cancel := context.WithCancel(context.Background())
	code := make(chan int, 1)
	go func() {
		code <- worker.Serve(ctx, app.App, worker.Options{Interval: time.Hour, Metrics: metrics.FromEnv})
	}()
	var body []byte
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		res, err := http.Get("http://127.0.0.1:" + port + "/metrics")
		if err == nil {
			body, _ = io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK && strings.Contains(string(body), "wf_sweep_duration_seconds_count{") {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /metrics (%v) lacks the sweep's duration:\n%s", err, body)
		}
	}
	if _, ok := otel.GetMeterProvider().(interface{ Shutdown(context.Context) error }); !ok {
		t.Errorf("global meter provider is %T, want the SDK's", otel.GetMeterProvider())
	}
	res, err := http.Get("http://127.0.0.1:" + port + "/runs/nope")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /runs/nope without WF_INGRESS_SECRET: %d, want 404 (no ingress)", res.StatusCode)
	}
	cancel()
	if c := <-code; c != 0 {
		t.Fatalf("exit code %d, want 0", c)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}
