package runtime

import (
	"context"
	"encoding/json"
	"errors"
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
}

// StartRun validates the input, creates the run (idempotently by RunID),
// and drives it to its first pause or end. A run ID already taken by the
// same workflow returns that run (Existing) without driving it again. A
// RunID that breaks the ID rules (see CheckID) is an ErrInvalidID.
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
	if req.RunID == "" {
		req.RunID = rt.newUUID()
	}
	owner := rt.newOwner()
	run, created, err := rt.store.CreateRun(ctx, store.NewRun{
		ID:         req.RunID,
		WorkflowID: req.WorkflowID,
		Version:    def.Version(),
		Status:     wf.StatusRunning,
		Input:      rawOrNull(req.Input),
		Lease:      rt.lease(owner),
	})
	if err != nil {
		return Result{}, fmt.Errorf("runtime: start %s: %w", req.RunID, err)
	}
	if !created {
		if run.WorkflowID != req.WorkflowID {
			return Result{}, fmt.Errorf("%w: run %q is a %q run, not %q", ErrRunExists, req.RunID, run.WorkflowID, req.WorkflowID)
		}
		return Result{Kind: kindOf(run.Status), Run: run, Existing: true}, nil
	}
	return rt.drive(ctx, store.Execution{Run: run}, owner, driveOptions{
		deadline: deadlineOr(ctx, req.Deadline), includeEvents: req.IncludeEvents, maxEvents: req.MaxEvents,
	})
}

// SignalRequest delivers a signal to a run.
type SignalRequest struct {
	RunID string
	// SignalID is the delivery's idempotency token (a webhook event ID):
	// the same SignalID again is a no-op reported as KindDuplicate.
	SignalID string
	Name     string
	// StepID targets one wait when two share a name; optional.
	StepID  string
	Payload json.RawMessage
	Meta    map[string]string
	// Deadline bounds the drive that follows. Defaults to ctx's deadline,
	// if any.
	Deadline      time.Time
	IncludeEvents bool
	MaxEvents     int
}

// DeliverSignal validates the payload, stores the delivery idempotently and
// drives the run. Results: the drive's kind, or KindNotFound,
// KindNotWaiting, KindDuplicate, KindLost (Code signal_lost), or
// KindNotClaimable (stored; the current lease holder or a sweep drives it).
// IDs that break the ID rules (see CheckID; names starting with __ are
// reserved for timers and cancellation) are an ErrInvalidID.
func (rt *Runtime) DeliverSignal(ctx context.Context, req SignalRequest) (Result, error) {
	if err := checkSignalIDs(req); err != nil {
		return Result{}, err
	}
	run, err := rt.store.GetRun(ctx, req.RunID)
	if errors.Is(err, store.ErrNotFound) {
		return Result{Kind: KindNotFound}, nil
	}
	if err != nil {
		return Result{}, err
	}
	if err := rt.validateSignal(run.WorkflowID, req.Name, req.Payload); err != nil {
		return Result{}, err
	}
	await, ok := findAwait(run, func(a wf.Await) bool {
		return a.Kind == wf.AwaitSignal && a.Name == req.Name && (req.StepID == "" || req.StepID == a.StepID)
	})
	if !ok {
		await = wf.Await{StepID: req.StepID}
	}
	d := wf.Delivery{SignalID: req.SignalID, Name: req.Name, Payload: req.Payload, Meta: req.Meta, Time: rt.clock()}
	return rt.deliver(ctx, run, await, ok, d, wf.CodeSignalLost, driveOptions{deadline: deadlineOr(ctx, req.Deadline), includeEvents: req.IncludeEvents, maxEvents: req.MaxEvents})
}

// ApprovalDecision delivers a human decision to a run's approval.
type ApprovalDecision struct {
	RunID      string
	ApprovalID string
	Approved   bool
	Feedback   string
	Meta       map[string]string
	// Deadline bounds the drive that follows. Defaults to ctx's deadline,
	// if any.
	Deadline      time.Time
	IncludeEvents bool
	MaxEvents     int
}

// DeliverApproval stores the decision idempotently by approval ID and drives
// the run. A second decision for the same approval is KindDuplicate (the
// first stands); one that arrives after the approval timed out is KindLost
// with Code approval_lost. An approval ID the run's workflow does not
// declare is an ErrUnknownApproval (see Workflow.Approvals); IDs that break
// the ID rules (see CheckID) are an ErrInvalidID.
func (rt *Runtime) DeliverApproval(ctx context.Context, req ApprovalDecision) (Result, error) {
	if err := CheckID(FieldRunID, req.RunID); err != nil {
		return Result{}, err
	}
	if err := CheckID(FieldApprovalID, req.ApprovalID); err != nil {
		return Result{}, err
	}
	run, err := rt.store.GetRun(ctx, req.RunID)
	if errors.Is(err, store.ErrNotFound) {
		return Result{Kind: KindNotFound}, nil
	}
	if err != nil {
		return Result{}, err
	}
	if err := rt.checkApproval(ctx, run, req.ApprovalID); err != nil {
		return Result{}, err
	}
	await, ok := findAwait(run, func(a wf.Await) bool {
		return a.Kind == wf.AwaitApproval && a.ApprovalID == req.ApprovalID
	})
	if !ok {
		// The approval may have been resolved already (by this decision,
		// or by its timeout): the stored deliveries tell which.
		await = wf.Await{StepID: req.ApprovalID}
	}
	d := wf.Delivery{SignalID: "approval:" + req.ApprovalID, Name: "approval", ApprovalID: req.ApprovalID,
		Approved: req.Approved, Feedback: req.Feedback, Meta: req.Meta, Time: rt.clock()}
	return rt.deliver(ctx, run, await, ok, d, wf.CodeApprovalLost, driveOptions{deadline: deadlineOr(ctx, req.Deadline), includeEvents: req.IncludeEvents, maxEvents: req.MaxEvents})
}

// deliver stores d for the awaited wait and drives the run.
func (rt *Runtime) deliver(ctx context.Context, run store.Run, await wf.Await, waiting bool, d wf.Delivery, lostCode wf.ErrorCode, opts driveOptions) (Result, error) {
	if !waiting {
		return rt.notWaiting(ctx, run, d, await.StepID, lostCode)
	}
	d.StepID = await.StepID
	if err := rt.checkDelivery(d); err != nil {
		return Result{}, fmt.Errorf("runtime: deliver %s to run %s: %w", d.SignalID, run.ID, err)
	}
	res, err := rt.store.Deliver(ctx, run.ID, d)
	if err != nil {
		return Result{}, fmt.Errorf("runtime: deliver %s to run %s: %w", d.SignalID, run.ID, err)
	}
	switch res.Status {
	case store.RunNotFound:
		return Result{Kind: KindNotFound}, nil
	case store.Duplicate:
		return Result{Kind: KindDuplicate, Run: run}, nil
	case store.Lost:
		return Result{Kind: KindLost, Run: run, Code: lostCode}, nil
	}
	return rt.claimAndDrive(ctx, run.ID, opts)
}

// notWaiting tells a delivery for a wait the run no longer (or never)
// awaited apart from a repeat of a stored one.
func (rt *Runtime) notWaiting(ctx context.Context, run store.Run, d wf.Delivery, stepID string, lostCode wf.ErrorCode) (Result, error) {
	ex, err := rt.store.LoadExecution(ctx, run.ID)
	if errors.Is(err, store.ErrNotFound) {
		return Result{Kind: KindNotFound}, nil
	}
	if err != nil {
		return Result{}, err
	}
	for _, stored := range ex.Deliveries {
		if stored.SignalID == d.SignalID {
			return Result{Kind: KindDuplicate, Run: ex.Run}, nil
		}
	}
	// A different delivery already resolved the same wait: the loser is
	// told so rather than "not waiting".
	for _, stored := range ex.Deliveries {
		sameWait := stored.StepID == stepID
		if d.ApprovalID == "" {
			sameWait = stored.Name == d.Name && (stepID == "" || stored.StepID == stepID)
		}
		if sameWait {
			return Result{Kind: KindLost, Run: ex.Run, Code: lostCode}, nil
		}
	}
	return Result{Kind: KindNotWaiting, Run: ex.Run}, nil
}

func (rt *Runtime) claimAndDrive(ctx context.Context, runID string, opts driveOptions) (Result, error) {
	return rt.claimThen(ctx, runID, func(ex store.Execution, owner string) (Result, error) {
		return rt.drive(ctx, ex, owner, opts)
	})
}

// claimThen claims the run and hands the claimed execution to act; the
// other claim outcomes become results.
func (rt *Runtime) claimThen(ctx context.Context, runID string, act func(ex store.Execution, owner string) (Result, error)) (Result, error) {
	owner := rt.newOwner()
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
	return act(claim.Execution, owner)
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

func (rt *Runtime) validateSignal(workflowID, name string, payload json.RawMessage) error {
	if v, ok := rt.signals[name]; ok {
		if v != nil {
			return v(payload)
		}
		return nil
	}
	w, ok := rt.workflows[workflowID]
	if !ok || w.Signals == nil {
		if len(payload) > 0 && !json.Valid(payload) {
			return &wf.ValidationError{Subject: "signal " + name, Issues: []wf.ValidationIssue{{Message: "not valid JSON"}}}
		}
		return nil
	}
	v, known := w.Signals[name]
	if !known {
		return fmt.Errorf("%w %q for workflow %q", ErrUnknownSignal, name, workflowID)
	}
	if v != nil {
		return v(payload)
	}
	return nil
}

func findAwait(run store.Run, match func(wf.Await) bool) (wf.Await, bool) {
	if run.Status.Terminal() {
		return wf.Await{}, false
	}
	for _, a := range run.Awaiting {
		if match(a) {
			return a, true
		}
	}
	return wf.Await{}, false
}

// cancelStep is the operation ID of a stored cancellation request: a
// delivery no workflow operation can claim.
const cancelStep = "__cancel"

// Cancel ends a run as canceled: no further step runs. A finished run is
// reported as it is. When another owner is driving the run, the request is
// stored (KindNotClaimable is returned) and takes effect as soon as that
// invocation ends: the run is then recovered and canceled instead of
// resumed.
func (rt *Runtime) Cancel(ctx context.Context, runID, reason string) (Result, error) {
	if reason == "" {
		reason = "canceled"
	}
	res, err := rt.claimThen(ctx, runID, func(ex store.Execution, owner string) (Result, error) {
		return rt.endAs(ctx, ex, owner, wf.StatusCanceled, canceledError(reason))
	})
	if err != nil || res.Kind != KindNotClaimable {
		return res, err
	}
	payload, _ := json.Marshal(reason)
	d := wf.Delivery{StepID: cancelStep, SignalID: cancelStep, Name: cancelStep, Payload: payload, Time: rt.clock()}
	if _, err := rt.store.Deliver(ctx, runID, d); err != nil {
		return Result{}, fmt.Errorf("runtime: store the cancellation of run %s: %w", runID, err)
	}
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
	run := ex.Run
	run.Status, run.Error, run.Awaiting, run.WakeAt, run.LeaseOwner, run.LeaseExpiresAt = status, info, nil, nil, "", nil
	run.Parked = nil // a commit clears the park mark
	return Result{Kind: kindOf(status), Run: run, EventCount: 1}, nil
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
}

// Timeline returns a run and its whole log.
func (rt *Runtime) Timeline(ctx context.Context, runID string) (Timeline, error) {
	ex, err := rt.store.LoadExecution(ctx, runID)
	if err != nil {
		return Timeline{}, err
	}
	return Timeline{Run: ex.Run, Events: ex.Events}, nil
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
