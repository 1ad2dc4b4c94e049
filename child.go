package wf

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ChildSignal names the deliveries that resolve a wait for a child run: a
// child's end stores one for its parent, keyed by the parent's operation
// ID, in the same store commit that ends the child.
const ChildSignal = "__child"

// maxChildRunID bounds a derived child run ID, as the runtime bounds every
// run ID.
const maxChildRunID = 255

// ChildRunID returns the run ID of the child a parent starts at operation
// stepID: "<parent>.<stepID>", or, when that is longer than 255 bytes, a
// prefix of it followed by a hash of the whole. The ID depends only on its
// arguments, so a replay of the parent finds the child it started instead
// of starting a second one.
func ChildRunID(parentRunID, stepID string) string {
	id := parentRunID + "." + stepID
	if len(id) <= maxChildRunID {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	suffix := "-" + hex.EncodeToString(sum[:8])
	n := maxChildRunID - len(suffix)
	for n > 0 && !utf8.RuneStart(id[n]) {
		n--
	}
	return id[:n] + suffix
}

// ChildResult is the payload of the delivery a child run's end stores for
// its parent (Delivery.Name ChildSignal, Delivery.StepID the parent's
// operation ID).
type ChildResult struct {
	RunID string `json:"runId"`
	// Status is the child's terminal status: finished, errored, canceled
	// or aborted.
	Status RunStatus       `json:"status"`
	Output json.RawMessage `json:"output,omitempty"`
	Error  *ErrorInfo      `json:"error,omitempty"`
}

// ChildSpec is a child run an invocation asks the runtime to start.
type ChildSpec struct {
	// RunID is ChildRunID(ParentRunID, StepID).
	RunID      string
	WorkflowID string
	// Version is the child's workflow version; "" for the runtime's
	// default version of WorkflowID.
	Version string
	Input   json.RawMessage
	// ParentRunID and StepID link the child to the parent's operation.
	ParentRunID string
	StepID      string
	// Detached: the child's end resolves nothing in the parent, and
	// canceling the parent leaves the child running.
	Detached bool
}

// ChildStarter is implemented by a Journal that can start child runs (the
// runtime's does). StartChild creates spec's run, linked to its parent,
// unless a run with spec.RunID exists already (a previous invocation of
// the parent started it): then it returns nil when that run is the same
// workflow's, and an error otherwise. The child is durable when it
// returns. It does not drive the child.
type ChildStarter interface {
	StartChild(ctx context.Context, spec ChildSpec) error
}

// ChildError is the error a wait for a child returns when the child did
// not finish: it errored, was canceled or aborted.
type ChildError struct {
	RunID      string
	WorkflowID string
	Status     RunStatus
	// Cause is the child's error, nil for a cancellation without one.
	Cause *ErrorInfo
}

func (e *ChildError) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("wf: child run %q (%s) %s: %s", e.RunID, e.WorkflowID, e.Status, e.Cause.Message)
	}
	return fmt.Sprintf("wf: child run %q (%s) %s", e.RunID, e.WorkflowID, e.Status)
}

// ErrChildRefused marks an error of ChildStarter.StartChild that starting
// again cannot cure: the workflow or version is unknown, the input is
// invalid, or the run ID belongs to another workflow's run. The operation
// then fails, recorded (its Future's Get returns a *StepError), instead
// of the invocation being abandoned and driven again later, as on any
// other error (a store that is down).
var ErrChildRefused = errors.New("wf: child run refused")

// ChildOption configures StartChild.
type ChildOption func(*childConfig)

type childConfig struct {
	version  string
	detached bool
}

// ChildVersion pins the child's workflow version; by default the child
// runs the latest version the runtime registers.
func ChildVersion(v string) ChildOption { return func(c *childConfig) { c.version = v } }

// Detached starts the child without waiting for it: its end resolves
// nothing in the parent, canceling the parent leaves it running, and the
// Future's Get returns at once (zero, nil) once the child is started.
func Detached() ChildOption { return func(c *childConfig) { c.detached = true } }

// StartChild starts a run of workflowID with input as a child of this run,
// at operation id, and returns its Future at once. The child's run ID is
// ChildRunID(parent run ID, id), so a replay never starts a second child.
// The start is durable before StartChild returns (the runtime's Journal
// creates the run, linked to its parent); the runtime drives the child
// soon after, on any worker.
//
// Get waits for the child's end: its output decoded into Out, a
// *ChildError when it did not finish, or a *StepError when the runtime
// refused to start it. While the child runs, the parent pauses without
// holding a process; the child's end stores a delivery for the parent in
// the same commit and makes it ready.
//
// Log: an attached child records SIGNAL_AWAITED (StepID id, Name
// ChildSignal, Meta childRunId and workflow) at StartChild, in program
// order, and SIGNAL_RESOLVED (Payload a ChildResult) when Get first takes
// its end; a detached child records STEP_FINISHED (Result its run ID); a
// refused start records STEP_FAILED. On replay StartChild is checked in
// order like any operation and starts nothing: a recorded start is not
// repeated, and Get returns the recorded end.
func StartChild[Out any](ctx *Context, id StepID, workflowID string, input any, opts ...ChildOption) *Future[Out] {
	return &Future[Out]{op: ctx.e.startChild(string(id), workflowID, input, opts)}
}

func (e *execution) startChild(id, workflowID string, input any, opts []ChildOption) *op {
	var c childConfig
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	what := "StartChild " + workflowID
	if strings.TrimSpace(workflowID) == "" {
		e.failNow(fmt.Errorf("wf: StartChild %q: the workflow ID is empty", id), CodeError)
	}
	if strings.Contains(id, "#") {
		e.failNow(fmt.Errorf("wf: StartChild %q: the operation ID must not contain '#'", id), CodeError)
	}
	e.reach(id, what)
	e.expect(id, what, false)
	evs := e.consume(id, what, SignalAwaited, SignalResolved, StepFinished, StepFailed)
	o := e.newOp(id, opChild)
	o.childRunID, o.workflowID = ChildRunID(e.inv.RunID, id), workflowID
	if len(evs) > 0 {
		first := evs[0]
		if w, ok := first.Meta["workflow"]; ok && w != workflowID {
			e.failNow(&NondeterminismError{Expected: id, Found: id, Want: what, Recorded: first.Type, Index: e.byStep[id][0],
				Cause: fmt.Errorf("the log started a child of workflow %q", w)}, CodeNondeterminism)
		}
		switch {
		case first.Type == StepFailed:
			o.at = e.byStep[id][0]
			o.settle(nil, &StepError{StepID: StepID(id), Attempts: max(first.Attempts, 1), Cause: first.Error})
		case first.Type == StepFinished && c.detached:
			o.at = e.byStep[id][0]
			o.settle(nil, nil)
		case first.Type == SignalAwaited && first.Name == ChildSignal && !c.detached:
			if len(evs) > 1 {
				o.resolved = &evs[1]
				o.at = e.byStep[id][1]
			} else {
				o.await = &Await{StepID: id, Kind: AwaitChild, Name: ChildSignal}
			}
		default:
			e.failNow(&NondeterminismError{Expected: id, Found: id, Want: what, Recorded: first.Type, Index: e.byStep[id][0]}, CodeNondeterminism)
		}
		return o
	}
	e.beginFresh()
	starter, ok := e.inv.Journal.(ChildStarter)
	if !ok {
		e.failNow(fmt.Errorf("wf: StartChild %q: this runtime cannot start child runs (its Journal does not implement wf.ChildStarter)", id), CodeError)
	}
	raw, err := json.Marshal(input)
	if err != nil {
		e.failNow(fmt.Errorf("wf: StartChild %q: encode input: %w", id, err), CodeError)
	}
	meta := map[string]string{"childRunId": o.childRunID, "workflow": workflowID}
	if c.version != "" {
		meta["version"] = c.version
	}
	if c.detached {
		meta["detached"] = "true"
	}
	// What was recorded before the start is durable before the child
	// exists.
	e.flush()
	err = starter.StartChild(e.ctx, ChildSpec{
		RunID: o.childRunID, WorkflowID: workflowID, Version: c.version, Input: raw,
		ParentRunID: e.inv.RunID, StepID: id, Detached: c.detached,
	})
	if err != nil {
		if e.ctx.Err() != nil {
			e.abortCtx()
		}
		if !errors.Is(err, ErrChildRefused) {
			e.abort(fmt.Errorf("wf: run %s: start child %s: %w", e.inv.RunID, o.childRunID, err))
		}
		ev, at := e.recordAt(Event{Type: StepFailed, StepID: id, Error: NewErrorInfo(err), Meta: meta})
		o.at = at
		o.settle(nil, &StepError{StepID: StepID(id), Attempts: 1, Cause: ev.Error})
		return o
	}
	if c.detached {
		b, _ := json.Marshal(o.childRunID)
		_, o.at = e.recordAt(Event{Type: StepFinished, StepID: id, Result: b, Meta: meta})
		o.settle(nil, nil)
		return o
	}
	e.record(Event{Type: SignalAwaited, StepID: id, Name: ChildSignal, Meta: meta})
	o.await = &Await{StepID: id, Kind: AwaitChild, Name: ChildSignal}
	return o
}

// childGet returns a child's outcome: recorded, taken from its stored
// delivery (and recorded), or the run pauses until the child ends.
func (e *execution) childGet(o *op) (json.RawMessage, error) {
	if !e.childResolve(o) {
		e.pause(*o.await)
	}
	return o.raw, o.err
}

// childResolve settles a child's future from its recorded end or from
// its stored delivery (recording it); false when the child has not ended.
func (e *execution) childResolve(o *op) bool {
	if o.settled {
		return true
	}
	res := o.resolved
	if res == nil {
		d, ok := e.deliveries[o.id]
		if !ok || d.Name != ChildSignal {
			return false
		}
		ev, at := e.recordAt(Event{Type: SignalResolved, StepID: o.id, Name: ChildSignal, SignalID: d.SignalID, Payload: d.Payload, Meta: d.Meta})
		e.flushLocal()
		res, o.at = &ev, at
	}
	o.await = nil
	var cr ChildResult
	if err := json.Unmarshal(res.Payload, &cr); err != nil || res.Name != ChildSignal {
		e.failNow(&NondeterminismError{Expected: o.id, Found: o.id, Want: "StartChild " + o.workflowID, Recorded: res.Type,
			Index: e.recordedIndex(o.id), Cause: fmt.Errorf("the recorded end of child run %s does not decode: %v", o.childRunID, err)}, CodeNondeterminism)
	}
	if cr.Status == StatusFinished {
		o.settle(cr.Output, nil)
	} else {
		o.settle(nil, &ChildError{RunID: o.childRunID, WorkflowID: o.workflowID, Status: cr.Status, Cause: cr.Error})
	}
	return true
}
