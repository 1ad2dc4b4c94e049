package wf

import (
	"context"
	"log/slog"
	"time"
)

// Context is a run's handle inside a workflow body. It deliberately does not
// implement context.Context: I/O belongs in steps, and a step gets a real
// context.Context. A Context must only be used from the goroutine that runs
// the handler.
type Context struct {
	e *execution
}

// RunID returns the run's ID.
func (c *Context) RunID() string { return c.e.inv.RunID }

// WorkflowID returns the workflow's ID.
func (c *Context) WorkflowID() string { return c.e.def.id }

// Version returns the version this run executes.
func (c *Context) Version() string { return c.e.def.version }

// Deadline returns the invocation's deadline (the host's budget); zero when
// the invocation has none.
func (c *Context) Deadline() time.Time { return c.e.inv.Deadline }

// ShouldYield reports whether less than min remains before the invocation's
// deadline. Long loops call it and then Yield.
func (c *Context) ShouldYield(min time.Duration) bool { return c.e.shouldYield(min) }

// IsReplaying reports whether the code is re-running past work recorded in
// the log (useful to silence logs).
func (c *Context) IsReplaying() bool { return c.e.replaying() }

// Logger returns the invocation's logger with run attributes.
func (c *Context) Logger() *slog.Logger { return c.e.log() }

// Value returns the value middleware stored under key, or nil.
func (c *Context) Value(key any) any { return c.e.values[key] }

// SetValue stores a value for the rest of this invocation: middleware uses it
// to hand clients or identities to the handler. Keys should be of an
// unexported type, as with context.WithValue.
func (c *Context) SetValue(key, value any) {
	if c.e.values == nil {
		c.e.values = map[any]any{}
	}
	c.e.values[key] = value
}

// StepContext is what a step's function gets: a real context.Context
// (canceled when the attempt times out or the invocation is aborted) plus
// the step's identity.
type StepContext struct {
	context.Context
	id       StepID
	runID    string
	attempt  int
	deadline time.Time
	now      func() time.Time
	call     *attemptCall // the attempt's function (see stepChain)
}

// ID returns the step's operation ID.
func (sc StepContext) ID() StepID { return sc.id }

// IdempotencyKey returns "<runID>/<stepID>": stable across retries and
// replays, unique across runs. Pass it to external APIs that dedupe.
func (sc StepContext) IdempotencyKey() string { return sc.runID + "/" + string(sc.id) }

// Attempt returns the attempt number, starting at 1.
func (sc StepContext) Attempt() int { return sc.attempt }

// RunDeadline returns the invocation's deadline; zero when none.
func (sc StepContext) RunDeadline() time.Time { return sc.deadline }

// ShouldYield reports whether less than min remains in the invocation.
func (sc StepContext) ShouldYield(min time.Duration) bool {
	return !sc.deadline.IsZero() && sc.deadline.Sub(sc.now()) < min
}

// WithContext returns a copy of sc whose context.Context is ctx; step
// middleware uses it to attach spans or values.
func (sc StepContext) WithContext(ctx context.Context) StepContext {
	sc.Context = ctx
	return sc
}

// Middleware wraps a workflow's handler and its steps. Several compose in
// declaration order: the first is outermost for both Run and Step.
type Middleware struct {
	// Name identifies the middleware in errors.
	Name string
	// Run wraps every invocation of the handler (replays included). next
	// may not return: when the run pauses, its goroutine ends, running
	// deferred calls; release resources with defer.
	Run func(ctx *Context, next func() error) error
	// Step wraps every live attempt of a step's function; replayed steps
	// do not run it. next takes sc or a copy of it (WithContext); a
	// StepContext made otherwise fails the attempt.
	Step func(sc StepContext, next func(StepContext) error) error
}
