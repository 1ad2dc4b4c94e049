package wf

import (
	"encoding/json"
	"fmt"
	"time"
)

// Sleep pauses the run for d. The run does not hold a process while it
// sleeps: it persists, returns, and a later sweep delivers the timer.
func Sleep(ctx *Context, d time.Duration, opts ...OpOption) {
	e := ctx.e
	id := e.opID("sleep", opts)
	e.sleepUntil(id, "Sleep", func() time.Time { return e.now().Add(d) })
}

// SleepUntil pauses the run until t.
func SleepUntil(ctx *Context, t time.Time, opts ...OpOption) {
	e := ctx.e
	id := e.opID("sleep", opts)
	e.sleepUntil(id, "SleepUntil", func() time.Time { return t })
}

func (e *execution) sleepUntil(id, what string, deadline func() time.Time) {
	evs := e.enter(id, what, SignalAwaited, SignalResolved)
	switch len(evs) {
	case 2:
		return
	case 1:
		e.resolveTimer(id, evs[0])
		return
	}
	e.beginFresh()
	t := deadline()
	e.resolveTimer(id, e.record(Event{Type: SignalAwaited, StepID: id, Name: TimerSignal, Deadline: &t}))
}

func (e *execution) opID(kind string, opts []OpOption) string {
	var c opConfig
	for _, o := range opts {
		o.applyOp(&c)
	}
	if c.id != "" {
		return c.id
	}
	return e.positional(kind)
}

// WaitForEvent pauses the run until a signal called name is delivered and
// returns its payload decoded into T. A signal delivered before the run
// reached the wait was kept: the wait takes the oldest such signal of its
// name (one sent for another step waits for that step) and does not
// pause. With Deadline or Timeout, a wait that nothing resolves in time
// returns a *WaitTimeoutError. A payload that does not decode into T
// returns a *ValidationError.
func WaitForEvent[T any](ctx *Context, name string, opts ...WaitOption) (T, error) {
	var zero T
	e := ctx.e
	var c waitConfig
	for _, o := range opts {
		o.applyWait(&c)
	}
	id := c.id
	if id == "" {
		id = e.positional("wait")
	}
	if name == "" || name == TimerSignal {
		e.failNow(fmt.Errorf("wf: WaitForEvent %q: invalid signal name %q", id, name), CodeError)
	}
	ev, err := e.wait(id, "WaitForEvent "+name, Await{StepID: id, Kind: AwaitSignal, Name: name}, c,
		func(deadline *time.Time) Event {
			return Event{Type: SignalAwaited, StepID: id, Name: name, Deadline: deadline, Meta: c.meta}
		},
		func(d Delivery) Event {
			return Event{Type: SignalResolved, StepID: id, Name: d.Name, SignalID: d.SignalID, Payload: d.Payload, Meta: d.Meta}
		})
	if err != nil {
		return zero, err
	}
	if ev.Name != name {
		e.failNow(&NondeterminismError{Expected: id, Found: id, Want: "WaitForEvent " + name, Recorded: ev.Type, Index: e.recordedIndex(id)}, CodeNondeterminism)
	}
	var v T
	if len(ev.Payload) > 0 {
		if err := json.Unmarshal(ev.Payload, &v); err != nil {
			return zero, &ValidationError{Subject: "signal " + name, Issues: []ValidationIssue{{Message: fmt.Sprintf("payload does not decode into %T: %v", v, err)}}}
		}
	}
	return v, nil
}

// ApprovalRequest asks a human for a decision.
type ApprovalRequest struct {
	// ID is the approval's ID and operation ID. Defaults to a positional
	// "__approval-N".
	ID          string
	Title       string
	Description string
	// Timeout, when set, makes Approve return a *WaitTimeoutError when no
	// decision arrives within it.
	Timeout time.Duration
	Meta    map[string]string
}

// Approval is a human decision.
type Approval struct {
	Approved   bool
	ApprovalID string
	Feedback   string
}

// Approve pauses the run until the approval is decided (DeliverApproval)
// and returns the decision.
func Approve(ctx *Context, req ApprovalRequest) (Approval, error) {
	e := ctx.e
	id := req.ID
	if id == "" {
		id = e.positional("approval")
	}
	c := waitConfig{timeout: req.Timeout, meta: req.Meta}
	ev, err := e.wait(id, "Approve", Await{StepID: id, Kind: AwaitApproval, Name: "approval", ApprovalID: id}, c,
		func(deadline *time.Time) Event {
			return Event{Type: ApprovalRequested, StepID: id, ApprovalID: id, Title: req.Title, Description: req.Description, Deadline: deadline, Meta: req.Meta}
		},
		func(d Delivery) Event {
			approved := d.Approved
			return Event{Type: ApprovalResolved, StepID: id, ApprovalID: id, Approved: &approved, Feedback: d.Feedback, Meta: d.Meta}
		})
	if err != nil {
		return Approval{ApprovalID: id}, err
	}
	if ev.Type != ApprovalResolved || ev.Approved == nil {
		e.failNow(&NondeterminismError{Expected: id, Found: id, Want: "Approve", Recorded: ev.Type, Index: e.recordedIndex(id)}, CodeNondeterminism)
	}
	return Approval{Approved: *ev.Approved, ApprovalID: id, Feedback: ev.Feedback}, nil
}

// wait is the shared body of WaitForEvent and Approve: find the recorded
// request and resolution, consume a stored delivery, or pause. A timer
// resolution (the wait's deadline) returns a *WaitTimeoutError.
func (e *execution) wait(id, what string, a Await, c waitConfig, request func(*time.Time) Event, resolve func(Delivery) Event) (Event, error) {
	reqType := request(nil).Type
	resType := resolve(Delivery{}).Type
	evs := e.enter(id, what, reqType, resType, SignalResolved)
	var req Event
	if len(evs) == 0 {
		e.beginFresh()
		deadline := c.deadlineFrom(e.now())
		req = request(deadline)
		e.record(req)
	} else if req = evs[0]; req.Type == SignalAwaited && req.Name != a.Name {
		// The same ID now waits for another signal.
		e.failNow(&NondeterminismError{Expected: id, Found: id, Want: what, Recorded: req.Type, Index: e.byStep[id][0]}, CodeNondeterminism)
	}
	if len(evs) > 1 {
		return e.resolved(id, req, evs[1])
	}
	d, ok := e.deliveries[id]
	if a.Kind == AwaitSignal && (!ok || d.Name == TimerSignal) {
		// A signal kept by name beats the wait's own timeout: it arrived
		// before the wait was even reached.
		if kept, found := e.takeByName(a.Name); found {
			d, ok = kept, true
		}
	}
	if ok {
		var ev Event
		if d.Name == TimerSignal {
			ev = Event{Type: SignalResolved, StepID: id, Name: TimerSignal, SignalID: d.SignalID}
		} else {
			ev = resolve(d)
		}
		e.record(ev)
		e.flushLocal() // a wait writes the local results before it
		return e.resolved(id, req, ev)
	}
	a.Deadline = req.Deadline
	e.pause(a)
	panic("unreachable")
}

// takeByName removes and returns the oldest unconsumed delivery of name
// that was kept by name.
func (e *execution) takeByName(name string) (Delivery, bool) {
	for i, d := range e.byName {
		if d.Name == name {
			e.byName = append(e.byName[:i:i], e.byName[i+1:]...)
			return d, true
		}
	}
	return Delivery{}, false
}

func (e *execution) resolved(id string, req, res Event) (Event, error) {
	if res.Type == SignalResolved && res.Name == TimerSignal {
		var deadline time.Time
		if req.Deadline != nil {
			deadline = *req.Deadline
		}
		name := req.Name
		if req.Type == ApprovalRequested {
			name = "approval " + req.ApprovalID
		}
		return res, &WaitTimeoutError{StepID: id, Name: name, Deadline: deadline}
	}
	return res, nil
}
