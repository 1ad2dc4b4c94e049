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
