package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// OverlapPolicy says what a schedule does when a tick falls due while a
// run of an earlier tick is still live. A run is live from its creation
// until it ends (finished, errored, aborted or canceled): a paused run, or
// one whose starter crashed, is live. The store decides it when the tick's
// run is created (store.StartBucket), so the policy holds across runtimes
// and crashes. Every policy but OverlapAllow also skips a tick that a
// later tick has overtaken (its bucket turned up late).
type OverlapPolicy string

const (
	// OverlapSkip drops the new tick. The default.
	OverlapSkip OverlapPolicy = "skip"
	// OverlapAllow starts the new tick's run regardless.
	OverlapAllow OverlapPolicy = "allow"
	// OverlapBufferOne keeps the first overlapping tick pending until the
	// previous run ends, and drops further ones.
	OverlapBufferOne OverlapPolicy = "buffer-one"
	// OverlapCancelPrevious cancels the previous run, then starts the new
	// one; while the previous run is being driven elsewhere its
	// cancellation is stored and the new tick waits for a later sweep.
	OverlapCancelPrevious OverlapPolicy = "cancel-previous"
	// OverlapTerminatePrevious is OverlapCancelPrevious: runs have no
	// separate forced termination.
	OverlapTerminatePrevious OverlapPolicy = "terminate-previous"
)

// Spec is when a schedule fires: Every or Cron.
type Spec interface {
	// Prev returns the most recent fire time at or before t, looking back at
	// most lookBack; zero when there is none.
	Prev(t time.Time, lookBack time.Duration) time.Time
	// String is the canonical text stored with the schedule.
	String() string
	err() error
}

// Every fires at each multiple of d (aligned to the zero time, UTC), e.g.
// Every(15*time.Minute) fires at :00, :15, :30 and :45.
func Every(d time.Duration) Spec { return every(d) }

type every time.Duration

func (e every) Prev(t time.Time, _ time.Duration) time.Time {
	return t.UTC().Truncate(time.Duration(e))
}

func (e every) String() string { return "@every " + time.Duration(e).String() }

func (e every) err() error {
	if time.Duration(e) < time.Second {
		return fmt.Errorf("interval %s is shorter than a second", time.Duration(e))
	}
	return nil
}

// cronParser accepts standard 5-field expressions and descriptors
// (@hourly, @daily, …).
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Cron fires per a 5-field cron expression (github.com/robfig/cron/v3
// syntax, or a descriptor such as @daily) evaluated on the wall clock of
// the IANA time zone tz ("" means UTC). Across daylight-saving changes it
// behaves as classic cron: a fire time the clock skips fires once, at the
// first instant after the gap (0 2 * * * in America/New_York fires at
// 03:00 EDT on the spring-forward day), and one the clock shows twice fires
// once, the first time. A bad expression or zone is reported by New.
func Cron(expr, tz string) Spec {
	c := &cronSpec{expr: expr, tz: tz}
	if tz == "" {
		c.tz = "UTC"
	}
	if _, err := time.LoadLocation(c.tz); err != nil {
		c.parseErr = fmt.Errorf("cron %q: time zone: %w", expr, err)
		return c
	}
	s, err := cronParser.Parse("CRON_TZ=" + c.tz + " " + expr)
	if err != nil {
		c.parseErr = fmt.Errorf("cron %q: %w", expr, err)
		return c
	}
	spec, ok := s.(*cron.SpecSchedule)
	if !ok {
		c.parseErr = fmt.Errorf("cron %q: not a calendar expression (for a fixed interval use runtime.Every)", expr)
		return c
	}
	c.sched = spec
	return c
}

type cronSpec struct {
	expr, tz string
	sched    *cron.SpecSchedule
	parseErr error
}

func (c *cronSpec) String() string { return "CRON_TZ=" + c.tz + " " + c.expr }

func (c *cronSpec) err() error { return c.parseErr }

func (c *cronSpec) Prev(t time.Time, lookBack time.Duration) time.Time {
	if c.sched == nil {
		return time.Time{}
	}
	at := cronPrev(c.sched, t, lookBack)
	if at.IsZero() {
		return at
	}
	return at.UTC()
}

// Schedule starts a workflow run at each fire time of Spec. Each fire time
// is a bucket with a deterministic ID and run ID ("<schedule>@<fire time>"),
// started at most once. Only the most recent due fire time is materialised:
// ticks missed while no sweep ran are not started unless an operator
// backfills them (Runtime.BackfillSchedule).
type Schedule struct {
	// ID is the schedule's stable name, unique across workflows.
	ID      string
	Spec    Spec
	Overlap OverlapPolicy
	// Input is the JSON input of every tick's run. Defaults to null.
	Input json.RawMessage
	// InputFunc, when set, makes each tick's input from its fire time.
	InputFunc func(fireAt time.Time) (json.RawMessage, error)
	// Disabled keeps the schedule registered but never fires it. It lives
	// in code; an operator's pause (Runtime.PauseSchedule) lives in the
	// store.
	Disabled bool
}

type registeredSchedule struct {
	Schedule
	workflowID string
}

func newRegisteredSchedule(workflowID string, s Schedule) (registeredSchedule, error) {
	switch {
	case strings.TrimSpace(s.ID) == "":
		return registeredSchedule{}, fmt.Errorf("runtime: workflow %q: schedule with an empty ID", workflowID)
	case s.Spec == nil:
		return registeredSchedule{}, fmt.Errorf("runtime: schedule %q: Spec is nil", s.ID)
	}
	if err := s.Spec.err(); err != nil {
		return registeredSchedule{}, fmt.Errorf("runtime: schedule %q: %w", s.ID, err)
	}
	switch s.Overlap {
	case "":
		s.Overlap = OverlapSkip
	case OverlapSkip, OverlapAllow, OverlapBufferOne, OverlapCancelPrevious, OverlapTerminatePrevious:
	default:
		return registeredSchedule{}, fmt.Errorf("runtime: schedule %q: unknown overlap policy %q (want skip, allow, buffer-one, cancel-previous or terminate-previous)", s.ID, s.Overlap)
	}
	return registeredSchedule{Schedule: s, workflowID: workflowID}, nil
}

func bucketFor(scheduleID string, fireAt time.Time) store.Bucket {
	id := fireAt.UTC().Format(time.RFC3339)
	return store.Bucket{ScheduleID: scheduleID, BucketID: id, RunID: scheduleID + "@" + id, FireAt: fireAt.UTC(), Status: store.BucketPending}
}

// MaterializeSchedules records each registered schedule and ensures a
// pending bucket for its most recent due fire time. Hosts call it (Sweep
// does by default) before claiming due buckets. It returns how many new
// buckets it created.
func (rt *Runtime) MaterializeSchedules(ctx context.Context) (int, error) {
	now := rt.clock()
	created := 0
	if len(rt.schedules) == 0 {
		return 0, nil
	}
	paused, err := rt.pausedSchedules(ctx)
	if err != nil {
		return 0, err
	}
	for _, s := range rt.schedules {
		// Enabled is stored only when the schedule is new: after that it
		// is the operator's (PauseSchedule); Disabled stays in code.
		if err := rt.store.UpsertSchedule(ctx, store.Schedule{
			ID: s.ID, WorkflowID: s.workflowID, Spec: s.Spec.String(), Overlap: string(s.Overlap),
			Input: s.Input, Enabled: true, UpdatedAt: now,
		}); err != nil {
			return created, fmt.Errorf("runtime: upsert schedule %s: %w", s.ID, err)
		}
		if s.Disabled || paused[s.ID] {
			continue
		}
		fire := s.Spec.Prev(now, rt.lookBack)
		if fire.IsZero() {
			continue
		}
		ok, err := rt.store.EnsureBucket(ctx, bucketFor(s.ID, fire))
		if err != nil {
			return created, fmt.Errorf("runtime: schedule %s bucket: %w", s.ID, err)
		}
		if ok {
			created++
		}
	}
	return created, nil
}

func (rt *Runtime) schedule(id string) (registeredSchedule, bool) {
	for _, s := range rt.schedules {
		if s.ID == id {
			return s, true
		}
	}
	return registeredSchedule{}, false
}

// startBucket starts a claimed bucket's run under its schedule's overlap
// policy. Whether an earlier tick's run is still live is decided by the
// store, atomically with creating the run (store.StartBucket), never from
// this process's memory: it holds across runtimes and crashed starters.
func (rt *Runtime) startBucket(ctx context.Context, b store.Bucket, owner string, opts driveOptions) (Result, error) {
	s, ok := rt.schedule(b.ScheduleID)
	paused, err := rt.paused(ctx, b.ScheduleID)
	if err != nil {
		return rt.startFailed(ctx, b, owner, err)
	}
	if !ok || s.Disabled || paused {
		return rt.dropTick(ctx, b, owner)
	}
	input, version, err := rt.tickInput(s, b)
	if err != nil {
		// Input that fails now will fail on every retry: drop the tick.
		rt.logger.Error("runtime: schedule input", "schedule", s.ID, "bucket", b.BucketID, "err", err)
		return rt.dropTick(ctx, b, owner)
	}
	for range 2 {
		run, runOwner, err := rt.tickRun(ctx, s, b.RunID, input, version)
		if err != nil {
			rt.logger.Error("runtime: schedule input", "schedule", s.ID, "bucket", b.BucketID, "err", err)
			return rt.dropTick(ctx, b, owner)
		}
		h := rt.holders.hold(run.ID) // before the run exists: see holders
		st, err := rt.store.StartBucket(ctx, store.BucketStart{
			ScheduleID: b.ScheduleID, BucketID: b.BucketID, Owner: owner, Exclusive: s.Overlap != OverlapAllow, Run: run,
		})
		if err != nil || st.Status != store.BucketRunCreated {
			h.drop()
		}
		if err != nil {
			return rt.startFailed(ctx, b, owner, err)
		}
		switch st.Status {
		case store.BucketRunCreated:
			rt.metrics.runStarted(ctx, st.Run.WorkflowID)
			opts.held = h
			return rt.driveCreated(ctx, st.Run, runOwner, opts)
		case store.BucketRunExisting:
			// Its starter died or failed after creating it; whoever holds
			// the run's lease, or recovery, drives it.
			return Result{Kind: resultKindOf(st.Run), Run: st.Run, Existing: true}, nil
		case store.BucketSuperseded:
			return rt.finishBucket(ctx, b, owner, store.BucketSkipped, Result{Kind: KindSkipped})
		}
		res, again, err := rt.whileBusy(ctx, s, b, owner, st.LiveRunID)
		if !again {
			return res, err
		}
	}
	return rt.bufferTick(ctx, b, owner)
}

// tickInput makes and validates a tick's input, and returns it with the
// version its run starts on.
func (rt *Runtime) tickInput(s registeredSchedule, b store.Bucket) (json.RawMessage, string, error) {
	def, err := rt.definition(s.workflowID)
	if err != nil {
		return nil, "", err
	}
	input := s.Input
	if s.InputFunc != nil {
		if input, err = s.InputFunc(b.FireAt); err != nil {
			return nil, "", err
		}
	}
	if err := def.ValidateInput(input); err != nil {
		return nil, "", err
	}
	return input, def.Version(), nil
}

// whileBusy applies the overlap policy to a tick whose schedule has a live
// run. again asks for another start: the live run was just canceled.
func (rt *Runtime) whileBusy(ctx context.Context, s registeredSchedule, b store.Bucket, owner, live string) (res Result, again bool, err error) {
	switch s.Overlap {
	case OverlapBufferOne:
		extra, err := rt.laterThanBuffered(ctx, b, live)
		if err != nil {
			return Result{}, false, err
		}
		if extra {
			res, err = rt.finishBucket(ctx, b, owner, store.BucketSkipped, Result{Kind: KindSkipped})
			return res, false, err
		}
		res, err = rt.bufferTick(ctx, b, owner)
		return res, false, err
	case OverlapCancelPrevious, OverlapTerminatePrevious:
		c, err := rt.Cancel(ctx, live, "canceled by schedule "+s.ID+" tick "+b.BucketID)
		if err != nil {
			return Result{}, false, err
		}
		if c.Kind == KindNotFound || c.Run.Status.Terminal() {
			return Result{}, true, nil
		}
		// The previous run is being driven; its cancellation is stored and
		// this tick is tried again by a later sweep.
		res, err = rt.bufferTick(ctx, b, owner)
		return res, false, err
	}
	res, err = rt.finishBucket(ctx, b, owner, store.BucketSkipped, Result{Kind: KindSkipped})
	return res, false, err
}

// laterThanBuffered reports whether a pending tick older than b, fired
// after the live run's tick, already waits for the live run to end.
func (rt *Runtime) laterThanBuffered(ctx context.Context, b store.Bucket, live string) (bool, error) {
	recent, err := rt.store.ListBuckets(ctx, b.ScheduleID, 16)
	if err != nil {
		return false, err
	}
	var liveFire time.Time
	for _, p := range recent {
		if p.RunID == live {
			liveFire = p.FireAt
		}
	}
	for _, p := range recent {
		if p.Status == store.BucketPending && p.FireAt.Before(b.FireAt) && p.FireAt.After(liveFire) {
			return true, nil
		}
	}
	return false, nil
}

// bufferTick leaves the bucket pending for a later sweep.
func (rt *Runtime) bufferTick(ctx context.Context, b store.Bucket, owner string) (Result, error) {
	if err := rt.store.ReleaseBucket(ctx, b.ScheduleID, b.BucketID, owner); err != nil {
		return Result{}, err
	}
	return Result{Kind: KindBuffered}, nil
}

// dropTick skips a tick that must not start (its schedule is disabled or
// gone, or its input is bad), unless its run exists: a bucket whose run
// was created is marked started, never skipped.
func (rt *Runtime) dropTick(ctx context.Context, b store.Bucket, owner string) (Result, error) {
	run, err := rt.store.GetRun(ctx, b.RunID)
	if errors.Is(err, store.ErrNotFound) {
		return rt.finishBucket(ctx, b, owner, store.BucketSkipped, Result{Kind: KindSkipped})
	}
	if err != nil {
		return rt.startFailed(ctx, b, owner, err)
	}
	st, err := rt.store.StartBucket(ctx, store.BucketStart{ScheduleID: b.ScheduleID, BucketID: b.BucketID, Owner: owner,
		Run: store.NewRun{ID: run.ID, WorkflowID: run.WorkflowID, Status: wf.StatusQueued, Lease: store.Lease{Now: rt.clock()}}})
	if err != nil {
		return rt.startFailed(ctx, b, owner, err)
	}
	return Result{Kind: resultKindOf(st.Run), Run: st.Run, Existing: true}, nil
}

// startFailed reports a bucket that could not be started. A lost lease
// means another sweeper has it; otherwise the bucket is released for the
// next sweep (if the failed write did create the run, it also marked the
// bucket started, and the release does nothing).
func (rt *Runtime) startFailed(ctx context.Context, b store.Bucket, owner string, err error) (Result, error) {
	if errors.Is(err, store.ErrLeaseLost) {
		return Result{Kind: KindNotClaimable}, nil
	}
	if rerr := rt.store.ReleaseBucket(ctx, b.ScheduleID, b.BucketID, owner); rerr != nil {
		rt.logger.Error("runtime: release bucket", "schedule", b.ScheduleID, "bucket", b.BucketID, "err", rerr)
	}
	return Result{}, fmt.Errorf("runtime: start bucket %s/%s: %w", b.ScheduleID, b.BucketID, err)
}

func (rt *Runtime) finishBucket(ctx context.Context, b store.Bucket, owner string, status store.BucketStatus, res Result) (Result, error) {
	if err := rt.store.FinishBucket(ctx, b.ScheduleID, b.BucketID, owner, status, rt.clock()); err != nil {
		return Result{}, fmt.Errorf("runtime: finish bucket %s/%s: %w", b.ScheduleID, b.BucketID, err)
	}
	return res, nil
}
