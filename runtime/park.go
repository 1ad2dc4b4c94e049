package runtime

import (
	"context"
	"fmt"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// KindParked: the run's workflow version (or its whole workflow) is not
// registered in this build. The run is left paused with its deliveries
// stored and is marked parked (store.Run.Parked); it resumes by itself
// once a build that registers the version sweeps.
const KindParked ResultKind = "parked"

// park marks a claimed run that this build cannot drive as parked instead
// of ending it: a deploy that dropped a version must not kill its runs.
func (rt *Runtime) park(ctx context.Context, ex store.Execution, owner string, cause error) (Result, error) {
	p := store.Park{Reason: wf.CodeVersionMismatch, Version: ex.Run.Version, Message: cause.Error(), At: rt.clock()}
	if err := rt.store.ParkRun(ctx, ex.Run.ID, owner, p); err != nil {
		return rt.abandoned(ctx, ex.Run, owner, err)
	}
	if ex.Run.Parked == nil {
		rt.logger.Warn("runtime: run parked: "+p.Message, "run", ex.Run.ID, "workflow", ex.Run.WorkflowID, "version", ex.Run.Version)
	}
	run := ex.Run
	run.Status, run.Parked, run.WakeAt = wf.StatusPaused, &p, nil
	run.LeaseOwner, run.LeaseExpiresAt, run.UpdatedAt = "", nil, p.At
	return Result{Kind: KindParked, Run: run}, nil
}

// registeredVersions lists every workflow version this runtime can drive.
func (rt *Runtime) registeredVersions() []store.WorkflowVersion {
	var vs []store.WorkflowVersion
	for id, w := range rt.workflows {
		for _, v := range w.Definition.Versions() {
			vs = append(vs, store.WorkflowVersion{WorkflowID: id, Version: v})
		}
	}
	return vs
}

// Unpark makes the parked runs of every workflow version this runtime
// registers ready for recovery, and returns how many there were. Sweep
// calls it first, so a deploy that restores a version resumes its parked
// runs on its first sweep; call it directly to resume them sooner.
func (rt *Runtime) Unpark(ctx context.Context) (int, error) {
	n, err := rt.store.UnparkRuns(ctx, rt.registeredVersions(), rt.clock())
	if err != nil {
		return 0, fmt.Errorf("runtime: unpark runs: %w", err)
	}
	if n > 0 {
		rt.logger.Info("runtime: unparked runs", "count", n)
	}
	return n, nil
}

// unpark is a sweep's first phase: runs parked for a version this build
// registers become ready, for the recovery phase that follows.
func (s *sweep) unpark(ctx context.Context) error {
	n, err := s.rt.Unpark(ctx)
	s.res.Summary.Unparked = n
	return err
}

// countParked totals the sweep's KindParked results.
func (s *sweep) countParked() {
	sum := s.res.Summary
	s.res.Summary.Parked = sum.Recovered[KindParked] + sum.Scheduled[KindParked] + sum.Timers[KindParked]
}
