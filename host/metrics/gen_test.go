package metrics_test

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf/gen"
	liteenv "github.com/wfgo/wf/host/envstore/sqlite"
)

var update = flag.Bool("update", false, "rewrite the generated files under internal/app")

// TestGeneratedWorker generates internal/app, whose //wf:hosts has the
// metrics option, and compares the output with the files committed there
// (which go vet ./... compiles): the worker's main imports this module and
// passes metrics.FromEnv as worker.Options.Metrics. (wf's own goldens
// cannot show it: wf's module does not require this one.)
func TestGeneratedWorker(t *testing.T) {
	files, err := gen.Plan(context.Background(), gen.Config{Dir: ".", Patterns: []string{"./internal/app"}})
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	var worker []byte
	for _, f := range files {
		if *update {
			if err := os.MkdirAll(filepath.Dir(f.Path), 0o777); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(f.Path, f.Content, 0o666); err != nil {
				t.Fatal(err)
			}
		} else if want, err := os.ReadFile(f.Path); err != nil || !bytes.Equal(want, f.Content) {
			t.Errorf("%s differs from what wfgen generates (go test -update rewrites it; %v):\n%s", f.Path, err, f.Content)
		}
		if bytes.Contains(f.Content, []byte("package main")) && bytes.Contains(f.Content, []byte("worker.Main(")) {
			worker = f.Content
		}
	}
	for _, want := range []string{`"github.com/wfgo/wf/host/metrics"`, "Metrics:  metrics.FromEnv,", "at /metrics when WF_METRICS=1.\n"} {
		if !bytes.Contains(worker, []byte(want)) {
			t.Errorf("the generated worker lacks %q:\n%s", want, worker)
		}
	}
}

// TestGeneratedWorkerServesMetrics builds the generated worker and runs it
// with WF_METRICS=1 on a migrated SQLite file: it serves the runtime's
// metrics at /metrics, its first sweep counted.
func TestGeneratedWorkerServesMetrics(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the generated worker")
	}
	bin := filepath.Join(t.TempDir(), "worker")
	if out, err := exec.Command("go", "build", "-o", bin, "./internal/app/wfhosts/worker").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	path := filepath.Join(t.TempDir(), "wf.db")
	opened, err := liteenv.Open(context.Background(), func(k string) string { return map[string]string{"WF_SQLITE_PATH": path}[k] }, true)
	if err != nil {
		t.Fatal(err)
	}
	opened.Close()
	port := freePort(t)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "WF_SQLITE_PATH="+path, "WF_METRICS=1", "PORT="+port, "WF_INGRESS_SECRET=", "DATABASE_URL=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	const want = "wf_sweep_duration_seconds_count{"
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		res, err := http.Get("http://127.0.0.1:" + port + "/metrics")
		if err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK && strings.Contains(string(body), want) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /metrics never showed %s (%v)", want, err)
		}
	}
}
