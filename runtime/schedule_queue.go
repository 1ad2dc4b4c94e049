package runtime

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// tickRun is the run a schedule's tick creates: leased to owner and
// running, or, for a workflow declared on a queue, waiting on that queue
// (partition key and priority from the input, as StartRun places it),
// unleased, with owner "". The run stores the trace context of ctx (the
// sweep's, or a trigger's caller's).
func (rt *Runtime) tickRun(ctx context.Context, s registeredSchedule, runID string, input json.RawMessage, version string) (store.NewRun, string, error) {
	nr := store.NewRun{ID: runID, WorkflowID: s.workflowID, Version: version, Input: rawOrNull(input), TraceParent: traceParentOf(ctx)}
	p, err := rt.place(StartRequest{WorkflowID: s.workflowID, RunID: runID, Input: input})
	if err != nil {
		return store.NewRun{}, "", fmt.Errorf("runtime: schedule %s: %w", s.ID, err)
	}
	if p.queue != "" {
		nr.Status, nr.Lease = wf.StatusQueued, store.Lease{Now: rt.clock()}
		nr.Queue, nr.PartitionKey, nr.Priority = p.queue, p.partition, p.priority
		return nr, "", nil
	}
	owner := rt.newOwner()
	nr.Status, nr.Lease = wf.StatusRunning, rt.lease(owner)
	return nr, owner, nil
}

// driveCreated drives a run a tick has just created: at once when it is
// leased to owner, or, when it waits on its queue, once an admission that
// makes room for it admits it; otherwise it is KindQueued and a sweep
// admits and drives it later.
func (rt *Runtime) driveCreated(ctx context.Context, run store.Run, owner string, opts driveOptions) (Result, error) {
	if !run.Waiting() {
		return rt.drive(ctx, store.Execution{Run: run}, owner, opts)
	}
	if !rt.admitted(ctx, &run) {
		return Result{Kind: KindQueued, Run: run}, nil
	}
	res, err := rt.claimAndDrive(ctx, run.ID, opts)
	if err == nil && res.Kind == KindNotClaimable {
		// A sweep took the admitted run first; it drives it.
		res.Kind = KindRunning
	}
	return res, err
}
