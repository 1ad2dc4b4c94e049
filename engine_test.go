package wf_test

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf"
)

type orderIn struct {
	OrderID string `json:"orderId"`
	DelayMs int    `json:"delayMs"`
}

type orderOut struct {
	OrderID string `json:"orderId"`
	Shipped bool   `json:"shipped"`
	Payment string `json:"payment"`
}

type payment struct {
	PaymentID string `json:"paymentId"`
}

// fulfillment is the seed tutorial's workflow; calls counts live step runs.
func fulfillment(calls map[string]int) *wf.Definition {
	return wf.New("fulfillment", func(ctx *wf.Context, in orderIn) (orderOut, error) {
		if err := wf.Do(ctx, "reserve-inventory", func(sc wf.StepContext) error {
			calls["reserve-inventory"]++
			return nil
		}); err != nil {
			return orderOut{}, err
		}
		now := wf.Now(ctx)
		wf.SleepUntil(ctx, now.Add(time.Duration(in.DelayMs)*time.Millisecond))
		p, err := wf.WaitForEvent[payment](ctx, "payment-received")
		if err != nil {
			return orderOut{}, err
		}
		if err := wf.Do(ctx, "ship-order", func(sc wf.StepContext) error {
			calls["ship-order"]++
			return nil
		}); err != nil {
			return orderOut{}, err
		}
		return orderOut{OrderID: in.OrderID, Shipped: true, Payment: p.PaymentID}, nil
	})
}

func TestFulfillmentEndToEnd(t *testing.T) {
	t.Parallel()
	calls := map[string]int{}
	h := newHarness(t, fulfillment(calls), orderIn{OrderID: "o-1", DelayMs: 30_000})

	out := h.drive()
	if out.Status != wf.OutcomePaused || len(out.Awaiting) != 1 || out.Awaiting[0].Kind != wf.AwaitTimer {
		t.Fatalf("first drive: got %s awaiting %+v, want paused on a timer", out.Status, out.Awaiting)
	}
	if want := t0.Add(30 * time.Second); !out.Awaiting[0].Deadline.Equal(want) {
		t.Fatalf("timer deadline %v, want %v", out.Awaiting[0].Deadline, want)
	}

	// Before the deadline nothing moves.
	h.clock = t0.Add(10 * time.Second)
	if out := h.drive(); out.Status != wf.OutcomePaused || out.Awaiting[0].Kind != wf.AwaitTimer {
		t.Fatalf("early drive: %s %+v", out.Status, out.Awaiting)
	}
	// The sweep delivers the timer.
	h.clock = t0.Add(31 * time.Second)
	h.deliver(wf.Delivery{StepID: out.Awaiting[0].StepID, SignalID: "__timer:" + out.Awaiting[0].StepID, Name: wf.TimerSignal})
	out = h.drive()
	if out.Status != wf.OutcomePaused || out.Awaiting[0].Name != "payment-received" {
		t.Fatalf("after timer: %s %+v, want paused on payment-received", out.Status, out.Awaiting)
	}
	h.deliver(wf.Delivery{StepID: out.Awaiting[0].StepID, SignalID: "evt_1", Name: "payment-received", Payload: mustJSON(t, payment{PaymentID: "pay_9"})})
	out = h.drive()
	if out.Status != wf.OutcomeFinished {
		t.Fatalf("after payment: %s %+v", out.Status, out.Error)
	}
	if got := string(out.Output); got != `{"orderId":"o-1","shipped":true,"payment":"pay_9"}` {
		t.Fatalf("output %s", got)
	}
	want := []string{
		"STEP_FINISHED:reserve-inventory", "NOW_RECORDED:__now-0",
		"SIGNAL_AWAITED:__sleep-0", "SIGNAL_RESOLVED:__sleep-0",
		"SIGNAL_AWAITED:__wait-0", "SIGNAL_RESOLVED:__wait-0",
		"STEP_FINISHED:ship-order", "RUN_FINISHED",
	}
	if got := h.kinds(); !equalStrings(got, want) {
		t.Fatalf("log:\n got %v\nwant %v", got, want)
	}
	if calls["reserve-inventory"] != 1 || calls["ship-order"] != 1 {
		t.Fatalf("steps ran %v times, want once each", calls)
	}
	// A finished run replays to its recorded outcome without running code.
	if again := h.drive(); again.Status != wf.OutcomeFinished || string(again.Output) != string(out.Output) {
		t.Fatalf("re-drive of finished run: %+v", again)
	}
	if calls["ship-order"] != 1 {
		t.Fatal("finished run re-ran a step")
	}
}

func TestStepNotRerunAfterCrash(t *testing.T) {
	t.Parallel()
	calls, emails := 0, 0
	def := wf.New("crashy", func(ctx *wf.Context, _ struct{}) (int, error) {
		v, err := wf.Step(ctx, "charge", func(sc wf.StepContext) (int, error) { calls++; return 42, nil })
		if err != nil {
			return 0, err
		}
		err = wf.Do(ctx, "email", func(sc wf.StepContext) error { emails++; return nil })
		return v, err
	})
	h := newHarness(t, def, struct{}{})
	// The process dies before the invocation's final commit: "charge" was
	// made durable before "email" started; "email" and the finish were not.
	if _, err := def.Execute(context.Background(), h.invocation()); err != nil {
		t.Fatal(err)
	}
	if got := h.kinds(); !equalStrings(got, []string{"STEP_FINISHED:charge"}) {
		t.Fatalf("durable after the crash: %v", got)
	}
	out := h.drive()
	if out.Status != wf.OutcomeFinished || string(out.Output) != "42" {
		t.Fatalf("got %s %s %+v", out.Status, out.Output, out.Error)
	}
	if calls != 1 || emails != 2 {
		t.Fatalf("charge ran %d times (want 1), email %d (want 2: unrecorded steps run again)", calls, emails)
	}
}

// countingJournal counts durable writes.
type countingJournal struct {
	memJournal
	writes int
}

func (j *countingJournal) Append(ctx context.Context, next int, evs []wf.Event) error {
	j.writes++
	return j.memJournal.Append(ctx, next, evs)
}

// TestOneWritePerStep: ten steps cost nine checkpoint writes, and the last
// step's checkpoint rides along with the finishing commit.
func TestOneWritePerStep(t *testing.T) {
	t.Parallel()
	def := stepsWorkflow(10)
	j := &countingJournal{}
	out, err := def.Execute(context.Background(), wf.Invocation{RunID: "r", Journal: j, Input: []byte("{}")})
	if err != nil || out.Status != wf.OutcomeFinished {
		t.Fatalf("%s %v", out.Status, err)
	}
	if j.writes != 9 || len(out.Pending) != 2 || out.Pending[0].StepID != "step-9" || out.Pending[1].Type != wf.RunFinished {
		t.Fatalf("writes %d, pending %v", j.writes, out.Pending)
	}
}

func TestStepResultsAndFailures(t *testing.T) {
	t.Parallel()
	errBoom := errors.New("boom")
	tests := []struct {
		name       string
		policy     *wf.RetryPolicy
		failures   int // attempts that fail before success
		wantStatus wf.OutcomeStatus
		wantCalls  int
		wantLog    []string
		attempts   int // attempts field of the final step event
	}{
		{name: "success first try", failures: 0, wantStatus: wf.OutcomeFinished, wantCalls: 1, wantLog: []string{"STEP_FINISHED:s", "RUN_FINISHED"}},
		{name: "no retry fails", failures: 1, wantStatus: wf.OutcomeErrored, wantCalls: 1, wantLog: []string{"STEP_FAILED:s", "RUN_ERRORED"}},
		{name: "fixed retry recovers", policy: &wf.RetryPolicy{MaxAttempts: 3, Backoff: wf.BackoffFixed}, failures: 2, wantStatus: wf.OutcomeFinished, wantCalls: 3, attempts: 3, wantLog: []string{"STEP_FINISHED:s", "RUN_FINISHED"}},
		{name: "retries exhausted", policy: &wf.RetryPolicy{MaxAttempts: 2}, failures: 5, wantStatus: wf.OutcomeErrored, wantCalls: 2, attempts: 2, wantLog: []string{"STEP_FAILED:s", "RUN_ERRORED"}},
		{name: "should retry refuses", policy: &wf.RetryPolicy{MaxAttempts: 5, ShouldRetry: func(err error, attempt int) bool { return attempt < 2 }}, failures: 5, wantStatus: wf.OutcomeErrored, wantCalls: 2, attempts: 2, wantLog: []string{"STEP_FAILED:s", "RUN_ERRORED"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			calls := 0
			def := wf.New("w", func(ctx *wf.Context, _ struct{}) (string, error) {
				var opts []wf.StepOption
				if tt.policy != nil {
					opts = append(opts, wf.WithRetry(*tt.policy))
				}
				return wf.Step(ctx, "s", func(sc wf.StepContext) (string, error) {
					calls++
					if sc.Attempt() != calls {
						t.Errorf("Attempt() = %d on call %d", sc.Attempt(), calls)
					}
					if calls <= tt.failures {
						return "", errBoom
					}
					return "ok", nil
				}, opts...)
			})
			h := newHarness(t, def, struct{}{})
			out := h.drive()
			if out.Status != tt.wantStatus {
				t.Fatalf("status %s (%+v), want %s", out.Status, out.Error, tt.wantStatus)
			}
			if calls != tt.wantCalls {
				t.Fatalf("calls %d, want %d", calls, tt.wantCalls)
			}
			if got := h.kinds(); !equalStrings(got, tt.wantLog) {
				t.Fatalf("log %v, want %v", got, tt.wantLog)
			}
			if got := h.events()[0].Attempts; got != tt.attempts {
				t.Fatalf("attempts field %d, want %d", got, tt.attempts)
			}
			if out.Status == wf.OutcomeErrored {
				if out.Error.Code != wf.CodeError || !strings.Contains(out.Error.Message, "boom") {
					t.Fatalf("error %+v", out.Error)
				}
				// Replay returns the same *StepError without calling fn.
				before := calls
				again := h.drive()
				if again.Status != wf.OutcomeErrored || calls != before {
					t.Fatalf("replay: %s, calls %d→%d", again.Status, before, calls)
				}
			}
		})
	}
}

func TestStepErrorIsSameLiveAndReplayed(t *testing.T) {
	t.Parallel()
	var seen []string
	def := wf.New("w", func(ctx *wf.Context, _ struct{}) (string, error) {
		err := wf.Do(ctx, "s", func(sc wf.StepContext) error { return errors.New("card declined") })
		var se *wf.StepError
		if !errors.As(err, &se) {
			t.Errorf("Do error %T, want *wf.StepError", err)
			return "", err
		}
		seen = append(seen, se.Error())
		wf.Sleep(ctx, time.Hour)
		return "handled", nil
	})
	h := newHarness(t, def, struct{}{})
	out := h.drive()
	h.clock = h.clock.Add(2 * time.Hour)
	out = h.drive()
	if out.Status != wf.OutcomeFinished {
		t.Fatalf("status %s", out.Status)
	}
	if len(seen) != 2 || seen[0] != seen[1] {
		t.Fatalf("live and replayed errors differ: %q", seen)
	}
}

func TestBackoffDelays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		policy wf.RetryPolicy
		want   []time.Duration // waits before attempts 2, 3, …
	}{
		{"fixed", wf.RetryPolicy{MaxAttempts: 4, Backoff: wf.BackoffFixed, Base: 100 * time.Millisecond}, []time.Duration{100, 100, 100}},
		{"exponential", wf.RetryPolicy{MaxAttempts: 5, Backoff: wf.BackoffExponential, Base: 100 * time.Millisecond}, []time.Duration{100, 200, 400, 800}},
		{"exponential capped", wf.RetryPolicy{MaxAttempts: 5, Backoff: wf.BackoffExponential, Base: 100 * time.Millisecond, Cap: 250 * time.Millisecond}, []time.Duration{100, 200, 250, 250}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Within the budget, backoff waits in process; measure the gaps
			// between attempts with a real monotonic clock.
			var starts []time.Time
			def := wf.New("w", func(ctx *wf.Context, _ struct{}) (int, error) {
				return wf.Step(ctx, "s", func(sc wf.StepContext) (int, error) {
					starts = append(starts, time.Now())
					return 0, errors.New("again")
				}, wf.WithRetry(tt.policy))
			})
			h := newHarness(t, def, struct{}{})
			h.drive()
			if len(starts) != tt.policy.MaxAttempts {
				t.Fatalf("attempts %d, want %d", len(starts), tt.policy.MaxAttempts)
			}
			for i, w := range tt.want {
				gap := starts[i+1].Sub(starts[i])
				want := w * time.Millisecond
				// Lower bound exact; upper bound generous for loaded CI machines.
				if gap < want || gap > want+2*time.Second {
					t.Errorf("wait before attempt %d: %v, want ≈%v", i+2, gap, want)
				}
			}
		})
	}
}

func TestDurableBackoffBeyondBudget(t *testing.T) {
	t.Parallel()
	calls := 0
	def := wf.New("w", func(ctx *wf.Context, _ struct{}) (int, error) {
		return wf.Step(ctx, "s", func(sc wf.StepContext) (int, error) {
			calls++
			if calls < 3 {
				return 0, errors.New("rate limited")
			}
			return sc.Attempt(), nil
		}, wf.WithRetry(wf.RetryPolicy{MaxAttempts: 3, Base: 10 * time.Minute}))
	})
	h := newHarness(t, def, struct{}{})
	h.deadline = t0.Add(time.Minute)
	out := h.drive()
	if out.Status != wf.OutcomePaused || out.Awaiting[0].StepID != "s#retry-2" || out.Awaiting[0].Kind != wf.AwaitTimer {
		t.Fatalf("want a durable backoff timer, got %s %+v", out.Status, out.Awaiting)
	}
	if !out.Awaiting[0].Deadline.Equal(t0.Add(10 * time.Minute)) {
		t.Fatalf("backoff deadline %v", out.Awaiting[0].Deadline)
	}
	// Next invocation, after the backoff: attempt 2 fails again → timer 3.
	h.clock = t0.Add(11 * time.Minute)
	h.deadline = h.clock.Add(time.Minute)
	out = h.drive()
	if out.Status != wf.OutcomePaused || out.Awaiting[0].StepID != "s#retry-3" {
		t.Fatalf("second: %s %+v", out.Status, out.Awaiting)
	}
	h.clock = t0.Add(30 * time.Minute)
	h.deadline = h.clock.Add(time.Minute)
	out = h.drive()
	if out.Status != wf.OutcomeFinished || string(out.Output) != "3" || calls != 3 {
		t.Fatalf("third: %s %s calls=%d", out.Status, out.Output, calls)
	}
	if got := h.events()[len(h.events())-2].Attempts; got != 3 {
		t.Fatalf("attempts recorded %d, want 3", got)
	}
}

func TestStepTimeout(t *testing.T) {
	t.Parallel()
	canceled := make(chan error, 1)
	def := wf.New("w", func(ctx *wf.Context, _ struct{}) (string, error) {
		return wf.Step(ctx, "slow", func(sc wf.StepContext) (string, error) {
			<-sc.Done()
			canceled <- sc.Err()
			return "", sc.Err()
		}, wf.WithTimeout(20*time.Millisecond))
	})
	h := newHarness(t, def, struct{}{})
	out := h.drive()
	if out.Status != wf.OutcomeErrored {
		t.Fatalf("status %s", out.Status)
	}
	if err := <-canceled; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("step context error %v, want deadline exceeded", err)
	}
	if out.Error.Cause == nil || out.Error.Cause.Name != "StepTimeoutError" {
		t.Fatalf("error %+v, want a StepTimeoutError cause", out.Error)
	}
	var te *wf.StepTimeoutError
	var se *wf.StepError
	// The workflow sees a *StepError that unwraps to *StepTimeoutError.
	def2 := wf.New("w2", func(ctx *wf.Context, _ struct{}) (bool, error) {
		err := wf.Do(ctx, "hang", func(sc wf.StepContext) error {
			time.Sleep(3 * time.Second) // ignores its context
			return nil
		}, wf.WithTimeout(10*time.Millisecond))
		return errors.As(err, &se) && errors.As(err, &te), nil
	})
	h2 := newHarness(t, def2, struct{}{})
	start := time.Now()
	if out := h2.drive(); string(out.Output) != "true" {
		t.Fatalf("errors.As live: %s", out.Output)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("timeout did not abandon a step that ignores its context")
	}
	if out := h2.drive(); string(out.Output) != "true" {
		t.Fatalf("errors.As replayed: %s", out.Output)
	}
}

func TestNowAndUUIDReplay(t *testing.T) {
	t.Parallel()
	type got struct {
		Now  time.Time `json:"now"`
		UUID string    `json:"uuid"`
		Then time.Time `json:"then"`
	}
	def := wf.New("w", func(ctx *wf.Context, _ struct{}) (got, error) {
		n := wf.Now(ctx)
		u := wf.UUID(ctx)
		wf.Sleep(ctx, time.Minute, wf.ID("nap"))
		return got{Now: n, UUID: u, Then: wf.Now(ctx, wf.ID("after-nap"))}, nil
	})
	h := newHarness(t, def, struct{}{})
	h.drive()
	h.clock = t0.Add(time.Hour)
	out := h.drive()
	var g got
	if err := json.Unmarshal(out.Output, &g); err != nil {
		t.Fatal(err)
	}
	if !g.Now.Equal(t0) || g.UUID != "uuid-1" || !g.Then.Equal(t0.Add(time.Hour)) {
		t.Fatalf("got %+v", g)
	}
	if h.uuids != 1 {
		t.Fatalf("UUID generated %d times", h.uuids)
	}
	want := []string{"NOW_RECORDED:__now-0", "UUID_RECORDED:__uuid-0", "SIGNAL_AWAITED:nap", "SIGNAL_RESOLVED:nap", "NOW_RECORDED:after-nap", "RUN_FINISHED"}
	if !equalStrings(h.kinds(), want) {
		t.Fatalf("log %v", h.kinds())
	}
}

func TestWaitForEvent(t *testing.T) {
	t.Parallel()
	def := wf.New("w", func(ctx *wf.Context, _ struct{}) (string, error) {
		p, err := wf.WaitForEvent[payment](ctx, "paid", wf.ID("pay"), wf.Timeout(time.Hour))
		var te *wf.WaitTimeoutError
		var ve *wf.ValidationError
		switch {
		case errors.As(err, &te):
			return "timeout at " + te.Deadline.Format(time.RFC3339), nil
		case errors.As(err, &ve):
			return "invalid: " + ve.Error(), nil
		case err != nil:
			return "", err
		}
		return "paid " + p.PaymentID, nil
	})
	tests := []struct {
		name     string
		delivery wf.Delivery
		want     string
	}{
		{"signal", wf.Delivery{StepID: "pay", SignalID: "s1", Name: "paid", Payload: []byte(`{"paymentId":"p1"}`)}, `"paid p1"`},
		{"timeout", wf.Delivery{StepID: "pay", SignalID: "__timer:pay", Name: wf.TimerSignal}, `"timeout at 2026-03-04T11:00:00Z"`},
		{"bad payload", wf.Delivery{StepID: "pay", SignalID: "s2", Name: "paid", Payload: []byte(`{"paymentId":7}`)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, def, struct{}{})
			out := h.drive()
			if out.Status != wf.OutcomePaused || out.Awaiting[0].Name != "paid" || !out.Awaiting[0].Deadline.Equal(t0.Add(time.Hour)) {
				t.Fatalf("first: %s %+v", out.Status, out.Awaiting)
			}
			h.deliver(tt.delivery)
			out = h.drive()
			if out.Status != wf.OutcomeFinished {
				t.Fatalf("status %s %+v", out.Status, out.Error)
			}
			if tt.want != "" && string(out.Output) != tt.want {
				t.Fatalf("output %s, want %s", out.Output, tt.want)
			}
			if tt.want == "" && !strings.Contains(string(out.Output), "invalid signal paid") {
				t.Fatalf("output %s, want a validation error", out.Output)
			}
		})
	}
}

func TestApprove(t *testing.T) {
	t.Parallel()
	def := wf.New("expense", func(ctx *wf.Context, _ struct{}) (wf.Approval, error) {
		return wf.Approve(ctx, wf.ApprovalRequest{ID: "manager", Title: "Approve $120", Description: "team lunch", Timeout: 48 * time.Hour})
	})
	h := newHarness(t, def, struct{}{})
	out := h.drive()
	if out.Status != wf.OutcomePaused || out.Awaiting[0].Kind != wf.AwaitApproval || out.Awaiting[0].ApprovalID != "manager" {
		t.Fatalf("first: %s %+v", out.Status, out.Awaiting)
	}
	req := h.events()[0]
	if req.Type != wf.ApprovalRequested || req.Title != "Approve $120" || req.Description != "team lunch" {
		t.Fatalf("request event %+v", req)
	}
	h.deliver(wf.Delivery{StepID: "manager", SignalID: "manager", ApprovalID: "manager", Approved: true, Feedback: "ok by finance"})
	out = h.drive()
	if got := string(out.Output); got != `{"Approved":true,"ApprovalID":"manager","Feedback":"ok by finance"}` {
		t.Fatalf("output %s", got)
	}

	// Timeout: the timer resolves the approval first.
	h2 := newHarness(t, def, struct{}{})
	h2.drive()
	h2.deliver(wf.Delivery{StepID: "manager", SignalID: "__timer:manager", Name: wf.TimerSignal})
	out = h2.drive()
	if out.Status != wf.OutcomeErrored || out.Error.Name != "WaitTimeoutError" {
		t.Fatalf("timeout: %s %+v", out.Status, out.Error)
	}
}

func TestProgrammerErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     func(ctx *wf.Context) error
		wantCode wf.ErrorCode
		wantMsg  string
	}{
		{"duplicate step ID", func(ctx *wf.Context) error {
			_ = wf.Do(ctx, "x", func(wf.StepContext) error { return nil })
			return wf.Do(ctx, "x", func(wf.StepContext) error { return nil })
		}, wf.CodeError, `operation ID "x" reached twice`},
		{"empty step ID", func(ctx *wf.Context) error {
			return wf.Do(ctx, "", func(wf.StepContext) error { return nil })
		}, wf.CodeError, "empty operation ID"},
		{"nil step fn", func(ctx *wf.Context) error {
			return wf.Do(ctx, "x", nil)
		}, wf.CodeError, "fn is nil"},
		{"panic", func(ctx *wf.Context) error {
			var m map[string]int
			m["boom"] = 1
			return nil
		}, wf.CodeError, "assignment to entry in nil map"},
		{"goexit in step", func(ctx *wf.Context) error {
			return wf.Do(ctx, "x", func(wf.StepContext) error { runtime.Goexit(); return nil })
		}, wf.CodeError, "exited without returning"},
		{"panic in step", func(ctx *wf.Context) error {
			return wf.Do(ctx, "x", func(wf.StepContext) error { panic("step exploded") })
		}, wf.CodeError, "step exploded"},
		{"returned error", func(ctx *wf.Context) error {
			return errors.New("out of stock")
		}, wf.CodeError, "out of stock"},
		{"validation error", func(ctx *wf.Context) error {
			return &wf.ValidationError{Subject: "input", Issues: []wf.ValidationIssue{{Path: "/orderId", Message: "required"}}}
		}, wf.CodeValidation, "/orderId: required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			def := wf.New("w", func(ctx *wf.Context, _ struct{}) (struct{}, error) { return struct{}{}, tt.body(ctx) })
			h := newHarness(t, def, struct{}{})
			out := h.drive()
			if out.Status == wf.OutcomeYielded && tt.name == "goexit in step" {
				// The Goexit ended the invocation with the step's failure
				// recorded; the next one hands it to the workflow's code.
				out = h.drive()
			}
			if out.Status != wf.OutcomeErrored || out.Error.Code != tt.wantCode || !strings.Contains(out.Error.Message, tt.wantMsg) {
				t.Fatalf("got %s %+v, want code %s with %q", out.Status, out.Error, tt.wantCode, tt.wantMsg)
			}
			last := h.events()[len(h.events())-1]
			if last.Type != wf.RunErrored || last.Code != tt.wantCode || last.RunID != "run-1" {
				t.Fatalf("terminal event %+v", last)
			}
		})
	}
}

func TestPanicRecordsStack(t *testing.T) {
	t.Parallel()
	def := wf.New("w", func(ctx *wf.Context, _ struct{}) (int, error) { panic("kaboom") })
	h := newHarness(t, def, struct{}{})
	out := h.drive()
	if out.Error.Name != "PanicError" || !strings.Contains(out.Error.Stack, "engine_test.go") {
		t.Fatalf("error %+v, want a PanicError with a stack naming the test file", out.Error)
	}
}

func TestNondeterminism(t *testing.T) {
	t.Parallel()
	useStep := true
	def := wf.New("w", func(ctx *wf.Context, _ struct{}) (int, error) {
		if useStep {
			_, _ = wf.Step(ctx, "a", func(wf.StepContext) (int, error) { return 1, nil })
		} else {
			wf.Sleep(ctx, time.Second, wf.ID("a"))
		}
		wf.Sleep(ctx, time.Hour)
		return 1, nil
	})
	h := newHarness(t, def, struct{}{})
	h.drive()
	useStep = false // the code changed under a running run
	out := h.drive()
	if out.Status != wf.OutcomeErrored || out.Error.Code != wf.CodeNondeterminism {
		t.Fatalf("got %s %+v", out.Status, out.Error)
	}
	if d := out.Divergence; d == nil || d.Expected != "a" || d.Found != "a" || d.Want != "Sleep" || d.Recorded != wf.StepFinished {
		t.Fatalf("divergence %+v, want Sleep at operation a where the log has STEP_FINISHED", d)
	}
	for _, want := range []string{`"a"`, "SleepUntil", "STEP_FINISHED"} {
		if !strings.Contains(out.Error.Message, want) && !(want == "SleepUntil" && strings.Contains(out.Error.Message, "Sleep")) {
			t.Fatalf("message %q lacks %s", out.Error.Message, want)
		}
	}
}

func TestUndecodableRecordedResult(t *testing.T) {
	t.Parallel()
	asString := false
	def := wf.New("w", func(ctx *wf.Context, _ struct{}) (int, error) {
		if asString {
			s, err := wf.Step(ctx, "a", func(wf.StepContext) (string, error) { return "x", nil })
			return len(s), err
		}
		n, err := wf.Step(ctx, "a", func(wf.StepContext) (int, error) { return 7, nil })
		wf.Sleep(ctx, time.Hour)
		return n, err
	})
	h := newHarness(t, def, struct{}{})
	h.drive()
	asString = true
	out := h.drive()
	if out.Status != wf.OutcomeErrored || out.Error.Code != wf.CodeNondeterminism || !strings.Contains(out.Error.Message, "does not decode into string") {
		t.Fatalf("got %s %+v", out.Status, out.Error)
	}
	if d := out.Divergence; d == nil || d.Expected != "a" || d.Found != "a" || d.Recorded != wf.StepFinished || d.Index != 0 || d.Cause == nil {
		t.Fatalf("divergence %+v, want operation a's undecodable STEP_FINISHED at index 0", d)
	}
}

func TestAppendConflictAborts(t *testing.T) {
	t.Parallel()
	ran := 0
	def := wf.New("w", func(ctx *wf.Context, _ struct{}) (int, error) {
		_ = wf.Do(ctx, "a", func(wf.StepContext) error { ran++; return nil })
		_ = wf.Do(ctx, "b", func(wf.StepContext) error { ran++; return nil })
		return 1, nil
	})
	h := newHarness(t, def, struct{}{})
	// Another driver appended first: this invocation must stop at once.
	h.log.failNext = wf.ErrConflict
	out, err := def.Execute(context.Background(), h.invocation())
	if !errors.Is(err, wf.ErrConflict) {
		t.Fatalf("err %v, want ErrConflict", err)
	}
	if ran != 1 || len(out.Pending) != 0 || len(h.events()) != 0 {
		t.Fatalf("after conflict: ran=%d pending=%d log=%d", ran, len(out.Pending), len(h.events()))
	}
}

func TestCanceledInvocationAborts(t *testing.T) {
	t.Parallel()
	def := wf.New("w", func(ctx *wf.Context, _ struct{}) (int, error) {
		return wf.Step(ctx, "a", func(sc wf.StepContext) (int, error) {
			<-sc.Done()
			return 0, sc.Err()
		})
	})
	h := newHarness(t, def, struct{}{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := def.Execute(ctx, h.invocation())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	if len(h.events()) != 0 {
		t.Fatalf("a canceled invocation recorded %v", h.kinds())
	}
}
