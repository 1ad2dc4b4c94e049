package runtime

import (
	"context"
	"fmt"
	"slices"

	"github.com/wfgo/wf/store"
)

// checkApproval refuses a decision on an approval the run's workflow does
// not declare, when it declares its approvals (Workflow.Approvals).
func (rt *Runtime) checkApproval(_ context.Context, run store.Run, approvalID string) error {
	w, ok := rt.workflows[run.WorkflowID]
	if !ok || w.Approvals == nil || slices.Contains(w.Approvals, approvalID) {
		return nil
	}
	return fmt.Errorf("%w %s for workflow %q", ErrUnknownApproval, QuoteID(approvalID), run.WorkflowID)
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
