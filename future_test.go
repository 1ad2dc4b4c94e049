package wf_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfgo/wf"
)

// replayOnly replays the harness's whole log without running anything.
func replayOnly(t *testing.T, def *wf.Definition, h *harness) wf.Outcome {
	t.Helper()
	out, err := def.Execute(context.Background(), wf.Invocation{RunID: "run-1", Input: h.input, Log: h.events(), Deliveries: h.deliveries, ReplayOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestGoFanOutOrderIndependent: three concurrent steps end in the reverse
// of their start order; each result is recorded once, the run returns
// them by ID, and a replay of the log returns the same without running
// anything.
func TestGoFanOutOrderIndependent(t *testing.T) {
	t.Parallel()
	var ran [3]atomic.Int32
	// release[i] lets step i end; step 2 ends first, then 1, then 0.
	release := [3]chan struct{}{make(chan struct{}), make(chan struct{}), make(chan struct{})}
	ended := make(chan int, 3)
	def := wf.New("fan", func(ctx *wf.Context, _ struct{}) ([]int, error) {
		var fs []*wf.Future[int]
		for i := range 3 {
			fs = append(fs, wf.Go(ctx, wf.StepID(fmt.Sprintf("leg-%d", i)), func(sc wf.StepContext) (int, error) {
				ran[i].Add(1)
				<-release[i]
				ended <- i
				return 10 * (i + 1), nil
			}))
		}
		if err := wf.All(ctx, fs[0], fs[1], fs[2]); err != nil {
			return nil, err
		}
		var out []int
		for _, f := range fs {
			v, err := f.Get()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	})
	h := newHarness(t, def, struct{}{})
	go func() {
		for i := 2; i >= 0; i-- {
			close(release[i])
			<-ended
			for len(h.events()) < 3-i {
				time.Sleep(time.Millisecond)
			}
		}
	}()
	out := h.drive()
	if out.Status != wf.OutcomeFinished || string(out.Output) != "[10,20,30]" {
		t.Fatalf("outcome %s %s %+v", out.Status, out.Output, out.Error)
	}
	want := []string{"STEP_FINISHED:leg-2", "STEP_FINISHED:leg-1", "STEP_FINISHED:leg-0", "RUN_FINISHED"}
	if got := h.kinds(); !equalStrings(got, want) {
		t.Fatalf("log %v, want %v", got, want)
	}
	for i := range ran {
		if ran[i].Load() != 1 {
			t.Fatalf("leg-%d ran %d times", i, ran[i].Load())
		}
	}
	if r := replayOnly(t, def, h); r.Status != wf.OutcomeFinished || string(r.Output) != "[10,20,30]" {
		t.Fatalf("replay: %s %s %+v", r.Status, r.Output, r.Error)
	}
}

// TestGoResumesAfterAbandonedInvocation: the Journal fails while a fan-out
// runs, so the invocation is abandoned; the next one runs only the steps
// whose results were not durable.
func TestGoResumesAfterAbandonedInvocation(t *testing.T) {
	t.Parallel()
	var ran sync.Map
	count := func(id string) int {
		v, _ := ran.Load(id)
		if v == nil {
			return 0
		}
		return int(v.(*atomic.Int32).Load())
	}
	first := make(chan struct{})
	def := wf.New("fan", func(ctx *wf.Context, _ struct{}) (int, error) {
		var fs []wf.Awaitable
		var ints []*wf.Future[int]
		for i := range 3 {
			id := fmt.Sprintf("leg-%d", i)
			f := wf.Go(ctx, wf.StepID(id), func(sc wf.StepContext) (int, error) {
				v, _ := ran.LoadOrStore(id, new(atomic.Int32))
				v.(*atomic.Int32).Add(1)
				if i > 0 {
					// The others end after leg-0 is durable.
					select {
					case <-first:
					case <-sc.Done():
						return 0, sc.Err()
					}
				}
				return i, nil
			})
			fs, ints = append(fs, f), append(ints, f)
		}
		if err := wf.All(ctx, fs...); err != nil {
			return 0, err
		}
		sum := 0
		for _, f := range ints {
			v, _ := f.Get()
			sum += v
		}
		return sum, nil
	})
	h := newHarness(t, def, struct{}{})
	// The first append (leg-0's result) succeeds; then the store fails.
	j := &failingAfter{memJournal: &h.log, ok: 1, first: first}
	inv := h.invocation()
	inv.Journal = j
	if _, err := def.Execute(context.Background(), inv); err == nil || !strings.Contains(err.Error(), "store down") {
		t.Fatalf("Execute: %v, want the Journal's error", err)
	}
	if got := h.kinds(); !equalStrings(got, []string{"STEP_FINISHED:leg-0"}) {
		t.Fatalf("durable after the failure: %v", got)
	}
	out := h.drive()
	if out.Status != wf.OutcomeFinished || string(out.Output) != "3" {
		t.Fatalf("outcome %s %s %+v", out.Status, out.Output, out.Error)
	}
	// leg-0 was durable: it never runs again. The others ran once or
	// twice (the failure may stop the first invocation before they run).
	if count("leg-0") != 1 || count("leg-1") < 1 || count("leg-1") > 2 || count("leg-2") < 1 || count("leg-2") > 2 {
		t.Fatalf("runs: leg-0 %d, leg-1 %d, leg-2 %d", count("leg-0"), count("leg-1"), count("leg-2"))
	}
	if r := replayOnly(t, def, h); r.Status != wf.OutcomeFinished {
		t.Fatalf("replay: %s %+v", r.Status, r.Error)
	}
}

// failingAfter lets ok appends through, closes first after the first one,
// then fails every append.
type failingAfter struct {
	*memJournal
	mu    sync.Mutex
	ok    int
	first chan struct{}
}

func (j *failingAfter) Append(ctx context.Context, next int, evs []wf.Event) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.ok == 0 {
		return errors.New("store down")
	}
	j.ok--
	err := j.memJournal.Append(ctx, next, evs)
	if j.first != nil {
		close(j.first)
		j.first = nil
	}
	return err
}

// TestGoBound: MaxConcurrency and GroupLimit bound the steps running at
// once; every step still runs.
func TestGoBound(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		opts  []wf.Option
		group []wf.GroupOption
		want  int32
	}{
		{"run", []wf.Option{wf.MaxConcurrency(2)}, nil, 2},
		{"group", nil, []wf.GroupOption{wf.GroupLimit(3)}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var running, peak, total atomic.Int32
			def := wf.New("bound", func(ctx *wf.Context, _ struct{}) (int, error) {
				g := wf.NewGroup(ctx, tc.group...)
				for i := range 8 {
					wf.Go(ctx, wf.StepID(fmt.Sprintf("s-%d", i)), func(wf.StepContext) (int, error) {
						n := running.Add(1)
						for {
							p := peak.Load()
							if n <= p || peak.CompareAndSwap(p, n) {
								break
							}
						}
						time.Sleep(5 * time.Millisecond)
						running.Add(-1)
						total.Add(1)
						return i, nil
					}, wf.InGroup(g))
				}
				return 0, g.Wait()
			}, tc.opts...)
			if out := newHarness(t, def, struct{}{}).drive(); out.Status != wf.OutcomeFinished {
				t.Fatalf("outcome %s %+v", out.Status, out.Error)
			}
			if total.Load() != 8 || peak.Load() > tc.want || peak.Load() < 2 {
				t.Fatalf("ran %d, peak %d, bound %d", total.Load(), peak.Load(), tc.want)
			}
		})
	}
}

// TestGroupCancelOnFailure: the first failure cancels the running member
// and the one waiting for a slot; both record a GroupCanceledError, and
// a replay returns the same errors. Without the option the others run on.
func TestGroupCancelOnFailure(t *testing.T) {
	t.Parallel()
	var queuedRan atomic.Bool
	def := wf.New("cancel", func(ctx *wf.Context, _ struct{}) (string, error) {
		g := wf.NewGroup(ctx, wf.GroupLimit(2), wf.CancelOnFailure())
		slow := wf.Go(ctx, "slow", func(sc wf.StepContext) (int, error) {
			<-sc.Done()
			return 0, sc.Err()
		}, wf.InGroup(g))
		bad := wf.Go(ctx, "bad", func(wf.StepContext) (int, error) { return 0, errors.New("declined") }, wf.InGroup(g))
		queued := wf.Go(ctx, "queued", func(wf.StepContext) (int, error) { queuedRan.Store(true); return 1, nil }, wf.InGroup(g))
		err := g.Wait()
		var msgs []string
		for _, f := range []*wf.Future[int]{slow, bad, queued} {
			_, ferr := f.Get()
			msgs = append(msgs, fmt.Sprint(ferr))
		}
		if err == nil {
			return "", errors.New("group succeeded")
		}
		return strings.Join(msgs, "|"), nil
	})
	h := newHarness(t, def, struct{}{})
	out := h.drive()
	if out.Status != wf.OutcomeFinished {
		t.Fatalf("outcome %s %+v", out.Status, out.Error)
	}
	var got string
	_ = json.Unmarshal(out.Output, &got)
	parts := strings.Split(got, "|")
	if len(parts) != 3 || !strings.Contains(parts[0], `canceled: step "bad" of its group failed`) ||
		!strings.Contains(parts[1], "declined") || !strings.Contains(parts[2], `canceled: step "bad"`) {
		t.Fatalf("errors: %q", got)
	}
	if queuedRan.Load() {
		t.Fatal("a member waiting for a slot ran after the group was canceled")
	}
	for _, ev := range h.events() {
		if ev.Type == wf.StepFailed && ev.StepID != "bad" && ev.Error.Name != "GroupCanceledError" {
			t.Fatalf("%s recorded %+v", ev.StepID, ev.Error)
		}
	}
	if r := replayOnly(t, def, h); r.Status != wf.OutcomeFinished || string(r.Output) != string(out.Output) {
		t.Fatalf("replay: %s %s", r.Status, r.Output)
	}
}

// TestGoDurableBackoff: a concurrent step whose backoff outlives the
// budget records a durable timer; the run pauses on it (with the other
// outstanding waits) once its siblings have ended, and the next
// invocation resumes its attempts.
func TestGoDurableBackoff(t *testing.T) {
	t.Parallel()
	var attempts, other atomic.Int32
	def := wf.New("backoff", func(ctx *wf.Context, _ struct{}) (int, error) {
		flaky := wf.Go(ctx, "flaky", func(wf.StepContext) (int, error) {
			if attempts.Add(1) == 1 {
				return 0, errors.New("try later")
			}
			return 7, nil
		}, wf.WithRetry(wf.RetryPolicy{MaxAttempts: 3, Base: time.Hour}))
		steady := wf.Go(ctx, "steady", func(wf.StepContext) (int, error) {
			time.Sleep(10 * time.Millisecond)
			other.Add(1)
			return 1, nil
		})
		if err := wf.All(ctx, flaky, steady); err != nil {
			return 0, err
		}
		a, _ := flaky.Get()
		b, _ := steady.Get()
		return a + b, nil
	})
	h := newHarness(t, def, struct{}{})
	h.deadline = t0.Add(time.Minute)
	out := h.drive()
	if out.Status != wf.OutcomePaused || len(out.Awaiting) != 1 || out.Awaiting[0].StepID != "flaky#retry-2" || out.Awaiting[0].Kind != wf.AwaitTimer {
		t.Fatalf("outcome %s %+v", out.Status, out.Awaiting)
	}
	if other.Load() != 1 {
		t.Fatal("the sibling did not end before the pause")
	}
	h.clock = t0.Add(2 * time.Hour)
	h.deadline = h.clock.Add(time.Minute)
	out = h.drive()
	if out.Status != wf.OutcomeFinished || string(out.Output) != "8" {
		t.Fatalf("resumed: %s %s %+v", out.Status, out.Output, out.Error)
	}
	if attempts.Load() != 2 || other.Load() != 1 {
		t.Fatalf("attempts %d, sibling runs %d", attempts.Load(), other.Load())
	}
	if r := replayOnly(t, def, h); r.Status != wf.OutcomeFinished {
		t.Fatalf("replay: %s %+v", r.Status, r.Error)
	}
}

// TestGoUnreached: a recorded concurrent step the code no longer starts is
// a divergence.
func TestGoUnreached(t *testing.T) {
	t.Parallel()
	legs := 2
	def := wf.New("fan", func(ctx *wf.Context, _ struct{}) (int, error) {
		var fs []wf.Awaitable
		for i := range legs {
			fs = append(fs, wf.Go(ctx, wf.StepID(fmt.Sprintf("leg-%d", i)), func(wf.StepContext) (int, error) { return i, nil }))
		}
		return 0, wf.All(ctx, fs...)
	})
	h := newHarness(t, def, struct{}{})
	if out := h.drive(); out.Status != wf.OutcomeFinished {
		t.Fatalf("%s %+v", out.Status, out.Error)
	}
	legs = 1
	r := replayOnly(t, def, h)
	if r.Divergence == nil || r.Divergence.Expected != "leg-1" {
		t.Fatalf("replay without leg-1: %s %+v", r.Status, r.Divergence)
	}
}

// childJournal is a Journal that starts children by recording their specs.
type childJournal struct {
	*memJournal
	mu      sync.Mutex
	started []wf.ChildSpec
	refuse  error
}

func (j *childJournal) StartChild(_ context.Context, spec wf.ChildSpec) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.refuse != nil {
		return j.refuse
	}
	for _, s := range j.started {
		if s.RunID == spec.RunID {
			return nil
		}
	}
	j.started = append(j.started, spec)
	return nil
}

func childDelivery(t *testing.T, stepID string, res wf.ChildResult) wf.Delivery {
	return wf.Delivery{StepID: stepID, Name: wf.ChildSignal, SignalID: "child:" + res.RunID, Payload: mustJSON(t, res)}
}

// TestStartChild: a parent starts two children and a detached one, pauses
// awaiting both attached children (and a concurrent step's backoff), and
// resolves each from its delivery: an output and a ChildError. No replay
// starts a child again.
func TestStartChild(t *testing.T) {
	t.Parallel()
	def := wf.New("parent", func(ctx *wf.Context, _ struct{}) (string, error) {
		a := wf.StartChild[int](ctx, "ship-a", "ship", map[string]int{"parcel": 1})
		b := wf.StartChild[int](ctx, "ship-b", "ship", map[string]int{"parcel": 2}, wf.ChildVersion("v2"))
		d := wf.StartChild[int](ctx, "audit", "audit", nil, wf.Detached())
		if _, err := d.Get(); err != nil {
			return "", err
		}
		err := wf.All(ctx, a, b)
		va, erra := a.Get()
		_, errb := b.Get()
		var ce *wf.ChildError
		if !errors.As(errb, &ce) || ce.Status != wf.StatusErrored || ce.Cause.Message != "lost" || err != errb {
			return "", fmt.Errorf("b: %v (All: %v)", errb, err)
		}
		return fmt.Sprintf("%d %v", va, erra), nil
	})
	h := newHarness(t, def, struct{}{})
	j := &childJournal{memJournal: &h.log}
	h.journal = j
	out := h.drive()
	if out.Status != wf.OutcomePaused || len(out.Awaiting) != 2 ||
		out.Awaiting[0] != (wf.Await{StepID: "ship-a", Kind: wf.AwaitChild, Name: wf.ChildSignal}) || out.Awaiting[1].StepID != "ship-b" {
		t.Fatalf("outcome %s %+v", out.Status, out.Awaiting)
	}
	if len(j.started) != 3 || j.started[0].RunID != "run-1.ship-a" || j.started[1].Version != "v2" || !j.started[2].Detached ||
		string(j.started[0].Input) != `{"parcel":1}` || j.started[0].ParentRunID != "run-1" || j.started[0].StepID != "ship-a" {
		t.Fatalf("started %+v", j.started)
	}
	if st := wf.Attach(h.events()); st.Status != wf.StatusPaused || len(st.Awaiting) != 2 || st.Awaiting[0].Kind != wf.AwaitChild {
		t.Fatalf("Attach: %+v", st)
	}
	// b ends first: the parent resolves nothing yet (it waits for a).
	h.deliver(childDelivery(t, "ship-b", wf.ChildResult{RunID: "run-1.ship-b", Status: wf.StatusErrored, Error: &wf.ErrorInfo{Name: "x", Message: "lost"}}))
	if out = h.drive(); out.Status != wf.OutcomePaused || len(out.Awaiting) != 2 {
		t.Fatalf("after b: %s %+v", out.Status, out.Awaiting)
	}
	h.deliver(childDelivery(t, "ship-a", wf.ChildResult{RunID: "run-1.ship-a", Status: wf.StatusFinished, Output: json.RawMessage("5")}))
	if out = h.drive(); out.Status != wf.OutcomeFinished || string(out.Output) != `"5 \u003cnil\u003e"` {
		t.Fatalf("after a: %s %s %+v", out.Status, out.Output, out.Error)
	}
	if len(j.started) != 3 {
		t.Fatalf("a replay started a child again: %+v", j.started)
	}
	if r := replayOnly(t, def, h); r.Status != wf.OutcomeFinished {
		t.Fatalf("replay: %s %+v", r.Status, r.Error)
	}
}

// TestStartChildRefusedAndUnsupported: a refused start fails the operation
// (recorded); a Journal that cannot start children ends the run with a
// clear error.
func TestStartChildRefusedAndUnsupported(t *testing.T) {
	t.Parallel()
	def := wf.New("parent", func(ctx *wf.Context, _ struct{}) (string, error) {
		_, err := wf.StartChild[int](ctx, "c", "nope", nil).Get()
		var se *wf.StepError
		if !errors.As(err, &se) {
			return "", fmt.Errorf("not a StepError: %w", err)
		}
		return se.Cause.Message, nil
	})
	h := newHarness(t, def, struct{}{})
	j := &childJournal{memJournal: &h.log, refuse: fmt.Errorf("%w: unknown workflow \"nope\"", wf.ErrChildRefused)}
	inv := h.invocation()
	inv.Journal = j
	out, err := def.Execute(context.Background(), inv)
	if err != nil || out.Status != wf.OutcomeFinished || !strings.Contains(string(out.Output), "unknown workflow") {
		t.Fatalf("refused: %v %s %s", err, out.Status, out.Output)
	}
	if out.Pending[0].Type != wf.StepFailed {
		t.Fatalf("pending %+v", out.Pending)
	}

	out = newHarness(t, def, struct{}{}).drive()
	if out.Status != wf.OutcomeErrored || !strings.Contains(out.Error.Message, "does not implement wf.ChildStarter") {
		t.Fatalf("unsupported: %s %+v", out.Status, out.Error)
	}

	// A transient error abandons the invocation: nothing is recorded.
	h = newHarness(t, def, struct{}{})
	inv = h.invocation()
	inv.Journal = &childJournal{memJournal: &h.log, refuse: errors.New("store down")}
	if _, err := def.Execute(context.Background(), inv); err == nil || !strings.Contains(err.Error(), "store down") {
		t.Fatalf("transient: %v", err)
	}
}

// TestAwaitAnyChildOrTimer: a child raced against a timer. While neither
// has ended the run pauses awaiting both; whichever is recorded first wins,
// live and on every replay, even once the other has ended too.
func TestAwaitAnyChildOrTimer(t *testing.T) {
	t.Parallel()
	def := wf.New("race", func(ctx *wf.Context, _ struct{}) (string, error) {
		c := wf.StartChild[int](ctx, "quote", "quote", nil)
		timer := wf.Timer(ctx, time.Hour, wf.ID("give-up"))
		if wf.AwaitAny(ctx, c, timer) == 1 {
			// Too late for this run, but the child's end is still taken.
			v, err := c.Get()
			return fmt.Sprintf("timeout, then %d %v", v, err), nil
		}
		v, err := c.Get()
		return fmt.Sprintf("quote %d %v", v, err), err
	})
	for _, childFirst := range []bool{true, false} {
		t.Run(fmt.Sprint("childFirst=", childFirst), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, def, struct{}{})
			j := &childJournal{memJournal: &h.log}
			h.journal = j
			out := h.drive()
			if out.Status != wf.OutcomePaused || len(out.Awaiting) != 2 || out.Awaiting[0].Kind != wf.AwaitChild ||
				out.Awaiting[1].Kind != wf.AwaitTimer || out.Awaiting[1].Deadline == nil || !out.Awaiting[1].Deadline.Equal(t0.Add(time.Hour)) {
				t.Fatalf("outcome %s %+v", out.Status, out.Awaiting)
			}
			end := childDelivery(t, "quote", wf.ChildResult{RunID: "run-1.quote", Status: wf.StatusFinished, Output: json.RawMessage("42")})
			want := `"quote 42 \u003cnil\u003e"`
			if childFirst {
				h.deliver(end)
			} else {
				h.clock = t0.Add(2 * time.Hour)
				if out = h.drive(); out.Status != wf.OutcomePaused || len(out.Awaiting) != 1 || out.Awaiting[0].StepID != "quote" {
					t.Fatalf("after the timer: %s %+v", out.Status, out.Awaiting)
				}
				h.deliver(end)
				want = `"timeout, then 42 \u003cnil\u003e"`
			}
			if out = h.drive(); out.Status != wf.OutcomeFinished || string(out.Output) != want {
				t.Fatalf("end: %s %s %+v", out.Status, out.Output, out.Error)
			}
			h.clock = t0.Add(3 * time.Hour) // both have ended by now
			if r := replayOnly(t, def, h); r.Status != wf.OutcomeFinished || string(r.Output) != want {
				t.Fatalf("replay: %s %s %+v", r.Status, r.Output, r.Divergence)
			}
		})
	}
}

// TestAwaitAnySteps: of two concurrent steps, the one that ends first is
// picked, and a replay picks it again.
func TestAwaitAnySteps(t *testing.T) {
	t.Parallel()
	slowDone := make(chan struct{})
	var once sync.Once
	def := wf.New("any", func(ctx *wf.Context, _ struct{}) (int, error) {
		slow := wf.Go(ctx, "slow", func(wf.StepContext) (int, error) { <-slowDone; return 1, nil })
		fast := wf.Go(ctx, "fast", func(wf.StepContext) (int, error) { return 2, nil })
		i := wf.AwaitAny(ctx, slow, fast)
		once.Do(func() { close(slowDone) })
		if err := wf.All(ctx, slow, fast); err != nil {
			return 0, err
		}
		return i, nil
	})
	h := newHarness(t, def, struct{}{})
	if out := h.drive(); out.Status != wf.OutcomeFinished || string(out.Output) != "1" {
		t.Fatalf("%s %s %+v", out.Status, out.Output, out.Error)
	}
	if r := replayOnly(t, def, h); r.Status != wf.OutcomeFinished || string(r.Output) != "1" {
		t.Fatalf("replay: %s %s", r.Status, r.Output)
	}
}

// TestGoUnawaitedStepsRun: steps the handler never waits for still run
// before the run ends, queued ones included.
func TestGoUnawaitedStepsRun(t *testing.T) {
	t.Parallel()
	var ran atomic.Int32
	def := wf.New("forget", func(ctx *wf.Context, _ struct{}) (int, error) {
		for i := range 5 {
			wf.Go(ctx, wf.StepID(fmt.Sprint("s-", i)), func(wf.StepContext) (int, error) {
				time.Sleep(2 * time.Millisecond)
				ran.Add(1)
				return i, nil
			})
		}
		return 0, nil
	}, wf.MaxConcurrency(2))
	h := newHarness(t, def, struct{}{})
	if out := h.drive(); out.Status != wf.OutcomeFinished {
		t.Fatalf("%s %+v", out.Status, out.Error)
	}
	kinds := h.kinds()
	if ran.Load() != 5 || len(kinds) != 6 || kinds[5] != "RUN_FINISHED" {
		t.Fatalf("ran %d, log %v", ran.Load(), kinds)
	}
}

// TestEventFuture: a signal wait raced against a child: the signal, sent
// by name, wins and carries its payload; a second wait times out by its
// deadline's timer. Replays return the same.
func TestEventFuture(t *testing.T) {
	t.Parallel()
	def := wf.New("signals", func(ctx *wf.Context, _ struct{}) (string, error) {
		c := wf.StartChild[int](ctx, "work", "work", nil)
		stop := wf.EventFuture[string](ctx, "stop")
		late := wf.EventFuture[int](ctx, "late", wf.Timeout(time.Minute), wf.ID("late"))
		if wf.AwaitAny(ctx, c, stop) != 1 {
			return "", errors.New("the child won")
		}
		why, err := stop.Get()
		if err != nil {
			return "", err
		}
		_, err = late.Get()
		var wt *wf.WaitTimeoutError
		return fmt.Sprintf("%s, late timed out: %v", why, errors.As(err, &wt)), nil
	})
	h := newHarness(t, def, struct{}{})
	j := &childJournal{memJournal: &h.log}
	h.journal = j
	out := h.drive()
	if out.Status != wf.OutcomePaused || len(out.Awaiting) != 3 || out.Awaiting[1].Name != "stop" || out.Awaiting[2].Deadline == nil {
		t.Fatalf("%s %+v", out.Status, out.Awaiting)
	}
	h.deliver(wf.Delivery{SignalID: "s-1", Name: "stop", Payload: json.RawMessage(`"enough"`)})
	if out = h.drive(); out.Status != wf.OutcomePaused || len(out.Awaiting) != 2 || out.Awaiting[0].StepID != "late" {
		t.Fatalf("after stop: %s %+v", out.Status, out.Awaiting)
	}
	h.deliver(wf.Delivery{StepID: "late", SignalID: "timer:late", Name: wf.TimerSignal})
	want := `"enough, late timed out: true"`
	if out = h.drive(); out.Status != wf.OutcomeFinished || string(out.Output) != want {
		t.Fatalf("end: %s %s %+v", out.Status, out.Output, out.Error)
	}
	if r := replayOnly(t, def, h); r.Status != wf.OutcomeFinished || string(r.Output) != want {
		t.Fatalf("replay: %s %s %+v", r.Status, r.Output, r.Divergence)
	}
}
