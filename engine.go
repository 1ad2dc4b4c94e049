package wf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/wfgo/wf/internal/uuid"
)

// Journal makes events durable in the middle of an invocation: before a
// step's function runs, everything recorded before it (the previous step's
// checkpoint, recorded times and UUIDs, consumed deliveries) is appended in
// one write; what is recorded last travels with the invocation's final
// commit (Outcome.Pending). So a step costs one write, and its result is
// durable before any later side effect. A local step (WithLocal) skips its
// own write: its result rides on the next one (see the package doc). The
// runtime implements Journal over a store; Append must return an error
// wrapping ErrConflict when another writer already used index next.
//
// Steps started with Go append their own outcomes as they end, from their
// goroutines: the engine never calls Append twice at once, and calls it
// in index order.
type Journal interface {
	Append(ctx context.Context, next int, events []Event) error
}

// Invocation is one drive of a run: what the runtime loaded and the budget
// it grants. It is the engine's seam for the runtime; workflow authors never
// build one.
type Invocation struct {
	RunID string
	// Input is the run's raw JSON input.
	Input json.RawMessage
	// Log is the run's durable log so far, index 0 first.
	Log []Event
	// Deliveries are stored resolutions of waits (signals, approvals,
	// timers); those already consumed into Log are ignored. One with a
	// StepID resolves that wait; one without (a signal kept by name before
	// the run awaited it) resolves the next WaitForEvent of its name that
	// no delivery targets, in the order given here (oldest first). A
	// wait's own deadline timer yields to such a signal.
	Deliveries []Delivery
	// Journal receives step checkpoints. Required unless ReplayOnly.
	Journal Journal
	// Clock reads the time. Defaults to time.Now. Steps started with Go
	// call it from their goroutines, so it must be safe for concurrent
	// use.
	Clock func() time.Time
	// NewUUID makes UUIDs for the UUID primitive. Defaults to random v4.
	NewUUID func() string
	// Deadline is the host's budget for this invocation; zero for none.
	Deadline time.Time
	// MinYieldRemaining: before fresh durable work, the run yields when less
	// than this remains before Deadline. Defaults to 0 (never).
	MinYieldRemaining time.Duration
	// Publish receives live events (and durable ones as they are recorded).
	// It must not block; its panics are recovered and logged. Calls are
	// serialized, but may come from the goroutines of steps started with
	// Go.
	Publish func(Event)
	// Logger defaults to a logger that discards.
	Logger *slog.Logger
	// Middleware wraps the definition's own middleware, outermost first:
	// the runtime's telemetry goes here.
	Middleware []Middleware
	// ReplayOnly checks the code against Log without doing anything: the
	// handler replays the recorded events and the invocation stops at the
	// first fresh durable call (a step function to run, an event to
	// record) with OutcomeReplayed, or ends with OutcomeErrored and
	// Outcome.Divergence when the code diverges from the log. No step
	// function runs, nothing is appended or published, and a log that ends
	// the run is replayed too. Defaults to false.
	ReplayOnly bool
	// MaxEventSize is the store's limit on one stored event, in bytes of
	// its encoding (EncodeEvent); 0 for none. No event over it reaches
	// the Journal or Outcome.Pending: a step whose result is over it
	// fails, a failure's error text is shortened, and any other event
	// ends the run with code payload_too_large (see PayloadTooLargeError).
	MaxEventSize int
}

// OutcomeStatus is how an invocation ended.
type OutcomeStatus string

const (
	// OutcomeFinished: the handler returned an output (RUN_FINISHED).
	OutcomeFinished OutcomeStatus = "finished"
	// OutcomeErrored: the run failed (RUN_ERRORED).
	OutcomeErrored OutcomeStatus = "errored"
	// OutcomePaused: the run waits for Awaiting.
	OutcomePaused OutcomeStatus = "paused"
	// OutcomeYielded: the run stopped cooperatively and should be driven
	// again soon.
	OutcomeYielded OutcomeStatus = "yielded"
	// OutcomeReplayed: a ReplayOnly invocation replayed the log without
	// divergence and stopped at the first fresh durable call.
	OutcomeReplayed OutcomeStatus = "replayed"
)

// Outcome is what an invocation leaves for the runtime to commit.
type Outcome struct {
	Status OutcomeStatus
	// Output is set when Finished.
	Output json.RawMessage
	// Error is set when Errored; Error.Code classifies it.
	Error *ErrorInfo
	// Divergence is set when the run ended because the code no longer
	// matches its log (Error.Code is CodeNondeterminism): which recorded
	// operation the log expected and which one the code reached.
	Divergence *NondeterminismError
	// Awaiting is set when Paused.
	Awaiting []Await
	// Pending are events not yet durable; commit them at index Next with
	// the run's new state.
	Pending []Event
	Next    int
	// Appended are the events this invocation made durable via the Journal.
	Appended []Event
}

// Execute drives one invocation of the run: it replays inv.Log, does fresh
// work until the run pauses, yields, finishes or fails, and returns what to
// commit. The handler runs in its own goroutine; a pausing primitive ends
// that goroutine. Execute returns an error only when the invocation must be
// abandoned without committing: the Journal failed (ErrConflict: another
// driver got ahead) or ctx was canceled (a lost lease).
//
// Replay consumes the log in order: code that reaches recorded operations
// in another order than the log, skips one, or reaches a new one before
// recorded ones ends the run with CodeNondeterminism before it runs
// anything; operations reached after every recorded one are fresh work.
func (d *Definition) Execute(ctx context.Context, inv Invocation) (Outcome, error) {
	if d == nil || d.err != nil {
		err := errors.New("wf: nil definition")
		if d != nil {
			err = d.err
		}
		return Outcome{}, err
	}
	if inv.Journal == nil && !inv.ReplayOnly {
		return Outcome{}, errors.New("wf: Invocation.Journal is nil")
	}
	if len(inv.Middleware) > 0 {
		withOuter := *d
		withOuter.middleware = append(append([]Middleware(nil), inv.Middleware...), d.middleware...)
		d = &withOuter
	}
	e := newExecution(ctx, d, inv)
	defer e.cancelCtx(nil)
	if term, ok := e.terminalInLog(); ok && !inv.ReplayOnly {
		return term, nil
	}
	if len(inv.Log) == 0 {
		e.publish(Event{Type: RunStarted, RunID: inv.RunID})
	}
	done := make(chan struct{})
	go e.runHandler(done)
	if !e.waitHandler(ctx, done) {
		return Outcome{}, e.abortError()
	}
	// An aborted invocation did not settle its concurrent steps: stop
	// them, and let none write after Execute returns.
	e.stopQueued()
	if err := e.abortError(); err != nil {
		e.cancelCtx(err)
	}
	e.ops.Wait()
	if err := e.abortError(); err != nil {
		return Outcome{}, err
	}
	out := e.outcome
	if e.written < len(e.fresh) {
		out.Pending = e.fresh[e.written:len(e.fresh):len(e.fresh)]
	}
	out.Next = e.next - len(out.Pending)
	if e.written > 0 {
		out.Appended = e.fresh[:e.written:e.written]
	}
	return out, nil
}

type execution struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	def    *Definition
	inv    Invocation
	// logger is the invocation's, with the run's attributes: built when
	// first used (see log), as most invocations log nothing.
	logger     *slog.Logger
	loggerOnce sync.Once

	byStep     map[string][]int // operation ID → indexes into inv.Log
	deliveries map[string]Delivery
	byName     []Delivery // unconsumed deliveries by name, oldest first
	reached    map[string]bool
	counters   map[string]int
	consumed   []bool // per log index: matched by a reached operation
	cursor     int    // no log event before it is unconsumed
	marks      markers

	// mu guards what concurrent steps (Go) share with the handler's
	// goroutine: next, fresh, written, local, flushing and abortErr.
	// flushed is signaled when a Journal write ends.
	mu       sync.Mutex
	pubMu    sync.Mutex // serializes Publish: concurrent steps publish too
	flushed  sync.Cond  // its L is &mu
	flushing bool       // a Journal write is under way, outside mu
	next     int        // next log index
	// fresh holds the events this invocation recorded, in log order: the
	// first written of them went through the Journal, the rest are
	// pending. One slice, so that a step's checkpoint costs no allocation
	// of its own; a batch handed to the Journal is never written over.
	fresh   []Event
	written int
	local   localState // what the pending events hold (see local.go)

	scratch   stepConfig // see stepConfig
	stepChain func(StepContext) error

	// inline is set while a step's function runs on the handler's
	// goroutine; abandoned once Execute's context ended; orphaned when
	// Execute returned without waiting for that function (waitHandler).
	inline, abandoned, orphaned bool

	// Concurrent operations (Go, StartChild) reached in this execution,
	// in call order, and the goroutines of their steps.
	futures []*op
	ops     sync.WaitGroup
	wake    chan struct{} // signaled when a concurrent step records its outcome
	// sched guards running, queue and stopped: the steps holding a slot
	// of the run's bound, those waiting for one, and whether queued
	// steps may still start.
	sched   sync.Mutex
	running int
	queue   []*op
	stopped bool

	values   map[any]any
	ended    bool
	outcome  Outcome
	abortErr error
}

func newExecution(ctx context.Context, d *Definition, inv Invocation) *execution {
	if inv.Clock == nil {
		inv.Clock = time.Now
	}
	if inv.NewUUID == nil {
		inv.NewUUID = uuid.New
	}
	if inv.ReplayOnly {
		inv.Publish = nil
	}
	e := &execution{
		ctx:        ctx,
		def:        d,
		inv:        inv,
		byStep:     map[string][]int{},
		deliveries: map[string]Delivery{},
		reached:    map[string]bool{},
		counters:   map[string]int{},
		consumed:   make([]bool, len(inv.Log)),
		next:       len(inv.Log),
		stepChain:  stepChain(d.middleware),
	}
	e.flushed.L = &e.mu
	e.marks = readMarkers(inv.Log)
	resolved := map[string]bool{} // signal IDs the log has consumed
	for i, ev := range inv.Log {
		if ev.Type == SignalResolved && ev.SignalID != "" {
			resolved[ev.SignalID] = true
		}
		if e.marks.hidden[i] {
			e.consumed[i] = true // replay never reaches it (see markers)
			continue
		}
		if ev.StepID != "" {
			e.byStep[ev.StepID] = append(e.byStep[ev.StepID], i)
		}
	}
	for _, dl := range inv.Deliveries {
		if dl.StepID == "" {
			if !resolved[dl.SignalID] {
				e.byName = append(e.byName, dl)
			}
			continue
		}
		if _, ok := e.deliveries[dl.StepID]; !ok {
			e.deliveries[dl.StepID] = dl
		}
	}
	return e
}

// terminalInLog returns the recorded outcome of a run that already ended.
func (e *execution) terminalInLog() (Outcome, bool) {
	n := len(e.inv.Log)
	if n == 0 || !e.inv.Log[n-1].Type.Terminal() {
		return Outcome{}, false
	}
	last := e.inv.Log[n-1]
	if last.Type == RunFinished {
		return Outcome{Status: OutcomeFinished, Output: last.Output, Next: n}, true
	}
	info := last.Error
	if info == nil {
		info = &ErrorInfo{Name: "Error", Message: "run errored"}
	}
	info.Code = last.Code
	return Outcome{Status: OutcomeErrored, Error: info, Next: n}, true
}

func (e *execution) runHandler(done chan<- struct{}) {
	defer close(done)
	returned := false
	defer func() {
		if returned || e.ended {
			return
		}
		if r := recover(); r != nil {
			e.fail(&PanicError{Value: r, Stack: string(debug.Stack())}, CodeError)
			return
		}
		// The goroutine ended by runtime.Goexit outside the engine (user
		// code called it, e.g. via testing.T.FailNow).
		e.fail(errors.New("wf: workflow goroutine exited without returning (runtime.Goexit in user code)"), CodeError)
	}()
	c := &Context{e: e}
	var out json.RawMessage
	var err error
	call := func() error {
		out, err = e.def.handler(c, e.inv.Input)
		return err
	}
	for i := len(e.def.middleware) - 1; i >= 0; i-- {
		mw, next := e.def.middleware[i], call
		if mw.Run != nil {
			call = func() error { return mw.Run(c, next) }
		}
	}
	mwErr := call()
	returned = true
	if mwErr != nil && err == nil {
		err = mwErr
	}
	e.finish(out, err)
}

func (e *execution) finish(out json.RawMessage, err error) {
	if d := e.unreached(); d != nil {
		e.fail(d, CodeNondeterminism)
		return
	}
	// Steps started with Go run even when the handler never waited for
	// them: those still queued start now, and the run ends once all have.
	for _, o := range e.futures {
		if o.kind == opStep {
			o.wait()
		}
	}
	if err != nil {
		code := CodeError
		var ve *ValidationError
		var vm *VersionMismatchError
		var tl *PayloadTooLargeError
		switch {
		case errors.As(err, &ve):
			code = CodeValidation
		case errors.As(err, &vm):
			code = CodeVersionMismatch
		case errors.As(err, &tl):
			code = CodePayloadTooLarge
		}
		e.fail(err, code)
		return
	}
	if e.def.validateOutput != nil {
		if verr := e.def.validateOutput(out); verr != nil {
			e.fail(verr, CodeValidation)
			return
		}
	}
	e.end(Event{Type: RunFinished, RunID: e.inv.RunID, Output: out}, Outcome{Status: OutcomeFinished, Output: out})
}

// fail records RUN_ERRORED and ends the run. Called from the handler's
// goroutine or its deferred recovery.
func (e *execution) fail(err error, code ErrorCode) {
	info := NewErrorInfo(err)
	info.Code = code
	out := Outcome{Status: OutcomeErrored, Error: info}
	if code == CodeNondeterminism {
		errors.As(err, &out.Divergence)
	}
	e.end(Event{Type: RunErrored, RunID: e.inv.RunID, Error: info, Code: code}, out)
}

// end records the run's terminal event, except when replaying only, and
// ends it.
func (e *execution) end(terminal Event, out Outcome) {
	e.settle()
	if !e.inv.ReplayOnly {
		e.record(terminal)
	}
	e.ended = true
	e.outcome = out
}

// stop ends the handler's goroutine with the given outcome (a pause, a
// yield, or a run failure). It never returns. Concurrent steps still
// running finish first, their results recorded; a paused run then awaits
// every wait outstanding (see awaiting).
func (e *execution) stop(out Outcome) {
	e.settleAs(out)
	runtime.Goexit()
}

// settleAs ends the run's invocation with the given outcome, as stop
// does, without ending the goroutine: for a deferred call on a goroutine
// that runtime.Goexit is already ending.
func (e *execution) settleAs(out Outcome) {
	e.settle()
	if out.Status == OutcomePaused {
		out.Awaiting = e.awaiting(out.Awaiting)
	}
	e.ended = true
	e.outcome = out
}

// abort ends the invocation without an outcome: nothing more is committed.
func (e *execution) abort(err error) {
	e.ended = true
	e.mu.Lock()
	if e.abortErr == nil {
		e.abortErr = err
	}
	e.mu.Unlock()
	runtime.Goexit()
}

// discard is the logger of an invocation given none.
var discard = slog.New(slog.DiscardHandler)

// log returns the invocation's logger with the run's attributes.
func (e *execution) log() *slog.Logger {
	e.loggerOnce.Do(func() {
		logger := e.inv.Logger
		if logger == nil {
			logger = discard
		}
		e.logger = logger.With("workflow", e.def.id, "version", e.def.version, "run", e.inv.RunID)
	})
	return e.logger
}

// waitHandler waits for the handler's goroutine to end. When ctx ends
// first while a step's function runs on that goroutine and ignores its
// context, it stops waiting and reports false: the invocation is aborted
// (abortError says why) and the goroutine ends, writing nothing, once the
// function returns. No concurrent operation exists then (see attempt).
func (e *execution) waitHandler(ctx context.Context, done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	case <-ctx.Done():
	}
	e.mu.Lock()
	e.abandoned = true
	if e.inline {
		e.orphaned = true
		if e.abortErr == nil {
			e.abortErr = context.Cause(ctx)
		}
	}
	orphaned := e.orphaned
	e.mu.Unlock()
	if orphaned {
		return false
	}
	<-done
	return true
}

// enterInline marks a step's function as running on the handler's
// goroutine, or aborts when Execute's context has ended.
func (e *execution) enterInline() {
	e.mu.Lock()
	abandoned := e.abandoned
	e.inline = !abandoned
	e.mu.Unlock()
	if abandoned {
		e.abortCtx()
	}
}

// leaveInline ends enterInline; it reports whether Execute has returned
// meanwhile.
func (e *execution) leaveInline() (orphaned bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.inline = false
	return e.orphaned
}

// concurrent readies the execution for operations that run beside the
// handler's goroutine (Go, NewGroup): a context it can cancel when one of
// them must abandon the invocation. Called from the handler's goroutine
// before any such goroutine exists, so the swap of ctx is safe; runs
// without them pay nothing for it.
func (e *execution) concurrent() {
	if e.cancel == nil {
		e.ctx, e.cancel = context.WithCancelCause(e.ctx)
		e.wake = make(chan struct{}, 1)
	}
}

// cancelCtx cancels the execution's context, when it has its own.
func (e *execution) cancelCtx(cause error) {
	if e.cancel != nil {
		e.cancel(cause)
	}
}

// abortCtx aborts the invocation because its context ended: the lease was
// lost, the caller gave up, or a concurrent step's write failed.
func (e *execution) abortCtx() {
	err := e.abortError()
	if err == nil {
		err = context.Cause(e.ctx)
	}
	e.abort(err)
}

// abortError returns why the invocation was abandoned, if it was.
func (e *execution) abortError() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.abortErr
}

// failNow records RUN_ERRORED and ends the handler's goroutine.
func (e *execution) failNow(err error, code ErrorCode) {
	e.fail(err, code)
	runtime.Goexit()
}

func (e *execution) now() time.Time { return e.inv.Clock() }

func (e *execution) shouldYield(min time.Duration) bool {
	return !e.inv.Deadline.IsZero() && e.inv.Deadline.Sub(e.now()) < min
}

// beginFresh is called before a primitive does fresh durable work: a
// replay-only invocation stops there, and a run yields when its budget is
// nearly spent.
func (e *execution) beginFresh() {
	if e.inv.ReplayOnly {
		e.stop(Outcome{Status: OutcomeReplayed})
	}
	if e.inv.MinYieldRemaining > 0 && e.shouldYield(e.inv.MinYieldRemaining) {
		e.stop(Outcome{Status: OutcomeYielded})
	}
}

// record adds a durable event to the pending batch, publishes it and
// returns it as recorded. A replay-only invocation stops instead:
// recording is fresh work. An event over the store's limit is fitted
// first (see fit), which may end the run instead.
func (e *execution) record(ev Event) Event {
	ev, _ = e.recordAt(ev)
	return ev
}

// recordAt is record that also returns the event's log index.
func (e *execution) recordAt(ev Event) (Event, int) {
	if e.inv.ReplayOnly {
		e.stop(Outcome{Status: OutcomeReplayed})
	}
	e.fit(&ev)
	return ev, e.add(ev) - 1
}

// add adds an event that fits to the pending batch and publishes it; it
// returns the log index after it.
func (e *execution) add(ev Event) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.fresh = append(e.fresh, ev)
	e.next++
	e.publish(ev)
	return e.next
}

// flush makes the pending events durable through the Journal.
func (e *execution) flush() {
	e.mu.Lock()
	err := e.durableLocked(e.next)
	e.mu.Unlock()
	if err != nil {
		e.abort(err)
	}
}

// durableLocked makes the log durable up to index upTo, with e.mu held.
// One write is under way at a time, made outside e.mu; a caller that finds
// one waits for it, and the next write takes everything pending then, so
// that steps finishing together share a write.
func (e *execution) durableLocked(upTo int) error {
	for {
		for e.flushing {
			e.flushed.Wait()
		}
		if e.abortErr != nil {
			return e.abortErr
		}
		pending := len(e.fresh) - e.written
		at := e.next - pending
		if at >= upTo || pending == 0 {
			return nil
		}
		batch := e.fresh[e.written:len(e.fresh):len(e.fresh)]
		e.flushing = true
		e.mu.Unlock()
		err := e.inv.Journal.Append(e.ctx, at, batch)
		e.mu.Lock()
		e.flushing = false
		e.flushed.Broadcast()
		if err != nil {
			err = fmt.Errorf("wf: run %s: append at %d: %w", e.inv.RunID, at, err)
			if e.abortErr == nil {
				e.abortErr = err
			}
			e.cancelCtx(err)
			return err
		}
		e.written += len(batch)
		if e.written == len(e.fresh) {
			e.local = localState{}
		}
	}
}

func (e *execution) publish(ev Event) {
	if e.inv.Publish == nil {
		return
	}
	e.pubMu.Lock()
	defer e.pubMu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			e.log().Warn("wf: publisher panicked", "event", ev.Type, "panic", r)
		}
	}()
	if ev.Time.IsZero() {
		ev.Time = e.now()
	}
	e.inv.Publish(ev)
}

// pause ends the invocation waiting for a (and every other wait
// outstanding).
func (e *execution) pause(a Await) {
	e.stop(Outcome{Status: OutcomePaused, Awaiting: []Await{a}})
}
