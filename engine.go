package wf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/wfgo/wf/internal/uuid"
)

// Journal makes events durable in the middle of an invocation: before a
// step's function runs, everything recorded before it (the previous step's
// checkpoint, recorded times and UUIDs, consumed deliveries) is appended in
// one write; what is recorded last travels with the invocation's final
// commit (Outcome.Pending). So a step costs one write, and its result is
// durable before any later side effect. The runtime implements Journal over
// a store; Append must return an error wrapping ErrConflict when another
// writer already used index next.
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
	// Journal receives step checkpoints. Required.
	Journal Journal
	// Clock reads the time. Defaults to time.Now.
	Clock func() time.Time
	// NewUUID makes UUIDs for the UUID primitive. Defaults to random v4.
	NewUUID func() string
	// Deadline is the host's budget for this invocation; zero for none.
	Deadline time.Time
	// MinYieldRemaining: before fresh durable work, the run yields when less
	// than this remains before Deadline. Defaults to 0 (never).
	MinYieldRemaining time.Duration
	// Publish receives live events (and durable ones as they are recorded).
	// It must not block; its panics are recovered and logged.
	Publish func(Event)
	// Logger defaults to a logger that discards.
	Logger *slog.Logger
	// Middleware wraps the definition's own middleware, outermost first:
	// the runtime's telemetry goes here.
	Middleware []Middleware
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
)

// Outcome is what an invocation leaves for the runtime to commit.
type Outcome struct {
	Status OutcomeStatus
	// Output is set when Finished.
	Output json.RawMessage
	// Error is set when Errored; Error.Code classifies it.
	Error *ErrorInfo
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
func (d *Definition) Execute(ctx context.Context, inv Invocation) (Outcome, error) {
	if d == nil || d.err != nil {
		err := errors.New("wf: nil definition")
		if d != nil {
			err = d.err
		}
		return Outcome{}, err
	}
	if inv.Journal == nil {
		return Outcome{}, errors.New("wf: Invocation.Journal is nil")
	}
	if len(inv.Middleware) > 0 {
		withOuter := *d
		withOuter.middleware = append(append([]Middleware(nil), inv.Middleware...), d.middleware...)
		d = &withOuter
	}
	e := newExecution(ctx, d, inv)
	if term, ok := e.terminalInLog(); ok {
		return term, nil
	}
	if len(inv.Log) == 0 {
		e.publish(Event{Type: RunStarted, RunID: inv.RunID})
	}
	done := make(chan struct{})
	go e.runHandler(done)
	<-done
	if e.abortErr != nil {
		return Outcome{}, e.abortErr
	}
	out := e.outcome
	out.Pending = e.pending
	out.Next = e.next - len(e.pending)
	out.Appended = e.appended
	return out, nil
}

type execution struct {
	ctx    context.Context
	def    *Definition
	inv    Invocation
	logger *slog.Logger

	byStep     map[string][]int // operation ID → indexes into inv.Log
	deliveries map[string]Delivery
	byName     []Delivery // unconsumed deliveries by name, oldest first
	reached    map[string]bool
	counters   map[string]int
	matched    int // log events matched so far (replay progress)

	next     int // next log index
	pending  []Event
	appended []Event

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
	logger := inv.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := &execution{
		ctx:        ctx,
		def:        d,
		inv:        inv,
		logger:     logger.With("workflow", d.id, "version", d.version, "run", inv.RunID),
		byStep:     map[string][]int{},
		deliveries: map[string]Delivery{},
		reached:    map[string]bool{},
		counters:   map[string]int{},
		next:       len(inv.Log),
	}
	for i, ev := range inv.Log {
		if ev.StepID != "" {
			e.byStep[ev.StepID] = append(e.byStep[ev.StepID], i)
		}
	}
	consumed := map[string]bool{}
	for _, ev := range inv.Log {
		if ev.Type == SignalResolved && ev.SignalID != "" {
			consumed[ev.SignalID] = true
		}
	}
	for _, dl := range inv.Deliveries {
		if dl.StepID == "" {
			if !consumed[dl.SignalID] {
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
	if err != nil {
		code := CodeError
		var ve *ValidationError
		var vm *VersionMismatchError
		switch {
		case errors.As(err, &ve):
			code = CodeValidation
		case errors.As(err, &vm):
			code = CodeVersionMismatch
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
	e.record(Event{Type: RunFinished, RunID: e.inv.RunID, Output: out})
	e.ended = true
	e.outcome = Outcome{Status: OutcomeFinished, Output: out}
}

// fail records RUN_ERRORED and ends the run. Called from the handler's
// goroutine or its deferred recovery.
func (e *execution) fail(err error, code ErrorCode) {
	info := NewErrorInfo(err)
	info.Code = code
	e.record(Event{Type: RunErrored, RunID: e.inv.RunID, Error: info, Code: code})
	e.ended = true
	e.outcome = Outcome{Status: OutcomeErrored, Error: info}
}

// stop ends the handler's goroutine with the given outcome (a pause, a
// yield, or a run failure). It never returns.
func (e *execution) stop(out Outcome) {
	e.ended = true
	e.outcome = out
	runtime.Goexit()
}

// abort ends the invocation without an outcome: nothing more is committed.
func (e *execution) abort(err error) {
	e.ended = true
	e.abortErr = err
	runtime.Goexit()
}

// failNow records RUN_ERRORED and ends the handler's goroutine.
func (e *execution) failNow(err error, code ErrorCode) {
	e.fail(err, code)
	runtime.Goexit()
}

// enter marks an operation ID as reached and returns its recorded events.
// It ends the run on a duplicate ID or, via check, on nondeterminism.
func (e *execution) enter(id, what string, allowed ...EventType) []Event {
	if e.ended {
		runtime.Goexit()
	}
	if e.ctx.Err() != nil {
		e.abort(e.ctx.Err())
	}
	if id == "" {
		e.failNow(fmt.Errorf("wf: %s called with an empty operation ID", what), CodeError)
	}
	if e.reached[id] {
		e.failNow(fmt.Errorf("wf: operation ID %q reached twice in one execution (second call: %s); give each call its own ID, e.g. %q in a loop", id, what, id+"-2"), CodeError)
	}
	e.reached[id] = true
	idx := e.byStep[id]
	evs := make([]Event, 0, len(idx))
	for _, i := range idx {
		ev := e.inv.Log[i]
		ok := false
		for _, a := range allowed {
			if ev.Type == a {
				ok = true
				break
			}
		}
		if !ok {
			e.failNow(&NondeterminismError{StepID: id, Want: what, Recorded: ev.Type, Index: i}, CodeNondeterminism)
		}
		evs = append(evs, ev)
	}
	e.matched += len(evs)
	return evs
}

// positional returns the next generated ID of a kind: "__now-0", …
func (e *execution) positional(kind string) string {
	n := e.counters[kind]
	e.counters[kind] = n + 1
	return fmt.Sprintf("__%s-%d", kind, n)
}

func (e *execution) replaying() bool { return e.matched < len(e.inv.Log) }

func (e *execution) now() time.Time { return e.inv.Clock() }

func (e *execution) shouldYield(min time.Duration) bool {
	return !e.inv.Deadline.IsZero() && e.inv.Deadline.Sub(e.now()) < min
}

// maybeYield yields before fresh durable work when the budget is nearly spent.
func (e *execution) maybeYield() {
	if e.inv.MinYieldRemaining > 0 && e.shouldYield(e.inv.MinYieldRemaining) {
		e.stop(Outcome{Status: OutcomeYielded})
	}
}

// record adds a durable event to the pending batch and publishes it.
func (e *execution) record(ev Event) {
	if ev.Time.IsZero() {
		ev.Time = e.now()
	}
	e.pending = append(e.pending, ev)
	e.next++
	e.publish(ev)
}

// flush makes the pending events durable through the Journal.
func (e *execution) flush() {
	if len(e.pending) == 0 {
		return
	}
	at := e.next - len(e.pending)
	if err := e.inv.Journal.Append(e.ctx, at, e.pending); err != nil {
		e.abort(fmt.Errorf("wf: run %s: append at %d: %w", e.inv.RunID, at, err))
	}
	e.appended = append(e.appended, e.pending...)
	e.pending = nil
}

func (e *execution) publish(ev Event) {
	if e.inv.Publish == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			e.logger.Warn("wf: publisher panicked", "event", ev.Type, "panic", r)
		}
	}()
	if ev.Time.IsZero() {
		ev.Time = e.now()
	}
	e.inv.Publish(ev)
}

// pause ends the invocation waiting for a.
func (e *execution) pause(a Await) {
	e.stop(Outcome{Status: OutcomePaused, Awaiting: []Await{a}})
}
