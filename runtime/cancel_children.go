package runtime

import (
	"context"
	"errors"
	"fmt"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// childrenPage is how many children one ListRuns of the cancel cascade
// reads.
const childrenPage = 100

// cancelChildren cancels the attached children of the canceled run
// parentID, and theirs, all with reason. A child canceled already is
// walked again, so that a cascade a crash cut short is finished by the
// next Cancel of any run above the cut; a child that ended otherwise, and
// a detached child, are left as they are. Each child's end stores its
// delivery for its canceled parent, which changes nothing there. It
// returns the errors of the children it could not cancel, having tried
// them all.
func (rt *Runtime) cancelChildren(ctx context.Context, parentID, reason string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("runtime: cancel the children of run %s: %w", parentID, err)
	}
	q := store.ListQuery{ParentRunID: parentID, Limit: childrenPage}
	var errs []error
	for {
		page, err := rt.store.ListRuns(ctx, q)
		if err != nil {
			return errors.Join(append(errs, fmt.Errorf("runtime: list the children of run %s: %w", parentID, err))...)
		}
		for _, child := range page.Runs {
			if child.Parent == nil || child.Parent.Detached || child.Parent.RunID != parentID ||
				(child.Status.Terminal() && child.Status != wf.StatusCanceled) {
				continue
			}
			if _, err := rt.cancel(ctx, child.ID, reason, reason); err != nil {
				errs = append(errs, err)
			}
		}
		if page.Next == "" {
			return errors.Join(errs...)
		}
		q.Cursor = page.Next
	}
}

// descendantReason is the reason a cascade gives the descendants of the
// canceled run runID.
func descendantReason(runID, reason string) string {
	return fmt.Sprintf("run %s was canceled: %s", runID, reason)
}

// endRequested ends a run whose cancellation was requested while another
// owner drove it, then cancels its attached children. A cascade that
// fails is logged, not returned: the run's end is committed, and the next
// Cancel of the run finishes the cascade.
func (rt *Runtime) endRequested(ctx context.Context, ex store.Execution, owner, reason string) (Result, error) {
	res, err := rt.endAs(ctx, ex, owner, wf.StatusCanceled, canceledError(reason))
	if err != nil || res.Kind != KindCanceled {
		return res, err
	}
	if err := rt.cancelChildren(ctx, ex.Run.ID, descendantReason(ex.Run.ID, reason)); err != nil {
		rt.logger.Warn("runtime: cancel the children of a canceled run", "run", ex.Run.ID, "err", err)
	}
	return res, nil
}
