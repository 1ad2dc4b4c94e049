package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/wftest"
)

// sideEffects counts executions of step functions by "<run>/<step>".
type sideEffects struct{ m sync.Map }

func (s *sideEffects) add(key string) {
	v, _ := s.m.LoadOrStore(key, new(atomic.Int32))
	v.(*atomic.Int32).Add(1)
}

func (s *sideEffects) get(key string) int {
	v, ok := s.m.Load(key)
	if !ok {
		return 0
	}
	return int(v.(*atomic.Int32).Load())
}

type parcel struct {
	Parcel int `json:"parcel"`
}

// treeWorkflows returns a parent ("order") that fans out to three
// concurrent steps (two at a time) and two child runs ("ship", two steps
// each), and sums what they return.
func treeWorkflows(fx *sideEffects) []runtime.Workflow {
	ship := wf.New("ship", func(ctx *wf.Context, in parcel) (int, error) {
		if err := wf.Do(ctx, "pack", func(sc wf.StepContext) error { fx.add(ctx.RunID() + "/pack"); return nil }); err != nil {
			return 0, err
		}
		return wf.Step(ctx, "send", func(sc wf.StepContext) (int, error) {
			fx.add(ctx.RunID() + "/send")
			return 100 * in.Parcel, nil
		})
	})
	order := wf.New("order", func(ctx *wf.Context, _ struct{}) (int, error) {
		g := wf.NewGroup(ctx, wf.GroupLimit(2))
		var legs []*wf.Future[int]
		for i := range 3 {
			id := fmt.Sprintf("leg-%d", i)
			legs = append(legs, wf.Go(ctx, wf.StepID(id), func(sc wf.StepContext) (int, error) {
				fx.add(ctx.RunID() + "/" + id)
				time.Sleep(time.Duration(3-i) * 5 * time.Millisecond) // end out of order
				return i + 1, nil
			}, wf.InGroup(g)))
		}
		a := wf.StartChild[int](ctx, "ship-a", "ship", parcel{1})
		b := wf.StartChild[int](ctx, "ship-b", "ship", parcel{2})
		if err := wf.All(ctx, legs[0], legs[1], legs[2], a, b); err != nil {
			return 0, err
		}
		sum := 0
		for _, f := range append(legs, a, b) {
			v, err := f.Get()
			if err != nil {
				return 0, err
			}
			sum += v
		}
		return sum, nil
	})
	return []runtime.Workflow{{Definition: order}, {Definition: ship}}
}

var errDead = errors.New("worker killed")

// dyingStore is a worker's view of the store that dies (as the worker
// would on kill -9) at the first Commit that dieOn selects: that commit is
// not applied, and every later call fails, so the worker neither releases
// its leases nor records anything else.
type dyingStore struct {
	store.Store
	dieOn func(c store.Commit) bool
	// dieAfter, when set, kills the worker right after an Append it
	// selects is stored (the worker dies before it learns so).
	dieAfter func(runID string, a store.Append) bool
	dead     atomic.Bool
}

func (s *dyingStore) check() error {
	if s.dead.Load() {
		return errDead
	}
	return nil
}

func (s *dyingStore) Commit(ctx context.Context, c store.Commit) error {
	if s.check() != nil || (s.dieOn != nil && s.dieOn(c)) {
		s.dead.Store(true)
		return errDead
	}
	return s.Store.Commit(ctx, c)
}

func (s *dyingStore) Append(ctx context.Context, runID string, a store.Append) error {
	if err := s.check(); err != nil {
		return err
	}
	if err := s.Store.Append(ctx, runID, a); err != nil {
		return err
	}
	if s.dieAfter != nil && s.dieAfter(runID, a) {
		s.dead.Store(true)
		return errDead
	}
	return nil
}

func (s *dyingStore) CreateRun(ctx context.Context, r store.NewRun) (store.Run, bool, error) {
	if err := s.check(); err != nil {
		return store.Run{}, false, err
	}
	return s.Store.CreateRun(ctx, r)
}

func (s *dyingStore) ClaimRun(ctx context.Context, runID string, l store.Lease) (store.ClaimResult, error) {
	if err := s.check(); err != nil {
		return store.ClaimResult{}, err
	}
	return s.Store.ClaimRun(ctx, runID, l)
}

func (s *dyingStore) Heartbeat(ctx context.Context, runID string, l store.Lease) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.Store.Heartbeat(ctx, runID, l)
}

func (s *dyingStore) ReleaseRun(ctx context.Context, runID, owner string) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.Store.ReleaseRun(ctx, runID, owner)
}

func (s *dyingStore) BackOffRun(ctx context.Context, runID, owner string, at time.Time) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.Store.BackOffRun(ctx, runID, owner, at)
}

// TestFanOutAndChildrenSurviveAKilledWorker: a parent fans out to three
// concurrent steps and two child runs; its worker dies when it commits the
// parent's first pause (steps done, children started, not yet driven).
// Another worker recovers the tree by sweeps: the parent finishes with
// every step and child step executed once, one child run per StartChild,
// and its log replays against the code.
func TestFanOutAndChildrenSurviveAKilledWorker(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		st := newStore(t)
		ctx := context.Background()
		fx := &sideEffects{}
		dying := &dyingStore{Store: st, dieOn: func(c store.Commit) bool { return c.RunID == "order-1" }}
		const lease = 400 * time.Millisecond
		a, err := runtime.New(runtime.Config{Store: dying, Workflows: treeWorkflows(fx), LeaseDuration: lease})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.StartRun(ctx, runtime.StartRequest{WorkflowID: "order", RunID: "order-1"}); !errors.Is(err, errDead) {
			t.Fatalf("the first worker's start: %v, want its death", err)
		}
		if !dying.dead.Load() {
			t.Fatal("the first worker did not die")
		}
		for i := range 3 {
			if n := fx.get(fmt.Sprintf("order-1/leg-%d", i)); n != 1 {
				t.Fatalf("before the crash leg-%d ran %d times", i, n)
			}
		}

		b := recoverTree(t, st, fx, lease)
		for _, key := range []string{"order-1/leg-0", "order-1/leg-1", "order-1/leg-2",
			"order-1.ship-a/pack", "order-1.ship-a/send", "order-1.ship-b/pack", "order-1.ship-b/send"} {
			if n := fx.get(key); n != 1 {
				t.Errorf("%s ran %d times, want 1", key, n)
			}
		}
		for _, id := range []string{"order-1.ship-a", "order-1.ship-b"} {
			child, err := b.GetRun(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if child.Status != wf.StatusFinished || child.Parent == nil || child.Parent.RunID != "order-1" {
				t.Fatalf("child %s: %s parent %+v", id, child.Status, child.Parent)
			}
		}
		h, err := b.Export(ctx, "order-1")
		if err != nil {
			t.Fatal(err)
		}
		perStep := map[string]int{}
		for _, ev := range h.Events {
			perStep[string(ev.Type)+":"+ev.StepID]++
		}
		for _, k := range []string{"STEP_FINISHED:leg-0", "STEP_FINISHED:leg-1", "STEP_FINISHED:leg-2",
			"SIGNAL_AWAITED:ship-a", "SIGNAL_RESOLVED:ship-a", "SIGNAL_AWAITED:ship-b", "SIGNAL_RESOLVED:ship-b", "RUN_FINISHED:"} {
			if perStep[k] != 1 {
				t.Errorf("the log holds %d %s, want 1 (%v)", perStep[k], k, perStep)
			}
		}
		if err := wftest.CheckReplay(treeWorkflows(&sideEffects{})[0].Definition, h); err != nil {
			t.Fatalf("replay of the parent's log: %v", err)
		}
	})
}

// recoverTree runs a second worker's sweeps over st until the parent
// order-1 ends, and checks its output.
func recoverTree(t *testing.T, st store.Store, fx *sideEffects, lease time.Duration) *runtime.Runtime {
	t.Helper()
	ctx := context.Background()
	b, err := runtime.New(runtime.Config{Store: st, Workflows: treeWorkflows(fx), LeaseDuration: lease})
	if err != nil {
		t.Fatal(err)
	}
	var run store.Run
	for limit := time.Now().Add(20 * time.Second); ; {
		if _, err := b.Sweep(ctx, runtime.SweepOptions{}); err != nil {
			t.Fatal(err)
		}
		if run, err = b.GetRun(ctx, "order-1"); err != nil {
			t.Fatal(err)
		}
		if run.Status.Terminal() {
			break
		}
		if time.Now().After(limit) {
			t.Fatalf("the parent did not end after recovery: %s %+v", run.Status, run.Awaiting)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// 1+2+3 from the steps, 100 and 200 from the children.
	if run.Status != wf.StatusFinished || string(run.Output) != "306" {
		t.Fatalf("parent %s %s %+v", run.Status, run.Output, run.Error)
	}
	return b
}

// TestFanOutKilledMidFanOut: the worker dies right after the first
// concurrent step's result is stored, while the others may be running.
// After recovery, a step whose result was stored never runs again, the
// others ran at most twice (once per worker), and each child step once.
func TestFanOutKilledMidFanOut(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		st := newStore(t)
		ctx := context.Background()
		fx := &sideEffects{}
		dying := &dyingStore{Store: st, dieAfter: func(runID string, a store.Append) bool {
			for _, ev := range a.Events {
				if runID == "order-1" && ev.Type == wf.StepFinished {
					return true
				}
			}
			return false
		}}
		const lease = 400 * time.Millisecond
		a, err := runtime.New(runtime.Config{Store: dying, Workflows: treeWorkflows(fx), LeaseDuration: lease})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.StartRun(ctx, runtime.StartRequest{WorkflowID: "order", RunID: "order-1"}); !errors.Is(err, errDead) {
			t.Fatalf("the first worker's start: %v, want its death", err)
		}
		stored, err := st.Events(ctx, "order-1", 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		durable := map[string]bool{}
		for _, ev := range stored {
			if ev.Type == wf.StepFinished {
				durable[ev.StepID] = true
			}
		}
		if len(durable) == 0 {
			t.Fatalf("no step result was stored before the crash: %+v", stored)
		}
		b := recoverTree(t, st, fx, lease)
		for i := range 3 {
			id := fmt.Sprintf("leg-%d", i)
			n := fx.get("order-1/" + id)
			if (durable[id] && n != 1) || n < 1 || n > 2 {
				t.Errorf("%s ran %d times (stored before the crash: %v)", id, n, durable[id])
			}
		}
		for _, key := range []string{"order-1.ship-a/pack", "order-1.ship-a/send", "order-1.ship-b/pack", "order-1.ship-b/send"} {
			if n := fx.get(key); n != 1 {
				t.Errorf("%s ran %d times, want 1", key, n)
			}
		}
		h, err := b.Export(ctx, "order-1")
		if err != nil {
			t.Fatal(err)
		}
		if err := wftest.CheckReplay(treeWorkflows(&sideEffects{})[0].Definition, h); err != nil {
			t.Fatalf("replay of the parent's log: %v", err)
		}
	})
}

// TestChildStartRefused: a child of an unknown workflow, or with input its
// workflow refuses, fails the parent's operation with a clear error
// instead of wedging the parent.
func TestChildStartRefused(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		fx := &sideEffects{}
		parent := wf.New("parent", func(ctx *wf.Context, _ struct{}) (string, error) {
			_, err1 := wf.StartChild[int](ctx, "unknown", "nope", nil).Get()
			_, err2 := wf.StartChild[int](ctx, "bad-input", "ship", "not an object").Get()
			_, err3 := wf.StartChild[int](ctx, "old", "ship", parcel{1}, wf.ChildVersion("v9")).Get()
			return fmt.Sprintf("%v | %v | %v", err1, err2, err3), nil
		})
		rt, err := runtime.New(runtime.Config{Store: newStore(t), Workflows: append(treeWorkflows(fx), runtime.Workflow{Definition: parent})})
		if err != nil {
			t.Fatal(err)
		}
		res, err := rt.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "parent", RunID: "p"})
		if err != nil || res.Kind != runtime.KindCompleted {
			t.Fatalf("%s %v %+v", res.Kind, err, res.Run.Error)
		}
		out := string(res.Run.Output)
		for _, want := range []string{`unknown workflow \"nope\"`, "invalid input", `no version \"v9\"`} {
			if !strings.Contains(out, want) {
				t.Fatalf("output %s lacks %q", out, want)
			}
		}
		for _, id := range []string{"p.unknown", "p.bad-input", "p.old"} {
			if _, err := rt.GetRun(context.Background(), id); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("refused child %s was stored: %v", id, err)
			}
		}
	})
}

// TestChildDrivenInTheSameCall: a parent waiting for a quick child
// finishes in the StartRun call that started it: the runtime drives the
// child after the parent's commit, then the parent again.
func TestChildDrivenInTheSameCall(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		fx := &sideEffects{}
		parent := wf.New("parent", func(ctx *wf.Context, _ struct{}) (int, error) {
			detached := wf.StartChild[int](ctx, "audit", "ship", parcel{3}, wf.Detached())
			if _, err := detached.Get(); err != nil {
				return 0, err
			}
			return wf.StartChild[int](ctx, "ship", "ship", parcel{4}).Get()
		})
		rt, err := runtime.New(runtime.Config{Store: newStore(t), Workflows: append(treeWorkflows(fx), runtime.Workflow{Definition: parent})})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		res, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "parent", RunID: "p"})
		if err != nil || res.Kind != runtime.KindCompleted || string(res.Run.Output) != "400" {
			t.Fatalf("%s %v %s %+v", res.Kind, err, res.Run.Output, res.Run.Error)
		}
		audit, err := rt.GetRun(ctx, "p.audit")
		if err != nil || audit.Status != wf.StatusFinished || audit.Parent == nil || !audit.Parent.Detached {
			t.Fatalf("detached child: %+v %v", audit, err)
		}
		if fx.get("p.audit/send") != 1 || fx.get("p.ship/send") != 1 {
			t.Fatalf("child steps: %d %d", fx.get("p.audit/send"), fx.get("p.ship/send"))
		}
	})
}

// TestChildRacedAgainstTimer: a parent waits for a child that waits for a
// signal, or for a timer, whichever ends first. It pauses awaiting both;
// the sweep that delivers the due timer resumes it and the timer wins;
// the child goes on and ends later without changing the parent's result.
func TestChildRacedAgainstTimer(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		approver := wf.New("approver", func(ctx *wf.Context, _ struct{}) (bool, error) {
			return wf.WaitForEvent[bool](ctx, "decided", wf.ID("decision"))
		})
		parent := wf.New("parent", func(ctx *wf.Context, _ struct{}) (string, error) {
			c := wf.StartChild[bool](ctx, "ask", "approver", nil)
			if wf.AwaitAny(ctx, c, wf.Timer(ctx, time.Minute, wf.ID("patience"))) == 1 {
				return "timed out", nil
			}
			ok, err := c.Get()
			return fmt.Sprint("decided ", ok), err
		})
		clock := testclock.New(t0)
		rt, err := runtime.New(runtime.Config{Store: newStore(t), Clock: clock.Now,
			Workflows: []runtime.Workflow{{Definition: parent}, {Definition: approver}}})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		res, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "parent", RunID: "p"})
		if err != nil || res.Kind != runtime.KindPaused || len(res.Run.Awaiting) != 2 ||
			res.Run.Awaiting[0].Kind != wf.AwaitChild || res.Run.Awaiting[1].Kind != wf.AwaitTimer {
			t.Fatalf("start: %s %v %+v", res.Kind, err, res.Run.Awaiting)
		}
		child, err := rt.GetRun(ctx, "p.ask")
		if err != nil || child.Status != wf.StatusPaused {
			t.Fatalf("child: %+v %v", child, err)
		}
		clock.Advance(2 * time.Minute)
		if _, err := rt.Sweep(ctx, runtime.SweepOptions{}); err != nil {
			t.Fatal(err)
		}
		run, err := rt.GetRun(ctx, "p")
		if err != nil || run.Status != wf.StatusFinished || string(run.Output) != `"timed out"` {
			t.Fatalf("parent: %s %s %v", run.Status, run.Output, err)
		}
		if res, err := rt.DeliverSignal(ctx, runtime.SignalRequest{RunID: "p.ask", SignalID: "s1", Name: "decided", Payload: []byte("true")}); err != nil || res.Kind != runtime.KindCompleted {
			t.Fatalf("child's signal: %s %v", res.Kind, err)
		}
		h, err := rt.Export(ctx, "p")
		if err != nil {
			t.Fatal(err)
		}
		if err := wftest.CheckReplay(parent, h); err != nil {
			t.Fatal(err)
		}
	})
}

// TestSignalRacedAgainstChild: a parent waits for a child or a "stop"
// signal; the signal, delivered by name while the parent awaits both,
// resumes it, and the parent cancels nothing (the child ends later).
func TestSignalRacedAgainstChild(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		approver := wf.New("approver", func(ctx *wf.Context, _ struct{}) (bool, error) {
			return wf.WaitForEvent[bool](ctx, "decided", wf.ID("decision"))
		})
		parent := wf.New("parent", func(ctx *wf.Context, _ struct{}) (string, error) {
			c := wf.StartChild[bool](ctx, "ask", "approver", nil)
			stop := wf.EventFuture[string](ctx, "stop", wf.ID("stop"))
			if wf.AwaitAny(ctx, c, stop) == 1 {
				return stop.Get()
			}
			return "decided", nil
		})
		rt, err := runtime.New(runtime.Config{Store: newStore(t), Workflows: []runtime.Workflow{{Definition: parent}, {Definition: approver}}})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		res, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "parent", RunID: "p"})
		if err != nil || res.Kind != runtime.KindPaused || len(res.Run.Awaiting) != 2 || res.Run.Awaiting[1].Name != "stop" {
			t.Fatalf("start: %s %v %+v", res.Kind, err, res.Run.Awaiting)
		}
		res, err = rt.DeliverSignal(ctx, runtime.SignalRequest{RunID: "p", SignalID: "s1", Name: "stop", Payload: []byte(`"operator"`)})
		if err != nil || res.Kind != runtime.KindCompleted || string(res.Run.Output) != `"operator"` {
			t.Fatalf("stop: %s %v %s", res.Kind, err, res.Run.Output)
		}
		h, err := rt.Export(ctx, "p")
		if err != nil {
			t.Fatal(err)
		}
		if err := wftest.CheckReplay(parent, h); err != nil {
			t.Fatal(err)
		}
	})
}
