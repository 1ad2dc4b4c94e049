package runtime

import (
	"context"
	"fmt"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// admit is the sweep's queue phase: for each declared queue, by name, it
// admits what the queue has room for, within what is left of
// MaxAdmittedRuns, and drives the admitted runs. A run admitted here and
// not driven (the sweep ran out of time) is ready: recovery drives it.
func (s *sweep) admit(ctx context.Context) error {
	n, err := drain(s, s.opts.MaxAdmittedRuns, false, func(want int) ([]string, error) {
		var admitted []string
		for _, q := range s.rt.Queues() {
			left := want - len(admitted)
			if left <= 0 || s.outOfTime() {
				break
			}
			ids, err := s.rt.admit(ctx, q.Name, left)
			if err != nil {
				return nil, fmt.Errorf("runtime: sweep: admit queue %q: %w", q.Name, err)
			}
			admitted = append(admitted, ids...)
		}
		return admitted, nil
	}, func(id string) {
		res, err := s.driveAdmitted(ctx, id)
		s.record(s.res.Summary.Admitted, &s.res.Admitted, id, res, err)
	}, func(string) {
		// Admitted and not driven: the run is ready, recovery drives it.
	})
	if err != nil {
		return err
	}
	s.mayRemain(s.res.Summary.Admitted, n, s.opts.MaxAdmittedRuns)
	return nil
}

// driveAdmitted claims a run the sweep admitted and drives it. Another
// sweeper's recovery may have taken it first (KindNotClaimable).
func (s *sweep) driveAdmitted(ctx context.Context, runID string) (Result, error) {
	owner := s.opts.LeaseOwner
	h := s.rt.holders.hold(runID) // before the claim: see holders
	defer h.drop()
	claim, err := s.rt.store.ClaimRun(ctx, runID, s.lease())
	if err != nil {
		return Result{}, fmt.Errorf("runtime: drive admitted run %s: %w", runID, err)
	}
	ex := claim.Execution
	switch {
	case claim.Status == store.NotFound:
		return Result{Kind: KindNotFound}, nil
	case claim.Status == store.Terminal:
		return Result{Kind: kindOf(ex.Run.Status), Run: ex.Run}, nil
	case claim.Status != store.Claimed:
		return Result{Kind: KindNotClaimable, Run: ex.Run}, nil
	case ex.Run.Status != wf.StatusRunning:
		// A delivery's caller drove it past its start already.
		s.rt.release(runID, owner)
		return Result{Kind: KindNotClaimable, Run: ex.Run}, nil
	}
	opts := s.driveOpts()
	opts.held = h
	return s.rt.drive(ctx, ex, owner, opts)
}
