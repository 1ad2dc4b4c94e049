package runtime

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

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

// clientSpan is the option every store span starts with.
var clientSpan = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)}

// op starts the span of an operation (name is the span's name); endOp ends
// it. Within a drive whose span does not record, the span is a no-op.
func (ts tracedStore) op(ctx context.Context, name, runID string) (context.Context, trace.Span) {
	if untraced(ctx) {
		return ctx, noop.Span{}
	}
	ctx, span := ts.tracer.Start(ctx, name, clientSpan...)
	if runID != "" && span.IsRecording() {
		span.SetAttributes(attrRun.String(runID))
	}
	return ctx, span
}

// endOp ends an operation's span with the operation's error.
func endOp(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

func (ts tracedStore) CreateRun(ctx context.Context, run store.NewRun) (r store.Run, created bool, err error) {
	ctx, span := ts.op(ctx, "wf.store.CreateRun", run.ID)
	defer func() { endOp(span, err) }()
	return ts.s.CreateRun(ctx, run)
}

func (ts tracedStore) GetRun(ctx context.Context, runID string) (r store.Run, err error) {
	ctx, span := ts.op(ctx, "wf.store.GetRun", runID)
	defer func() { endOp(span, err) }()
	return ts.s.GetRun(ctx, runID)
}

func (ts tracedStore) LoadExecution(ctx context.Context, runID string) (ex store.Execution, err error) {
	ctx, span := ts.op(ctx, "wf.store.LoadExecution", runID)
	defer func() { endOp(span, err) }()
	return ts.s.LoadExecution(ctx, runID)
}

func (ts tracedStore) ClaimRun(ctx context.Context, runID string, l store.Lease) (c store.ClaimResult, err error) {
	ctx, span := ts.op(ctx, "wf.store.ClaimRun", runID)
	defer func() { endOp(span, err) }()
	return ts.s.ClaimRun(ctx, runID, l)
}

func (ts tracedStore) Heartbeat(ctx context.Context, runID string, l store.Lease) (err error) {
	ctx, span := ts.op(ctx, "wf.store.Heartbeat", runID)
	defer func() { endOp(span, err) }()
	return ts.s.Heartbeat(ctx, runID, l)
}

func (ts tracedStore) ReleaseRun(ctx context.Context, runID, owner string) (err error) {
	ctx, span := ts.op(ctx, "wf.store.ReleaseRun", runID)
	defer func() { endOp(span, err) }()
	return ts.s.ReleaseRun(ctx, runID, owner)
}

func (ts tracedStore) BackOffRun(ctx context.Context, runID, owner string, retryAt time.Time) (err error) {
	ctx, span := ts.op(ctx, "wf.store.BackOffRun", runID)
	defer func() { endOp(span, err) }()
	return ts.s.BackOffRun(ctx, runID, owner, retryAt)
}

func (ts tracedStore) ReleaseTimer(ctx context.Context, runID, stepID, owner string) (err error) {
	ctx, span := ts.op(ctx, "wf.store.ReleaseTimer", runID)
	defer func() { endOp(span, err) }()
	return ts.s.ReleaseTimer(ctx, runID, stepID, owner)
}

func (ts tracedStore) Append(ctx context.Context, runID string, a store.Append) (err error) {
	ctx, span := ts.op(ctx, "wf.store.Append", runID)
	defer func() { endOp(span, err) }()
	return ts.s.Append(ctx, runID, a)
}

func (ts tracedStore) Commit(ctx context.Context, c store.Commit) (err error) {
	ctx, span := ts.op(ctx, "wf.store.Commit", c.RunID)
	defer func() { endOp(span, err) }()
	return ts.s.Commit(ctx, c)
}

func (ts tracedStore) Deliver(ctx context.Context, runID string, d wf.Delivery, o store.DeliverOptions) (r store.DeliveryResult, err error) {
	ctx, span := ts.op(ctx, "wf.store.Deliver", runID)
	defer func() { endOp(span, err) }()
	return ts.s.Deliver(ctx, runID, d, o)
}

func (ts tracedStore) ClaimDueTimers(ctx context.Context, limit int, l store.Lease) (t []store.Timer, err error) {
	ctx, span := ts.op(ctx, "wf.store.ClaimDueTimers", "")
	defer func() { endOp(span, err) }()
	return ts.s.ClaimDueTimers(ctx, limit, l)
}

func (ts tracedStore) ClaimStaleRuns(ctx context.Context, limit int, l store.Lease) (r []store.Run, err error) {
	ctx, span := ts.op(ctx, "wf.store.ClaimStaleRuns", "")
	defer func() { endOp(span, err) }()
	return ts.s.ClaimStaleRuns(ctx, limit, l)
}

func (ts tracedStore) AdmitQueued(ctx context.Context, a store.Admit) (ids []string, err error) {
	ctx, span := ts.op(ctx, "wf.store.AdmitQueued", "")
	defer func() { endOp(span, err) }()
	return ts.s.AdmitQueued(ctx, a)
}

func (ts tracedStore) UpsertSchedule(ctx context.Context, s store.Schedule) (err error) {
	ctx, span := ts.op(ctx, "wf.store.UpsertSchedule", "")
	defer func() { endOp(span, err) }()
	return ts.s.UpsertSchedule(ctx, s)
}

func (ts tracedStore) SetScheduleEnabled(ctx context.Context, id string, enabled bool, at time.Time) (err error) {
	ctx, span := ts.op(ctx, "wf.store.SetScheduleEnabled", "")
	defer func() { endOp(span, err) }()
	return ts.s.SetScheduleEnabled(ctx, id, enabled, at)
}

func (ts tracedStore) ListSchedules(ctx context.Context) (s []store.Schedule, err error) {
	ctx, span := ts.op(ctx, "wf.store.ListSchedules", "")
	defer func() { endOp(span, err) }()
	return ts.s.ListSchedules(ctx)
}

func (ts tracedStore) EnsureBucket(ctx context.Context, b store.Bucket) (ok bool, err error) {
	ctx, span := ts.op(ctx, "wf.store.EnsureBucket", b.RunID)
	defer func() { endOp(span, err) }()
	return ts.s.EnsureBucket(ctx, b)
}

func (ts tracedStore) ClaimDueBuckets(ctx context.Context, limit int, l store.Lease) (b []store.Bucket, err error) {
	ctx, span := ts.op(ctx, "wf.store.ClaimDueBuckets", "")
	defer func() { endOp(span, err) }()
	return ts.s.ClaimDueBuckets(ctx, limit, l)
}

func (ts tracedStore) FinishBucket(ctx context.Context, scheduleID, bucketID, owner string, status store.BucketStatus, at time.Time) (err error) {
	ctx, span := ts.op(ctx, "wf.store.FinishBucket", "")
	defer func() { endOp(span, err) }()
	return ts.s.FinishBucket(ctx, scheduleID, bucketID, owner, status, at)
}

func (ts tracedStore) StartBucket(ctx context.Context, req store.BucketStart) (_ store.BucketStartResult, err error) {
	ctx, span := ts.op(ctx, "wf.store.StartBucket", req.Run.ID)
	defer func() { endOp(span, err) }()
	return ts.s.StartBucket(ctx, req)
}

func (ts tracedStore) ReleaseBucket(ctx context.Context, scheduleID, bucketID, owner string) (err error) {
	ctx, span := ts.op(ctx, "wf.store.ReleaseBucket", "")
	defer func() { endOp(span, err) }()
	return ts.s.ReleaseBucket(ctx, scheduleID, bucketID, owner)
}

func (ts tracedStore) ListBuckets(ctx context.Context, scheduleID string, limit int) (b []store.Bucket, err error) {
	ctx, span := ts.op(ctx, "wf.store.ListBuckets", "")
	defer func() { endOp(span, err) }()
	return ts.s.ListBuckets(ctx, scheduleID, limit)
}

func (ts tracedStore) ListRuns(ctx context.Context, q store.ListQuery) (p store.RunPage, err error) {
	ctx, span := ts.op(ctx, "wf.store.ListRuns", "")
	defer func() { endOp(span, err) }()
	return ts.s.ListRuns(ctx, q)
}

func (ts tracedStore) Events(ctx context.Context, runID string, from, limit int) (e []wf.Event, err error) {
	ctx, span := ts.op(ctx, "wf.store.Events", runID)
	defer func() { endOp(span, err) }()
	return ts.s.Events(ctx, runID, from, limit)
}

func (ts tracedStore) DeleteRun(ctx context.Context, runID string) (ok bool, err error) {
	ctx, span := ts.op(ctx, "wf.store.DeleteRun", runID)
	defer func() { endOp(span, err) }()
	return ts.s.DeleteRun(ctx, runID)
}

func (ts tracedStore) PurgeRuns(ctx context.Context, cutoff time.Time, limit int) (n int, err error) {
	ctx, span := ts.op(ctx, "wf.store.PurgeRuns", "")
	defer func() { endOp(span, err) }()
	return ts.s.PurgeRuns(ctx, cutoff, limit)
}

func (ts tracedStore) ParkRun(ctx context.Context, runID, owner string, p store.Park) (err error) {
	ctx, span := ts.op(ctx, "wf.store.ParkRun", runID)
	defer func() { endOp(span, err) }()
	return ts.s.ParkRun(ctx, runID, owner, p)
}

func (ts tracedStore) UnparkRuns(ctx context.Context, versions []store.WorkflowVersion, now time.Time) (n int, err error) {
	ctx, span := ts.op(ctx, "wf.store.UnparkRuns", "")
	defer func() { endOp(span, err) }()
	return ts.s.UnparkRuns(ctx, versions, now)
}

func (ts tracedStore) ReopenRun(ctx context.Context, runID string, r store.Reopen) (err error) {
	ctx, span := ts.op(ctx, "wf.store.ReopenRun", runID)
	defer func() { endOp(span, err) }()
	return ts.s.ReopenRun(ctx, runID, r)
}

var _ store.DeliverClaimer = tracedStore{}

func (ts tracedStore) DeliverClaim(ctx context.Context, runID string, d wf.Delivery, o store.DeliverOptions, l store.Lease) (dr store.DeliveryResult, cr store.ClaimResult, err error) {
	ctx, span := ts.op(ctx, "wf.store.DeliverClaim", runID)
	defer func() { endOp(span, err) }()
	return store.DeliverClaim(ctx, ts.s, runID, d, o, l)
}

var _ store.TimerFirer = tracedStore{}

func (ts tracedStore) FireDueTimers(ctx context.Context, limit int, l store.Lease) (f []store.FiredTimer, err error) {
	ctx, span := ts.op(ctx, "wf.store.FireDueTimers", "")
	defer func() { endOp(span, err) }()
	return store.FireDueTimers(ctx, ts.s, limit, l)
}
