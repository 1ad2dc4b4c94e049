package runtime

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wfgo/wf/store"
)

// Errors of the schedule operations; test with errors.Is.
var (
	// ErrUnknownSchedule: no schedule has that ID (in the store, or, for
	// operations that start runs, among this runtime's registrations).
	ErrUnknownSchedule = errors.New("runtime: unknown schedule")
	// ErrSchedulePaused: the schedule is paused (or registered Disabled),
	// so it starts no run until it is resumed.
	ErrSchedulePaused = errors.New("runtime: schedule is paused")
)

// MaxBackfillTicks caps the fire times one BackfillSchedule call covers.
const MaxBackfillTicks = 1000

// PauseSchedule stops a stored schedule from firing until ResumeSchedule:
// MaterializeSchedules makes no bucket for it, and sweeps skip its
// buckets that were already pending. The pause is stored, so every
// runtime over the store sees it, and the app's next MaterializeSchedules
// keeps it. Pausing a paused schedule does nothing.
func (rt *Runtime) PauseSchedule(ctx context.Context, scheduleID string) error {
	return rt.setScheduleEnabled(ctx, scheduleID, false)
}

// ResumeSchedule undoes PauseSchedule. Ticks missed while paused are not
// started (BackfillSchedule starts them); the next due fire time is.
func (rt *Runtime) ResumeSchedule(ctx context.Context, scheduleID string) error {
	return rt.setScheduleEnabled(ctx, scheduleID, true)
}

func (rt *Runtime) setScheduleEnabled(ctx context.Context, scheduleID string, enabled bool) error {
	err := rt.store.SetScheduleEnabled(ctx, scheduleID, enabled, rt.clock())
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w %q (a schedule is stored by the first sweep of a build that registers it)", ErrUnknownSchedule, scheduleID)
	}
	return err
}

// paused reports whether an operator paused the stored schedule.
func (rt *Runtime) paused(ctx context.Context, scheduleID string) (bool, error) {
	paused, err := rt.pausedSchedules(ctx)
	return paused[scheduleID], err
}

// pausedSchedules returns the IDs of the stored schedules that are paused.
func (rt *Runtime) pausedSchedules(ctx context.Context) (map[string]bool, error) {
	list, err := rt.store.ListSchedules(ctx)
	if err != nil {
		return nil, fmt.Errorf("runtime: list schedules: %w", err)
	}
	out := map[string]bool{}
	for _, s := range list {
		if !s.Enabled {
			out[s.ID] = true
		}
	}
	return out, nil
}

// TriggerSchedule starts a tick of a registered schedule now, as if it
// fired at this second: its run ID is "<schedule>@<now, RFC 3339>" and its
// bucket is recorded, so triggering twice within a second starts one run.
// The overlap policy applies as to a backfilled tick (see
// BackfillSchedule); a dropped tick is KindSkipped. A paused schedule is
// ErrSchedulePaused.
func (rt *Runtime) TriggerSchedule(ctx context.Context, scheduleID string) (Result, error) {
	s, err := rt.startableSchedule(ctx, scheduleID)
	if err != nil {
		return Result{}, err
	}
	t := &ticker{rt: rt, s: s}
	if err := t.findLive(ctx); err != nil {
		return Result{}, err
	}
	return t.tick(ctx, rt.clock().UTC().Truncate(time.Second))
}

// Backfill is what BackfillSchedule did, by fire time.
type Backfill struct {
	// Ticks are the fire times covered, oldest first, with each one's
	// result: the run's kind when started, KindSkipped when the overlap
	// policy dropped it, and the run's current kind (Existing) when the
	// fire time had a run already.
	Ticks []BackfillTick `json:"ticks"`
}

// BackfillTick is one fire time of a Backfill.
type BackfillTick struct {
	FireAt time.Time  `json:"fireAt"`
	RunID  string     `json:"runId"`
	Kind   ResultKind `json:"kind"`
	// Existing: the fire time's run existed before the backfill.
	Existing bool `json:"existing,omitempty"`
}

// BackfillSchedule starts one run per fire time of a registered schedule
// in [from, to] (to is capped at now), oldest first, each with the run ID
// and input its tick would have had. The overlap policy holds against the
// schedule's live runs, including those the backfill starts: OverlapAllow
// starts every tick; OverlapSkip and OverlapBufferOne drop a tick while a
// run is live (a backfill has no later sweep to wait for);
// OverlapCancelPrevious cancels the live run first. A fire time whose run
// exists is left as it is (Existing), so a backfill can be repeated, and
// so is one a sweep skipped (under the overlap policy, or while the
// schedule was paused): KindSkipped. Each started tick's bucket is
// recorded. More than MaxBackfillTicks fire times, an
// empty range and a paused schedule are errors.
func (rt *Runtime) BackfillSchedule(ctx context.Context, scheduleID string, from, to time.Time) (Backfill, error) {
	s, err := rt.startableSchedule(ctx, scheduleID)
	if err != nil {
		return Backfill{}, err
	}
	if now := rt.clock(); to.After(now) {
		to = now
	}
	if from.After(to) {
		return Backfill{}, fmt.Errorf("runtime: backfill %s: from %s is after to %s", scheduleID, from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
	}
	fires, err := FireTimes(s.Spec, from, to, MaxBackfillTicks)
	if err != nil {
		return Backfill{}, fmt.Errorf("runtime: backfill %s: %w", scheduleID, err)
	}
	t := &ticker{rt: rt, s: s}
	if err := t.findLive(ctx); err != nil {
		return Backfill{}, err
	}
	var out Backfill
	for _, at := range fires {
		res, err := t.tick(ctx, at)
		if err != nil {
			return out, err
		}
		out.Ticks = append(out.Ticks, BackfillTick{FireAt: at, RunID: bucketFor(s.ID, at).RunID, Kind: res.Kind, Existing: res.Existing})
	}
	return out, nil
}

// startableSchedule returns a registered schedule that may start runs.
func (rt *Runtime) startableSchedule(ctx context.Context, scheduleID string) (registeredSchedule, error) {
	s, ok := rt.schedule(scheduleID)
	if !ok {
		return s, fmt.Errorf("%w %q: it is not registered in this build", ErrUnknownSchedule, scheduleID)
	}
	if s.Disabled {
		return s, fmt.Errorf("%w: schedule %q is registered Disabled", ErrSchedulePaused, scheduleID)
	}
	p, err := rt.paused(ctx, scheduleID)
	if err != nil {
		return s, err
	}
	if p {
		return s, fmt.Errorf("%w: schedule %q (resume it first)", ErrSchedulePaused, scheduleID)
	}
	return s, nil
}

// ticker starts ticks of one schedule outside sweeps, keeping the IDs of
// the schedule's runs that may still be live.
type ticker struct {
	rt      *Runtime
	s       registeredSchedule
	live    []string
	buckets map[string]bool // the stored buckets' IDs
}

// maxTickerBuckets bounds the buckets a ticker reads, newest first.
const maxTickerBuckets = 10000

// findLive reads the schedule's buckets and collects the runs of the
// recent ones that were not skipped: started ones, and pending ones whose
// run a backfill or a trigger created.
func (t *ticker) findLive(ctx context.Context) error {
	all, err := t.rt.store.ListBuckets(ctx, t.s.ID, maxTickerBuckets)
	if err != nil {
		return fmt.Errorf("runtime: list buckets of %s: %w", t.s.ID, err)
	}
	t.buckets = make(map[string]bool, len(all))
	for i, b := range all {
		t.buckets[b.BucketID] = true
		if i < 64 && b.Status != store.BucketSkipped {
			t.live = append(t.live, b.RunID)
		}
	}
	return nil
}

// liveRun returns a run of the schedule that has not ended, if any.
func (t *ticker) liveRun(ctx context.Context) (string, error) {
	still := t.live[:0]
	for _, id := range t.live {
		run, err := t.rt.store.GetRun(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return "", err
		}
		if !run.Status.Terminal() {
			still = append(still, id)
		}
	}
	t.live = still
	if len(still) == 0 {
		return "", nil
	}
	return still[0], nil
}

// tick starts the run of the fire time at, under the overlap policy, and
// records its bucket. The run is created before its bucket, so a sweep
// that claims the bucket finds the run and marks the bucket started.
func (t *ticker) tick(ctx context.Context, at time.Time) (Result, error) {
	b := bucketFor(t.s.ID, at)
	if run, err := t.rt.store.GetRun(ctx, b.RunID); err == nil {
		return Result{Kind: resultKindOf(run), Run: run, Existing: true}, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return Result{}, err
	}
	if t.buckets[b.BucketID] {
		// A sweep decided this tick already (skipped it under the
		// overlap policy or a pause): the decision stands.
		return Result{Kind: KindSkipped}, nil
	}
	if t.s.Overlap != OverlapAllow {
		live, err := t.liveRun(ctx)
		if err != nil {
			return Result{}, err
		}
		if live != "" {
			if t.s.Overlap != OverlapCancelPrevious && t.s.Overlap != OverlapTerminatePrevious {
				return Result{Kind: KindSkipped}, nil
			}
			c, err := t.rt.Cancel(ctx, live, "canceled by schedule "+t.s.ID+" tick "+b.BucketID)
			if err != nil {
				return Result{}, err
			}
			if c.Kind == KindNotClaimable {
				return Result{Kind: KindSkipped}, nil
			}
		}
	}
	res, err := t.start(ctx, b)
	if err != nil {
		return Result{}, err
	}
	t.live = append(t.live, b.RunID)
	t.buckets[b.BucketID] = true
	if _, err := t.rt.store.EnsureBucket(ctx, b); err != nil {
		return res, fmt.Errorf("runtime: record bucket %s/%s: %w", b.ScheduleID, b.BucketID, err)
	}
	return res, nil
}

// start creates the tick's run, marked with its schedule, and drives it.
func (t *ticker) start(ctx context.Context, b store.Bucket) (Result, error) {
	input, version, err := t.rt.tickInput(t.s, b)
	if err != nil {
		return Result{}, fmt.Errorf("runtime: schedule %s tick %s: %w", t.s.ID, b.BucketID, err)
	}
	nr, owner, err := t.rt.tickRun(ctx, t.s, b.RunID, input, version)
	if err != nil {
		return Result{}, fmt.Errorf("runtime: schedule %s tick %s: %w", t.s.ID, b.BucketID, err)
	}
	nr.ScheduleID = t.s.ID
	h := t.rt.holders.hold(nr.ID) // before the run exists: see holders
	defer h.drop()
	run, created, err := t.rt.store.CreateRun(ctx, nr)
	if err != nil {
		return Result{}, fmt.Errorf("runtime: start %s: %w", b.RunID, err)
	}
	if !created {
		return Result{Kind: resultKindOf(run), Run: run, Existing: true}, nil
	}
	return t.rt.driveCreated(ctx, run, owner, driveOptions{deadline: deadlineOr(ctx, time.Time{}), held: h})
}

// FireTimes returns spec's fire times in [from, to], oldest first; more
// than max of them is an error.
func FireTimes(spec Spec, from, to time.Time, max int) ([]time.Time, error) {
	var out []time.Time
	for at := NextFire(spec, from.Add(-time.Nanosecond)); !at.IsZero() && !at.After(to); at = NextFire(spec, at) {
		if len(out) == max {
			return nil, fmt.Errorf("more than %d fire times from %s to %s: narrow the range", max,
				from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
		}
		out = append(out, at)
	}
	return out, nil
}

// NextFire returns spec's first fire time after t, in UTC; zero when there
// is none.
func NextFire(spec Spec, t time.Time) time.Time {
	switch s := spec.(type) {
	case every:
		return t.UTC().Truncate(time.Duration(s)).Add(time.Duration(s))
	case *cronSpec:
		if s.sched == nil {
			return time.Time{}
		}
		next := s.sched.Next(t)
		if next.IsZero() {
			return next
		}
		return next.UTC()
	}
	return time.Time{}
}

// ParseSpec reads a schedule's stored text (store.Schedule.Spec, made by
// Spec.String): "@every 15m" or "CRON_TZ=Europe/Paris 0 9 * * MON-FRI".
func ParseSpec(text string) (Spec, error) {
	if d, ok := strings.CutPrefix(text, "@every "); ok {
		dur, err := time.ParseDuration(d)
		if err != nil {
			return nil, fmt.Errorf("runtime: schedule spec %q: %w", text, err)
		}
		s := Every(dur)
		return s, s.err()
	}
	tz, expr, ok := strings.Cut(strings.TrimPrefix(text, "CRON_TZ="), " ")
	if !ok || !strings.HasPrefix(text, "CRON_TZ=") {
		return nil, fmt.Errorf("runtime: schedule spec %q: want \"@every <duration>\" or \"CRON_TZ=<zone> <expression>\"", text)
	}
	s := Cron(expr, tz)
	return s, s.err()
}

// SpecZone returns the time zone a spec is evaluated in: the cron zone,
// or UTC.
func SpecZone(spec Spec) *time.Location {
	if c, ok := spec.(*cronSpec); ok {
		if loc, err := time.LoadLocation(c.tz); err == nil {
			return loc
		}
	}
	return time.UTC
}
