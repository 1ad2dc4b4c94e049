package wf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Step runs fn once per run and records its result: on replay the recorded
// result (or the recorded failure, as a *StepError) is returned and fn is
// not called. The result must survive a JSON round trip. fn gets a real
// context.Context, canceled when an attempt times out.
//
// A failing attempt is retried per WithRetry (or the workflow's
// DefaultRetry); a backoff that would outlive the invocation's budget is
// taken as a durable timer and the run resumes in a later invocation. A
// panic in fn fails its attempt, and so does fn calling runtime.Goexit
// (as testing.T.FailNow does). An attempt without a timeout runs on the
// workflow's goroutine (one with WithTimeout runs on its own, so that the
// timeout returns whatever fn does); a Goexit there ends the invocation
// too, so the next attempt, or the step's failure, is taken up by the
// next invocation. An invocation whose context ends returns at once even
// while fn ignores its context; fn's result is then discarded.
func Step[T any](ctx *Context, id StepID, fn func(sc StepContext) (T, error), opts ...StepOption) (T, error) {
	var zero T
	e := ctx.e
	if fn == nil {
		e.failNow(fmt.Errorf("wf: Step %q: fn is nil", id), CodeError)
	}
	raw, err := e.step(string(id), "Step", func(sc StepContext) (json.RawMessage, error) {
		v, err := fn(sc)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("wf: step %q: encode result: %w", id, err)
		}
		return b, nil
	}, opts)
	if err != nil {
		return zero, err
	}
	var v T
	if len(raw) > 0 {
		if derr := json.Unmarshal(raw, &v); derr != nil {
			e.undecodable(string(id), "Step", StepFinished, fmt.Errorf("recorded result %s does not decode into %T: %w", truncate(raw, 80), v, derr))
		}
	}
	return v, nil
}

// Do is Step for functions that return only an error.
func Do(ctx *Context, id StepID, fn func(sc StepContext) error, opts ...StepOption) error {
	e := ctx.e
	if fn == nil {
		e.failNow(fmt.Errorf("wf: Do %q: fn is nil", id), CodeError)
	}
	_, err := e.step(string(id), "Do", func(sc StepContext) (json.RawMessage, error) {
		return nil, fn(sc)
	}, opts)
	return err
}

// retrySep joins a step's ID and an attempt number into the operation ID of
// the durable backoff before that attempt.
const retrySep = "#retry-"

// retryMark starts the suffix of every durable backoff of a step, the first
// attempts' ("#retry-2") and those after the g-th Retry ("#retry1-2").
const retryMark = "#retry"

func retryID(id string, attempt int) string { return id + retrySep + strconv.Itoa(attempt) }

// stepConfig returns a step's options (the definition's for its ID, then
// the call's) and its retry policy. Called on the handler's goroutine
// only: the options are applied to e.scratch, which saves an allocation
// per step.
func (e *execution) stepConfig(id string, opts []StepOption) (stepConfig, RetryPolicy) {
	e.scratch = stepConfig{retry: e.def.defaultRetry}
	for _, o := range e.def.stepOptions[id] {
		o(&e.scratch)
	}
	for _, o := range opts {
		o(&e.scratch)
	}
	cfg := e.scratch
	e.scratch = stepConfig{}
	policy := retryPolicy(cfg)
	if strings.Contains(id, "#") {
		e.failNow(fmt.Errorf("wf: step ID %q must not contain '#'", id), CodeError)
	}
	return cfg, policy
}

// retryPolicy is the retry policy of a step's options: one attempt when
// they set none.
func retryPolicy(cfg stepConfig) RetryPolicy {
	policy := RetryPolicy{MaxAttempts: 1}
	if cfg.retry != nil {
		policy = *cfg.retry
		if policy.MaxAttempts < 1 {
			policy.MaxAttempts = 1
		}
	}
	return policy
}

func (e *execution) step(id, what string, fn func(StepContext) (json.RawMessage, error), opts []StepOption) (json.RawMessage, error) {
	cfg, policy := e.stepConfig(id, opts)
	if cfg.group != nil {
		e.failNow(fmt.Errorf("wf: %s %q: InGroup applies to Go only", what, id), CodeError)
	}
	e.reach(id, what)
	e.expect(id, what, true)
	// The log holds a step's durable retry timers before its checkpoint.
	attempt := e.resumeRetries(id)
	evs := e.consume(id, what, StepFinished, StepFailed)
	if len(evs) > 0 {
		ev := evs[len(evs)-1]
		if ev.Type == StepFailed {
			return nil, &StepError{StepID: StepID(id), Attempts: max(ev.Attempts, 1), Cause: ev.Error}
		}
		return ev.Result, nil
	}
	e.beginFresh()
	// Make what came before durable before this step's side effects run:
	// a step's checkpoint rides along with the next step's start, or with
	// the pause or finish that follows it, so a step costs one write. A
	// local step's start writes nothing unless it must (see local.go).
	e.flushBeforeStep(cfg.local)
	for ; ; attempt++ {
		raw, err := e.attempt(e.ctx, id, attempt, cfg, true, fn)
		if e.ctx.Err() != nil {
			e.abortCtx()
		}
		var tooLarge *PayloadTooLargeError
		if err == nil {
			ev := Event{Type: StepFinished, StepID: id, Result: raw, Attempts: attemptsField(attempt), Meta: cfg.meta}
			if tooLarge = e.oversize(&ev); tooLarge == nil {
				e.add(ev)
				e.recorded(cfg.local)
				return raw, nil
			}
			err = tooLarge
		}
		// An oversized result is not retried: the function would most
		// likely return the same value, repeating its side effects.
		retry := tooLarge == nil && policy.retries(err, attempt)
		if !retry {
			info := NewErrorInfo(err)
			e.record(Event{Type: StepFailed, StepID: id, Error: info, Attempts: attemptsField(attempt), Meta: cfg.meta})
			e.recorded(cfg.local)
			return nil, &StepError{StepID: StepID(id), Attempts: attempt, Cause: info}
		}
		wait := policy.delay(attempt + 1)
		if e.backoffOutlivesBudget(wait) {
			e.durableBackoff(id, attempt+1, wait, err)
		}
		if wait > 0 {
			e.flushLocal()
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-e.ctx.Done():
				t.Stop()
				e.abortCtx()
			}
		}
	}
}

func attemptsField(n int) int {
	if n > 1 {
		return n
	}
	return 0
}

func (e *execution) backoffOutlivesBudget(wait time.Duration) bool {
	if e.inv.Deadline.IsZero() || wait <= 0 {
		return false
	}
	return e.now().Add(wait).After(e.inv.Deadline.Add(-e.inv.MinYieldRemaining))
}

// durableBackoff records a timer wait before attempt `next` and pauses.
func (e *execution) durableBackoff(id string, next int, wait time.Duration, err error) {
	e.pause(e.recordRetryWait(id, next, wait, err))
}

// recordRetryWait records the durable timer wait of wait before attempt
// `next` of step id, whose previous attempt failed with err, and returns
// what a run paused on it awaits.
func (e *execution) recordRetryWait(id string, next int, wait time.Duration, err error) Await {
	wid := e.marks.retryWaitID(id, next)
	e.reached[wid] = true
	deadline := e.now().Add(wait)
	e.record(Event{Type: SignalAwaited, StepID: wid, Name: TimerSignal, Deadline: &deadline,
		Meta: map[string]string{"error": truncate([]byte(err.Error()), errorBudget), "attempt": strconv.Itoa(next - 1)}})
	return Await{StepID: wid, Kind: AwaitTimer, Name: TimerSignal, Deadline: &deadline}
}

// resumeRetries finds the attempt a step resumes at after durable backoffs:
// 1 when there were none; pauses again when the latest backoff is not due.
func (e *execution) resumeRetries(id string) int {
	attempt := 1
	if len(e.byStep) == 0 { // an empty log holds no backoff
		return attempt
	}
	for next := 2; ; next++ {
		wid := e.marks.retryWaitID(id, next)
		if len(e.byStep[wid]) == 0 {
			return attempt
		}
		evs := e.enter(wid, "Step retry", SignalAwaited, SignalResolved)
		if len(evs) < 2 {
			e.resolveTimer(wid, evs[0])
		}
		attempt = next
	}
}

// resolveTimer resolves a recorded timer wait (Sleep, durable backoff) whose
// resolution is not in the log yet, or pauses again when it is not due. A
// timer resolved at once writes the pending local results.
func (e *execution) resolveTimer(id string, awaited Event) {
	if d, ok := e.deliveries[id]; ok {
		e.record(Event{Type: SignalResolved, StepID: id, Name: TimerSignal, SignalID: d.SignalID, Meta: d.Meta})
		e.flushLocal()
		return
	}
	if awaited.Deadline != nil && !e.now().Before(*awaited.Deadline) {
		e.record(Event{Type: SignalResolved, StepID: id, Name: TimerSignal, SignalID: TimerSignal + ":" + id})
		e.flushLocal()
		return
	}
	e.pause(Await{StepID: id, Kind: AwaitTimer, Name: TimerSignal, Deadline: awaited.Deadline})
}

// attempt runs one attempt of a step's function. A step of the handler's
// own (inline) without a timeout runs on the handler's goroutine, which
// saves a goroutine and its hand-off per step; Execute still returns when
// the invocation is aborted while such a function ignores its context
// (see waitHandler). Any other attempt runs in its own goroutine, so that
// a timeout returns even when fn ignores its context. parent is the
// invocation's context, or a group's (Go): when a group is canceled the
// attempt returns the group's cause.
func (e *execution) attempt(parent context.Context, id string, n int, cfg stepConfig, inline bool, fn func(StepContext) (json.RawMessage, error)) (json.RawMessage, error) {
	actx, cancel := context.WithCancel(parent)
	if cfg.timeout > 0 {
		actx, cancel = context.WithTimeout(parent, cfg.timeout)
	}
	defer cancel()
	sc := StepContext{Context: actx, id: StepID(id), runID: e.inv.RunID, attempt: n, deadline: e.inv.Deadline, now: e.now}
	e.publish(Event{Type: StepStarted, StepID: id, Attempts: n, Meta: cfg.meta})
	// With concurrent operations the handler's context is one they may
	// cancel, which Execute does not watch: such a handler's steps run
	// aside.
	if inline && cfg.timeout == 0 && e.cancel == nil {
		return e.attemptInline(sc, id, n, cfg, fn)
	}

	type result struct {
		raw json.RawMessage
		err error
	}
	ch := make(chan result, 1)
	go func() {
		var r result
		returned := false
		defer func() {
			if p := recover(); p != nil {
				r = result{err: &PanicError{Value: p, Stack: string(debug.Stack())}}
			} else if !returned {
				r = result{err: goexitError(id)}
			}
			ch <- r
		}()
		r.err = e.runAttempt(sc, fn, &r.raw)
		returned = true
	}()
	select {
	case r := <-ch:
		if r.err != nil && cfg.timeout > 0 && errors.Is(actx.Err(), context.DeadlineExceeded) && e.ctx.Err() == nil {
			return nil, &StepTimeoutError{StepID: StepID(id), Attempt: n, Timeout: cfg.timeout}
		}
		return r.raw, r.err
	case <-actx.Done():
		if e.ctx.Err() != nil {
			return nil, e.ctx.Err()
		}
		if parent.Err() != nil {
			return nil, context.Cause(parent)
		}
		return nil, &StepTimeoutError{StepID: StepID(id), Attempt: n, Timeout: cfg.timeout}
	}
}

// attemptInline runs one attempt on the handler's goroutine. A panic is
// the attempt's error, as in a goroutine of its own. A function that calls
// runtime.Goexit (as testing.T.FailNow does) ends the handler's goroutine
// with it, and with it the invocation (see goexited). When Execute
// abandoned the handler while fn ran, the goroutine ends as soon as fn
// returns, touching nothing.
func (e *execution) attemptInline(sc StepContext, id string, n int, cfg stepConfig, fn func(StepContext) (json.RawMessage, error)) (raw json.RawMessage, err error) {
	e.enterInline()
	returned := false
	defer func() {
		p := recover()
		if e.leaveInline() {
			e.ended = true
			runtime.Goexit() // Execute has returned: nothing more is written
		}
		switch {
		case p != nil:
			raw, err = nil, &PanicError{Value: p, Stack: string(debug.Stack())}
		case !returned:
			e.goexited(id, n, cfg)
		}
	}()
	err = e.runAttempt(sc, fn, &raw)
	returned = true
	return raw, err
}

// goexited ends the invocation of a step attempt whose function called
// runtime.Goexit on the handler's goroutine, which ends with it, so that
// the attempt counts as a failed one, as it does on a goroutine of its
// own: when the step's retry policy allows another attempt, its backoff
// is recorded as a durable retry wait (with no delay, due at once) and
// the invocation pauses on it, or yields when it is already due; the
// next invocation resumes at that attempt. Otherwise the step's failure
// is recorded and the invocation yields: the next one replays it, and
// Step returns the *StepError to the workflow's code as it would have.
func (e *execution) goexited(id string, n int, cfg stepConfig) {
	err := goexitError(id)
	policy := retryPolicy(cfg)
	if policy.retries(err, n) {
		wait := max(policy.delay(n+1), 0)
		a := e.recordRetryWait(id, n+1, wait, err)
		if wait > 0 {
			e.settleAs(Outcome{Status: OutcomePaused, Awaiting: []Await{a}})
			return
		}
	} else {
		e.record(Event{Type: StepFailed, StepID: id, Error: NewErrorInfo(err), Attempts: attemptsField(n), Meta: cfg.meta})
	}
	e.settleAs(Outcome{Status: OutcomeYielded})
}

// attemptCall is an attempt's function and its result. The attempt's
// StepContext carries it through the step middleware (stepChain) to the
// innermost call, so that the chain is built once per execution, not per
// attempt.
type attemptCall struct {
	fn  func(StepContext) (json.RawMessage, error)
	raw json.RawMessage
}

// runAttempt runs fn through the step middleware; fn's result is stored
// in *raw.
func (e *execution) runAttempt(sc StepContext, fn func(StepContext) (json.RawMessage, error), raw *json.RawMessage) error {
	c := &attemptCall{fn: fn}
	sc.call = c
	err := e.stepChain(sc)
	*raw = c.raw
	return err
}

// stepChain returns the definition's step middleware, outermost first,
// around callAttempt.
func stepChain(mws []Middleware) func(StepContext) error {
	call := callAttempt
	for i := len(mws) - 1; i >= 0; i-- {
		mw, next := mws[i], call
		if mw.Step != nil {
			call = func(sc StepContext) error { return mw.Step(sc, next) }
		}
	}
	return call
}

// callAttempt is the innermost call of the step middleware: the attempt's
// own function.
func callAttempt(sc StepContext) error {
	c := sc.call
	if c == nil {
		return errors.New("wf: a step middleware called next with a StepContext not derived from its own (use WithContext)")
	}
	raw, err := c.fn(sc)
	c.raw = raw
	return err
}

func goexitError(id string) error {
	return fmt.Errorf("wf: step %q: its function exited without returning (runtime.Goexit)", id)
}

// truncate returns b as a string cut to at most n bytes, on a rune
// boundary, with "…" appended when cut.
func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return string(b[:n]) + "…"
}
