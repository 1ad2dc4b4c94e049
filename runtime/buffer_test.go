package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// payment is the payload of the "paid" signal of the test workflows.
type payment struct {
	ID string `json:"id"`
}

// early is a small bundle for tests of deliveries that arrive before the
// run waits for them.
type early struct {
	t     *testing.T
	rt    *runtime.Runtime
	store store.Store
	clock *testclock.Clock
	ctx   context.Context
}

func setupEarly(t *testing.T, st store.Store, cfg runtime.Config, defs ...*wf.Definition) early {
	t.Helper()
	c := testclock.New(t0)
	cfg.Store, cfg.Clock, cfg.Owner = st, c.Now, "test"
	for _, d := range defs {
		cfg.Workflows = append(cfg.Workflows, runtime.Workflow{Definition: d})
	}
	rt, err := runtime.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return early{t: t, rt: rt, store: st, clock: c, ctx: context.Background()}
}

func (e early) start(workflowID, runID string) runtime.Result {
	e.t.Helper()
	res, err := e.rt.StartRun(e.ctx, runtime.StartRequest{WorkflowID: workflowID, RunID: runID, Input: json.RawMessage(`{}`)})
	if err != nil {
		e.t.Fatalf("start %s: %v", runID, err)
	}
	return res
}

func (e early) signal(runID, signalID, name string) runtime.Result {
	e.t.Helper()
	res, err := e.rt.DeliverSignal(e.ctx, runtime.SignalRequest{RunID: runID, SignalID: signalID, Name: name, Payload: json.RawMessage(fmt.Sprintf(`{"id":%q}`, signalID))})
	if err != nil {
		e.t.Fatalf("signal %s to %s: %v", signalID, runID, err)
	}
	return res
}

// wakeTimers moves the clock past every timer and sweeps.
func (e early) wakeTimers() {
	e.t.Helper()
	e.clock.Advance(time.Hour)
	if _, err := e.rt.Sweep(e.ctx, runtime.SweepOptions{}); err != nil {
		e.t.Fatal(err)
	}
}

func (e early) wantOutput(runID, want string) store.Run {
	e.t.Helper()
	run, err := e.rt.GetRun(e.ctx, runID)
	if err != nil {
		e.t.Fatal(err)
	}
	if run.Status != wf.StatusFinished || string(run.Output) != want {
		e.t.Fatalf("run %s: %s %s (error %v), want finished with %s", runID, run.Status, run.Output, run.Error, want)
	}
	return run
}

// sleepThenWait sleeps a minute, then waits for "paid" once per name in
// waits (wait IDs "paid-0", "paid-1", …) and returns the payment IDs.
func sleepThenWait(waits int) *wf.Definition {
	return wf.New("sleep-then-wait", func(ctx *wf.Context, _ struct{}) ([]string, error) {
		wf.Sleep(ctx, time.Minute, wf.ID("nap"))
		var got []string
		for i := range waits {
			p, err := wf.WaitForEvent[payment](ctx, "paid", wf.ID(fmt.Sprintf("paid-%d", i)))
			if err != nil {
				return nil, err
			}
			got = append(got, p.ID)
		}
		return got, nil
	})
}

func TestEarlySignalDuringSleep(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
		e := setupEarly(t, newStore(t), runtime.Config{}, sleepThenWait(1))
		e.start("sleep-then-wait", "r")
		if res := e.signal("r", "pay-1", "paid"); res.Kind != runtime.KindAccepted {
			t.Fatalf("signal during the sleep: %s, want accepted", res.Kind)
		}
		if run, _ := e.rt.GetRun(e.ctx, "r"); run.Status != wf.StatusPaused || !slices.Equal(run.Buffered, []string{"pay-1"}) {
			t.Fatalf("run after an early signal: %s, Buffered %v; want paused, [pay-1]", run.Status, run.Buffered)
		}
		e.wakeTimers()
		run := e.wantOutput("r", `["pay-1"]`)
		if len(run.Buffered) != 0 {
			t.Errorf("Buffered after the wait consumed it: %v", run.Buffered)
		}
	})
}

func TestTwoEarlySignalsFeedTwoWaitsInOrder(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
		e := setupEarly(t, newStore(t), runtime.Config{}, sleepThenWait(2))
		e.start("sleep-then-wait", "r")
		// Signal IDs sort the other way round: arrival order decides.
		for _, id := range []string{"pay-b", "pay-a"} {
			if res := e.signal("r", id, "paid"); res.Kind != runtime.KindAccepted {
				t.Fatalf("signal %s: %s, want accepted", id, res.Kind)
			}
		}
		if res := e.signal("r", "pay-b", "paid"); res.Kind != runtime.KindDuplicate {
			t.Fatalf("repeat of a kept signal: %s, want duplicate", res.Kind)
		}
		e.wakeTimers()
		e.wantOutput("r", `["pay-b","pay-a"]`)
		tl, err := e.rt.Timeline(e.ctx, "r")
		if err != nil {
			t.Fatal(err)
		}
		var resolved []string
		for _, ev := range tl.Events {
			if ev.Type == wf.SignalResolved && ev.Name == "paid" {
				resolved = append(resolved, ev.StepID+"="+ev.SignalID)
			}
		}
		if want := []string{"paid-0=pay-b", "paid-1=pay-a"}; !slices.Equal(resolved, want) {
			t.Errorf("resolutions %v, want %v", resolved, want)
		}
	})
}

func TestEarlySignalDuringStepBeforeWait(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
		var e early
		var during runtime.Result
		def := wf.New("step-then-wait", func(ctx *wf.Context, _ struct{}) (string, error) {
			err := wf.Do(ctx, "charge", func(sc wf.StepContext) error {
				var err error
				during, err = e.rt.DeliverSignal(sc, runtime.SignalRequest{RunID: ctx.RunID(), SignalID: "pay-1", Name: "paid", Payload: json.RawMessage(`{"id":"pay-1"}`)})
				return err
			})
			if err != nil {
				return "", err
			}
			p, err := wf.WaitForEvent[payment](ctx, "paid")
			return p.ID, err
		})
		e = setupEarly(t, newStore(t), runtime.Config{}, def)
		res := e.start("step-then-wait", "r")
		if during.Kind != runtime.KindAccepted {
			t.Errorf("signal during the step: %s, want accepted", during.Kind)
		}
		// The driver applies it in the same call: no sweep.
		if res.Kind != runtime.KindCompleted {
			t.Fatalf("start: %s, want completed", res.Kind)
		}
		e.wantOutput("r", `"pay-1"`)
	})
}

// A signal and the run's arrival at the wait race: whichever comes first,
// the wait consumes the signal, with no sweep.
func TestSignalRacesRunReachingWait(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
		def := wf.New("race", func(ctx *wf.Context, _ struct{}) (string, error) {
			if err := wf.Do(ctx, "prepare", func(wf.StepContext) error { return nil }); err != nil {
				return "", err
			}
			p, err := wf.WaitForEvent[payment](ctx, "paid")
			return p.ID, err
		})
		e := setupEarly(t, newStore(t), runtime.Config{}, def)
		last := make([]runtime.Result, 100)
		for i := range 100 {
			runID := fmt.Sprintf("r-%d", i)
			var wg sync.WaitGroup
			wg.Add(2)
			go func() {
				defer wg.Done()
				if _, err := e.rt.StartRun(e.ctx, runtime.StartRequest{WorkflowID: "race", RunID: runID, Input: json.RawMessage(`{}`)}); err != nil {
					t.Error(err)
				}
			}()
			go func() {
				defer wg.Done()
				for {
					res, err := e.rt.DeliverSignal(e.ctx, runtime.SignalRequest{RunID: runID, SignalID: "pay", Name: "paid", Payload: json.RawMessage(`{"id":"pay"}`)})
					if err != nil {
						t.Error(err)
						return
					}
					if res.Kind != runtime.KindNotFound {
						last[i] = res
						return
					}
				}
			}()
			wg.Wait()
			if run, _ := e.rt.GetRun(e.ctx, runID); run.Status != wf.StatusFinished {
				tl, _ := e.rt.Timeline(e.ctx, runID)
				t.Logf("deliver result %s %+v; timeline %+v", last[i].Kind, last[i].Run, tl)
			}
			e.wantOutput(runID, `"pay"`)
		}
	})
}

func TestUnconsumedSignalListedOnEndedRun(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
		e := setupEarly(t, newStore(t), runtime.Config{}, sleepThenWait(1))
		e.start("sleep-then-wait", "r")
		e.signal("r", "pay-1", "paid")
		e.signal("r", "pay-2", "paid")
		e.wakeTimers()
		run := e.wantOutput("r", `["pay-1"]`)
		if !slices.Equal(run.Buffered, []string{"pay-2"}) {
			t.Errorf("ended run's Buffered = %v, want [pay-2]", run.Buffered)
		}
		tl, err := e.rt.Timeline(e.ctx, "r")
		if err != nil {
			t.Fatal(err)
		}
		if len(tl.Unconsumed) != 1 || tl.Unconsumed[0].SignalID != "pay-2" || string(tl.Unconsumed[0].Payload) != `{"id":"pay-2"}` {
			t.Errorf("Timeline.Unconsumed = %+v, want pay-2", tl.Unconsumed)
		}
		if res := e.signal("r", "pay-3", "paid"); res.Kind != runtime.KindLost {
			t.Errorf("signal to the ended run after pay-1 resolved its wait: %s, want lost", res.Kind)
		}
		if res := e.signal("r", "x", "other"); res.Kind != runtime.KindNotWaiting {
			t.Errorf("signal of another name to the ended run: %s, want not-waiting", res.Kind)
		}
	})
}

func TestStrictSignals(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
		e := setupEarly(t, newStore(t), runtime.Config{StrictSignals: true}, sleepThenWait(1))
		e.start("sleep-then-wait", "r")
		if res := e.signal("r", "pay-1", "paid"); res.Kind != runtime.KindNotWaiting {
			t.Fatalf("strict signal during the sleep: %s, want not-waiting", res.Kind)
		}
		e.wakeTimers()
		if res := e.signal("r", "pay-2", "paid"); res.Kind != runtime.KindCompleted {
			t.Fatalf("strict signal at the wait: %s, want completed", res.Kind)
		}
		e.wantOutput("r", `["pay-2"]`)
	})
}

// A signal that names its step feeds that turn of a loop, even when an
// earlier turn waits on the same name first.
func TestSignalForNamedStepOfLoop(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
		e := setupEarly(t, newStore(t), runtime.Config{}, sleepThenWait(2))
		e.start("sleep-then-wait", "r")
		res, err := e.rt.DeliverSignal(e.ctx, runtime.SignalRequest{RunID: "r", SignalID: "second", Name: "paid", StepID: "paid-1", Payload: json.RawMessage(`{"id":"second"}`)})
		if err != nil || res.Kind != runtime.KindAccepted {
			t.Fatalf("signal for paid-1: %s %v, want accepted", res.Kind, err)
		}
		e.signal("r", "first", "paid")
		e.wakeTimers()
		if run := e.wantOutput("r", `["first","second"]`); len(run.Buffered) != 0 {
			t.Errorf("Buffered after both turns consumed theirs: %v", run.Buffered)
		}
	})
}

func TestEarlyApproval(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
		def := wf.New("order", func(ctx *wf.Context, _ struct{}) (string, error) {
			wf.Sleep(ctx, time.Minute)
			a, err := wf.Approve(ctx, wf.ApprovalRequest{ID: "large-order", Title: "Large order"})
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%v %s", a.Approved, a.Feedback), nil
		})
		e := setupEarly(t, newStore(t), runtime.Config{}, def)
		e.start("order", "r")
		decide := func(feedback string) runtime.Result {
			t.Helper()
			res, err := e.rt.DeliverApproval(e.ctx, runtime.ApprovalDecision{RunID: "r", ApprovalID: "large-order", Approved: true, Feedback: feedback})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		if res := decide("ok"); res.Kind != runtime.KindAccepted {
			t.Fatalf("decision before the run asks: %s, want accepted", res.Kind)
		}
		if res := decide("again"); res.Kind != runtime.KindDuplicate {
			t.Fatalf("second decision: %s, want duplicate", res.Kind)
		}
		e.wakeTimers()
		if run := e.wantOutput("r", `"true ok"`); len(run.Buffered) != 0 {
			t.Errorf("Buffered after the approval consumed the decision: %v", run.Buffered)
		}
		res, err := e.rt.DeliverApproval(e.ctx, runtime.ApprovalDecision{RunID: "r", ApprovalID: "other", Approved: true})
		if err != nil || res.Kind != runtime.KindNotWaiting {
			t.Fatalf("decision for an ended run: %s %v, want not-waiting", res.Kind, err)
		}
	})
}

func TestBufferBound(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
		e := setupEarly(t, newStore(t), runtime.Config{MaxBufferedSignals: 2}, sleepThenWait(1))
		e.start("sleep-then-wait", "r")
		e.signal("r", "pay-1", "paid")
		e.signal("r", "pay-2", "paid")
		_, err := e.rt.DeliverSignal(e.ctx, runtime.SignalRequest{RunID: "r", SignalID: "pay-3", Name: "paid", Payload: json.RawMessage(`{}`)})
		if !errors.Is(err, runtime.ErrBufferFull) {
			t.Fatalf("third early signal: %v, want ErrBufferFull", err)
		}
		if run, _ := e.rt.GetRun(e.ctx, "r"); !slices.Equal(run.Buffered, []string{"pay-1", "pay-2"}) {
			t.Errorf("Buffered after a refused signal: %v", run.Buffered)
		}
	})
}
