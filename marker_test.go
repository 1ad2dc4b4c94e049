package wf_test

import (
	"errors"
	"testing"
	"time"

	"github.com/wfgo/wf"
)

// TestRetryMarkerReplay drives a run whose step fails after a durable
// backoff, retries it with a RUN_RETRIED marker, and checks that replay
// skips the recorded steps, gives the failed step a fresh attempt budget
// with backoff IDs of its own, and replays the final log deterministically.
func TestRetryMarkerReplay(t *testing.T) {
	t.Parallel()
	calls := map[string]int{}
	failing := 3
	def := wf.New("retried", func(ctx *wf.Context, _ struct{}) (string, error) {
		if err := wf.Do(ctx, "prepare", func(wf.StepContext) error { calls["prepare"]++; return nil }); err != nil {
			return "", err
		}
		err := wf.Do(ctx, "charge", func(wf.StepContext) error {
			calls["charge"]++
			if failing--; failing >= 0 {
				return errors.New("processor down")
			}
			return nil
		}, wf.WithRetry(wf.RetryPolicy{MaxAttempts: 2, Base: time.Hour}))
		return "charged", err
	})
	h := newHarness(t, def, struct{}{})
	h.deadline = t0.Add(10 * time.Second) // so a one-hour backoff is durable
	if out := h.drive(); out.Status != wf.OutcomePaused || out.Awaiting[0].StepID != "charge#retry-2" {
		t.Fatalf("first drive: %s %+v, want paused on charge#retry-2", out.Status, out.Awaiting)
	}
	h.deliver(wf.Delivery{StepID: "charge#retry-2", SignalID: "__timer:charge#retry-2", Name: wf.TimerSignal})
	h.clock, h.deadline = t0.Add(2*time.Hour), t0.Add(2*time.Hour+10*time.Second)
	if out := h.drive(); out.Status != wf.OutcomeErrored {
		t.Fatalf("second drive: %s, want errored", out.Status)
	}

	// The retry: a marker naming the failed step, after the terminal event.
	retry := wf.Event{Type: wf.RunRetried, Time: h.clock, RunID: "run-1", StepID: "charge"}
	if err := h.log.Append(t.Context(), len(h.events()), []wf.Event{retry}); err != nil {
		t.Fatal(err)
	}
	out := h.drive()
	if out.Status != wf.OutcomePaused || out.Awaiting[0].StepID != "charge#retry1-2" {
		t.Fatalf("drive after the retry: %s %+v, want paused on the new backoff charge#retry1-2", out.Status, out.Awaiting)
	}
	h.clock, h.deadline = t0.Add(4*time.Hour), t0.Add(4*time.Hour+10*time.Second)
	if out := h.drive(); out.Status != wf.OutcomeFinished || string(out.Output) != `"charged"` {
		t.Fatalf("last drive: %s %s %+v, want finished", out.Status, out.Output, out.Error)
	}
	if calls["prepare"] != 1 || calls["charge"] != 4 {
		t.Errorf("calls = %v, want prepare once, charge 2+2 times", calls)
	}
	want := []string{"STEP_FINISHED:prepare", "SIGNAL_AWAITED:charge#retry-2", "SIGNAL_RESOLVED:charge#retry-2",
		"STEP_FAILED:charge", "RUN_ERRORED", "RUN_RETRIED:charge", "SIGNAL_AWAITED:charge#retry1-2",
		"SIGNAL_RESOLVED:charge#retry1-2", "STEP_FINISHED:charge", "RUN_FINISHED"}
	if got := h.kinds(); !equalStrings(got, want) {
		t.Errorf("log:\n got %v\nwant %v", got, want)
	}

	// Replaying the log without its terminal event runs no step and ends
	// the same way.
	evs := h.events()
	again := newHarness(t, def, struct{}{})
	again.log.events = evs[:len(evs)-1]
	again.clock = h.clock
	if out := again.drive(); out.Status != wf.OutcomeFinished || len(out.Pending) != 1 || out.Pending[0].Type != wf.RunFinished {
		t.Fatalf("replay: %s with %d pending, want finished with RUN_FINISHED only", out.Status, len(out.Pending))
	}
	if calls["prepare"] != 1 || calls["charge"] != 4 {
		t.Errorf("replay called steps: %v", calls)
	}
	if st := wf.Attach(evs); st.Status != wf.StatusFinished {
		t.Errorf("Attach: %s, want finished", st.Status)
	}
	if st := wf.Attach(evs[:6]); st.Status != wf.StatusRunning || st.Error != nil {
		t.Errorf("Attach of a retried log: %s %v, want running without error", st.Status, st.Error)
	}
}

// TestForkMarkerIsIgnored: a copied log with a RUN_FORKED marker replays
// as if the marker were absent.
func TestForkMarkerIsIgnored(t *testing.T) {
	t.Parallel()
	calls := 0
	def := wf.New("forked", func(ctx *wf.Context, _ struct{}) (int, error) {
		for _, id := range []wf.StepID{"a", "b"} {
			if err := wf.Do(ctx, id, func(wf.StepContext) error { calls++; return nil }); err != nil {
				return 0, err
			}
		}
		return calls, nil
	})
	h := newHarness(t, def, struct{}{})
	h.log.events = []wf.Event{
		{Type: wf.StepFinished, Time: t0, StepID: "a"},
		{Type: wf.RunForked, Time: t0, RunID: "source", StepID: "b"},
	}
	if out := h.drive(); out.Status != wf.OutcomeFinished || string(out.Output) != "1" {
		t.Fatalf("fork: %s %s, want finished after running only b", out.Status, out.Output)
	}
}
