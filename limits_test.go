package wf_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf"
)

const eventLimit = 4096

// checkFits fails t unless every logged event is within eventLimit.
func (h *harness) checkFits() {
	h.t.Helper()
	for i, ev := range h.events() {
		b, err := wf.EncodeEvent(ev)
		if err != nil {
			h.t.Fatal(err)
		}
		if len(b) > eventLimit {
			h.t.Errorf("event %d (%s) is %d bytes, over the %d-byte limit", i, ev.Type, len(b), eventLimit)
		}
	}
}

// TestOversizedResultFailsStep: a result over the limit fails the step
// once, without retries, with a *PayloadTooLargeError that the workflow
// sees live and on replay.
func TestOversizedResultFailsStep(t *testing.T) {
	t.Parallel()
	calls := 0
	var seen []*wf.PayloadTooLargeError
	def := wf.New("w", func(ctx *wf.Context, _ struct{}) (string, error) {
		_, err := wf.Step(ctx, "fetch", func(wf.StepContext) (string, error) {
			calls++
			return strings.Repeat("x", eventLimit), nil
		}, wf.WithRetry(wf.RetryPolicy{MaxAttempts: 3}))
		var tooLarge *wf.PayloadTooLargeError
		if !errors.As(err, &tooLarge) {
			return "", err
		}
		seen = append(seen, tooLarge)
		wf.Sleep(ctx, time.Minute)
		return "handled", nil
	})
	h := newHarness(t, def, struct{}{})
	h.maxEventSize = eventLimit
	if out := h.drive(); out.Status != wf.OutcomePaused {
		t.Fatalf("first drive: %s %+v, want paused in the sleep", out.Status, out.Error)
	}
	h.clock = h.clock.Add(time.Hour)
	if out := h.drive(); out.Status != wf.OutcomeFinished {
		t.Fatalf("replay: %s %+v, want finished", out.Status, out.Error)
	}
	if calls != 1 {
		t.Errorf("the step ran %d times, want once", calls)
	}
	if len(seen) != 2 {
		t.Fatalf("the workflow saw %d PayloadTooLargeErrors, want one live and one on replay", len(seen))
	}
	live := seen[0]
	if live.StepID != "fetch" || live.Event != wf.StepFinished || live.Size <= eventLimit || live.Limit != eventLimit {
		t.Errorf("live error %+v, want step fetch, STEP_FINISHED, size over %d", live, eventLimit)
	}
	if r := seen[1]; r.Error() != live.Error() || r.Size != live.Size || r.Limit != live.Limit || r.StepID != live.StepID || !errors.Is(r, wf.ErrTooLarge) {
		t.Errorf("replayed error %+v, want %+v wrapping ErrTooLarge", r, live)
	}
	failed := h.events()[0]
	if failed.Type != wf.StepFailed || failed.Error.Code != wf.CodePayloadTooLarge || failed.Attempts != 0 {
		t.Errorf("first event %s %+v (attempts %d), want STEP_FAILED code payload_too_large after one attempt", failed.Type, failed.Error, failed.Attempts)
	}
	h.checkFits()
}

// TestOversizedErrorIsShortened: a failure whose error text is over the
// limit is recorded with shortened text, keeping its name and code.
func TestOversizedErrorIsShortened(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("e", 3*eventLimit)
	def := wf.New("w", func(ctx *wf.Context, _ struct{}) (string, error) {
		err := wf.Do(ctx, "call", func(wf.StepContext) error { return &codedError{huge} })
		return "", err
	})
	h := newHarness(t, def, struct{}{})
	h.maxEventSize = eventLimit
	out := h.drive()
	if out.Status != wf.OutcomeErrored || !strings.HasPrefix(out.Error.Message, `step "call" failed`) {
		t.Fatalf("drive: %s %+v, want errored with the step's failure", out.Status, out.Error)
	}
	failed := h.events()[0]
	if failed.Type != wf.StepFailed || failed.Error.Code != "upstream" || !strings.HasPrefix(failed.Error.Message, "eee") {
		t.Errorf("STEP_FAILED error %+v, want the original name and code with shortened text", failed.Error)
	}
	h.checkFits()
}

type codedError struct{ msg string }

func (e *codedError) Error() string { return e.msg }
func (e *codedError) Code() string  { return "upstream" }

// TestOversizedResolutionEndsRun: a stored delivery whose resolving event
// is over the limit (the limit was lowered after it was stored) ends the
// run with code payload_too_large naming the wait and the event.
func TestOversizedResolutionEndsRun(t *testing.T) {
	t.Parallel()
	def := wf.New("w", func(ctx *wf.Context, _ struct{}) (string, error) {
		return wf.WaitForEvent[string](ctx, "go", wf.ID("wait-go"))
	})
	h := newHarness(t, def, struct{}{})
	h.maxEventSize = eventLimit
	if out := h.drive(); out.Status != wf.OutcomePaused {
		t.Fatalf("first drive: %s", out.Status)
	}
	h.deliver(wf.Delivery{StepID: "wait-go", SignalID: "s-1", Name: "go", Payload: mustJSON(t, strings.Repeat("p", eventLimit)), Time: t0})
	out := h.drive()
	if out.Status != wf.OutcomeErrored || out.Error.Code != wf.CodePayloadTooLarge ||
		!strings.Contains(out.Error.Message, `SIGNAL_RESOLVED event of "wait-go"`) {
		t.Fatalf("drive: %s %+v, want errored with payload_too_large naming the wait", out.Status, out.Error)
	}
	h.checkFits()
	if got := h.kinds(); !equalStrings(got, []string{"SIGNAL_AWAITED:wait-go", "RUN_ERRORED"}) {
		t.Errorf("log %v, want the wait and RUN_ERRORED", got)
	}
}
