package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/wfgo/wf/store"
)

// OverlapPolicy says what a schedule does when its previous tick's run is
// still active at the next tick.
type OverlapPolicy string

const (
	// OverlapSkip drops the new tick. The default.
	OverlapSkip OverlapPolicy = "skip"
	// OverlapAllow starts the new tick's run regardless.
	OverlapAllow OverlapPolicy = "allow"
	// OverlapBufferOne keeps the first overlapping tick pending until the
	// previous run ends, and drops further ones.
	OverlapBufferOne OverlapPolicy = "buffer-one"
	// OverlapCancelPrevious cancels the previous run, then starts the new one.
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
// ticks missed while no sweep ran are not backfilled.
type Schedule struct {
	// ID is the schedule's stable name, unique across workflows.
	ID      string
	Spec    Spec
	Overlap OverlapPolicy
	// Input is the JSON input of every tick's run. Defaults to null.
	Input json.RawMessage
	// InputFunc, when set, makes each tick's input from its fire time.
	InputFunc func(fireAt time.Time) (json.RawMessage, error)
	// Disabled keeps the schedule registered but never fires it.
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
	for _, s := range rt.schedules {
		if err := rt.store.UpsertSchedule(ctx, store.Schedule{
			ID: s.ID, WorkflowID: s.workflowID, Spec: s.Spec.String(), Overlap: string(s.Overlap),
			Input: s.Input, Enabled: !s.Disabled, UpdatedAt: now,
		}); err != nil {
			return created, fmt.Errorf("runtime: upsert schedule %s: %w", s.ID, err)
		}
		if s.Disabled {
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

// startBucket applies the overlap policy to a claimed bucket and starts its
// run. The run ID is deterministic, so a crash between starting the run and
// marking the bucket cannot start it twice.
func (rt *Runtime) startBucket(ctx context.Context, b store.Bucket, owner string, opts driveOptions) (Result, error) {
	s, ok := rt.schedule(b.ScheduleID)
	if !ok || s.Disabled {
		return rt.finishBucket(ctx, b, owner, store.BucketSkipped, Result{Kind: KindSkipped})
	}
	if s.Overlap != OverlapAllow {
		recent, err := rt.store.ListBuckets(ctx, b.ScheduleID, 16)
		if err != nil {
			return Result{}, err
		}
		prev, active, err := rt.previousActive(ctx, recent, b)
		if err != nil {
			return Result{}, err
		}
		if active {
			switch s.Overlap {
			case OverlapSkip:
				return rt.finishBucket(ctx, b, owner, store.BucketSkipped, Result{Kind: KindSkipped})
			case OverlapBufferOne:
				if olderPending(recent, b) {
					return rt.finishBucket(ctx, b, owner, store.BucketSkipped, Result{Kind: KindSkipped})
				}
				if err := rt.store.ReleaseBucket(ctx, b.ScheduleID, b.BucketID, owner); err != nil {
					return Result{}, err
				}
				return Result{Kind: KindBuffered}, nil
			case OverlapCancelPrevious, OverlapTerminatePrevious:
				res, err := rt.Cancel(ctx, prev.RunID, "canceled by schedule "+s.ID+" tick "+b.BucketID)
				if err != nil {
					return Result{}, err
				}
				if res.Kind == KindNotClaimable {
					// The previous run is being driven; try this tick again later.
					if err := rt.store.ReleaseBucket(ctx, b.ScheduleID, b.BucketID, owner); err != nil {
						return Result{}, err
					}
					return Result{Kind: KindBuffered}, nil
				}
			}
		}
	}
	input := s.Input
	if s.InputFunc != nil {
		in, err := s.InputFunc(b.FireAt)
		if err != nil {
			rt.logger.Error("runtime: schedule input", "schedule", s.ID, "bucket", b.BucketID, "err", err)
			return rt.finishBucket(ctx, b, owner, store.BucketSkipped, Result{Kind: KindSkipped})
		}
		input = in
	}
	res, err := rt.StartRun(ctx, StartRequest{WorkflowID: s.workflowID, RunID: b.RunID, Input: input,
		Deadline: opts.deadline, IncludeEvents: opts.includeEvents, MaxEvents: opts.maxEvents})
	if err != nil {
		// Invalid input will not get better by retrying: skip the tick.
		rt.logger.Error("runtime: schedule start", "schedule", s.ID, "bucket", b.BucketID, "err", err)
		return rt.finishBucket(ctx, b, owner, store.BucketSkipped, Result{Kind: KindSkipped})
	}
	return rt.finishBucket(ctx, b, owner, store.BucketStarted, res)
}

func (rt *Runtime) finishBucket(ctx context.Context, b store.Bucket, owner string, status store.BucketStatus, res Result) (Result, error) {
	if err := rt.store.FinishBucket(ctx, b.ScheduleID, b.BucketID, owner, status, rt.clock()); err != nil {
		return Result{}, fmt.Errorf("runtime: finish bucket %s/%s: %w", b.ScheduleID, b.BucketID, err)
	}
	return res, nil
}

// previousActive finds the latest started bucket before b and reports
// whether its run is still active.
func (rt *Runtime) previousActive(ctx context.Context, recent []store.Bucket, b store.Bucket) (store.Bucket, bool, error) {
	for _, p := range recent {
		if p.Status != store.BucketStarted || !p.FireAt.Before(b.FireAt) {
			continue
		}
		run, err := rt.store.GetRun(ctx, p.RunID)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return p, false, nil
			}
			return p, false, err
		}
		return p, !run.Status.Terminal(), nil
	}
	return store.Bucket{}, false, nil
}

func olderPending(recent []store.Bucket, b store.Bucket) bool {
	for _, p := range recent {
		if p.Status == store.BucketPending && p.FireAt.Before(b.FireAt) {
			return true
		}
	}
	return false
}
