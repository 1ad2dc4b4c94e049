package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/wfgo/wf/internal/pgtest"
)

// TestMainPrintsEveryFigure runs a tiny benchmark end to end and checks
// the JSON lines later reports build on.
func TestMainPrintsEveryFigure(t *testing.T) {
	t.Parallel()
	pgtest.NewPool(t, nil) // skips loudly, or fails in CI, without PostgreSQL
	var out, errb bytes.Buffer
	code := Main([]string{"-json", "-database-url", pgtest.URL(), "-concurrency", "1,2", "-duration", "300ms",
		"-history", "10", "-sweep-timers", "20", "-sweep-concurrency", "2"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	names := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var f Figure
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if f.Value <= 0 || f.Unit == "" || f.Concurrency < 1 {
			t.Fatalf("figure %+v", f)
		}
		if f.Name == "workflow-10-steps" && (f.Limit <= 0 || f.Ratio <= 0) {
			t.Fatalf("workflow figure without limit and ratio: %+v", f)
		}
		names[f.Name] = true
	}
	for _, want := range []string{"raw-insert", "workflow-10-steps", "workflow-10-steps-steps", "workflow-10-local-steps", "workflow-10-steps-p50", "workflow-1-step", "workflow-1-step-p50", "resume-11-events", "sweep-20-timers", cpuFigureName} {
		if !names[want] {
			t.Errorf("no %s figure in:\n%s", want, out.String())
		}
	}
	if code := Main([]string{"-concurrency", "x"}, &out, &errb); code != 2 {
		t.Fatalf("bad flag: exit %d", code)
	}
	if code := Main([]string{"-scale", "100,10"}, &out, &errb); code != 2 {
		t.Fatalf("bad flag: exit %d", code)
	}
}

// TestScaleFigures loads a few runs and checks the scale figures.
func TestScaleFigures(t *testing.T) {
	t.Parallel()
	pgtest.NewPool(t, nil)
	var out, errb bytes.Buffer
	code := Main([]string{"-json", "-database-url", pgtest.URL(), "-concurrency", "", "-scale", "50,120", "-scale-churn", "0.5"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	names := map[string]Figure{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var f Figure
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		names[f.Name] = f
	}
	if _, ok := names[cpuFigureName]; ok {
		t.Errorf("a run of scale figures alone measured the CPU reference:\n%s", out.String())
	}
	for _, n := range []string{"50", "120"} {
		for _, want := range []string{"load-%s-runs", "idle-claim-buffers-%s-runs-after-churn", "idle-sweep-%s-runs-after-churn",
			"autovacuum-%s-runs", "idle-sweep-%s-runs-after-autovacuum", "get-run-%s-runs", "delivery-%s-runs", "sweep-1000-timers-%s-runs"} {
			name := fmt.Sprintf(want, n)
			f, ok := names[name]
			if !ok {
				t.Errorf("no %s figure in:\n%s", name, out.String())
			} else if f.Unit == "" || (f.Value <= 0 && !strings.HasPrefix(name, "autovacuum")) {
				t.Errorf("figure %+v", f)
			}
		}
	}
}

// TestMainMeasuresSQLite runs the SQLite figures alone and checks that
// each workflow figure carries its limit and ratio.
func TestMainMeasuresSQLite(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	code := Main([]string{"-json", "-postgres=false", "-sqlite", "normal", "-concurrency", "1,2", "-duration", "300ms"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	names := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var f Figure
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if f.Value <= 0 || f.Unit == "" {
			t.Fatalf("figure %+v", f)
		}
		if f.Name == "sqlite-normal-workflow-10-steps" && (f.Limit <= 0 || f.Ratio <= 0) {
			t.Fatalf("workflow figure without limit and ratio: %+v", f)
		}
		names[f.Name] = true
	}
	for _, want := range []string{"sqlite-normal-raw-insert", "sqlite-normal-workflow-10-steps", "sqlite-normal-workflow-10-steps-p50", "sqlite-normal-workflow-10-steps-p99", cpuFigureName} {
		if !names[want] {
			t.Errorf("no %s figure in:\n%s", want, out.String())
		}
	}
	if code := Main([]string{"-postgres=false", "-sqlite", "OFF"}, &out, &errb); code != 1 {
		t.Fatalf("bad synchronous mode: exit %d", code)
	}
}
