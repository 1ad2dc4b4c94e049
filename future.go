package wf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"time"
)

// Concurrent steps (Go) are matched by operation ID, not by position: a
// step started with Go records its outcome when it ends, which may be
// after operations the handler reached later, and replay takes it from
// wherever it sits when the code reaches the Go call (see replay.go). Its
// events are consumed then, so the in-order check of later operations
// never sees them, and a recorded concurrent step the code no longer
// starts is left unconsumed, which unreached reports when the handler
// returns.

// Future is the result of an operation started without waiting for it: a
// step started with Go, or a child run started with StartChild. Get waits
// for it. Like the Context it came from, a Future is used from the
// handler's goroutine only.
type Future[T any] struct {
	op *op
}

// Awaitable is what All waits for: any *Future.
type Awaitable interface {
	future() *op
}

func (f *Future[T]) future() *op {
	if f == nil {
		return nil
	}
	return f.op
}

// ID returns the operation's ID.
func (f *Future[T]) ID() StepID {
	if f == nil || f.op == nil {
		return ""
	}
	return StepID(f.op.id)
}

// Get waits for the operation and returns its result, the same live and
// on replay.
//
// For a step (Go) it returns the step's result or, when its attempts are
// exhausted, a *StepError, as Step does. A step waiting on a durable
// retry backoff pauses the run until the backoff is due.
//
// For a child run (StartChild) it returns the child's output decoded into
// T, or a *ChildError when the child errored, was canceled or aborted; a
// *StepError when the runtime refused to start it (unknown workflow or
// version, invalid input). When the child has not ended, the run pauses
// (holding no process) and resumes when it does. A detached child's Get
// returns at once with the zero value once the child is started.
func (f *Future[T]) Get() (T, error) {
	var zero T
	if f == nil || f.op == nil {
		return zero, errors.New("wf: Get on a nil Future")
	}
	o := f.op
	raw, err := o.get()
	if err != nil {
		return zero, err
	}
	var v T
	if len(raw) > 0 {
		if derr := json.Unmarshal(raw, &v); derr != nil {
			switch o.kind {
			case opChild:
				return zero, &ValidationError{Subject: "output of child run " + o.childRunID,
					Issues: []ValidationIssue{{Message: fmt.Sprintf("does not decode into %T: %v", v, derr)}}}
			case opSignal:
				return zero, &ValidationError{Subject: "signal " + o.awaited.Name,
					Issues: []ValidationIssue{{Message: fmt.Sprintf("payload does not decode into %T: %v", v, derr)}}}
			}
			o.e.undecodable(o.id, "Go", StepFinished, fmt.Errorf("recorded result %s does not decode into %T: %w", truncate(raw, 80), v, derr))
		}
	}
	return v, nil
}

// All waits for every future and returns the first error among them in
// argument order (not in the order they ended), so that the result is the
// same on replay. Steps are waited for first: a run that must pause for a
// child or a retry backoff pauses once its running steps have ended, and
// awaits all of its outstanding waits at once.
func All(ctx *Context, fs ...Awaitable) error {
	ops := make([]*op, 0, len(fs))
	for i, f := range fs {
		o := f.future()
		if o == nil {
			return fmt.Errorf("wf: All: future %d is nil", i)
		}
		ops = append(ops, o)
	}
	return ctx.e.all(ops)
}

func (e *execution) all(ops []*op) error {
	for _, o := range ops {
		if o.kind == opStep {
			o.wait()
		}
	}
	var first error
	for _, o := range ops {
		if _, err := o.get(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

type opKind uint8

const (
	opStep opKind = iota
	opChild
	opTimer
	opSignal
)

// op is the untyped state of a Future.
type op struct {
	e     *execution
	id    string
	kind  opKind
	group *Group
	// done is closed when a step's goroutine has ended (at once for a step
	// replayed from the log, and for children).
	done chan struct{}
	// settled: raw and err hold the outcome.
	settled bool
	raw     json.RawMessage
	err     error
	// await is set while the operation waits for something outside the
	// run: a step's durable retry backoff, a child's end.
	await *Await

	childRunID string
	workflowID string
	// resolved is a child's recorded SIGNAL_RESOLVED.
	resolved *Event
	// start runs a step's goroutine (see schedule).
	start func()
	// at is the log index of the event that resolved the operation (its
	// outcome); -1 while unresolved. A step's goroutine sets it under
	// e.mu. AwaitAny picks the lowest.
	at int
	// awaited is a timer's SIGNAL_AWAITED.
	awaited Event
}

func (e *execution) newOp(id string, kind opKind) *op {
	o := &op{e: e, id: id, kind: kind, at: -1, done: closed}
	e.futures = append(e.futures, o)
	return o
}

// closed is the done channel of operations that run no goroutine.
var closed = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

func (o *op) settle(raw json.RawMessage, err error) {
	o.settled, o.raw, o.err = true, raw, err
}

// wait blocks until a step's goroutine ends, or aborts when the
// invocation is abandoned.
func (o *op) wait() {
	select {
	case <-o.done:
		return
	default:
	}
	select {
	case <-o.done:
	case <-o.e.ctx.Done():
		o.e.abortCtx()
	}
}

// get returns the operation's outcome, pausing the run when it waits for
// something outside it.
func (o *op) get() (json.RawMessage, error) {
	e := o.e
	if e.ended {
		runtime.Goexit()
	}
	switch o.kind {
	case opChild:
		return e.childGet(o)
	case opTimer:
		if !e.timerResolve(o) {
			e.pause(*o.await)
		}
		return nil, nil
	case opSignal:
		if !e.signalResolve(o) {
			e.pause(*o.await)
		}
		return o.raw, o.err
	}
	o.wait()
	if o.await != nil {
		e.pause(*o.await)
	}
	return o.raw, o.err
}

// Go starts fn as a step that runs concurrently with the handler and with
// other steps started by Go, and returns its Future at once. The step is
// what Step runs (options, retries, timeouts, middleware, one recorded
// outcome per run); its outcome is made durable on its own as soon as it
// ends, in a write that steps ending together share.
//
// Replay: the step is reached at its Go call, in program order, but its
// outcome is matched by ID wherever the log holds it, so the order in which
// concurrent steps ended does not matter. A recorded step is not run again;
// one without a recorded outcome (it was running when the invocation
// stopped) runs afresh. A recorded concurrent step that the code no longer
// starts is a divergence when the handler returns.
//
// At most MaxConcurrency steps of a run (and GroupLimit of a Group) run at
// once; the others wait and start in call order as running ones end. When
// the handler returns, every step it started runs and records its outcome
// before the run ends, awaited or not (except one left waiting on a
// durable retry backoff). When the invocation stops earlier
// (the run pauses or yields), running steps finish first and their
// outcomes are recorded; steps still waiting for a slot do not start, and
// the next invocation starts them when its replay reaches their Go calls.
// A run that fails (a divergence, a misuse) starts none of them.
//
// Retries: attempts are retried in the step's goroutine as for Step. A
// backoff that would outlive the invocation's budget is recorded as a
// durable timer instead, and the step's Get (or All, or Group.Wait)
// pauses the run until it is due; the next invocation resumes the step's
// attempts.
//
// InGroup puts the step in a Group; WithLocal has no effect on Go (each
// outcome is written as it ends). The function gets a real
// context.Context, canceled when the attempt times out, the invocation is
// abandoned, or its group is canceled.
func Go[T any](ctx *Context, id StepID, fn func(sc StepContext) (T, error), opts ...StepOption) *Future[T] {
	e := ctx.e
	if fn == nil {
		e.failNow(fmt.Errorf("wf: Go %q: fn is nil", id), CodeError)
	}
	o := e.goStep(string(id), func(sc StepContext) (json.RawMessage, error) {
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
	return &Future[T]{op: o}
}

func (e *execution) goStep(id string, fn func(StepContext) (json.RawMessage, error), opts []StepOption) *op {
	const what = "Go"
	e.concurrent()
	cfg, policy := e.stepConfig(id, opts)
	g := cfg.group
	if g != nil && g.e != e {
		e.failNow(fmt.Errorf("wf: Go %q: its group belongs to another run", id), CodeError)
	}
	e.reach(id, what)
	o := e.newOp(id, opStep)
	o.group, o.done = g, make(chan struct{})
	if g != nil {
		g.members = append(g.members, o)
	}
	attempt, backoff := e.resumeConcurrentRetries(id)
	if evs := e.consume(id, what, StepFinished, StepFailed); len(evs) > 0 {
		ev := evs[len(evs)-1]
		o.at = e.recordedIndex(id)
		if ev.Type == StepFailed {
			o.settle(nil, &StepError{StepID: StepID(id), Attempts: max(ev.Attempts, 1), Cause: ev.Error})
			if g != nil && (ev.Error == nil || ev.Error.Name != "GroupCanceledError") {
				g.failed(id)
			}
		} else {
			o.settle(ev.Result, nil)
		}
		close(o.done)
		return o
	}
	if backoff != nil {
		o.await = backoff
		close(o.done)
		return o
	}
	e.beginFresh()
	if cause := g.canceledBy(); cause != nil {
		// The group was canceled before this step started: it fails
		// without running, and records so.
		ev, at := e.recordAt(Event{Type: StepFailed, StepID: id, Error: NewErrorInfo(cause), Attempts: attemptsField(attempt - 1), Meta: cfg.meta})
		o.at = at
		o.settle(nil, &StepError{StepID: StepID(id), Attempts: max(attempt-1, 1), Cause: ev.Error})
		close(o.done)
		return o
	}
	// What was recorded before the step is durable before it runs.
	e.flush()
	e.schedule(o, func() { e.runStep(o, attempt, cfg, policy, fn) })
	return o
}

// resumeConcurrentRetries finds the attempt a concurrent step resumes at
// after durable backoffs, matching them by ID: 1 when there were none. It
// returns the wait when the latest backoff is not due yet.
func (e *execution) resumeConcurrentRetries(id string) (int, *Await) {
	attempt := 1
	for next := 2; ; next++ {
		wid := e.marks.retryWaitID(id, next)
		if len(e.byStep[wid]) == 0 {
			return attempt, nil
		}
		e.reach(wid, "Go retry")
		evs := e.consume(wid, "Go retry", SignalAwaited, SignalResolved)
		if len(evs) < 2 {
			if !e.timerDue(wid, evs[0]) {
				return next, &Await{StepID: wid, Kind: AwaitTimer, Name: TimerSignal, Deadline: evs[0].Deadline}
			}
		}
		attempt = next
	}
}

// timerDue records the resolution of a recorded timer wait that a
// delivery or its deadline resolves now, and reports whether it did.
func (e *execution) timerDue(id string, awaited Event) bool {
	if d, ok := e.deliveries[id]; ok {
		e.record(Event{Type: SignalResolved, StepID: id, Name: TimerSignal, SignalID: d.SignalID, Meta: d.Meta})
		return true
	}
	if awaited.Deadline != nil && !e.now().Before(*awaited.Deadline) {
		e.record(Event{Type: SignalResolved, StepID: id, Name: TimerSignal, SignalID: TimerSignal + ":" + id})
		return true
	}
	return false
}

// runStep runs a concurrent step's attempts in its own goroutine and
// records its outcome.
func (e *execution) runStep(o *op, attempt int, cfg stepConfig, policy RetryPolicy, fn func(StepContext) (json.RawMessage, error)) {
	defer e.ops.Done()
	defer e.stepEnded(o)
	defer close(o.done)
	parent := e.ctx
	if o.group != nil {
		parent = o.group.ctx
	}
	fail := func(err error, attempts int) {
		ev := Event{Type: StepFailed, StepID: o.id, Error: NewErrorInfo(err), Attempts: attemptsField(attempts), Meta: cfg.meta}
		e.fit(&ev) // a failure is shortened to fit, never refused
		if !e.commitOp(ev, o) {
			o.settle(nil, errNotStarted)
			return
		}
		o.settle(nil, &StepError{StepID: StepID(o.id), Attempts: max(attempts, 1), Cause: ev.Error})
		if o.group != nil {
			o.group.failed(o.id)
		}
	}
	for ; ; attempt++ {
		if parent.Err() != nil {
			if e.ctx.Err() != nil {
				o.settle(nil, errNotStarted)
				return
			}
			fail(context.Cause(parent), attempt-1)
			return
		}
		raw, err := e.attempt(parent, o.id, attempt, cfg, false, fn)
		if e.ctx.Err() != nil {
			o.settle(nil, errNotStarted)
			return
		}
		var tooLarge *PayloadTooLargeError
		if err == nil {
			ev := Event{Type: StepFinished, StepID: o.id, Result: raw, Attempts: attemptsField(attempt), Meta: cfg.meta}
			if tooLarge = e.oversize(&ev); tooLarge == nil {
				if e.commitOp(ev, o) {
					o.settle(raw, nil)
				} else {
					o.settle(nil, errNotStarted)
				}
				return
			}
			err = tooLarge
		}
		if parent.Err() != nil && e.ctx.Err() == nil {
			// Canceled by its group: the recorded failure names the
			// member that failed, whatever the function returned.
			fail(context.Cause(parent), attempt)
			return
		}
		retry := tooLarge == nil && policy.retries(err, attempt)
		if !retry {
			fail(err, attempt)
			return
		}
		wait := policy.delay(attempt + 1)
		if e.backoffOutlivesBudget(wait) {
			wid := e.marks.retryWaitID(o.id, attempt+1)
			deadline := e.now().Add(wait)
			ev := Event{Type: SignalAwaited, StepID: wid, Name: TimerSignal, Deadline: &deadline,
				Meta: map[string]string{"error": truncate([]byte(err.Error()), errorBudget), "attempt": fmt.Sprint(attempt)}}
			if e.commitOp(ev, nil) {
				o.await = &Await{StepID: wid, Kind: AwaitTimer, Name: TimerSignal, Deadline: &deadline}
			} else {
				o.settle(nil, errNotStarted)
			}
			return
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-parent.Done():
				t.Stop()
			}
		}
	}
}

// errNotStarted is the outcome of a concurrent step the invocation
// stopped before it ran or recorded anything: no code sees it, since the
// handler's goroutine has ended by then.
var errNotStarted = errors.New("wf: the invocation stopped before the step ended")

// commitOp records a concurrent step's event and makes it durable; false
// when the invocation is being abandoned. An outcome (o set) notes its
// log index in o.at and wakes AwaitAny.
func (e *execution) commitOp(ev Event, o *op) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.abortErr != nil || e.ctx.Err() != nil {
		return false
	}
	e.fresh = append(e.fresh, ev)
	e.next++
	if o != nil {
		o.at = e.next - 1
		select {
		case e.wake <- struct{}{}:
		default:
		}
	}
	e.publish(ev)
	return e.durableLocked(e.next) == nil
}

// schedule starts a concurrent step now when the run's bound and its
// group's allow it, or queues it: queued steps start in call order as
// running ones end.
func (e *execution) schedule(o *op, start func()) {
	o.start = start
	e.sched.Lock()
	defer e.sched.Unlock()
	if e.stopped || !e.canStart(o) {
		e.queue = append(e.queue, o)
		return
	}
	e.begin(o)
}

// canStart reports whether o's bounds have a free slot; e.sched is held.
func (e *execution) canStart(o *op) bool {
	if n := e.def.concurrency; n > 0 && e.running >= n {
		return false
	}
	g := o.group
	return g == nil || g.limit <= 0 || g.running < g.limit
}

// begin takes o's slots and starts its goroutine; e.sched is held.
func (e *execution) begin(o *op) {
	e.running++
	if o.group != nil {
		o.group.running++
	}
	e.ops.Add(1)
	go o.start()
}

// stepEnded frees a step's slots and starts the queued steps that fit, in
// call order, unless the invocation is stopping.
func (e *execution) stepEnded(o *op) {
	e.sched.Lock()
	defer e.sched.Unlock()
	e.running--
	if o.group != nil {
		o.group.running--
	}
	if e.stopped {
		return
	}
	rest := e.queue[:0]
	for _, q := range e.queue {
		if e.canStart(q) {
			e.begin(q)
		} else {
			rest = append(rest, q)
		}
	}
	e.queue = rest
}

// settle lets the concurrent steps still running end and record their
// outcomes; those waiting for a slot do not start.
func (e *execution) settle() {
	e.stopQueued()
	e.ops.Wait()
}

// stopQueued keeps queued steps from starting.
func (e *execution) stopQueued() {
	e.sched.Lock()
	e.stopped = true
	e.sched.Unlock()
}

// awaiting returns the waits of a pausing run: those given (what the
// handler blocked on) first, then every other outstanding wait of a
// concurrent operation (a step's durable backoff, a child not yet
// resolved), in call order. Called once the steps have settled.
func (e *execution) awaiting(first []Await) []Await {
	out := first
	seen := map[string]bool{}
	for _, a := range first {
		seen[a.StepID] = true
	}
	for _, o := range e.futures {
		if o.await != nil && !o.settled && !seen[o.await.StepID] {
			seen[o.await.StepID] = true
			out = append(out, *o.await)
		}
	}
	return out
}

// Group gathers steps started with Go: it can bound how many of them run
// at once (GroupLimit) and cancel the others when one fails
// (CancelOnFailure). Make one with NewGroup and pass InGroup(g) to Go.
type Group struct {
	e               *execution
	limit           int
	running         int // guarded by e.sched
	cancelOnFailure bool
	ctx             context.Context
	cancel          context.CancelCauseFunc
	members         []*op
}

// GroupOption configures a Group.
type GroupOption func(*groupConfig)

type groupConfig struct {
	limit           int
	cancelOnFailure bool
}

// GroupLimit bounds how many of the group's steps run at once (within the
// run's MaxConcurrency); n <= 0 leaves them unbounded.
func GroupLimit(n int) GroupOption { return func(c *groupConfig) { c.limit = n } }

// CancelOnFailure makes the first failure of a member cancel the others:
// running members' contexts are canceled and members not yet started do
// not run; each records a failure whose cause is a *GroupCanceledError
// naming the member that failed. The failure of a member is the one its
// attempts ended with (after its retries). Without it (the default) the
// members run on regardless.
func CancelOnFailure() GroupOption { return func(c *groupConfig) { c.cancelOnFailure = true } }

// NewGroup makes a Group of the run. It records nothing: a group is a
// setting of the steps started in it.
func NewGroup(ctx *Context, opts ...GroupOption) *Group {
	var c groupConfig
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	ctx.e.concurrent()
	g := &Group{e: ctx.e, limit: c.limit, cancelOnFailure: c.cancelOnFailure}
	g.ctx, g.cancel = context.WithCancelCause(ctx.e.ctx)
	return g
}

// InGroup starts a step (Go) in g.
func InGroup(g *Group) StepOption { return func(c *stepConfig) { c.group = g } }

// Wait waits for every member started so far and returns the first
// member's error in the order they were started (nil when all
// succeeded), as All does.
func (g *Group) Wait() error {
	if g == nil {
		return errors.New("wf: Wait on a nil Group")
	}
	return g.e.all(g.members)
}

// failed notes a member's failure: with CancelOnFailure, it cancels the
// others (the first cause wins).
func (g *Group) failed(id string) {
	if g != nil && g.cancelOnFailure {
		g.cancel(&GroupCanceledError{Failed: StepID(id)})
	}
}

// canceledBy returns why the group was canceled, nil when it was not.
func (g *Group) canceledBy() error {
	if g == nil || g.ctx.Err() == nil || g.e.ctx.Err() != nil {
		return nil
	}
	return context.Cause(g.ctx)
}

// GroupCanceledError is the cause of the recorded failure of a group's
// step that was canceled, or never started, because another member
// (Failed) failed first (CancelOnFailure).
type GroupCanceledError struct {
	Failed StepID
}

func (e *GroupCanceledError) Error() string {
	return fmt.Sprintf("canceled: step %q of its group failed", e.Failed)
}
