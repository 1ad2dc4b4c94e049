package metrics_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/wfgo/wf/gen"
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
