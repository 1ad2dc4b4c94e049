package runtime

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// tracedStore gives every store operation a span ("wf.store.<Method>"),
// a child of the sweep's or run's span.
type tracedStore struct {
	s      store.Store
	tracer trace.Tracer
}

var _ store.Store = tracedStore{}

// op starts an operation's span; done ends it with the operation's error.
func (ts tracedStore) op(ctx context.Context, name, runID string) (context.Context, func(error)) {
	ctx, span := ts.tracer.Start(ctx, "wf.store."+name, trace.WithSpanKind(trace.SpanKindClient))
	if runID != "" {
		span.SetAttributes(attrRun.String(runID))
	}
	return ctx, func(err error) {
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
	}
}

func (ts tracedStore) CreateRun(ctx context.Context, run store.NewRun) (r store.Run, created bool, err error) {
	ctx, done := ts.op(ctx, "CreateRun", run.ID)
	defer func() { done(err) }()
	return ts.s.CreateRun(ctx, run)
}

func (ts tracedStore) GetRun(ctx context.Context, runID string) (r store.Run, err error) {
	ctx, done := ts.op(ctx, "GetRun", runID)
	defer func() { done(err) }()
	return ts.s.GetRun(ctx, runID)
}

func (ts tracedStore) LoadExecution(ctx context.Context, runID string) (ex store.Execution, err error) {
	ctx, done := ts.op(ctx, "LoadExecution", runID)
	defer func() { done(err) }()
	return ts.s.LoadExecution(ctx, runID)
}

func (ts tracedStore) ClaimRun(ctx context.Context, runID string, l store.Lease) (c store.ClaimResult, err error) {
	ctx, done := ts.op(ctx, "ClaimRun", runID)
	defer func() { done(err) }()
	return ts.s.ClaimRun(ctx, runID, l)
}

func (ts tracedStore) Heartbeat(ctx context.Context, runID string, l store.Lease) (err error) {
	ctx, done := ts.op(ctx, "Heartbeat", runID)
	defer func() { done(err) }()
	return ts.s.Heartbeat(ctx, runID, l)
}

func (ts tracedStore) ReleaseRun(ctx context.Context, runID, owner string) (err error) {
	ctx, done := ts.op(ctx, "ReleaseRun", runID)
	defer func() { done(err) }()
	return ts.s.ReleaseRun(ctx, runID, owner)
}

func (ts tracedStore) BackOffRun(ctx context.Context, runID, owner string, retryAt time.Time) (err error) {
	ctx, done := ts.op(ctx, "BackOffRun", runID)
	defer func() { done(err) }()
	return ts.s.BackOffRun(ctx, runID, owner, retryAt)
}

func (ts tracedStore) ReleaseTimer(ctx context.Context, runID, stepID, owner string) (err error) {
	ctx, done := ts.op(ctx, "ReleaseTimer", runID)
	defer func() { done(err) }()
	return ts.s.ReleaseTimer(ctx, runID, stepID, owner)
}

func (ts tracedStore) Append(ctx context.Context, runID string, a store.Append) (err error) {
	ctx, done := ts.op(ctx, "Append", runID)
	defer func() { done(err) }()
	return ts.s.Append(ctx, runID, a)
}

func (ts tracedStore) Commit(ctx context.Context, c store.Commit) (err error) {
	ctx, done := ts.op(ctx, "Commit", c.RunID)
	defer func() { done(err) }()
	return ts.s.Commit(ctx, c)
}

func (ts tracedStore) Deliver(ctx context.Context, runID string, d wf.Delivery, o store.DeliverOptions) (r store.DeliveryResult, err error) {
	ctx, done := ts.op(ctx, "Deliver", runID)
	defer func() { done(err) }()
	return ts.s.Deliver(ctx, runID, d, o)
}

func (ts tracedStore) ClaimDueTimers(ctx context.Context, limit int, l store.Lease) (t []store.Timer, err error) {
	ctx, done := ts.op(ctx, "ClaimDueTimers", "")
	defer func() { done(err) }()
	return ts.s.ClaimDueTimers(ctx, limit, l)
}

func (ts tracedStore) ClaimStaleRuns(ctx context.Context, limit int, l store.Lease) (r []store.Run, err error) {
	ctx, done := ts.op(ctx, "ClaimStaleRuns", "")
	defer func() { done(err) }()
	return ts.s.ClaimStaleRuns(ctx, limit, l)
}

func (ts tracedStore) UpsertSchedule(ctx context.Context, s store.Schedule) (err error) {
	ctx, done := ts.op(ctx, "UpsertSchedule", "")
	defer func() { done(err) }()
	return ts.s.UpsertSchedule(ctx, s)
}

func (ts tracedStore) SetScheduleEnabled(ctx context.Context, id string, enabled bool, at time.Time) (err error) {
	ctx, done := ts.op(ctx, "SetScheduleEnabled", "")
	defer func() { done(err) }()
	return ts.s.SetScheduleEnabled(ctx, id, enabled, at)
}

func (ts tracedStore) ListSchedules(ctx context.Context) (s []store.Schedule, err error) {
	ctx, done := ts.op(ctx, "ListSchedules", "")
	defer func() { done(err) }()
	return ts.s.ListSchedules(ctx)
}

func (ts tracedStore) EnsureBucket(ctx context.Context, b store.Bucket) (ok bool, err error) {
	ctx, done := ts.op(ctx, "EnsureBucket", b.RunID)
	defer func() { done(err) }()
	return ts.s.EnsureBucket(ctx, b)
}

func (ts tracedStore) ClaimDueBuckets(ctx context.Context, limit int, l store.Lease) (b []store.Bucket, err error) {
	ctx, done := ts.op(ctx, "ClaimDueBuckets", "")
	defer func() { done(err) }()
	return ts.s.ClaimDueBuckets(ctx, limit, l)
}

func (ts tracedStore) FinishBucket(ctx context.Context, scheduleID, bucketID, owner string, status store.BucketStatus, at time.Time) (err error) {
	ctx, done := ts.op(ctx, "FinishBucket", "")
	defer func() { done(err) }()
	return ts.s.FinishBucket(ctx, scheduleID, bucketID, owner, status, at)
}

func (ts tracedStore) StartBucket(ctx context.Context, req store.BucketStart) (_ store.BucketStartResult, err error) {
	ctx, done := ts.op(ctx, "StartBucket", req.Run.ID)
	defer func() { done(err) }()
	return ts.s.StartBucket(ctx, req)
}

func (ts tracedStore) ReleaseBucket(ctx context.Context, scheduleID, bucketID, owner string) (err error) {
	ctx, done := ts.op(ctx, "ReleaseBucket", "")
	defer func() { done(err) }()
	return ts.s.ReleaseBucket(ctx, scheduleID, bucketID, owner)
}

func (ts tracedStore) ListBuckets(ctx context.Context, scheduleID string, limit int) (b []store.Bucket, err error) {
	ctx, done := ts.op(ctx, "ListBuckets", "")
	defer func() { done(err) }()
	return ts.s.ListBuckets(ctx, scheduleID, limit)
}

func (ts tracedStore) ListRuns(ctx context.Context, q store.ListQuery) (p store.RunPage, err error) {
	ctx, done := ts.op(ctx, "ListRuns", "")
	defer func() { done(err) }()
	return ts.s.ListRuns(ctx, q)
}

func (ts tracedStore) Events(ctx context.Context, runID string, from, limit int) (e []wf.Event, err error) {
	ctx, done := ts.op(ctx, "Events", runID)
	defer func() { done(err) }()
	return ts.s.Events(ctx, runID, from, limit)
}

func (ts tracedStore) DeleteRun(ctx context.Context, runID string) (ok bool, err error) {
	ctx, done := ts.op(ctx, "DeleteRun", runID)
	defer func() { done(err) }()
	return ts.s.DeleteRun(ctx, runID)
}

func (ts tracedStore) PurgeRuns(ctx context.Context, cutoff time.Time, limit int) (n int, err error) {
	ctx, done := ts.op(ctx, "PurgeRuns", "")
	defer func() { done(err) }()
	return ts.s.PurgeRuns(ctx, cutoff, limit)
}

func (ts tracedStore) ParkRun(ctx context.Context, runID, owner string, p store.Park) (err error) {
	ctx, done := ts.op(ctx, "ParkRun", runID)
	defer func() { done(err) }()
	return ts.s.ParkRun(ctx, runID, owner, p)
}

func (ts tracedStore) UnparkRuns(ctx context.Context, versions []store.WorkflowVersion, now time.Time) (n int, err error) {
	ctx, done := ts.op(ctx, "UnparkRuns", "")
	defer func() { done(err) }()
	return ts.s.UnparkRuns(ctx, versions, now)
}

func (ts tracedStore) ReopenRun(ctx context.Context, runID string, r store.Reopen) (err error) {
	ctx, done := ts.op(ctx, "ReopenRun", runID)
	defer func() { done(err) }()
	return ts.s.ReopenRun(ctx, runID, r)
}

var _ store.DeliverClaimer = tracedStore{}

func (ts tracedStore) DeliverClaim(ctx context.Context, runID string, d wf.Delivery, o store.DeliverOptions, l store.Lease) (dr store.DeliveryResult, cr store.ClaimResult, err error) {
	ctx, done := ts.op(ctx, "DeliverClaim", runID)
	defer func() { done(err) }()
	return store.DeliverClaim(ctx, ts.s, runID, d, o, l)
}

var _ store.TimerFirer = tracedStore{}

func (ts tracedStore) FireDueTimers(ctx context.Context, limit int, l store.Lease) (f []store.FiredTimer, err error) {
	ctx, done := ts.op(ctx, "FireDueTimers", "")
	defer func() { done(err) }()
	return store.FireDueTimers(ctx, ts.s, limit, l)
}
