package wf_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf"
)

// shaped is a workflow whose body is a list of operations that a test can
// change between drives, as a deploy changes code under a running run:
//
//	"a"           wf.Do with step ID "a"
//	"retry:s"     wf.Do "s", failing its first attempt, retried after a
//	              durable backoff
//	"now", "uuid" wf.Now, wf.UUID (positional IDs)
//	"sleep:x"     wf.Sleep with ID x
//	"wait:x"      wf.WaitForEvent "paid" with ID x
//	"approve:x"   wf.Approve with ID x
type shaped struct {
	ops []string
	ran map[string]int // live step function calls by step ID
}

func newShaped(ops ...string) *shaped { return &shaped{ops: ops, ran: map[string]int{}} }

func (s *shaped) definition() *wf.Definition {
	return wf.New("shaped", func(ctx *wf.Context, _ struct{}) (string, error) {
		for _, op := range s.ops {
			if err := s.do(ctx, op); err != nil {
				return "", err
			}
		}
		return "done", nil
	})
}

func (s *shaped) do(ctx *wf.Context, op string) error {
	kind, id, _ := strings.Cut(op, ":")
	switch kind {
	case "now":
		wf.Now(ctx)
	case "uuid":
		wf.UUID(ctx)
	case "sleep":
		wf.Sleep(ctx, time.Minute, wf.ID(id))
	case "wait":
		_, err := wf.WaitForEvent[payment](ctx, "paid", wf.ID(id))
		return err
	case "approve":
		_, err := wf.Approve(ctx, wf.ApprovalRequest{ID: id})
		return err
	case "retry":
		return wf.Do(ctx, wf.StepID(id), func(sc wf.StepContext) error {
			s.ran[id]++
			if sc.Attempt() == 1 {
				return errors.New("not yet")
			}
			return nil
		}, wf.WithRetry(wf.RetryPolicy{MaxAttempts: 3, Base: 10 * time.Minute}))
	default:
		return wf.Do(ctx, wf.StepID(op), func(wf.StepContext) error { s.ran[op]++; return nil })
	}
	return nil
}

// driveUntil drives the run, resolving whatever it awaits (timers by the
// clock, signals and approvals by deliveries), until it awaits stop or
// ends.
func driveUntil(t *testing.T, h *harness, stop string) wf.Outcome {
	t.Helper()
	h.deadline = h.clock.Add(time.Minute)
	for range 20 {
		out := h.drive()
		if out.Status != wf.OutcomePaused || out.Awaiting[0].StepID == stop {
			return out
		}
		resolve(t, h, out.Awaiting[0])
	}
	t.Fatal("the run never reached its stop")
	return wf.Outcome{}
}

func resolve(t *testing.T, h *harness, a wf.Await) {
	t.Helper()
	switch a.Kind {
	case wf.AwaitTimer:
		h.clock = a.Deadline.Add(time.Second)
		h.deadline = h.clock.Add(time.Minute)
	case wf.AwaitSignal:
		h.deliver(wf.Delivery{StepID: a.StepID, SignalID: "sig-" + a.StepID, Name: a.Name, Payload: []byte(`{"paymentId":"p-1"}`)})
	case wf.AwaitApproval:
		h.deliver(wf.Delivery{StepID: a.StepID, SignalID: a.StepID, ApprovalID: a.StepID, Approved: true})
	}
}

func copyCounts(m map[string]int) map[string]int {
	c := make(map[string]int, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// TestReorderedOperationsDiverge: within one version, code that reaches
// recorded operations in another order than the log ends the run with
// nondeterminism naming the expected and the found operation, and runs
// nothing after the divergence.
func TestReorderedOperationsDiverge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		recorded []string // the code that recorded the log, up to awaiting "hold"
		replayed []string // the code that replays it
		stop     string   // the awaited operation the recording stops at; "hold" when empty
		resolved bool     // resolve that wait by a delivery before the replay
		expected string
		kind     wf.EventType
		found    string
		want     string
	}{
		{name: "steps swapped",
			recorded: []string{"a", "b", "wait:hold"}, replayed: []string{"b", "a", "wait:hold"},
			expected: "a", kind: wf.StepFinished, found: "b", want: "Do"},
		{name: "step inserted before recorded ones",
			recorded: []string{"a", "b", "wait:hold"}, replayed: []string{"a", "new", "b", "wait:hold"},
			expected: "b", kind: wf.StepFinished, found: "new", want: "Do"},
		{name: "step inserted first",
			recorded: []string{"a", "wait:hold"}, replayed: []string{"new", "a", "wait:hold"},
			expected: "a", kind: wf.StepFinished, found: "new", want: "Do"},
		{name: "step inserted before the awaited operation",
			recorded: []string{"a", "wait:hold"}, replayed: []string{"a", "new", "wait:hold"}, resolved: true,
			expected: "hold", kind: wf.SignalAwaited, found: "new", want: "Do"},
		{name: "recorded step skipped",
			recorded: []string{"a", "b", "wait:hold"}, replayed: []string{"b", "wait:hold"},
			expected: "a", kind: wf.StepFinished, found: "b", want: "Do"},
		{name: "awaited operation moved before a step",
			recorded: []string{"a", "wait:hold"}, replayed: []string{"wait:hold", "a"}, resolved: true,
			expected: "a", kind: wf.StepFinished, found: "hold", want: "WaitForEvent paid"},
		{name: "now moved after a step",
			recorded: []string{"now", "a", "wait:hold"}, replayed: []string{"a", "now", "wait:hold"},
			expected: "__now-0", kind: wf.NowRecorded, found: "a", want: "Do"},
		{name: "now and uuid swapped",
			recorded: []string{"now", "uuid", "wait:hold"}, replayed: []string{"uuid", "now", "wait:hold"},
			expected: "__now-0", kind: wf.NowRecorded, found: "__uuid-0", want: "UUID"},
		{name: "uuid moved after a step",
			recorded: []string{"a", "uuid", "b", "wait:hold"}, replayed: []string{"a", "b", "uuid", "wait:hold"},
			expected: "__uuid-0", kind: wf.UUIDRecorded, found: "b", want: "Do"},
		{name: "sleep moved after a step",
			recorded: []string{"a", "sleep:nap", "b", "wait:hold"}, replayed: []string{"a", "b", "sleep:nap", "wait:hold"},
			expected: "nap", kind: wf.SignalAwaited, found: "b", want: "Do"},
		{name: "step moved before a sleep",
			recorded: []string{"sleep:nap", "a", "wait:hold"}, replayed: []string{"a", "sleep:nap", "wait:hold"},
			expected: "nap", kind: wf.SignalAwaited, found: "a", want: "Do"},
		{name: "wait moved after a step",
			recorded: []string{"wait:pay", "a", "wait:hold"}, replayed: []string{"a", "wait:pay", "wait:hold"},
			expected: "pay", kind: wf.SignalAwaited, found: "a", want: "Do"},
		{name: "approval moved after a step",
			recorded: []string{"approve:boss", "a", "wait:hold"}, replayed: []string{"a", "approve:boss", "wait:hold"},
			expected: "boss", kind: wf.ApprovalRequested, found: "a", want: "Do"},
		{name: "step with durable retries moved after a step",
			recorded: []string{"retry:s", "a", "wait:hold"}, replayed: []string{"a", "retry:s", "wait:hold"},
			expected: "s#retry-2", kind: wf.SignalAwaited, found: "a", want: "Do"},
		{name: "step inserted before a step paused in its backoff",
			recorded: []string{"a", "retry:s"}, replayed: []string{"a", "new", "retry:s"}, stop: "s#retry-2",
			expected: "s#retry-2", kind: wf.SignalAwaited, found: "new", want: "Do"},
		{name: "return before recorded operations",
			recorded: []string{"a", "b", "wait:hold"}, replayed: []string{"a"},
			expected: "b", kind: wf.StepFinished, found: "", want: "return"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newShaped(tt.recorded...)
			h := newHarness(t, s.definition(), struct{}{})
			stop := tt.stop
			if stop == "" {
				stop = "hold"
			}
			out := driveUntil(t, h, stop)
			if out.Status != wf.OutcomePaused {
				t.Fatalf("recording: %s %+v", out.Status, out.Error)
			}
			if tt.resolved {
				resolve(t, h, out.Awaiting[0])
			}
			recorded := h.events()
			ranBefore := copyCounts(s.ran)

			// Replay only: the divergence is found without running or
			// recording anything.
			s.ops = tt.replayed
			inv := h.invocation()
			inv.Journal, inv.ReplayOnly = nil, true
			check, err := s.definition().Execute(context.Background(), inv)
			if err != nil {
				t.Fatal(err)
			}
			assertDivergence(t, check, tt.expected, tt.kind, tt.found, tt.want)
			if len(check.Pending) != 0 || len(h.events()) != len(recorded) {
				t.Fatalf("replay-only recorded %v", check.Pending)
			}

			// Driven for real: the run ends errored, nothing else ran.
			out = h.drive()
			assertDivergence(t, out, tt.expected, tt.kind, tt.found, tt.want)
			if !strings.Contains(out.Error.Message, `"`+tt.expected+`"`) || !strings.Contains(out.Error.Message, tt.found) {
				t.Fatalf("message %q does not name %q and %q", out.Error.Message, tt.expected, tt.found)
			}
			for id, n := range s.ran {
				if n != ranBefore[id] {
					t.Fatalf("step %q ran %d times during the divergent replay", id, n-ranBefore[id])
				}
			}
			got := h.events()
			if len(got) != len(recorded)+1 || got[len(got)-1].Type != wf.RunErrored || got[len(got)-1].Code != wf.CodeNondeterminism {
				t.Fatalf("log after the divergence: %v", h.kinds())
			}
			if st := wf.Attach(got); st.Status != wf.StatusErrored || st.Error.Code != wf.CodeNondeterminism {
				t.Fatalf("Attach: %s %+v", st.Status, st.Error)
			}
		})
	}
}

func assertDivergence(t *testing.T, out wf.Outcome, expected string, kind wf.EventType, found, want string) {
	t.Helper()
	if out.Status != wf.OutcomeErrored || out.Error == nil || out.Error.Code != wf.CodeNondeterminism || out.Error.Name != "NondeterminismError" {
		t.Fatalf("got %s %+v, want a nondeterminism error", out.Status, out.Error)
	}
	d := out.Divergence
	if d == nil {
		t.Fatal("Outcome.Divergence is nil")
	}
	if d.Expected != expected || d.Recorded != kind || d.Found != found || d.Want != want {
		t.Fatalf("divergence %+v, want expected %q (%s), found %s %q", *d, expected, kind, want, found)
	}
}

// TestAppendedOperationsReplay: operations added after every recorded one,
// and a resolution that arrives as a delivery, are fresh work, not a
// divergence.
func TestAppendedOperationsReplay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		recorded []string
		replayed []string
		ran      map[string]int
	}{
		{name: "step appended after the awaited wait",
			recorded: []string{"a", "b", "wait:hold"}, replayed: []string{"a", "b", "wait:hold", "c"},
			ran: map[string]int{"a": 1, "b": 1, "c": 1}},
		{name: "every kind appended",
			recorded: []string{"a", "wait:hold"}, replayed: []string{"a", "wait:hold", "now", "uuid", "sleep:nap", "wait:pay", "approve:boss", "retry:s", "c"},
			ran: map[string]int{"a": 1, "s": 2, "c": 1}},
		{name: "every kind recorded",
			recorded: []string{"now", "a", "uuid", "sleep:nap", "retry:s", "wait:pay", "approve:boss", "wait:hold"}, replayed: []string{"now", "a", "uuid", "sleep:nap", "retry:s", "wait:pay", "approve:boss", "wait:hold", "c"},
			ran: map[string]int{"a": 1, "s": 2, "c": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newShaped(tt.recorded...)
			h := newHarness(t, s.definition(), struct{}{})
			out := driveUntil(t, h, "hold")
			if out.Status != wf.OutcomePaused {
				t.Fatalf("recording: %s %+v", out.Status, out.Error)
			}
			resolve(t, h, out.Awaiting[0])
			s.ops = tt.replayed

			inv := h.invocation()
			inv.Journal, inv.ReplayOnly = nil, true
			check, err := s.definition().Execute(context.Background(), inv)
			if err != nil || check.Status != wf.OutcomeReplayed || check.Divergence != nil {
				t.Fatalf("replay-only: %s %+v %v", check.Status, check.Error, err)
			}

			if out := driveUntil(t, h, ""); out.Status != wf.OutcomeFinished {
				t.Fatalf("got %s %+v", out.Status, out.Error)
			}
			for id, n := range tt.ran {
				if s.ran[id] != n {
					t.Fatalf("step calls %v, want %v", s.ran, tt.ran)
				}
			}
		})
	}
}

// TestReplayOnly: a replay-only invocation replays a whole log, including
// a finished one, without running a step function, recording or
// publishing; code that goes on past the recorded end diverges.
func TestReplayOnly(t *testing.T) {
	t.Parallel()
	s := newShaped("a", "now", "sleep:nap", "wait:pay", "b")
	h := newHarness(t, s.definition(), struct{}{})
	if out := driveUntil(t, h, ""); out.Status != wf.OutcomeFinished {
		t.Fatalf("recording: %s", out.Status)
	}
	ranBefore := copyCounts(s.ran)
	replay := func(ops ...string) wf.Outcome {
		t.Helper()
		s.ops = ops
		published := 0
		out, err := s.definition().Execute(context.Background(), wf.Invocation{
			RunID: "run-1", Input: h.input, Log: h.events(), ReplayOnly: true,
			Publish: func(wf.Event) { published++ },
		})
		if err != nil {
			t.Fatal(err)
		}
		if published != 0 || len(out.Pending) != 0 {
			t.Fatalf("replay-only published %d events, left %d pending", published, len(out.Pending))
		}
		return out
	}
	if out := replay("a", "now", "sleep:nap", "wait:pay", "b"); out.Status != wf.OutcomeFinished || string(out.Output) != `"done"` {
		t.Fatalf("same code: %s %s %+v", out.Status, out.Output, out.Error)
	}
	out := replay("a", "now", "sleep:nap", "wait:pay", "b", "c")
	assertDivergence(t, out, "", wf.RunFinished, "c", "Do")
	if !strings.Contains(out.Error.Message, "the run's end") {
		t.Fatalf("message %q", out.Error.Message)
	}
	assertDivergence(t, replay("a", "sleep:nap", "wait:pay", "b"), "__now-0", wf.NowRecorded, "nap", "Sleep")
	if n := len(h.events()); n != 8 {
		t.Fatalf("replays changed the log: %v", h.kinds())
	}
	for id, n := range s.ran {
		if n != ranBefore[id] {
			t.Fatalf("a replay-only invocation ran step %q", id)
		}
	}
}

// TestWaitForAnotherSignalAtSameID: a recorded wait that the code now makes
// for another signal name diverges, even before anything resolves it.
func TestWaitForAnotherSignalAtSameID(t *testing.T) {
	t.Parallel()
	name := "paid"
	def := wf.New("w", func(ctx *wf.Context, _ struct{}) (string, error) {
		_, err := wf.WaitForEvent[payment](ctx, name, wf.ID("pay"))
		return "", err
	})
	h := newHarness(t, def, struct{}{})
	h.drive()
	name = "refunded"
	out := h.drive()
	assertDivergence(t, out, "pay", wf.SignalAwaited, "pay", "WaitForEvent refunded")
}

// TestEventsWithoutOperationHoldNoPosition: an event tied to no operation
// in the middle of a log (a terminal event a later action continued past)
// is not an operation the code must reach.
func TestEventsWithoutOperationHoldNoPosition(t *testing.T) {
	t.Parallel()
	s := newShaped("a", "b", "wait:hold")
	h := newHarness(t, s.definition(), struct{}{})
	ok := []byte(`null`)
	h.log.events = []wf.Event{
		{Type: wf.StepFinished, StepID: "a", Result: ok, Time: t0},
		{Type: wf.RunErrored, RunID: "run-1", Code: wf.CodeError, Error: &wf.ErrorInfo{Name: "Error", Message: "flaky"}, Time: t0},
		{Type: wf.StepFinished, StepID: "b", Result: ok, Time: t0},
	}
	out := h.drive()
	if out.Status != wf.OutcomePaused || out.Awaiting[0].StepID != "hold" || len(s.ran) != 0 {
		t.Fatalf("got %s %+v, steps ran %v; want paused on hold with nothing re-run", out.Status, out.Error, s.ran)
	}
}
