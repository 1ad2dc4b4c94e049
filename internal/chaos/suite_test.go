package chaos

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf/internal/pgtest"
)

// TestSuiteOnPostgres runs the whole suite for WF_CHAOS_DURATION (for
// example 20s): real processes, kills and terminated connections. It is
// skipped without that variable; `make chaos` is the usual way to run it.
func TestSuiteOnPostgres(t *testing.T) {
	d := os.Getenv("WF_CHAOS_DURATION")
	if d == "" {
		t.Skip("set WF_CHAOS_DURATION (e.g. 20s) to run the crash suite, or run make chaos")
	}
	duration, err := time.ParseDuration(d)
	if err != nil {
		t.Fatalf("WF_CHAOS_DURATION: %v", err)
	}
	pgtest.NewPool(t, nil) // skips, or fails under CI, without PostgreSQL
	program := filepath.Join(t.TempDir(), "chaos")
	build := exec.Command("go", "build", "-o", program, "github.com/wfgo/wf/internal/chaos/cmd/chaos")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var progress bytes.Buffer
	rep, err := Run(context.Background(), Config{
		DatabaseURL: pgtest.URL(), Program: program, Duration: duration,
		KillInterval: 2 * time.Second, LogDir: t.TempDir(), Progress: &progress,
	})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, progress.String())
	}
	var table strings.Builder
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	// The chaos happened and the suite saw runs of both workflows.
	if rep.Kills == 0 || rep.Terminated == 0 || rep.Runs == 0 || rep.ScheduleRuns == 0 {
		t.Errorf("no chaos or no runs: %d kills, %d terminated, %d runs, %d schedule runs", rep.Kills, rep.Terminated, rep.Runs, rep.ScheduleRuns)
	}
	if rep.Failed() {
		t.Errorf("verdict FAIL:\n%s", table.String())
	} else {
		t.Log("\n" + table.String())
	}
}

func TestMainUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"stray argument", []string{"again"}, `unexpected argument "again"`},
		{"bad flag", []string{"-duration", "soon"}, "invalid value"},
		{"role without a schema", []string{"worker"}, "need -schema"},
		{"starter with no rate", []string{"starter", "-schema", "s", "-rate", "0"}, "positive -rate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			if code := Main(tt.args, &stdout, &stderr); code != 2 {
				t.Errorf("exit %d, want 2; stderr:\n%s", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr %q does not say %q", stderr.String(), tt.want)
			}
		})
	}
}
