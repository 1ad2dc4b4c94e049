package runtime

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// Fork starts run newRunID of the same workflow and input as an ended run,
// on the current version, with a copy of that run's log up to, not
// including, the first event of operation fromStep, followed by a
// RUN_FORKED marker (the source run and step; who and why from opts). The
// new run replays the copied operations without executing them and runs
// fromStep and what follows afresh; it is then driven like a new run. A
// fork of a run on a queue waits on that queue, as a start on it does.
//
// Fork is idempotent: the same newRunID forked from the same run and step
// returns that run (Existing). A live source run is ErrNotEnded, a step
// absent from its log ErrUnknownStep, a newRunID taken by another run
// ErrRunExists, an unregistered workflow ErrUnknownWorkflow, and a
// newRunID that breaks the ID rules (see CheckID) ErrInvalidID. A missing
// source run is KindNotFound.
func (rt *Runtime) Fork(ctx context.Context, runID string, fromStep wf.StepID, newRunID string, opts ...ActionOption) (Result, error) {
	if newRunID == "" || fromStep == "" {
		return Result{}, errors.New("runtime: Fork needs a step and a new run ID")
	}
	if err := CheckID(FieldRunID, newRunID); err != nil {
		return Result{}, err
	}
	if res, ok, err := rt.existingFork(ctx, runID, fromStep, newRunID); ok || err != nil {
		return res, err
	}
	src, err := rt.store.LoadExecution(ctx, runID)
	if errors.Is(err, store.ErrNotFound) {
		return Result{Kind: KindNotFound}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("runtime: fork run %s: %w", runID, err)
	}
	if !src.Run.Status.Terminal() {
		return Result{}, fmt.Errorf("%w: run %s is %s", ErrNotEnded, runID, src.Run.Status)
	}
	def, err := rt.definition(src.Run.WorkflowID)
	if err != nil {
		return Result{}, err
	}
	cut, err := forkPoint(src.Events, string(fromStep))
	if err != nil {
		return Result{}, fmt.Errorf("%w: run %s", err, runID)
	}
	now := rt.clock()
	log := append(append([]wf.Event(nil), src.Events[:cut]...),
		wf.Event{Type: wf.RunForked, Time: now, RunID: runID, StepID: string(fromStep), Meta: actionMeta(opts)})
	owner := rt.newOwner()
	nr := store.NewRun{
		ID: newRunID, WorkflowID: src.Run.WorkflowID, Version: def.Version(), Status: wf.StatusRunning,
		Input: src.Run.Input, Lease: rt.lease(owner), Log: log, TraceParent: traceParentOf(ctx),
	}
	if q := src.Run.Queue; q != "" {
		// The fork waits on its source's queue, in the same place, so
		// that the queue's caps count it; drive admits it when there is
		// room, else a sweep does.
		if _, ok := rt.queues[q]; !ok {
			return Result{}, fmt.Errorf("runtime: fork run %s as %s: %w %q (declare it in Config.Queues)", runID, newRunID, ErrUnknownQueue, q)
		}
		nr.Status, nr.Queue, nr.PartitionKey, nr.Priority = wf.StatusQueued, q, src.Run.PartitionKey, src.Run.Priority
	}
	h := rt.holders.hold(newRunID) // before the run exists: see holders
	defer h.drop()
	run, created, err := rt.store.CreateRun(ctx, nr)
	if err != nil {
		return Result{}, fmt.Errorf("runtime: fork run %s as %s: %w", runID, newRunID, err)
	}
	if !created {
		res, _, err := rt.existingFork(ctx, runID, fromStep, newRunID)
		return res, err
	}
	rt.logger.Info("runtime: run forked", "run", runID, "step", fromStep, "fork", newRunID, "copied", cut)
	rt.metrics.runStarted(ctx, run.WorkflowID)
	return rt.drive(ctx, store.Execution{Run: run, Events: log}, owner, driveOptions{deadline: deadlineOr(ctx, time.Time{}), held: h})
}

// existingFork answers a Fork whose newRunID exists: that run when it is
// this fork, ErrRunExists otherwise.
func (rt *Runtime) existingFork(ctx context.Context, runID string, fromStep wf.StepID, newRunID string) (Result, bool, error) {
	ex, err := rt.store.LoadExecution(ctx, newRunID)
	if errors.Is(err, store.ErrNotFound) {
		return Result{}, false, nil
	}
	if err != nil {
		return Result{}, false, fmt.Errorf("runtime: fork run %s as %s: %w", runID, newRunID, err)
	}
	for _, ev := range ex.Events {
		if ev.Type == wf.RunForked {
			if ev.RunID == runID && ev.StepID == string(fromStep) {
				return Result{Kind: resultKindOf(ex.Run), Run: ex.Run, Existing: true}, true, nil
			}
			break
		}
	}
	return Result{}, false, fmt.Errorf("%w: run %q is not a fork of run %s at %q", ErrRunExists, newRunID, runID, fromStep)
}

// forkPoint returns the index of the first event of operation step (or of
// its durable retries) in log.
func forkPoint(log []wf.Event, step string) (int, error) {
	var seen []string
	known := map[string]bool{}
	for i, ev := range log {
		if ev.StepID == "" || ev.Type == wf.RunRetried || ev.Type == wf.RunForked {
			continue
		}
		if ev.StepID == step || strings.HasPrefix(ev.StepID, step+"#") {
			return i, nil
		}
		if id, _, _ := strings.Cut(ev.StepID, "#"); !known[id] {
			known[id] = true
			seen = append(seen, id)
		}
	}
	return 0, fmt.Errorf("%w: %q (the log has %s)", ErrUnknownStep, step, strings.Join(seen, ", "))
}
