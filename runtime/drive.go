package runtime

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// ResultKind says what a runtime call did to a run.
type ResultKind string

const (
	// KindCompleted: the run finished.
	KindCompleted ResultKind = "completed"
	// KindPaused: the run waits for a signal, an approval or a timer.
	KindPaused ResultKind = "paused"
	// KindErrored: the run ended with an error.
	KindErrored ResultKind = "errored"
	// KindCanceled: the run was canceled.
	KindCanceled ResultKind = "canceled"
	// KindRunning: the run yielded (or is queued) and will be resumed by a
	// sweep.
	KindRunning ResultKind = "running"
	// KindNotFound: no such run.
	KindNotFound ResultKind = "not-found"
	// KindAccepted: a delivery (signal, approval, cancellation) was stored
	// and will be applied, but not by this call: the run has not reached
	// the wait yet (the wait consumes it when reached), or another
	// invocation is driving the run (it applies it before it pauses, or a
	// sweep does). Senders see this, never KindNotClaimable.
	KindAccepted ResultKind = "accepted"
	// KindNotClaimable: another owner holds the run's lease (or got ahead
	// of this call). Only sweeps report it; deliveries report KindAccepted.
	KindNotClaimable ResultKind = "not-claimable"
	// KindNotWaiting: the run has ended (or, with strict signals, does not
	// await that signal or approval now); nothing was stored.
	KindNotWaiting ResultKind = "not-waiting"
	// KindDuplicate: this delivery ID was already stored; nothing changed.
	KindDuplicate ResultKind = "duplicate"
	// KindLost: another delivery already resolved that wait (Code says
	// signal_lost or approval_lost).
	KindLost ResultKind = "lost"
)

// Result is what StartRun, DeliverSignal, DeliverApproval, Cancel and each
// sweep item report.
type Result struct {
	Kind ResultKind
	// Run is the run's state after the call (zero for KindNotFound).
	Run store.Run
	// Existing is true when StartRun found the run already created.
	Existing bool
	// Code is set for KindLost (signal_lost, approval_lost).
	Code wf.ErrorCode
	// EventCount counts the events this call appended.
	EventCount int
	// Events are those events, when requested (IncludeEvents), at most
	// MaxEvents of them; Truncated tells when some were left out.
	Events    []wf.Event
	Truncated bool

	// children are the child runs the drive started, to drive next.
	children []string
}

// driveOptions bound one drive.
type driveOptions struct {
	deadline      time.Time
	includeEvents bool
	maxEvents     int
	// minYield overrides the runtime's yield margin (see yieldMargin).
	minYield time.Duration
	// held is the caller's hold of the run, taken before the store call
	// that leased it (see holders); drive ends it. Nil: drive holds the
	// run itself.
	held *hold
}

// journal adapts the store's Append to the engine's Journal. next is the
// log index after the last successful append; refused holds the events of
// a failed one. It starts child runs too (wf.ChildStarter); started lists
// those it created, for the runtime to drive after the parent's commit.
type journal struct {
	rt      *Runtime
	store   store.Store
	runID   string
	owner   string
	next    int
	refused []wf.Event
	started []string
}

// StartChild creates a child run, queued and linked to its parent, unless
// it exists already; a child of a workflow with a queue (Workflow.Queue)
// waits on it until a sweep admits it. A workflow or version this runtime does not
// register, input its workflow refuses, or a run ID taken by another
// workflow's run is an error wrapping wf.ErrChildRefused (the parent's
// operation fails with it); a store error is returned as is (the parent's
// invocation is abandoned and driven again later).
func (j *journal) StartChild(ctx context.Context, spec wf.ChildSpec) error {
	refuse := func(err error) error {
		return fmt.Errorf("%w: child run %s: %w", wf.ErrChildRefused, spec.RunID, err)
	}
	if err := CheckID(FieldRunID, spec.RunID); err != nil {
		return refuse(err)
	}
	latest, err := j.rt.definition(spec.WorkflowID)
	if err != nil {
		return refuse(err)
	}
	def, err := latest.Resolve(spec.Version)
	if err != nil {
		return refuse(err)
	}
	if err := def.ValidateInput(spec.Input); err != nil {
		return refuse(err)
	}
	// A child of a workflow with a queue waits on it like any other run.
	p, err := j.rt.place(StartRequest{WorkflowID: spec.WorkflowID, Input: spec.Input})
	if err != nil {
		return refuse(err)
	}
	run, created, err := j.store.CreateRun(ctx, store.NewRun{
		ID:          spec.RunID,
		WorkflowID:  spec.WorkflowID,
		Version:     def.Version(),
		Status:      wf.StatusQueued,
		Input:       rawOrNull(spec.Input),
		TraceParent: traceParentOf(ctx),
		Parent:      &store.Parent{RunID: spec.ParentRunID, StepID: spec.StepID, Detached: spec.Detached},
		Lease:       store.Lease{Now: j.rt.clock()},

		Queue:        p.queue,
		PartitionKey: p.partition,
		Priority:     p.priority,
	})
	if err != nil {
		return fmt.Errorf("runtime: start child run %s: %w", spec.RunID, err)
	}
	if !created {
		if run.WorkflowID != spec.WorkflowID {
			return refuse(fmt.Errorf("%w: run %q is a %q run, not %q", ErrRunExists, spec.RunID, run.WorkflowID, spec.WorkflowID))
		}
		return nil
	}
	j.rt.metrics.runStarted(ctx, run.WorkflowID)
	j.started = append(j.started, run.ID)
	return nil
}

func (j *journal) Append(ctx context.Context, next int, events []wf.Event) error {
	if err := j.store.Append(ctx, j.runID, store.Append{Owner: j.owner, Next: next, Events: events}); err != nil {
		j.refused = events
		return err
	}
	j.next = next + len(events)
	return nil
}

// drive runs the engine over a claimed execution and commits the outcome.
// It always leaves the lease released or lost, never held. When a delivery
// arrived for the run meanwhile and the run paused, it drives the run again
// at once: the current holder applies what was delivered to it.
func (rt *Runtime) drive(ctx context.Context, ex store.Execution, owner string, opts driveOptions) (Result, error) {
	h := opts.held
	if h == nil {
		h = rt.holders.hold(ex.Run.ID)
	}
	opts.held = nil // a drive again below holds anew
	if ex.Run.Waiting() && !rt.admitted(ctx, &ex.Run) {
		// Its queue has no room for it yet: a sweep admits it later.
		h.drop()
		rt.release(ex.Run.ID, owner)
		return Result{Kind: KindQueued, Run: ex.Run}, nil
	}
	res, err := rt.driveOnce(ctx, ex, owner, opts)
	if err == nil {
		rt.freed(ctx, res)
	}
	woken := h.done()
	if rt.driveChildren(ctx, res.children, opts) {
		woken = true // a child ended: its delivery may resume the parent
	}
	res.children = nil
	if !woken || err != nil || res.Kind != KindPaused {
		return res, err
	}
	again, err := rt.claimAndDrive(ctx, ex.Run.ID, opts)
	if err != nil || again.Kind == KindNotClaimable || again.Kind == KindNotFound {
		// Someone else drives it now; what this drive did stands.
		return res, nil
	}
	again.EventCount += res.EventCount
	if opts.includeEvents {
		again.Events, again.Truncated = capEvents(append(res.Events, again.Events...), opts.maxEvents)
	}
	return again, nil
}

// driveOnce is one drive: replay, fresh work, one commit.
func (rt *Runtime) driveOnce(ctx context.Context, ex store.Execution, owner string, opts driveOptions) (res Result, err error) {
	run := ex.Run
	ctx, span := rt.startRunSpan(ctx, run, owner)
	defer func() { endRunSpan(span, res, err) }()
	if reason, ok := cancelRequested(ex); ok {
		return rt.endRequested(ctx, ex, owner, reason)
	}
	def, err := rt.resolve(run)
	if err != nil {
		return rt.park(ctx, ex, owner, err)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	guard := rt.newLeaseGuard(run, owner, cancel)
	stopHeartbeat := rt.heartbeat(ctx, guard)
	defer stopHeartbeat()

	j := &journal{rt: rt, store: rt.store, runID: run.ID, owner: owner, next: len(ex.Events)}
	defer func() { res.children = j.started }()
	out, err := def.Execute(ctx, wf.Invocation{
		RunID:             run.ID,
		Input:             run.Input,
		Log:               ex.Events,
		Deliveries:        engineDeliveries(ex),
		Journal:           j,
		Clock:             rt.clock,
		NewUUID:           rt.newUUID,
		Deadline:          opts.deadline,
		MinYieldRemaining: rt.yieldMargin(opts),
		Publish:           rt.publisher(run.ID),
		Logger:            rt.logger,
		Middleware:        []wf.Middleware{guard.middleware(), rt.stepTelemetry(run.WorkflowID, run.ID)},
		MaxEventSize:      rt.maxPayload,
	})
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
			err = cause // the lease was lost, or could not be renewed
		}
		if errors.Is(err, store.ErrTooLarge) {
			stopHeartbeat()
			return rt.endRefused(ctx, run, owner, j.next, j.refused, err)
		}
		return rt.abandoned(ctx, run, owner, err)
	}
	c := store.Commit{
		RunID:     run.ID,
		Owner:     owner,
		Next:      out.Next,
		Events:    out.Pending,
		LoadedSeq: run.DeliverySeq,
		Output:    out.Output,
		Error:     out.Error,
		Awaiting:  out.Awaiting,
		Consumed:  consumedBuffered(ex, out.Appended, out.Pending),
		Now:       rt.clock(),

		Parentless: run.Parent == nil || run.Parent.Detached,
	}
	switch out.Status {
	case wf.OutcomeFinished:
		c.Status = wf.StatusFinished
	case wf.OutcomeErrored:
		c.Status = wf.StatusErrored
	case wf.OutcomePaused:
		c.Status = wf.StatusPaused
		c.Timers = timersFor(run.ID, out.Awaiting)
	case wf.OutcomeYielded:
		c.Status = wf.StatusRunning
	}
	stopHeartbeat()
	if err := rt.store.Commit(ctx, c); err != nil {
		if errors.Is(err, store.ErrTooLarge) {
			return rt.endRefused(ctx, run, owner, j.next, c.Events, err)
		}
		return rt.abandoned(ctx, run, owner, err)
	}
	run.Status, run.Output, run.Error, run.Awaiting = c.Status, c.Output, c.Error, c.Awaiting
	run.Buffered = slices.DeleteFunc(slices.Clone(run.Buffered), func(id string) bool { return slices.Contains(c.Consumed, id) })
	run.LeaseOwner, run.LeaseExpiresAt, run.UpdatedAt = "", nil, c.Now
	run.Parked = nil // a commit clears the park mark
	run.WakeAt = earliest(c.Timers)
	res = Result{Kind: kindOf(c.Status), Run: run}
	rt.metrics.runEnded(ctx, run.WorkflowID, c.Status, c.Error)
	res.EventCount = len(out.Appended) + len(out.Pending)
	if opts.includeEvents {
		res.Events, res.Truncated = capEvents(append(out.Appended, out.Pending...), opts.maxEvents)
	}
	return res, nil
}

// driveChildren drives the child runs a drive started, at once and
// concurrently, so that a tree of runs progresses in the call that grew
// it; a child another worker claimed first is left to it, and any that
// could not be driven is left to stale-run recovery (it is queued). It
// reports whether a child ended.
func (rt *Runtime) driveChildren(ctx context.Context, ids []string, opts driveOptions) bool {
	if len(ids) == 0 || ctx.Err() != nil {
		return false // recovery drives them
	}
	child := driveOptions{deadline: opts.deadline, minYield: opts.minYield}
	var ended atomic.Bool
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := rt.claimAndDrive(ctx, id, child)
			if err != nil {
				rt.logger.Warn("runtime: drive child run", "run", id, "err", err)
				return
			}
			if res.Run.Status.Terminal() {
				ended.Store(true)
			}
		}()
	}
	wg.Wait()
	return ended.Load()
}

func (rt *Runtime) resolve(run store.Run) (*wf.Definition, error) {
	latest, err := rt.definition(run.WorkflowID)
	if err != nil {
		return nil, fmt.Errorf("%w (the run needs its version %q)", err, run.Version)
	}
	return latest.Resolve(run.Version)
}

// abandoned handles a drive that must not commit: another writer got ahead
// (ErrConflict), the lease was lost, ctx ended, or the drive failed. The
// run is left to its current owner or to recovery; a failed drive (the
// store refused the commit, a checkpoint or the lease renewal failed) backs
// the run off, so that a run that keeps failing waits longer each time
// instead of taking every sweep's recovery slots.
func (rt *Runtime) abandoned(ctx context.Context, run store.Run, owner string, err error) (Result, error) {
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrLeaseLost) {
		rt.logger.Warn("runtime: drive abandoned", "run", run.ID, "owner", owner, "err", err)
		rt.release(run.ID, owner)
		return Result{Kind: KindNotClaimable, Run: run}, nil
	}
	return Result{}, rt.driveFailed(run, owner, fmt.Errorf("runtime: drive run %s: %w", run.ID, err))
}

// release gives up a lease, best-effort, even when the caller's context is
// done.
func (rt *Runtime) release(runID, owner string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rt.store.ReleaseRun(ctx, runID, owner); err != nil {
		rt.logger.Warn("runtime: release lease", "run", runID, "err", err)
	}
}

// heartbeat renews the lease every third of its duration until stopped; a
// lost lease cancels the drive. It runs on a timer, not a goroutine of its
// own: most drives end before the first renewal, and then cost no
// goroutine. stop waits for a renewal under way.
func (rt *Runtime) heartbeat(ctx context.Context, guard *leaseGuard) (stop func()) {
	h := &heartbeat{rt: rt, ctx: ctx, guard: guard, every: rt.leaseDuration / 3}
	h.mu.Lock()
	h.timer = time.AfterFunc(h.every, h.beat)
	h.mu.Unlock()
	return h.stop
}

// heartbeat is one drive's lease renewal (see Runtime.heartbeat).
type heartbeat struct {
	rt    *Runtime
	ctx   context.Context
	guard *leaseGuard
	every time.Duration

	mu      sync.Mutex
	timer   *time.Timer
	stopped bool
	renewal sync.WaitGroup
}

// beat renews the lease and sets the timer for the next renewal, a third
// of the lease after this one started.
func (h *heartbeat) beat() {
	h.mu.Lock()
	if h.stopped || h.ctx.Err() != nil {
		h.mu.Unlock()
		return
	}
	h.renewal.Add(1)
	h.mu.Unlock()
	defer h.renewal.Done()
	start := time.Now()
	err := h.guard.renew(h.ctx)
	if errors.Is(err, store.ErrLeaseLost) {
		return
	}
	if err != nil && h.ctx.Err() == nil {
		h.rt.logger.Warn("runtime: heartbeat failed", "run", h.guard.runID, "err", err)
	}
	h.mu.Lock()
	if !h.stopped {
		h.timer.Reset(max(h.every-time.Since(start), 0))
	}
	h.mu.Unlock()
}

// stop ends the renewals once a renewal under way has ended; it may be
// called more than once.
func (h *heartbeat) stop() {
	h.mu.Lock()
	h.stopped = true
	h.timer.Stop()
	h.mu.Unlock()
	h.renewal.Wait()
}

func (rt *Runtime) publisher(runID string) func(wf.Event) {
	if rt.publish == nil {
		return nil
	}
	return func(ev wf.Event) { rt.publish(runID, ev) }
}

func timersFor(runID string, awaiting []wf.Await) []store.Timer {
	var ts []store.Timer
	for _, a := range awaiting {
		if a.Deadline != nil {
			ts = append(ts, store.Timer{RunID: runID, StepID: a.StepID, WakeAt: *a.Deadline})
		}
	}
	return ts
}

func earliest(ts []store.Timer) *time.Time {
	var min *time.Time
	for i := range ts {
		if min == nil || ts[i].WakeAt.Before(*min) {
			min = &ts[i].WakeAt
		}
	}
	return min
}

func kindOf(s wf.RunStatus) ResultKind {
	switch s {
	case wf.StatusFinished:
		return KindCompleted
	case wf.StatusErrored, wf.StatusAborted:
		return KindErrored
	case wf.StatusCanceled:
		return KindCanceled
	case wf.StatusPaused:
		return KindPaused
	}
	return KindRunning
}

func capEvents(evs []wf.Event, max int) ([]wf.Event, bool) {
	if max > 0 && len(evs) > max {
		return evs[:max], true
	}
	return evs, false
}
