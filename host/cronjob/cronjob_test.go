package cronjob_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/host/cronjob"
	"github.com/wfgo/wf/host/internal/hosttest"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

func TestRunExitsZeroWithSummaryLine(t *testing.T) {
	t.Parallel()
	b := hosttest.New(t, nil)
	var out bytes.Buffer
	if code := cronjob.Run(context.Background(), b.Runtime, runtime.SweepOptions{}, 0, &out); code != 0 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one log line, got %q", out.String())
	}
	var sum host.Summary
	if err := json.Unmarshal([]byte(lines[0]), &sum); err != nil || !sum.OK || sum.Materialized != 1 {
		t.Fatalf("line %s: %v", lines[0], err)
	}
}

// brokenStore fails every claim, as a database that went away would.
type brokenStore struct{ *memstore.Store }

func (brokenStore) ClaimStaleRuns(context.Context, int, store.Lease) ([]store.Run, error) {
	return nil, errors.New("connection refused")
}

func TestRunExitsNonZeroOnFailure(t *testing.T) {
	t.Parallel()
	b := hosttest.New(t, brokenStore{memstore.New()})
	var out bytes.Buffer
	if code := cronjob.Run(context.Background(), b.Runtime, runtime.SweepOptions{}, 0, &out); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(out.String(), `"ok":false`) || !strings.Contains(out.String(), "connection refused") {
		t.Fatalf("log line %q", out.String())
	}
}

func TestRunSweepsAgainWhileWorkRemains(t *testing.T) {
	t.Parallel()
	b := hosttest.New(t, nil)
	ctx := context.Background()
	for _, id := range []string{"a", "b", "c"} {
		if _, err := b.Runtime.StartRun(ctx, runtime.StartRequest{WorkflowID: "greet", RunID: id, Input: json.RawMessage(`{"greeting":"hi"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	b.Clock.Advance(2 * 60e9)
	var out bytes.Buffer
	if code := cronjob.Run(ctx, b.Runtime, runtime.SweepOptions{MaxTimers: 2}, 60e9, &out); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if n := strings.Count(out.String(), "\n"); n != 2 {
		t.Fatalf("want 2 sweeps (2 timers, then 1), got %d:\n%s", n, out.String())
	}
}
