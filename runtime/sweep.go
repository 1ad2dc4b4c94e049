package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// Result kinds that only sweeps report, for schedule buckets.
const (
	// KindSkipped: a schedule tick was dropped (overlap policy, disabled
	// or unregistered schedule, bad input).
	KindSkipped ResultKind = "skipped"
	// KindBuffered: a schedule tick waits for the previous run to end.
	KindBuffered ResultKind = "buffered"
)

// SweepOptions bound one sweep. Zero values take the defaults.
type SweepOptions struct {
	// MaxRecoveredRuns caps stale runs re-driven. Defaults to 25.
	MaxRecoveredRuns int
	// MaxScheduledRuns caps schedule buckets started. Defaults to 25.
	MaxScheduledRuns int
	// MaxTimers caps due timers delivered. Defaults to 25.
	MaxTimers int
	// MaxAdmittedRuns caps the queued runs admitted and driven, over all
	// queues. Defaults to 25.
	MaxAdmittedRuns int
	// MaxDuration bounds the sweep's wall time; keep it below the host's
	// function timeout. It may not exceed the runtime's LeaseDuration (see
	// CheckSweepOptions). Defaults to 25s, or LeaseDuration when that is
	// shorter.
	MaxDuration time.Duration
	// LeaseOwner names this sweeper in leases. Defaults to the runtime's
	// owner with a per-sweep suffix.
	LeaseOwner string
	// SkipMaterialize skips MaterializeSchedules (the host did it).
	SkipMaterialize bool
	// IncludeEvents keeps per-item results with their events (for
	// debugging); MaxEvents caps events kept per item (0: all).
	IncludeEvents bool
	MaxEvents     int
	// Concurrency drives up to this many runs at once within each phase.
	// Defaults to 1. Recovery and timers claim their items in batches of
	// 32×Concurrency (at least 25, at most 1,000), one claim statement
	// each, so a sweep with a large budget holds one batch at a time (two
	// for timers, whose next batch is claimed while the last one's second
	// half is driven).
	Concurrency int
}

// KindCounts counts results by kind.
type KindCounts map[ResultKind]int

// Total is the number of results of every kind.
func (c KindCounts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// Summary is a sweep's compact account.
type Summary struct {
	// Admitted counts the queued runs this sweep admitted, by the kind of
	// the drive that followed.
	Admitted  KindCounts `json:"admitted"`
	Recovered KindCounts `json:"recovered"`
	Scheduled KindCounts `json:"scheduled"`
	// Timers counts the runs woken by due timers: a run with several
	// due timers is driven, and counted, once.
	Timers       KindCounts `json:"timers"`
	Materialized int        `json:"materialized"`
	// Unparked counts parked runs this sweep made ready because this
	// build registers their version; Parked counts runs it left parked
	// (their version is not registered), over all kinds.
	Unparked int `json:"unparked"`
	Parked   int `json:"parked"`
	// EventCount counts events appended by the sweep; ReturnedEventCount
	// those kept in the result.
	EventCount         int `json:"eventCount"`
	ReturnedEventCount int `json:"returnedEventCount"`
	// Failed lists the runs whose drive failed in this sweep and that now
	// back off (each is also counted under "error").
	Failed []FailedDrive `json:"failed,omitempty"`
}

// SweepItem is one item's result, kept when IncludeEvents is set.
type SweepItem struct {
	RunID  string `json:"runId"`
	Result Result `json:"-"`
	Kind   ResultKind
}

// SweepResult is summary-first: per-item lists stay empty unless events
// were requested.
type SweepResult struct {
	Now        time.Time   `json:"now"`
	LeaseOwner string      `json:"leaseOwner"`
	Summary    Summary     `json:"summary"`
	Admitted   []SweepItem `json:"admitted,omitempty"`
	Recovered  []SweepItem `json:"recovered,omitempty"`
	Scheduled  []SweepItem `json:"scheduled,omitempty"`
	Timers     []SweepItem `json:"timers,omitempty"`
	// DeadlineReached: MaxDuration ran out.
	DeadlineReached bool `json:"deadlineReached"`
	// RemainingMayExist: a budget, not an empty queue, stopped the sweep;
	// sweep again soon. A phase whose items failed or back off does not
	// set it: failing runs wait for their next attempt time, not for the
	// next sweep.
	RemainingMayExist bool `json:"remainingMayExist"`
}

// Sweep does bounded work, in order: (0) unpark the parked runs of the
// versions this build registers, then admit the queued runs each declared
// queue has room for and drive them, (1) re-drive runs whose lease expired
// (or that are ready after a delivery), (2) materialise schedules and start
// due buckets, (3) deliver due timers. Items whose drive fails are logged
// and counted under "error", and their runs back off (Summary.Failed);
// Sweep itself returns an error only when the store cannot be read at all,
// or when CheckSweepOptions refuses opts.
//
// Whatever a phase claimed and did not reach before MaxDuration ran out
// (runs, buckets, timers) is released before Sweep returns, so that the
// next sweep takes it at once.
func (rt *Runtime) Sweep(ctx context.Context, opts SweepOptions) (res SweepResult, err error) {
	ctx, span := rt.tracer.Start(ctx, "wf.sweep")
	start := time.Now()
	defer func() {
		rt.metrics.sweepDone(ctx, time.Since(start), res.Summary)
		span.SetAttributes(sweepSpanAttrs(res)...)
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
	}()
	if err := rt.CheckSweepOptions(opts); err != nil {
		return res, err
	}
	opts = rt.SweepDefaults(opts)
	now := rt.clock()
	if opts.LeaseOwner == "" {
		opts.LeaseOwner = fmt.Sprintf("%s/sweep-%d", rt.owner, rt.claims.Add(1))
	}
	s := &sweep{rt: rt, opts: opts, deadline: now.Add(opts.MaxDuration)}
	s.res = SweepResult{Now: now, LeaseOwner: opts.LeaseOwner, Summary: Summary{
		Admitted: KindCounts{}, Recovered: KindCounts{}, Scheduled: KindCounts{}, Timers: KindCounts{},
	}}
	steps := []func(context.Context) error{s.unpark, s.admit, s.recover, s.schedules, s.timers}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return s.res, err
		}
		if s.res.DeadlineReached {
			s.res.RemainingMayExist = true
			break
		}
	}
	s.countParked()
	return s.res, nil
}

// SweepDefaults returns opts with each zero bound replaced by the default
// Sweep uses.
func (rt *Runtime) SweepDefaults(o SweepOptions) SweepOptions {
	if o.MaxRecoveredRuns <= 0 {
		o.MaxRecoveredRuns = 25
	}
	if o.MaxScheduledRuns <= 0 {
		o.MaxScheduledRuns = 25
	}
	if o.MaxTimers <= 0 {
		o.MaxTimers = 25
	}
	if o.MaxAdmittedRuns <= 0 {
		o.MaxAdmittedRuns = 25
	}
	if o.MaxDuration <= 0 {
		o.MaxDuration = min(25*time.Second, rt.leaseDuration)
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 1
	}
	return o
}

type sweep struct {
	rt       *Runtime
	opts     SweepOptions
	deadline time.Time
	mu       sync.Mutex // guards res and fired while items run concurrently
	res      SweepResult
	// fired holds the runs the timers phase has driven or is driving.
	fired map[string]bool
}

// firstFire records that the timers phase drives runID and reports
// whether it is the first time: a run whose timers came in two batches
// is driven by the first, so the execution the second batch read with
// its claim may be stale.
func (s *sweep) firstFire(runID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fired == nil {
		s.fired = map[string]bool{}
	}
	first := !s.fired[runID]
	s.fired[runID] = true
	return first
}

func (s *sweep) lease() store.Lease { return s.rt.lease(s.opts.LeaseOwner) }

func (s *sweep) outOfTime() bool {
	if !s.rt.clock().Before(s.deadline) {
		s.mu.Lock()
		s.res.DeadlineReached = true
		s.mu.Unlock()
		return true
	}
	return false
}

// driveOpts bound each drive by the sweep's deadline, with a yield margin
// clamped to a quarter of the sweep's budget (see yieldMargin).
func (s *sweep) driveOpts() driveOptions {
	return driveOptions{deadline: s.deadline, includeEvents: s.opts.IncludeEvents, maxEvents: s.opts.MaxEvents,
		minYield: clampMargin(s.rt.minYield, s.opts.MaxDuration)}
}

// mayRemain tells whether a phase that claimed n items under limit should
// ask for another sweep: it filled its batch and none of its items failed
// or backs off.
func (s *sweep) mayRemain(counts KindCounts, n, limit int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n >= limit && counts["error"] == 0 && counts[KindBackingOff] == 0 {
		s.res.RemainingMayExist = true
	}
}

// record counts one item's result.
func (s *sweep) record(counts KindCounts, list *[]SweepItem, runID string, res Result, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.rt.logger.Error("runtime: sweep item failed", "run", runID, "err", err)
		counts["error"]++
		var de *DriveError
		if errors.As(err, &de) {
			s.res.Summary.Failed = append(s.res.Summary.Failed, FailedDrive{
				RunID: de.RunID, Failures: de.Failures, RetryAt: de.RetryAt, Error: de.Err.Error()})
		}
		return
	}
	counts[res.Kind]++
	s.res.Summary.EventCount += res.EventCount
	if s.opts.IncludeEvents {
		s.res.Summary.ReturnedEventCount += len(res.Events)
		*list = append(*list, SweepItem{RunID: runID, Result: res, Kind: res.Kind})
	}
}

func (s *sweep) recover(ctx context.Context) error {
	n, err := drain(s, s.opts.MaxRecoveredRuns, false, func(n int) ([]store.Run, error) {
		return s.rt.store.ClaimStaleRuns(ctx, n, s.lease())
	}, func(run store.Run) {
		res, err := s.recoverOne(ctx, run)
		s.record(s.res.Summary.Recovered, &s.res.Recovered, run.ID, res, err)
	}, func(run store.Run) { s.rt.release(run.ID, s.opts.LeaseOwner) })
	if err != nil {
		return fmt.Errorf("runtime: sweep: claim stale runs: %w", err)
	}
	s.mayRemain(s.res.Summary.Recovered, n, s.opts.MaxRecoveredRuns)
	return nil
}

// claimBatch is how many items a phase claims per statement: enough to
// keep Concurrency drives busy between claims, few enough that a sweep
// with a large budget holds a bounded number of items (and claims each
// under a fresh lease).
func (s *sweep) claimBatch() int {
	return min(max(25, 32*s.opts.Concurrency), 1000)
}

// drain claims items with claim, in batches of at most claimBatch, until
// limit items were claimed, a batch comes back short, or the sweep runs
// out of time, and runs item on each with up to opts.Concurrency at once.
// The next batch is claimed as soon as the last item of the previous one
// has started, so drives never wait for a whole batch to end; with ahead,
// it is claimed in the background once half of the previous one has
// started, so that the drives do not wait for the claim either (the phase
// then holds at most two batches). skipped is called for claimed items
// never started. It returns how many items it claimed, and claim's error,
// after the items already started have ended.
func drain[T any](s *sweep, limit int, ahead bool, claim func(n int) ([]T, error), item func(T), skipped func(T)) (int, error) {
	sem := make(chan struct{}, s.opts.Concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	type batch struct {
		items []T
		want  int
		err   error
	}
	requested, claimed := 0, 0
	start := func() <-chan batch {
		want := min(limit-requested, s.claimBatch())
		requested += want
		ch := make(chan batch, 1)
		run := func() {
			items, err := claim(want)
			ch <- batch{items, want, err}
		}
		if ahead {
			go run() // the drives of the last batch go on meanwhile
		} else {
			run()
		}
		return ch
	}
	next := start()
	for next != nil {
		b := <-next
		next = nil
		if b.err != nil {
			return claimed, b.err
		}
		claimed += len(b.items)
		// Only a full batch may have more behind it.
		more := len(b.items) == b.want && requested < limit
		for i, it := range b.items {
			if ahead && more && next == nil && 2*i >= len(b.items) {
				next = start()
			}
			sem <- struct{}{}
			if s.outOfTime() {
				<-sem
				wg.Wait()
				for _, rest := range b.items[i:] {
					skipped(rest)
				}
				if next == nil {
					return claimed, nil
				}
				nb := <-next
				claimed += len(nb.items)
				for _, rest := range nb.items {
					skipped(rest)
				}
				return claimed, nb.err
			}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				item(it)
			}()
		}
		if more && next == nil {
			next = start()
		}
	}
	return claimed, nil
}

// recoverOne claims a stale run again right before driving it, loading its
// execution in the same round trip: the batch claim's lease may have lapsed
// while earlier runs were driven, and another sweeper may own the run now
// and be running its step. A run that another owner holds, finished or
// paused meanwhile is left alone (KindNotClaimable).
func (s *sweep) recoverOne(ctx context.Context, run store.Run) (Result, error) {
	owner := s.opts.LeaseOwner
	h := s.rt.holders.hold(run.ID) // before the claim: see holders
	defer h.drop()
	claim, err := s.rt.store.ClaimRun(ctx, run.ID, s.lease())
	if errors.Is(err, store.ErrCorrupt) {
		return s.rt.endCorrupt(ctx, run, owner, err)
	}
	if err != nil {
		return Result{}, s.rt.driveFailed(run, owner, fmt.Errorf("runtime: recover run %s: %w", run.ID, err))
	}
	ex := claim.Execution
	switch {
	case claim.Status == store.NotFound:
		return Result{Kind: KindNotFound}, nil
	case claim.Status != store.Claimed:
		return Result{Kind: KindNotClaimable, Run: ex.Run}, nil
	case ex.Run.Status != wf.StatusQueued && ex.Run.Status != wf.StatusRunning:
		s.rt.release(run.ID, owner)
		return Result{Kind: KindNotClaimable, Run: ex.Run}, nil
	}
	s.rt.logger.Info("runtime: recovering run", "run", run.ID, "workflow", run.WorkflowID, "status", run.Status)
	s.rt.metrics.runsRecovered.Add(ctx, 1, metric.WithAttributes(attrMetricWorkflow.String(run.WorkflowID)))
	opts := s.driveOpts()
	opts.held = h
	return s.rt.drive(ctx, ex, owner, opts)
}

func (s *sweep) schedules(ctx context.Context) error {
	if !s.opts.SkipMaterialize {
		n, err := s.rt.MaterializeSchedules(ctx)
		s.res.Summary.Materialized = n
		if err != nil {
			return err
		}
	}
	buckets, err := s.rt.store.ClaimDueBuckets(ctx, s.opts.MaxScheduledRuns, s.lease())
	if err != nil {
		return fmt.Errorf("runtime: sweep: claim due buckets: %w", err)
	}
	defer s.mayRemain(s.res.Summary.Scheduled, len(buckets), s.opts.MaxScheduledRuns)
	// Buckets go one at a time: overlap policies look at the schedule's
	// previous bucket, which an earlier item of this sweep may have started.
	for i, b := range buckets {
		if s.outOfTime() {
			for _, rest := range buckets[i:] {
				s.releaseBucket(rest.ScheduleID, rest.BucketID)
			}
			return nil
		}
		res, err := s.rt.startBucket(ctx, b, s.opts.LeaseOwner, s.driveOpts())
		s.record(s.res.Summary.Scheduled, &s.res.Scheduled, b.RunID, res, err)
	}
	return nil
}

func (s *sweep) timers(ctx context.Context) error {
	n, err := drain(s, s.opts.MaxTimers, true, func(n int) ([]firedRun, error) {
		since, claimed := s.rt.holders.claiming()
		defer claimed()
		fired, err := store.FireDueTimers(ctx, s.rt.store, n, s.lease())
		if err != nil {
			return nil, err
		}
		runs := byRun(fired)
		for i := range runs {
			if runs[i].claimed {
				// Held from the claim, so that a delivery arriving before
				// the run's drive wakes it (see holders).
				runs[i].held = s.rt.holders.holdSince(runs[i].runID, since)
			}
		}
		return runs, nil
	}, func(f firedRun) {
		// A run's due timers share its drive, counted once.
		res, err := s.fireTimers(ctx, f)
		s.record(s.res.Summary.Timers, &s.res.Timers, f.runID, res, err)
	}, func(f firedRun) {
		if f.claimed {
			f.held.drop()
			s.rt.release(f.runID, s.opts.LeaseOwner)
		}
		for _, t := range f.timers {
			s.releaseTimer(t.RunID, t.StepID)
		}
	})
	if err != nil {
		return fmt.Errorf("runtime: sweep: claim due timers: %w", err)
	}
	s.mayRemain(s.res.Summary.Timers, n, s.opts.MaxTimers)
	return nil
}

// firedRun is the due timers of one run that one FireDueTimers claimed and
// delivered, in their order.
type firedRun struct {
	runID   string
	timers  []store.FiredTimer
	claimed bool
	// held is the hold of a claimed run, taken right after the claim.
	held *hold
	// ex is the claimed run's execution read with the claim, or nil.
	ex *store.Execution
}

// byRun groups fired timers by run, in the order of each run's first
// timer, so that a run with several due timers is driven once.
func byRun(fired []store.FiredTimer) []firedRun {
	var out []firedRun
	at := map[string]int{}
	for _, f := range fired {
		i, ok := at[f.RunID]
		if !ok {
			i = len(out)
			at[f.RunID] = i
			out = append(out, firedRun{runID: f.RunID})
		}
		out[i].timers = append(out[i].timers, f)
		out[i].claimed = out[i].claimed || f.Claimed
		if f.Execution != nil {
			out[i].ex = f.Execution
		}
	}
	return out
}

// fireTimers drives a run whose due timers FireDueTimers delivered and
// claimed for the sweep in its batch write: it takes the execution the
// batch read with the claim (or loads it, when the store left it out or
// an earlier batch of this sweep drove the run) and drives it under the
// batch's lease, which the drive's lease guard renews before any step if
// it is no longer fresh. A timer's delivery
// and drive thus cost its share of the batch's write and read, and the
// drive's commit. Delivered, a duplicate of an earlier attempt, or lost to
// a signal: in every case driving the run consumes what is stored and
// replaces its timers. A run another owner holds is left to it (the
// delivery made it ready), and a run that backs off after failed drives
// is left to recovery at its next attempt time; its timers stay claimed
// until the lease expires.
func (s *sweep) fireTimers(ctx context.Context, f firedRun) (Result, error) {
	if f.held != nil {
		defer f.held.drop()
	}
	now := s.rt.clock()
	for _, t := range f.timers {
		if t.Delivery == store.Delivered {
			s.rt.metrics.timerLag.Record(ctx, now.Sub(t.WakeAt).Seconds())
		}
	}
	if f.timers[0].Delivery == store.RunNotFound {
		return Result{Kind: KindNotFound}, nil
	}
	if !f.claimed {
		run, err := s.rt.store.GetRun(ctx, f.runID)
		if errors.Is(err, store.ErrNotFound) {
			return Result{Kind: KindNotFound}, nil
		}
		if err != nil {
			return Result{}, fmt.Errorf("runtime: read run %s: %w", f.runID, err)
		}
		if run.Status.Terminal() {
			return Result{Kind: kindOf(run.Status), Run: run}, nil
		}
		return Result{Kind: KindNotClaimable, Run: run}, nil
	}
	owner := s.opts.LeaseOwner
	var (
		ex  store.Execution
		err error
	)
	if first := s.firstFire(f.runID); f.ex != nil && first {
		ex = *f.ex
	} else {
		ex, err = s.rt.store.LoadExecution(ctx, f.runID)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Result{Kind: KindNotFound}, nil
	case errors.Is(err, store.ErrCorrupt):
		return s.rt.endCorrupt(ctx, store.Run{ID: f.runID}, owner, err)
	case err != nil:
		return Result{}, s.rt.driveFailed(store.Run{ID: f.runID}, owner, fmt.Errorf("runtime: load run %s: %w", f.runID, err))
	}
	switch {
	case ex.Run.LeaseOwner != owner:
		// The batch's lease lapsed and another owner took the run.
		return Result{Kind: KindNotClaimable, Run: ex.Run}, nil
	case ex.Run.Status.Terminal():
		return Result{Kind: kindOf(ex.Run.Status), Run: ex.Run}, nil
	case backingOff(ex.Run, s.rt.clock()):
		s.rt.release(f.runID, owner)
		return Result{Kind: KindBackingOff, Run: ex.Run}, nil
	}
	opts := s.driveOpts()
	opts.held = f.held
	return s.rt.drive(ctx, ex, owner, opts)
}
