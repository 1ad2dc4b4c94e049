package worker_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfgo/wf/host/internal/hosttest"
	"github.com/wfgo/wf/host/worker"
)

// freePort returns a port nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// TestServeIngressAndShutdown runs the worker entry as its main does: it
// serves the ingress API on $PORT with the secret, and when its context
// ends (SIGTERM in Main) it stops serving, closes the store and returns 0.
func TestServeIngressAndShutdown(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	var log lockedBuffer
	app := hosttest.NewApp(map[string]string{"WF_INGRESS_SECRET": "s3cret", "PORT": port}, &log, nil)
	ctx, cancel := context.WithCancel(context.Background())
	code := make(chan int, 1)
	go func() { code <- worker.Serve(ctx, app.App, worker.Options{Interval: time.Hour}) }()
	status := func(auth string) int {
		req, _ := http.NewRequest("GET", "http://127.0.0.1:"+port+"/runs/nope", nil)
		req.Header.Set("Authorization", auth)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		res.Body.Close()
		return res.StatusCode
	}
	for status("Bearer s3cret") == 0 { // until it listens
		time.Sleep(10 * time.Millisecond)
	}
	if got := status("Bearer s3cret"); got != http.StatusNotFound {
		t.Errorf("an unknown run with the secret: %d, want 404", got)
	}
	if got := status("Bearer wrong"); got != http.StatusUnauthorized {
		t.Errorf("the wrong secret: %d, want 401", got)
	}
	cancel()
	if c := <-code; c != 0 {
		t.Fatalf("exit code %d after shutdown, want 0; log:\n%s", c, log.String())
	}
	if status("Bearer s3cret") != 0 {
		t.Error("still serving after shutdown")
	}
	if app.Closes.Load() != 1 || !strings.Contains(log.String(), "wf worker: stopped") {
		t.Errorf("store closed %d times, log:\n%s", app.Closes.Load(), log.String())
	}
}

// TestServeWithoutSecretServesNothing: no WF_INGRESS_SECRET, no port.
func TestServeWithoutSecretServesNothing(t *testing.T) {
	t.Parallel()
	var log lockedBuffer
	app := hosttest.NewApp(map[string]string{"PORT": freePort(t)}, &log, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if c := worker.Serve(ctx, app.App, worker.Options{}); c != 0 {
		t.Fatalf("exit code %d, want 0", c)
	}
	if strings.Contains(log.String(), "serving the ingress API") {
		t.Fatalf("served the ingress API without a secret:\n%s", log.String())
	}
}

// TestServeStoreFails: a store that cannot be opened is exit code 1.
func TestServeStoreFails(t *testing.T) {
	t.Parallel()
	var log lockedBuffer
	app := hosttest.NewApp(nil, &log, errors.New("not migrated: run wf migrate"))
	if c := worker.Serve(context.Background(), app.App, worker.Options{}); c != 1 {
		t.Fatalf("exit code %d, want 1", c)
	}
	if !strings.Contains(log.String(), "wf migrate") {
		t.Fatalf("log lacks the reason:\n%s", log.String())
	}
}

// TestServePortTaken: a port that cannot be served is exit code 1.
func TestServePortTaken(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	app := hosttest.NewApp(map[string]string{"WF_INGRESS_SECRET": "s", "PORT": port}, nil, nil)
	if c := worker.Serve(context.Background(), app.App, worker.Options{}); c != 1 {
		t.Fatalf("exit code %d, want 1", c)
	}
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.String()
}

// TestServeMetricsWithoutHook: WF_METRICS=1 without Options.Metrics is
// exit code 1, before the store is opened, with a log line saying how to
// enable metrics.
func TestServeMetricsWithoutHook(t *testing.T) {
	t.Parallel()
	var log lockedBuffer
	app := hosttest.NewApp(map[string]string{"WF_METRICS": "1", "PORT": freePort(t)}, &log, nil)
	if c := worker.Serve(context.Background(), app.App, worker.Options{}); c != 1 {
		t.Fatalf("exit code %d, want 1", c)
	}
	for _, want := range []string{"WF_METRICS=1", "github.com/wfgo/wf/host/metrics", "metrics.FromEnv", "//wf:hosts worker metrics"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
	if app.Closes.Load() != 0 {
		t.Errorf("store opened and closed %d times, want never opened", app.Closes.Load())
	}
}

// fakeExporter serves a fixed body and counts its shutdowns.
type fakeExporter struct{ shutdowns atomic.Int32 }

func (f *fakeExporter) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "fake_metric 1\n") })
}

func (f *fakeExporter) Shutdown(context.Context) error { f.shutdowns.Add(1); return nil }

// TestServeMetricsHook: Serve passes its environment to Options.Metrics,
// serves the exporter's handler at /metrics alone (no ingress secret),
// says so in its start-up line, and shuts the exporter down when it ends.
// A hook that returns nil serves nothing; a hook's error is exit code 1.
func TestServeMetricsHook(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	var log lockedBuffer
	app := hosttest.NewApp(map[string]string{"WF_METRICS": "1", "PORT": port}, &log, nil)
	exp := &fakeExporter{}
	var saw string
	hook := func(getenv func(string) string) (worker.MetricsExporter, error) {
		saw = getenv("WF_METRICS")
		return exp, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	code := make(chan int, 1)
	go func() { code <- worker.Serve(ctx, app.App, worker.Options{Interval: time.Hour, Metrics: hook}) }()
	var body []byte
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		res, err := http.Get("http://127.0.0.1:" + port + "/metrics")
		if err == nil {
			body, _ = io.ReadAll(res.Body)
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics not served: %v; log:\n%s", err, log.String())
		}
	}
	if string(body) != "fake_metric 1\n" {
		t.Errorf("GET /metrics = %q, want the exporter's body", body)
	}
	cancel()
	if c := <-code; c != 0 {
		t.Fatalf("exit code %d, want 0; log:\n%s", c, log.String())
	}
	if saw != "1" || exp.shutdowns.Load() != 1 {
		t.Errorf("hook saw WF_METRICS=%q, exporter shut down %d times; want 1, 1", saw, exp.shutdowns.Load())
	}
	if !strings.Contains(log.String(), `metrics=on /metrics`) && !strings.Contains(log.String(), `"metrics":"on`) {
		t.Errorf("start-up line does not say metrics are on:\n%s", log.String())
	}

	// A hook that returns nil: nothing to serve, no port.
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	none := func(func(string) string) (worker.MetricsExporter, error) { return nil, nil }
	if c := worker.Serve(ctx2, hosttest.NewApp(map[string]string{"PORT": freePort(t)}, nil, nil).App, worker.Options{Metrics: none}); c != 0 {
		t.Fatalf("a nil exporter: exit code %d, want 0", c)
	}
	// A hook's error stops the worker before it opens the store.
	var log3 lockedBuffer
	failing := func(func(string) string) (worker.MetricsExporter, error) { return nil, errors.New("exporter broke") }
	if c := worker.Serve(context.Background(), hosttest.NewApp(nil, &log3, nil).App, worker.Options{Metrics: failing}); c != 1 {
		t.Fatalf("a failing hook: exit code %d, want 1", c)
	}
	if !strings.Contains(log3.String(), "exporter broke") {
		t.Errorf("log lacks the hook's error:\n%s", log3.String())
	}
}
