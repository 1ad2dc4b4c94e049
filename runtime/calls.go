package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// StartRequest starts a run.
type StartRequest struct {
	WorkflowID string
	// RunID is the run's stable ID; starting the same ID again returns
	// the existing run instead of starting it twice. Defaults to a random
	// UUID.
	RunID string
	// Input is the run's JSON input, validated before anything is stored.
	Input json.RawMessage
	// Deadline bounds this invocation (the host's budget). Defaults to
	// ctx's deadline, if any.
	Deadline time.Time
	// IncludeEvents returns the events this call appended, at most
	// MaxEvents (0: all).
	IncludeEvents bool
	MaxEvents     int
	// Queue starts the run on a declared queue (Config.Queues): it waits
	// queued until the queue has room. Defaults to the workflow's queue
	// (Workflow.Queue), if any.
	Queue string
	// Partition is the run's partition key on a partitioned queue, and
	// Priority its priority (higher first); they default to what the
	// workflow's QueueKeys reads from the input.
	Partition string
	Priority  int
}

// StartRun validates the input, creates the run (idempotently by RunID),
// and drives it to its first pause or end. A run ID already taken by the
// same workflow returns that run (Existing) without driving it again. A
// RunID that breaks the ID rules (see CheckID) is an ErrInvalidID.
//
// A run started on a queue (StartRequest.Queue, Workflow.Queue) is stored
// queued; StartRun then admits what the queue has room for and drives the
// run when it was admitted, and otherwise returns KindQueued: a sweep
// admits and drives it later. An undeclared queue is an ErrUnknownQueue.
func (rt *Runtime) StartRun(ctx context.Context, req StartRequest) (Result, error) {
	if req.RunID != "" {
		if err := CheckID(FieldRunID, req.RunID); err != nil {
			return Result{}, err
		}
	}
	def, err := rt.definition(req.WorkflowID)
	if err != nil {
		return Result{}, err
	}
	if err := def.ValidateInput(req.Input); err != nil {
		return Result{}, err
	}
	p, err := rt.place(req)
	if err != nil {
		return Result{}, err
	}
	if req.RunID == "" {
		req.RunID = rt.newUUID()
	}
	if p.queue != "" {
		return rt.startQueued(ctx, req, def, p)
	}
	owner := rt.newOwner()
	// Held from before the run exists, so that a delivery racing the first
	// drive finds its holder (see holders).
	h := rt.holders.hold(req.RunID)
	defer h.drop()
	run, created, err := rt.store.CreateRun(ctx, store.NewRun{
		ID:         req.RunID,
		WorkflowID: req.WorkflowID,
		Version:    def.Version(),
		Status:     wf.StatusRunning,
		Input:      rawOrNull(req.Input),
		Lease:      rt.lease(owner),

		TraceParent: traceParentOf(ctx),
	})
	if err != nil {
		return Result{}, fmt.Errorf("runtime: start %s: %w", req.RunID, err)
	}
	if !created {
		return startedBefore(req, run)
	}
	rt.metrics.runStarted(ctx, run.WorkflowID)
	return rt.drive(ctx, store.Execution{Run: run}, owner, driveOptions{
		deadline: deadlineOr(ctx, req.Deadline), includeEvents: req.IncludeEvents, maxEvents: req.MaxEvents, held: h,
	})
}

// SignalRequest delivers a signal to a run.
type SignalRequest struct {
	RunID string
	// SignalID is the delivery's idempotency token (a webhook event ID):
	// the same SignalID again is a no-op reported as KindDuplicate.
	SignalID string
	Name     string
	// StepID targets one wait when two share a name; optional. A signal
	// that names a step is kept for that step's wait even when other waits
	// of the same name come first: the way to feed a given turn of a loop
	// that waits on one name more than once.
	StepID  string
	Payload json.RawMessage
	Meta    map[string]string
	// WorkflowID, when set, validates the payload against that workflow's
	// declaration of the signal (otherwise: the runtime's Signals, or the
	// registered workflows that declare the name).
	WorkflowID string
	// Strict refuses the signal (KindNotWaiting) when the run does not
	// await it now, instead of keeping it for the run's next wait of that
	// name. Config.StrictSignals sets it for every signal.
	Strict bool
	// Deadline bounds the drive that follows. Defaults to ctx's deadline,
	// if any.
	Deadline      time.Time
	IncludeEvents bool
	MaxEvents     int
}

// DeliverSignal validates the payload, stores the delivery idempotently
// (one store round trip) and, when the run awaits it, drives the run.
// Results: the drive's kind; KindAccepted when the signal is kept for a
// wait the run has not reached (the wait consumes it, oldest first, in the
// drive that reaches it) or when another invocation drives the run (it, or
// the next sweep, applies it); KindDuplicate; KindLost (Code signal_lost)
// when another signal resolved the same wait; KindNotFound; KindNotWaiting
// for a run that has ended (or, Strict, does not await the signal). A run
// that already keeps Config.MaxBufferedSignals signals or
// Config.MaxBufferedBytes bytes refuses more with an error wrapping
// ErrBufferFull; nothing is stored. IDs that break the ID rules (see
// CheckID; names starting with __ are reserved for timers and
// cancellation) are an ErrInvalidID.
func (rt *Runtime) DeliverSignal(ctx context.Context, req SignalRequest) (Result, error) {
	if err := checkSignalIDs(req); err != nil {
		return Result{}, err
	}
	if err := rt.validateSignal(req.WorkflowID, req.Name, req.Payload); err != nil {
		return Result{}, err
	}
	d := wf.Delivery{StepID: req.StepID, SignalID: req.SignalID, Name: req.Name, Payload: req.Payload, Meta: req.Meta, Time: rt.clock()}
	return rt.deliver(ctx, req.RunID, d, req.Strict, wf.CodeSignalLost, driveOptions{deadline: deadlineOr(ctx, req.Deadline), includeEvents: req.IncludeEvents, maxEvents: req.MaxEvents})
}

// ApprovalDecision delivers a human decision to a run's approval.
type ApprovalDecision struct {
	RunID      string
	ApprovalID string
	Approved   bool
	Feedback   string
	Meta       map[string]string
	// Strict refuses a decision for an approval the run has not requested
	// yet (KindNotWaiting) instead of keeping it. Config.StrictSignals
	// sets it for every decision.
	Strict bool
	// WorkflowID, when set, checks the approval ID against that workflow's
	// declared approvals (otherwise: against every registered workflow's).
	WorkflowID string
	// Deadline bounds the drive that follows. Defaults to ctx's deadline,
	// if any.
	Deadline      time.Time
	IncludeEvents bool
	MaxEvents     int
}

// DeliverApproval stores the decision idempotently by approval ID and,
// when the run awaits it, drives the run. A decision made before the run
// asks for the approval (its ID is known in advance) is kept and
// KindAccepted: Approve returns it as soon as the run reaches it. A second
// decision for the same approval is KindDuplicate (the first stands); one
// that arrives after the approval timed out is KindLost with Code
// approval_lost; one for a run that has ended is KindNotWaiting. An
// approval ID no registered workflow declares, when they declare their
// approvals, is an ErrUnknownApproval (see Workflow.Approvals); IDs that
// break the ID rules (see CheckID) are an ErrInvalidID.
func (rt *Runtime) DeliverApproval(ctx context.Context, req ApprovalDecision) (Result, error) {
	if err := CheckID(FieldRunID, req.RunID); err != nil {
		return Result{}, err
	}
	if err := CheckID(FieldApprovalID, req.ApprovalID); err != nil {
		return Result{}, err
	}
	if err := rt.checkApproval(ctx, req.RunID, req.WorkflowID, req.ApprovalID); err != nil {
		return Result{}, err
	}
	d := wf.Delivery{StepID: req.ApprovalID, SignalID: approvalSignalPrefix + req.ApprovalID, Name: "approval", ApprovalID: req.ApprovalID,
		Approved: req.Approved, Feedback: req.Feedback, Meta: req.Meta, Time: rt.clock()}
	return rt.deliver(ctx, req.RunID, d, req.Strict, wf.CodeApprovalLost, driveOptions{deadline: deadlineOr(ctx, req.Deadline), includeEvents: req.IncludeEvents, maxEvents: req.MaxEvents})
}

func (rt *Runtime) claimAndDrive(ctx context.Context, runID string, opts driveOptions) (Result, error) {
	return rt.claimThen(ctx, runID, func(ex store.Execution, owner string, h *hold) (Result, error) {
		opts.held = h
		return rt.drive(ctx, ex, owner, opts)
	})
}

// claimThen claims the run and hands the claimed execution to act, with
// the hold taken before the claim (see holders), which a drive ends; the
// other claim outcomes become results.
func (rt *Runtime) claimThen(ctx context.Context, runID string, act func(ex store.Execution, owner string, h *hold) (Result, error)) (Result, error) {
	owner := rt.newOwner()
	h := rt.holders.hold(runID)
	defer h.drop()
	claim, err := rt.store.ClaimRun(ctx, runID, rt.lease(owner))
	if err != nil {
		return Result{}, fmt.Errorf("runtime: claim run %s: %w", runID, err)
	}
	switch claim.Status {
	case store.NotFound:
		return Result{Kind: KindNotFound}, nil
	case store.NotClaimable:
		return Result{Kind: KindNotClaimable, Run: claim.Execution.Run}, nil
	case store.Terminal:
		return Result{Kind: kindOf(claim.Execution.Run.Status), Run: claim.Execution.Run}, nil
	}
	return act(claim.Execution, owner, h)
}

// deadlineOr returns d, or ctx's deadline when d is zero.
func deadlineOr(ctx context.Context, d time.Time) time.Time {
	if d.IsZero() {
		if cd, ok := ctx.Deadline(); ok {
			return cd
		}
	}
	return d
}

// cancelStep is the operation ID of a stored cancellation request: a
// delivery no workflow operation can claim.
const cancelStep = "__cancel"

// Cancel ends a run as canceled: no further step runs; a run waiting on
// its queue ends without being admitted. A finished run is
// reported as it is. When another owner is driving the run, the request is
// stored (KindAccepted is returned) and takes effect as soon as that
// invocation ends: the run is then recovered and canceled instead of
// resumed.
//
// Canceling a run cancels its attached child runs, and theirs, wherever
// they are driven (detached children are left running); each child's end
// stores its result for the canceled parent, which changes nothing there.
// Cancel of a run canceled already walks its children again, so calling
// Cancel again finishes a cascade that a crash cut short. An error from
// the cascade comes with the run's own result.
func (rt *Runtime) Cancel(ctx context.Context, runID, reason string) (Result, error) {
	if reason == "" {
		reason = "canceled"
	}
	return rt.cancel(ctx, runID, reason, descendantReason(runID, reason))
}

// cancel is Cancel, giving the run's attached descendants
// descendantsReason.
func (rt *Runtime) cancel(ctx context.Context, runID, reason, descendantsReason string) (Result, error) {
	res, err := rt.cancelRun(ctx, runID, reason)
	if err != nil || (res.Kind != KindCanceled && res.Kind != KindAccepted) {
		return res, err
	}
	if err := rt.cancelChildren(ctx, runID, descendantsReason); err != nil {
		return res, err
	}
	return res, nil
}

// cancelRun is Cancel of one run, without its children.
func (rt *Runtime) cancelRun(ctx context.Context, runID, reason string) (Result, error) {
	res, err := rt.claimThen(ctx, runID, func(ex store.Execution, owner string, _ *hold) (Result, error) {
		return rt.endAs(ctx, ex, owner, wf.StatusCanceled, canceledError(reason))
	})
	if err == nil {
		rt.freed(ctx, res)
	}
	if err != nil || res.Kind != KindNotClaimable {
		return res, err
	}
	payload, _ := json.Marshal(reason)
	d := wf.Delivery{StepID: cancelStep, SignalID: cancelStep, Name: cancelStep, Payload: payload, Time: rt.clock()}
	if _, err := rt.store.Deliver(ctx, runID, d, store.DeliverOptions{}); err != nil {
		return Result{}, fmt.Errorf("runtime: store the cancellation of run %s: %w", runID, err)
	}
	rt.wakeHolder(runID)
	res.Kind = KindAccepted
	return res, nil
}

func canceledError(reason string) *wf.ErrorInfo {
	return &wf.ErrorInfo{Name: "Canceled", Message: reason, Code: wf.CodeCanceled}
}

// cancelRequested returns the reason of a stored cancellation request.
func cancelRequested(ex store.Execution) (string, bool) {
	for _, d := range ex.Deliveries {
		if d.StepID == cancelStep {
			var reason string
			if json.Unmarshal(d.Payload, &reason) != nil || reason == "" {
				reason = "canceled"
			}
			return reason, true
		}
	}
	return "", false
}

// endAs commits a terminal RUN_ERRORED with the given status and error.
func (rt *Runtime) endAs(ctx context.Context, ex store.Execution, owner string, status wf.RunStatus, info *wf.ErrorInfo) (Result, error) {
	now := rt.clock()
	ev := wf.Event{Type: wf.RunErrored, Time: now, RunID: ex.Run.ID, Error: info, Code: info.Code}
	c := store.Commit{RunID: ex.Run.ID, Owner: owner, Next: len(ex.Events), Events: []wf.Event{ev},
		Status: status, LoadedSeq: ex.Run.DeliverySeq, Error: info, Now: now}
	if err := rt.store.Commit(ctx, c); err != nil {
		return rt.abandoned(ctx, ex.Run, owner, err)
	}
	return rt.ended(ctx, ex.Run, c), nil
}

// GetRun returns a run's state; store.ErrNotFound when missing.
func (rt *Runtime) GetRun(ctx context.Context, runID string) (store.Run, error) {
	return rt.store.GetRun(ctx, runID)
}

// ListRuns lists runs by workflow and status, newest first, with cursor
// paging.
func (rt *Runtime) ListRuns(ctx context.Context, q store.ListQuery) (store.RunPage, error) {
	return rt.store.ListRuns(ctx, q)
}

// Timeline is a run with its stored events.
type Timeline struct {
	Run    store.Run
	Events []wf.Event
	// Unconsumed are the signals and approval decisions kept for waits the
	// run has not reached (Run.Buffered), oldest first: on an ended run,
	// those it never consumed.
	Unconsumed []wf.Delivery
	// Children are the runs the run started as children (Run.Parent
	// names it), attached or detached, newest first: at most
	// MaxTimelineChildren of them. Run.Parent links the run to its own
	// parent.
	Children []store.Run
	// MoreChildren is set when the run has more children than Children
	// holds; ListRuns with ListQuery.ParentRunID lists them all.
	MoreChildren bool
}

// MaxTimelineChildren bounds Timeline.Children.
const MaxTimelineChildren = 200

// Timeline returns a run, its whole log, its unconsumed deliveries and its
// children.
func (rt *Runtime) Timeline(ctx context.Context, runID string) (Timeline, error) {
	ex, err := rt.store.LoadExecution(ctx, runID)
	if err != nil {
		return Timeline{}, err
	}
	children, err := rt.store.ListRuns(ctx, store.ListQuery{ParentRunID: runID, Limit: MaxTimelineChildren})
	if err != nil {
		return Timeline{}, fmt.Errorf("runtime: list the children of run %s: %w", runID, err)
	}
	return Timeline{Run: ex.Run, Events: ex.Events, Unconsumed: bufferedDeliveries(ex),
		Children: children.Runs, MoreChildren: children.Next != ""}, nil
}

// Attach returns what a run's log says about it, without driving it.
func (rt *Runtime) Attach(ctx context.Context, runID string) (wf.LogState, error) {
	ex, err := rt.store.LoadExecution(ctx, runID)
	if err != nil {
		return wf.LogState{}, err
	}
	return wf.Attach(ex.Events), nil
}

// DeleteRun removes a run with its log; it reports whether it existed.
func (rt *Runtime) DeleteRun(ctx context.Context, runID string) (bool, error) {
	return rt.store.DeleteRun(ctx, runID)
}

// PurgeRuns deletes up to limit terminal runs last updated before cutoff.
func (rt *Runtime) PurgeRuns(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	return rt.store.PurgeRuns(ctx, cutoff, limit)
}

// startedBefore answers a start whose run ID is taken: the stored run, as
// an Existing result, when it is the same workflow's; ErrRunExists
// otherwise.
func startedBefore(req StartRequest, run store.Run) (Result, error) {
	if run.WorkflowID != req.WorkflowID {
		return Result{}, fmt.Errorf("%w: run %q is a %q run, not %q", ErrRunExists, req.RunID, run.WorkflowID, req.WorkflowID)
	}
	return Result{Kind: resultKindOf(run), Run: run, Existing: true}, nil
}
