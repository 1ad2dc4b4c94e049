package host

import (
	"context"
	"time"

	"github.com/wfgo/wf/runtime"
)

// Summary is what a host returns or logs after a sweep: compact, with no
// per-run events.
type Summary struct {
	OK                bool            `json:"ok"`
	Now               time.Time       `json:"now"`
	LeaseOwner        string          `json:"leaseOwner,omitempty"`
	Materialized      int             `json:"materialized"`
	Summary           runtime.Summary `json:"summary"`
	DeadlineReached   bool            `json:"deadlineReached"`
	RemainingMayExist bool            `json:"remainingMayExist"`
	Error             string          `json:"error,omitempty"`
}

// Sweep runs one bounded sweep without events (runtime.Sweep materialises
// the schedules before it claims their buckets). When ctx has a deadline, the sweep's MaxDuration is cut
// to end margin before it, so the host never kills a sweep mid-commit.
func Sweep(ctx context.Context, rt *runtime.Runtime, opts runtime.SweepOptions, margin time.Duration) (Summary, error) {
	if dl, ok := ctx.Deadline(); ok {
		budget := time.Until(dl) - margin
		if budget <= 0 {
			budget = time.Second
		}
		opts = rt.SweepDefaults(opts) // a long deadline does not stretch the default past the lease
		opts.MaxDuration = min(opts.MaxDuration, budget)
	}
	res, err := rt.Sweep(ctx, opts)
	sum := Summary{
		OK:                err == nil,
		Now:               res.Now,
		LeaseOwner:        res.LeaseOwner,
		Materialized:      res.Summary.Materialized,
		Summary:           res.Summary,
		DeadlineReached:   res.DeadlineReached,
		RemainingMayExist: res.RemainingMayExist,
	}
	if err != nil {
		sum.Error = err.Error()
	}
	return sum, err
}
