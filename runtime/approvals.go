package runtime

import (
	"context"
	"fmt"
	"slices"
)

// checkApproval refuses a decision on an approval that the run's workflow
// does not declare, when it declares its approvals (Workflow.Approvals).
// A delivery aims at one store round trip, so the run is read only when
// the registrations cannot decide alone: when workflowID is not given and
// some registered workflows accept the ID while others do not.
func (rt *Runtime) checkApproval(ctx context.Context, runID, workflowID, approvalID string) error {
	if workflowID == "" {
		accepts, refuses := 0, 0
		for _, w := range rt.workflows {
			if w.Approvals == nil || slices.Contains(w.Approvals, approvalID) {
				accepts++
			} else {
				refuses++
			}
		}
		switch {
		case refuses == 0:
			return nil
		case accepts == 0:
			return fmt.Errorf("%w %s: no registered workflow declares it", ErrUnknownApproval, QuoteID(approvalID))
		}
		run, err := rt.store.GetRun(ctx, runID)
		if err != nil {
			return nil // the delivery answers not-found; nothing to refuse here
		}
		workflowID = run.WorkflowID
	}
	w, ok := rt.workflows[workflowID]
	if !ok {
		return fmt.Errorf("%w %s (%s)", ErrUnknownWorkflow, QuoteID(workflowID), rt.registered())
	}
	if w.Approvals == nil || slices.Contains(w.Approvals, approvalID) {
		return nil
	}
	return fmt.Errorf("%w %s for workflow %q", ErrUnknownApproval, QuoteID(approvalID), workflowID)
}

// checkSignalIDs applies the ID rules to a signal delivery's IDs.
func checkSignalIDs(req SignalRequest) error {
	if err := CheckID(FieldRunID, req.RunID); err != nil {
		return err
	}
	if err := CheckID(FieldSignalID, req.SignalID); err != nil {
		return err
	}
	if err := CheckID(FieldSignalName, req.Name); err != nil {
		return err
	}
	if req.StepID != "" {
		return CheckID(FieldStepID, req.StepID)
	}
	return nil
}
