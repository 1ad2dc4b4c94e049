package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// leaseGuard knows, locally, until when a drive holds its run's lease. The
// heartbeat renews the lease every third of its duration; when a step is
// about to start and less than half the lease is left by the runtime's
// clock, the heartbeat is late (the process was paused, the store is slow)
// and the lease may have passed to another owner, who may be running this
// very step. The guard then renews the lease before the step runs, and a
// lost lease ends the drive instead.
type leaseGuard struct {
	rt     *Runtime
	runID  string
	owner  string
	cancel context.CancelCauseFunc

	mu    sync.Mutex
	until time.Time
}

func (rt *Runtime) newLeaseGuard(run store.Run, owner string, cancel context.CancelCauseFunc) *leaseGuard {
	g := &leaseGuard{rt: rt, runID: run.ID, owner: owner, cancel: cancel}
	if run.LeaseExpiresAt != nil {
		g.until = *run.LeaseExpiresAt
	}
	return g
}

// renew extends the lease; a lost lease cancels the drive.
func (g *leaseGuard) renew(ctx context.Context) error {
	lease := g.rt.lease(g.owner)
	err := g.rt.store.Heartbeat(ctx, g.runID, lease)
	switch {
	case err == nil:
		g.mu.Lock()
		g.until = lease.Until
		g.mu.Unlock()
	case errors.Is(err, store.ErrLeaseLost):
		g.rt.logger.Warn("runtime: lease lost while driving", "run", g.runID, "owner", g.owner)
		g.cancel(store.ErrLeaseLost)
	}
	return err
}

// renewBeforeStep renews a lease that may have lapsed before a step runs.
// Any failure ends the drive (canceling it with the cause), so that the
// step runs only under a lease known to be held, and a store error is not
// mistaken for the step's own failure.
func (g *leaseGuard) renewBeforeStep(ctx context.Context) error {
	err := g.renew(ctx)
	if err != nil && !errors.Is(err, store.ErrLeaseLost) {
		err = fmt.Errorf("renew the lease before a step: %w", err)
		g.cancel(err)
	}
	return err
}

// fresh reports whether at least half the lease is left.
func (g *leaseGuard) fresh() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.until.Sub(g.rt.clock()) >= g.rt.leaseDuration/2
}

// middleware checks the lease before each live step attempt.
func (g *leaseGuard) middleware() wf.Middleware {
	return wf.Middleware{
		Name: "lease",
		Step: func(sc wf.StepContext, next func(wf.StepContext) error) error {
			if !g.fresh() {
				if err := g.renewBeforeStep(sc); err != nil {
					return err // the drive is canceled: the engine abandons it
				}
			}
			return next(sc)
		},
	}
}
