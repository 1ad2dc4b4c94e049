package fulfillment_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wfgo/wf/examples/fulfillment"
	"github.com/wfgo/wf/host"
	liteenv "github.com/wfgo/wf/host/envstore/sqlite"
	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store/postgres"
)

// These tests run the entry points that wfgen wrote into wfhosts/ the way
// each host runs them: the Vercel handlers over HTTP, the Lambda and
// Netlify functions against a stand-in for the Lambda Runtime API, the
// cron command and the worker as processes. The stores are SQLite files.

// hostEnv holds the variables of the environment that the entry points
// read; the child processes get none of them from the test's environment.
var hostEnv = []string{"DATABASE_URL", "WF_PG_SCHEMA", "WF_PG_NOTIFY", "WF_SQLITE_PATH", "AWS_LAMBDA_RUNTIME_API", "PORT", "WF_INGRESS_SECRET", "CRON_SECRET", "WF_METRICS"}

// hostBinaries builds the entry points that are main packages once for
// the package's tests (railway's is cron's, with other comments). The
// directory is removed by TestMain.
var hostBinaries = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "wfhosts-")
	if err != nil {
		return "", err
	}
	cmd := exec.Command("go", "build", "-o", dir+string(filepath.Separator),
		"./wfhosts/cron", "./wfhosts/lambda", "./wfhosts/netlify", "./wfhosts/worker")
	if out, err := cmd.CombinedOutput(); err != nil {
		return dir, fmt.Errorf("go build: %v\n%s", err, out)
	}
	return dir, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	if dir, _ := hostBinaries(); dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// hostBinary returns the path of the entry point of host name.
func hostBinary(t *testing.T, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the hosts' entry points")
	}
	dir, err := hostBinaries()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

// hostCommand returns a command running the entry point of host name
// with env, and nothing else, as its host's environment.
func hostCommand(t *testing.T, name string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(hostBinary(t, name))
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !contains(hostEnv, k) {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// hostStore returns a migrated SQLite file holding one fulfillment run
// paused on a timer that is already due, so that a sweep has work.
func hostStore(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wf.db")
	ctx := context.Background()
	getenv := func(k string) string { return map[string]string{"WF_SQLITE_PATH": path}[k] }
	opened, err := liteenv.Open(ctx, getenv, true)
	if err != nil {
		t.Fatal(err)
	}
	defer opened.Close()
	ws, err := fulfillment.HostWorkflows(ctx, getenv)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := runtime.New(runtime.Config{Store: opened.Store, Workflows: fulfillment.Registrations(ws)})
	if err != nil {
		t.Fatal(err)
	}
	// The delay outlasts the start even on a loaded machine, so that the
	// run sleeps on a timer rather than going straight to the payment.
	res, err := fulfillment.StartFulfillment(ctx, rt, "order-1", fulfillment.Input{OrderID: "order-1", DelayMs: 500})
	if err != nil || res.Kind != runtime.KindPaused || res.Run.WakeAt == nil {
		t.Fatalf("StartFulfillment = %s, %v; want paused on a timer", res.Kind, err)
	}
	time.Sleep(time.Until(*res.Run.WakeAt) + 10*time.Millisecond) // the timer is due
	return path
}

// unmigratedStore returns a SQLite file without the wf schema.
func unmigratedStore(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "empty.db")
	if err := os.WriteFile(path, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	return path
}

// decodeSummary decodes a sweep summary and checks that it delivered the
// due timer of hostStore's run.
func decodeSummary(t *testing.T, what string, data []byte) host.Summary {
	t.Helper()
	var sum host.Summary
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatalf("%s: not a summary: %v\n%s", what, err, data)
	}
	if !sum.OK || sum.Summary.Timers[runtime.KindPaused] != 1 {
		t.Errorf("%s: summary %s; want ok and the due timer delivered (the run then waits for the payment)", what, data)
	}
	return sum
}

func TestHostCronCommand(t *testing.T) {
	t.Parallel()
	t.Run("migrated", func(t *testing.T) {
		t.Parallel()
		var stdout, stderr bytes.Buffer
		cmd := hostCommand(t, "cron", "WF_SQLITE_PATH="+hostStore(t))
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("cron command: %v; stderr:\n%s", err, stderr.String())
		}
		lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
		if len(lines) != 1 {
			t.Fatalf("stdout has %d lines, want one JSON summary:\n%s", len(lines), stdout.String())
		}
		decodeSummary(t, "cron command", []byte(lines[0]))
	})
	t.Run("unmigrated", func(t *testing.T) {
		t.Parallel()
		var stdout bytes.Buffer
		cmd := hostCommand(t, "cron", "WF_SQLITE_PATH="+unmigratedStore(t))
		cmd.Stdout = &stdout
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Fatalf("cron command on an unmigrated database: %v, want exit status 1", err)
		}
		var sum host.Summary
		if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil || sum.OK || !strings.Contains(sum.Error, "wf migrate") {
			t.Errorf("stdout %q: want one summary line with ok false and an error naming wf migrate", stdout.String())
		}
	})
}

func TestHostWorkerDrainsOnSIGTERM(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	cmd := hostCommand(t, "worker", "WF_SQLITE_PATH="+hostStore(t), "WF_INGRESS_SECRET=s3cret", "PORT="+port)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	// The worker serves the ingress API once it runs: read the run that
	// its first sweep woke.
	base := "http://127.0.0.1:" + port
	var got struct{ Run host.RunJSON }
	deadline := time.Now().Add(20 * time.Second)
	for got.Run.Awaiting == nil || got.Run.Awaiting[0].Name != "payment-received" {
		if time.Now().After(deadline) {
			t.Fatalf("the worker did not sweep the due timer; stderr:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
		status, body := request(t, http.MethodGet, base+"/runs/order-1", "s3cret", "")
		if status == http.StatusOK {
			_ = json.Unmarshal(body, &got)
		}
	}
	if status, _ := request(t, http.MethodGet, base+"/runs/order-1", "wrong", ""); status != http.StatusUnauthorized {
		t.Errorf("GET with a wrong secret: status %d, want 401", status)
	}

	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("worker after SIGTERM: %v, want exit status 0; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the worker still runs 10s after SIGTERM; stderr:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "wf worker: stopped") {
		t.Errorf("stderr does not log the stop:\n%s", stderr.String())
	}
	t.Logf("stopped %v after SIGTERM", time.Since(sent).Round(time.Millisecond))
}

// TestHostWorkerRefusesMetricsWithoutTheOption runs the worker with
// WF_METRICS=1: the example's //wf:hosts has no metrics option (it would
// make wf's module require github.com/wfgo/wf/host/metrics and with it the
// OpenTelemetry SDK), so the worker exits 1 at start, saying how to enable
// metrics, rather than run without them. host/metrics tests the worker
// that serves them.
func TestHostWorkerRefusesMetricsWithoutTheOption(t *testing.T) {
	t.Parallel()
	cmd := hostCommand(t, "worker", "WF_SQLITE_PATH="+hostStore(t), "WF_METRICS=1", "PORT="+freePort(t))
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Fatalf("worker with WF_METRICS=1 ended with %v, want exit status 1; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("worker with WF_METRICS=1 still runs after 20s; stderr:\n%s", stderr.String())
	}
	for _, want := range []string{"WF_METRICS=1", "github.com/wfgo/wf/host/metrics", "metrics.FromEnv"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

// request sends a request with a bearer token and returns the status and
// body; a failed connection is status 0.
func request(t *testing.T, method, url, token, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, data
}

// TestHostWorkerOnPostgres runs the worker on PostgreSQL, where it also
// LISTENs for the store's wake-ups: it serves, starts a run (whose commit
// notifies the worker), and still drains on SIGTERM.
func TestHostWorkerOnPostgres(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	if err := postgres.Migrate(context.Background(), db.Pool, postgres.WithSchema(db.Schema)); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	cmd := hostCommand(t, "worker", "DATABASE_URL="+pgtest.URL(), "WF_PG_SCHEMA="+db.Schema,
		"WF_PG_NOTIFY=wake_"+db.Schema, "WF_INGRESS_SECRET=s3cret", "PORT="+port)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	base := "http://127.0.0.1:" + port
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, body := request(t, http.MethodPost, base+"/runs", "s3cret",
			`{"workflowId":"fulfillment","runId":"order-pg","input":{"orderId":"order-pg","delayMs":0}}`)
		if status == http.StatusCreated {
			break
		}
		if status != 0 || time.Now().After(deadline) {
			t.Fatalf("start over the worker's ingress: %d %s; stderr:\n%s", status, body, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("worker after SIGTERM: %v, want exit status 0; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the worker still runs 10s after SIGTERM; stderr:\n%s", stderr.String())
	}
	t.Logf("stopped %v after SIGTERM", time.Since(sent).Round(time.Millisecond))
}

// lockedBuffer is a process's stderr, safe to read while it writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
