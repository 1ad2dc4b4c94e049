package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

// deployInput picks the wait a "deploy" run pauses on.
type deployInput struct {
	Wait bool `json:"wait"`
}

// effects counts step executions by run and step, across runtimes.
type effects struct {
	mu sync.Mutex
	n  map[string]int
}

func (e *effects) do(runID, step string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.n == nil {
		e.n = map[string]int{}
	}
	e.n[runID+"/"+step]++
}

func (e *effects) count(runID, step string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n[runID+"/"+step]
}

// deployV1 is version v1 of workflow "deploy": a step, a sleep or a
// signal, a second step.
func (e *effects) deployV1() *wf.Definition {
	return wf.New("deploy", func(ctx *wf.Context, in deployInput) (string, error) {
		if err := wf.Do(ctx, "first", func(sc wf.StepContext) error { e.do(ctx.RunID(), "first"); return nil }); err != nil {
			return "", err
		}
		if in.Wait {
			if _, err := wf.WaitForEvent[json.RawMessage](ctx, "go"); err != nil {
				return "", err
			}
		} else {
			wf.Sleep(ctx, time.Hour)
		}
		if err := wf.Do(ctx, "second", func(sc wf.StepContext) error { e.do(ctx.RunID(), "second"); return nil }); err != nil {
			return "", err
		}
		return "v1 done", nil
	}, wf.Version("v1"))
}

// deployV2 is version v2 of "deploy", registered with or without v1.
func (e *effects) deployV2(previous ...*wf.Definition) *wf.Definition {
	return wf.New("deploy", func(ctx *wf.Context, in deployInput) (string, error) {
		return "v2 done", wf.Do(ctx, "only", func(sc wf.StepContext) error { e.do(ctx.RunID(), "only"); return nil })
	}, wf.Version("v2"), wf.Previous(previous...))
}

func newDeployRuntime(t *testing.T, st store.Store, c *testclock.Clock, defs ...*wf.Definition) *runtime.Runtime {
	t.Helper()
	var ws []runtime.Workflow
	for _, d := range defs {
		ws = append(ws, runtime.Workflow{Definition: d})
	}
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: ws, Clock: c.Now, Owner: "deploy-test"})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

// TestParkedNotKilled deploys a build without v1 over paused v1 runs:
// timers, deliveries and recovery park them (not errored, no recovery slot
// taken), and a build that registers v1 again resumes them to the end
// without running their recorded steps twice.
func TestParkedNotKilled(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		ctx := context.Background()
		st, c, fx := newStore(t), testclock.New(t0), &effects{}
		v1 := newDeployRuntime(t, st, c, fx.deployV1())
		const sleepers = 30
		for i := range sleepers {
			startDeploy(t, v1, fmt.Sprintf("sleep-%02d", i), false)
		}
		startDeploy(t, v1, "waiter", true)
		if _, _, err := st.CreateRun(ctx, store.NewRun{ID: "orphan", WorkflowID: "gone", Version: "v7", Status: wf.StatusQueued,
			Input: json.RawMessage(`{}`), Lease: store.Lease{Now: c.Now()}}); err != nil {
			t.Fatal(err)
		}

		// The v2-only build: due timers and recovery park, nothing errors.
		v2 := newDeployRuntime(t, st, c, fx.deployV2())
		c.Advance(2 * time.Hour)
		sw, err := v2.Sweep(ctx, runtime.SweepOptions{MaxTimers: 100})
		if err != nil {
			t.Fatal(err)
		}
		if sw.Summary.Timers[runtime.KindParked] != sleepers || sw.Summary.Recovered[runtime.KindParked] != 1 || sw.Summary.Parked != sleepers+1 {
			t.Fatalf("v2 sweep summary %+v: want %d timers and the orphan parked", sw.Summary, sleepers)
		}
		res, err := v2.DeliverSignal(ctx, runtime.SignalRequest{RunID: "waiter", SignalID: "go-1", Name: "go", Payload: json.RawMessage(`{}`)})
		if err != nil || res.Kind != runtime.KindParked {
			t.Fatalf("signal to a v1 run on the v2 build: %s %v, want parked", res.Kind, err)
		}
		orphan, _ := v2.GetRun(ctx, "orphan")
		if orphan.Parked == nil || !strings.Contains(orphan.Parked.Message, `"gone"`) {
			t.Errorf("run of an unregistered workflow: parked %+v, want parked naming the workflow", orphan.Parked)
		}
		wantParkedRuns(t, v2, sleepers+2)

		// A healthy stale run is recovered in one sweep with the default
		// budget of 25, which the 32 parked runs do not take.
		startDeploy(t, v2, "healthy-v2", false)
		if _, _, err := st.CreateRun(ctx, store.NewRun{ID: "stale-v2", WorkflowID: "deploy", Version: "v2", Status: wf.StatusQueued,
			Input: json.RawMessage(`{}`), Lease: store.Lease{Now: c.Now()}}); err != nil {
			t.Fatal(err)
		}
		sw, err = v2.Sweep(ctx, runtime.SweepOptions{MaxRecoveredRuns: 25})
		if err != nil || sw.Summary.Recovered[runtime.KindCompleted] != 1 || sw.Summary.Recovered.Total() != 1 || sw.RemainingMayExist {
			t.Fatalf("v2 sweep with parked runs: %+v remaining %v, %v; want only the stale run recovered", sw.Summary, sw.RemainingMayExist, err)
		}
		wantParkedRuns(t, v2, sleepers+2)

		// The build with v1 restored resumes every parked v1 run.
		v12 := newDeployRuntime(t, st, c, fx.deployV2(fx.deployV1()))
		sw, err = v12.Sweep(ctx, runtime.SweepOptions{})
		if err != nil || sw.Summary.Unparked != sleepers+1 {
			t.Fatalf("v1 restored: %+v %v; want %d runs unparked", sw.Summary, err, sleepers+1)
		}
		for range 5 {
			if sw, err = v12.Sweep(ctx, runtime.SweepOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		for i := range sleepers {
			wantFinishedOnce(t, v12, fx, fmt.Sprintf("sleep-%02d", i))
		}
		wantFinishedOnce(t, v12, fx, "waiter")
		wantParkedRuns(t, v12, 1) // the orphan's workflow is still unknown
	})
}

func startDeploy(t *testing.T, rt *runtime.Runtime, runID string, wait bool) {
	t.Helper()
	in, _ := json.Marshal(deployInput{Wait: wait})
	res, err := rt.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "deploy", RunID: runID, Input: in})
	if err != nil {
		t.Fatalf("start %s: %v", runID, err)
	}
	if res.Kind != runtime.KindPaused && res.Kind != runtime.KindCompleted {
		t.Fatalf("start %s: %s", runID, res.Kind)
	}
}

func wantParkedRuns(t *testing.T, rt *runtime.Runtime, n int) {
	t.Helper()
	page, err := rt.ListRuns(context.Background(), store.ListQuery{Parked: true, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Runs) != n {
		t.Fatalf("ListRuns{Parked} = %d runs, want %d", len(page.Runs), n)
	}
	for _, r := range page.Runs {
		if r.Status != wf.StatusPaused || r.Parked.Reason != wf.CodeVersionMismatch || r.Parked.Version != r.Version {
			t.Errorf("parked run %s: status %s, park %+v", r.ID, r.Status, r.Parked)
		}
	}
}

func wantFinishedOnce(t *testing.T, rt *runtime.Runtime, fx *effects, runID string) {
	t.Helper()
	run, err := rt.GetRun(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != wf.StatusFinished || string(run.Output) != `"v1 done"` || run.Parked != nil {
		t.Errorf("run %s: %s output %s park %+v; want finished by v1", runID, run.Status, run.Output, run.Parked)
	}
	if a, b := fx.count(runID, "first"), fx.count(runID, "second"); a != 1 || b != 1 {
		t.Errorf("run %s ran its steps first %d and second %d times, want once each", runID, a, b)
	}
}

// TestParkedRunDeliveredOrCanceled: a signal to a parked run is stored
// (a repeat is told apart from it) and consumed once a build that
// registers the version resumes the run; a parked run can be canceled.
func TestParkedRunDeliveredOrCanceled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, c, fx := memstore.New(), testclock.New(t0), &effects{}
	v1 := newDeployRuntime(t, st, c, fx.deployV1())
	startDeploy(t, v1, "waiter", true)
	startDeploy(t, v1, "doomed", true)
	v2 := newDeployRuntime(t, st, c, fx.deployV2())
	for _, id := range []string{"waiter", "doomed"} {
		if res, err := v2.DeliverSignal(ctx, runtime.SignalRequest{RunID: id, SignalID: "go-1", Name: "go", Payload: json.RawMessage(`{}`)}); err != nil || res.Kind != runtime.KindParked {
			t.Fatalf("signal %s on v2: %s %v", id, res.Kind, err)
		}
	}
	if res, err := v2.Cancel(ctx, "doomed", "order withdrawn"); err != nil || res.Kind != runtime.KindCanceled || res.Run.Parked != nil {
		t.Fatalf("Cancel of a parked run: %s %+v %v", res.Kind, res.Run.Parked, err)
	}
	v12 := newDeployRuntime(t, st, c, fx.deployV2(fx.deployV1()))
	res, err := v12.DeliverSignal(ctx, runtime.SignalRequest{RunID: "waiter", SignalID: "go-2", Name: "go", Payload: json.RawMessage(`{}`)})
	if err != nil || res.Kind != runtime.KindDuplicate && res.Kind != runtime.KindLost {
		t.Fatalf("second signal: %s %v", res.Kind, err)
	}
	if _, err := v12.Sweep(ctx, runtime.SweepOptions{}); err != nil {
		t.Fatal(err)
	}
	wantFinishedOnce(t, v12, fx, "waiter")
	if r, _ := v12.GetRun(ctx, "doomed"); r.Status != wf.StatusCanceled {
		t.Errorf("canceled parked run after the sweep: %s", r.Status)
	}
}
