package runtime

import (
	"context"
	"fmt"
	"time"
)

// yieldMargin is the MinYieldRemaining of a drive: the runtime's margin,
// or a quarter of the drive's budget when that is less, so that a budget
// shorter than the margin still runs steps instead of yielding at once.
func (rt *Runtime) yieldMargin(opts driveOptions) time.Duration {
	if opts.minYield > 0 {
		return opts.minYield
	}
	if opts.deadline.IsZero() {
		return rt.minYield
	}
	return clampMargin(rt.minYield, opts.deadline.Sub(rt.clock()))
}

// clampMargin returns margin, at most a quarter of budget (and never less
// than a nanosecond: a zero margin would turn yielding off).
func clampMargin(margin, budget time.Duration) time.Duration {
	return max(min(margin, budget/4), time.Nanosecond)
}

// CheckSweepOptions reports options that Sweep refuses. A sweep claims its
// timers and schedule buckets in batches and works through them one by
// one; those claims are not renewed while they wait, so a MaxDuration past
// the runtime's LeaseDuration could let a claim lapse, and another
// sweeper take the same item, before this sweep reaches it. (Runs are
// claimed again right before each is driven, and leases are renewed while
// a run is driven.)
func (rt *Runtime) CheckSweepOptions(opts SweepOptions) error {
	opts = rt.SweepDefaults(opts)
	if opts.MaxDuration > rt.leaseDuration {
		return fmt.Errorf("runtime: sweep MaxDuration %s exceeds LeaseDuration %s: claims would lapse before the sweep reaches them; lower MaxDuration or raise Config.LeaseDuration",
			opts.MaxDuration, rt.leaseDuration)
	}
	return nil
}

// releaseTimer gives up the sweep's claim on a timer it did not reach, so
// that the next sweep takes it at once instead of after the lease expires.
func (s *sweep) releaseTimer(runID, stepID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.rt.store.ReleaseTimer(ctx, runID, stepID, s.opts.LeaseOwner); err != nil {
		s.rt.logger.Warn("runtime: release timer", "run", runID, "step", stepID, "err", err)
	}
}

// releaseBucket gives up the sweep's claim on a bucket it did not reach.
func (s *sweep) releaseBucket(scheduleID, bucketID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.rt.store.ReleaseBucket(ctx, scheduleID, bucketID, s.opts.LeaseOwner); err != nil {
		s.rt.logger.Warn("runtime: release bucket", "schedule", scheduleID, "bucket", bucketID, "err", err)
	}
}
