package wf

import (
	"fmt"
	"time"
)

// Timer starts a durable timer of d and returns its Future at once: Get
// returns when it is due, pausing the run (without holding a process)
// until then. It records what Sleep records (SIGNAL_AWAITED at the call,
// in program order; SIGNAL_RESOLVED when Get or AwaitAny first finds it
// due), and shares Sleep's positional IDs ("__sleep-N"). With AwaitAny it
// bounds a wait: whichever of a child, a step or the timer ends first.
func Timer(ctx *Context, d time.Duration, opts ...OpOption) *Future[struct{}] {
	e := ctx.e
	id := e.opID("sleep", opts)
	evs := e.enter(id, "Timer", SignalAwaited, SignalResolved)
	o := e.newOp(id, opTimer)
	switch len(evs) {
	case 2:
		o.at = e.byStep[id][1]
		o.settle(nil, nil)
		return &Future[struct{}]{op: o}
	case 1:
		o.awaited = evs[0]
	default:
		e.beginFresh()
		t := e.now().Add(d)
		o.awaited = e.record(Event{Type: SignalAwaited, StepID: id, Name: TimerSignal, Deadline: &t})
	}
	if o.awaited.Name != TimerSignal {
		e.failNow(&NondeterminismError{Expected: id, Found: id, Want: "Timer", Recorded: o.awaited.Type, Index: e.byStep[id][0]}, CodeNondeterminism)
	}
	o.await = &Await{StepID: id, Kind: AwaitTimer, Name: TimerSignal, Deadline: o.awaited.Deadline}
	return &Future[struct{}]{op: o}
}

// timerResolve settles a timer's future when its delivery is stored or
// its deadline has passed, recording the resolution; false when it is not
// due.
func (e *execution) timerResolve(o *op) bool {
	if o.settled {
		return true
	}
	var ev Event
	if d, ok := e.deliveries[o.id]; ok {
		ev = Event{Type: SignalResolved, StepID: o.id, Name: TimerSignal, SignalID: d.SignalID, Meta: d.Meta}
	} else if dl := o.awaited.Deadline; dl != nil && !e.now().Before(*dl) {
		ev = Event{Type: SignalResolved, StepID: o.id, Name: TimerSignal, SignalID: TimerSignal + ":" + o.id}
	} else {
		return false
	}
	_, o.at = e.recordAt(ev)
	e.flushLocal()
	o.await = nil
	o.settle(nil, nil)
	return true
}

// AwaitAny waits until one of the futures has ended and returns its index
// in fs; Get it (or the others) next. It is deterministic on replay: the
// future it picks is the one whose outcome the log recorded first (a
// step's result, a child's end, a timer's resolution), and it records the
// end of a child or a timer it picks (its SIGNAL_RESOLVED) before it
// returns. When nothing has ended and no step is running, the run pauses
// awaiting them all; it resumes when any of them can end.
//
// A step waiting on a durable retry backoff counts as not ended until the
// invocation that resumes it. Empty or nil arguments end the run with an
// error.
func AwaitAny(ctx *Context, fs ...Awaitable) int {
	e := ctx.e
	if len(fs) == 0 {
		e.failNow(fmt.Errorf("wf: AwaitAny called without futures"), CodeError)
	}
	ops := make([]*op, len(fs))
	for i, f := range fs {
		if ops[i] = f.future(); ops[i] == nil {
			e.failNow(fmt.Errorf("wf: AwaitAny: future %d is nil", i), CodeError)
		}
	}
	return e.awaitAny(ops)
}

func (e *execution) awaitAny(ops []*op) int {
	for {
		// The first recorded outcome wins, live as on replay.
		best := -1
		e.mu.Lock()
		for i, o := range ops {
			if o.at >= 0 && (best < 0 || o.at < ops[best].at) {
				best = i
			}
		}
		e.mu.Unlock()
		if best >= 0 {
			ops[best].wait() // a step's goroutine is about to end
			return best
		}
		// A child's end or a due timer is recorded now, the first in
		// argument order; the loop then picks the lowest index again (a
		// step may have recorded its outcome meanwhile).
		running, resolved := false, false
		var wakeAt *time.Time
		var first *Await
		for _, o := range ops {
			if resolved {
				break
			}
			switch o.kind {
			case opChild:
				resolved = e.childResolve(o)
			case opSignal:
				resolved = e.signalResolve(o)
			case opTimer:
				if resolved = e.timerResolve(o); resolved {
					break
				}
				if dl := o.awaited.Deadline; dl != nil && (wakeAt == nil || dl.Before(*wakeAt)) {
					wakeAt = dl
				}
			case opStep:
				select {
				case <-o.done: // its goroutine has ended: o.await is safe to read
				default:
					running = true
					continue
				}
			}
			if first == nil && o.await != nil {
				first = o.await
			}
		}
		if resolved {
			continue
		}
		if !running {
			if first == nil {
				// Only steps that stopped without an outcome: the
				// invocation is being abandoned.
				e.abortCtx()
			}
			e.pause(*first)
		}
		// Wait for a step to record its outcome, or for a timer.
		var timer *time.Timer
		var due <-chan time.Time
		if wakeAt != nil {
			timer = time.NewTimer(max(wakeAt.Sub(e.now()), 0))
			due = timer.C
		}
		select {
		case <-e.wake:
		case <-due:
		case <-e.ctx.Done():
			e.abortCtx()
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// EventFuture starts a wait for a signal called name and returns its
// Future at once; Get returns the payload decoded into T (a
// *ValidationError when it does not decode), or a *WaitTimeoutError when
// Deadline or Timeout passed first, pausing the run until then. It
// records what WaitForEvent records (SIGNAL_AWAITED at the call, in
// program order; SIGNAL_RESOLVED when Get or AwaitAny first takes the
// delivery), takes signals kept by name as WaitForEvent does, and shares
// its positional IDs ("__wait-N"). With AwaitAny it races a signal
// against steps, children and timers.
func EventFuture[T any](ctx *Context, name string, opts ...WaitOption) *Future[T] {
	e := ctx.e
	var c waitConfig
	for _, o := range opts {
		o.applyWait(&c)
	}
	id := c.id
	if id == "" {
		id = e.positional("wait")
	}
	if name == "" || name == TimerSignal || name == ChildSignal {
		e.failNow(fmt.Errorf("wf: EventFuture %q: invalid signal name %q", id, name), CodeError)
	}
	what := "EventFuture " + name
	evs := e.enter(id, what, SignalAwaited, SignalResolved)
	o := e.newOp(id, opSignal)
	if len(evs) == 0 {
		e.beginFresh()
		deadline := c.deadlineFrom(e.now())
		o.awaited = e.record(Event{Type: SignalAwaited, StepID: id, Name: name, Deadline: deadline, Meta: c.meta})
	} else {
		o.awaited = evs[0]
		if len(evs) > 1 {
			o.resolved = &evs[1]
			o.at = e.byStep[id][1]
		}
	}
	if o.awaited.Type != SignalAwaited || o.awaited.Name != name {
		e.failNow(&NondeterminismError{Expected: id, Found: id, Want: what, Recorded: o.awaited.Type, Index: e.byStep[id][0]}, CodeNondeterminism)
	}
	o.await = &Await{StepID: id, Kind: AwaitSignal, Name: name, Deadline: o.awaited.Deadline}
	return &Future[T]{op: o}
}

// signalResolve settles a signal wait's future from its recorded
// resolution, or from a stored delivery (recording it): the signal, kept
// or targeted, or the wait's deadline timer. False when none is stored.
func (e *execution) signalResolve(o *op) bool {
	if o.settled {
		return true
	}
	res := o.resolved
	if res == nil {
		name := o.awaited.Name
		d, ok := e.deliveries[o.id]
		if !ok || d.Name == TimerSignal {
			// A signal kept by name beats the wait's own timeout.
			if kept, found := e.takeByName(name); found {
				d, ok = kept, true
			}
		}
		if !ok {
			return false
		}
		ev := Event{Type: SignalResolved, StepID: o.id, Name: d.Name, SignalID: d.SignalID, Payload: d.Payload, Meta: d.Meta}
		if d.Name == TimerSignal {
			ev = Event{Type: SignalResolved, StepID: o.id, Name: TimerSignal, SignalID: d.SignalID}
		}
		var at int
		ev, at = e.recordAt(ev)
		e.flushLocal()
		res, o.at = &ev, at
	}
	o.await = nil
	if _, err := e.resolved(o.id, o.awaited, *res); err != nil {
		o.settle(nil, err)
	} else {
		o.settle(res.Payload, nil)
	}
	return true
}
