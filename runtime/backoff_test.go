package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

// failingCommits refuses every commit of the runs whose ID starts with
// prefix, as a store refuses a commit it cannot take (a full disk, an
// oversized row), and passes everything else to the real store.
type failingCommits struct {
	store.Store
	prefix string
}

func (s failingCommits) Commit(ctx context.Context, c store.Commit) error {
	if strings.HasPrefix(c.RunID, s.prefix) {
		return errors.New("storage refused the commit")
	}
	return s.Store.Commit(ctx, c)
}

// oneStep is a workflow of one step.
func oneStep() *wf.Definition {
	return wf.New("one-step", func(ctx *wf.Context, _ struct{}) (int, error) {
		return wf.Step(ctx, "s", func(wf.StepContext) (int, error) { return 1, nil })
	})
}

func newTestRuntime(t *testing.T, cfg runtime.Config, defs ...*wf.Definition) *runtime.Runtime {
	t.Helper()
	for _, d := range defs {
		cfg.Workflows = append(cfg.Workflows, runtime.Workflow{Definition: d})
	}
	rt, err := runtime.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

// createStale stores a queued run that no one drives: recovery's work.
func createStale(t *testing.T, st store.Store, def *wf.Definition, id string, now time.Time) {
	t.Helper()
	_, created, err := st.CreateRun(context.Background(), store.NewRun{ID: id, WorkflowID: def.ID(), Version: def.Version(),
		Status: wf.StatusQueued, Input: json.RawMessage("null"), Lease: store.Lease{Now: now}})
	if err != nil || !created {
		t.Fatalf("CreateRun(%s): created %v, %v", id, created, err)
	}
}

func mustSweep(t *testing.T, rt *runtime.Runtime, opts runtime.SweepOptions) runtime.SweepResult {
	t.Helper()
	res, err := rt.Sweep(context.Background(), opts)
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	return res
}

func TestFailingRunsBackOff(t *testing.T) {
	t.Parallel()
	forEachStore(t, testFailingRunsBackOff)
}

// 25 runs whose drive keeps failing back off, exponentially and capped;
// they neither keep a healthy stale run from the next sweep nor ask for a
// sweep back to back.
func testFailingRunsBackOff(t *testing.T, newStore func(*testing.T) store.Store) {
	ctx := context.Background()
	c := testclock.New(t0)
	def := oneStep()
	st := newStore(t)
	rt := newTestRuntime(t, runtime.Config{Store: failingCommits{Store: st, prefix: "bad-"}, Clock: c.Now, Owner: "a",
		DriveRetryBase: time.Second, DriveRetryMax: 2 * time.Second}, def)
	for i := range 25 {
		createStale(t, st, def, fmt.Sprintf("bad-%02d", i), c.Now())
	}
	c.Advance(time.Second)

	sw := mustSweep(t, rt, runtime.SweepOptions{})
	if sw.Summary.Recovered["error"] != 25 || len(sw.Summary.Failed) != 25 {
		t.Fatalf("first sweep: recovered %v, %d failed; want 25 errors, 25 failed", sw.Summary.Recovered, len(sw.Summary.Failed))
	}
	if sw.RemainingMayExist {
		t.Error("failing runs made the sweep ask for another at once (RemainingMayExist)")
	}
	for _, f := range sw.Summary.Failed {
		if f.Failures != 1 || !f.RetryAt.Equal(c.Now().Add(time.Second)) || f.Error == "" {
			t.Fatalf("Summary.Failed entry %+v, want 1 failure, retry at %s", f, c.Now().Add(time.Second))
		}
	}
	checkRunBackoff(t, rt, "bad-00", 1, c.Now().Add(time.Second))

	// The next sweep, before the failing runs' retry time, recovers a
	// healthy stale run and leaves the failing ones alone.
	createStale(t, st, def, "good-1", c.Now())
	sw = mustSweep(t, rt, runtime.SweepOptions{})
	if sw.Summary.Recovered[runtime.KindCompleted] != 1 || sw.Summary.Recovered.Total() != 1 {
		t.Fatalf("second sweep recovered %v, want the healthy run only", sw.Summary.Recovered)
	}

	// At their retry time the failing runs are due again, but a healthy
	// run still goes first.
	c.Advance(time.Second)
	createStale(t, st, def, "good-2", c.Now())
	sw = mustSweep(t, rt, runtime.SweepOptions{MaxRecoveredRuns: 1})
	if sw.Summary.Recovered[runtime.KindCompleted] != 1 {
		t.Fatalf("one-slot sweep recovered %v, want the healthy run", sw.Summary.Recovered)
	}
	sw = mustSweep(t, rt, runtime.SweepOptions{})
	if sw.Summary.Recovered["error"] != 25 {
		t.Fatalf("sweep at the retry time recovered %v, want 25 errors", sw.Summary.Recovered)
	}
	checkRunBackoff(t, rt, "bad-00", 2, c.Now().Add(2*time.Second))

	// The backoff doubles, up to DriveRetryMax.
	c.Advance(2 * time.Second)
	mustSweep(t, rt, runtime.SweepOptions{})
	checkRunBackoff(t, rt, "bad-00", 3, c.Now().Add(2*time.Second))
	if run, err := rt.GetRun(ctx, "good-2"); err != nil || run.Status != wf.StatusFinished || run.DriveFailures != 0 {
		t.Errorf("good-2: %s, %d failures, %v", run.Status, run.DriveFailures, err)
	}
}

func checkRunBackoff(t *testing.T, rt *runtime.Runtime, id string, failures int, retryAt time.Time) {
	t.Helper()
	run, err := rt.GetRun(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if run.DriveFailures != failures || run.DriveRetryAt == nil || !run.DriveRetryAt.Equal(retryAt) || run.LeaseOwner != "" {
		t.Errorf("%s: DriveFailures %d, DriveRetryAt %v, lease %q; want %d, %s, released",
			id, run.DriveFailures, run.DriveRetryAt, run.LeaseOwner, failures, retryAt)
	}
}

func TestTimerOfBackingOffRunLeftToRecovery(t *testing.T) {
	t.Parallel()
	forEachStore(t, testTimerOfBackingOffRun)
}

// A due timer of a run that backs off does not drive it before its retry
// time; recovery does, afterwards.
func testTimerOfBackingOffRun(t *testing.T, newStore func(*testing.T) store.Store) {
	ctx := context.Background()
	c := testclock.New(t0)
	napper := wf.New("napper", func(ctx *wf.Context, _ struct{}) (int, error) {
		wf.Sleep(ctx, time.Minute)
		return wf.Step(ctx, "s", func(wf.StepContext) (int, error) { return 1, nil })
	})
	st := newStore(t)
	rt := newTestRuntime(t, runtime.Config{Store: st, Clock: c.Now, Owner: "a"}, napper)
	failing := newTestRuntime(t, runtime.Config{Store: failingCommits{Store: st, prefix: "nap"}, Clock: c.Now, Owner: "b",
		DriveRetryBase: time.Minute}, napper)
	if res, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "napper", RunID: "nap"}); err != nil || res.Kind != runtime.KindPaused {
		t.Fatalf("start: %s %v", res.Kind, err)
	}
	c.Advance(time.Minute)
	sw := mustSweep(t, failing, runtime.SweepOptions{})
	if len(sw.Summary.Failed) != 1 || sw.Summary.Timers["error"] != 1 {
		t.Fatalf("timer sweep: %+v, want the run's drive failed", sw.Summary)
	}
	retryAt := c.Now().Add(time.Minute)

	// The timer's claim lapses; the run still backs off.
	c.Advance(31 * time.Second)
	sw = mustSweep(t, rt, runtime.SweepOptions{})
	if sw.Summary.Timers[runtime.KindBackingOff] != 1 || sw.Summary.Recovered.Total() != 0 {
		t.Fatalf("sweep before the retry time: %+v, want the timer left to recovery", sw.Summary)
	}
	checkRunBackoff(t, rt, "nap", 1, retryAt)

	c.Set(retryAt)
	sw = mustSweep(t, rt, runtime.SweepOptions{})
	if sw.Summary.Recovered[runtime.KindCompleted] != 1 {
		t.Fatalf("sweep at the retry time: %+v, want the run recovered", sw.Summary)
	}
}

// A DriveRetryMax below the default base, with the base unset, is taken as
// both; a base over the cap is refused naming both values.
func TestDriveRetryConfig(t *testing.T) {
	st := memstore.New()
	if _, err := runtime.New(runtime.Config{Store: st, DriveRetryMax: 200 * time.Millisecond}); err != nil {
		t.Fatalf("DriveRetryMax 200ms with the base unset: %v", err)
	}
	_, err := runtime.New(runtime.Config{Store: st, DriveRetryBase: time.Minute, DriveRetryMax: time.Second})
	if err == nil || !strings.Contains(err.Error(), "DriveRetryBase 1m0s") || !strings.Contains(err.Error(), "DriveRetryMax 1s") {
		t.Fatalf("base over max: err = %v, want both values named", err)
	}
	_, err = runtime.New(runtime.Config{Store: st, DriveRetryBase: 10 * time.Minute})
	if err == nil || !strings.Contains(err.Error(), "DriveRetryMax 5m0s (default)") {
		t.Fatalf("base over the default max: err = %v, want the default named as such", err)
	}
}
