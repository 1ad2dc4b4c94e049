package runtime

import (
	"context"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// instrumentationName names wf's tracer.
const instrumentationName = "github.com/wfgo/wf/runtime"

// Span attribute keys.
const (
	attrWorkflow   = attribute.Key("wf.workflow_id")
	attrVersion    = attribute.Key("wf.version")
	attrRun        = attribute.Key("wf.run_id")
	attrLeaseOwner = attribute.Key("wf.lease_owner")
	attrStep       = attribute.Key("wf.step_id")
	attrAttempt    = attribute.Key("wf.attempt")
	attrOutcome    = attribute.Key("wf.outcome")
	attrLink       = attribute.Key("wf.link")
)

func newTracer(cfg Config) trace.Tracer {
	switch {
	case cfg.DisableTelemetry:
		return noop.NewTracerProvider().Tracer(instrumentationName)
	case cfg.TracerProvider != nil:
		return cfg.TracerProvider.Tracer(instrumentationName)
	}
	return otel.GetTracerProvider().Tracer(instrumentationName)
}

// untracedKey marks the context of a drive whose span does not record (no
// tracer provider is set, or the trace is not sampled): its steps and
// store operations get no spans of their own, which would not record
// either under the parent-based sampling every provider defaults to, and
// cost allocations per step.
type untracedKey struct{}

// untraced reports whether ctx is within a drive whose span does not
// record.
func untraced(ctx context.Context) bool { return ctx.Value(untracedKey{}) != nil }

// stepTelemetry is the middleware that gives each live step attempt a span,
// a child of the run's span, and counts it in the step metrics.
func (rt *Runtime) stepTelemetry(workflowID, runID string) wf.Middleware {
	return wf.Middleware{
		Name: "telemetry",
		Step: func(sc wf.StepContext, next func(wf.StepContext) error) error {
			// sc.Context, not sc: a StepContext as a context.Context is
			// an allocation per step.
			if untraced(sc.Context) {
				start := time.Now()
				err := next(sc)
				rt.metrics.stepAttempt(sc.Context, workflowID, time.Since(start), err)
				return err
			}
			ctx, span := rt.tracer.Start(sc, "wf.step "+string(sc.ID()))
			if span.IsRecording() {
				span.SetAttributes(attrRun.String(runID), attrStep.String(string(sc.ID())), attrAttempt.Int(sc.Attempt()))
			}
			defer span.End()
			start := time.Now()
			err := next(sc.WithContext(ctx))
			rt.metrics.stepAttempt(ctx, workflowID, time.Since(start), err)
			if err != nil {
				span.RecordError(err)
				span.SetStatus(codes.Error, err.Error())
			}
			return err
		},
	}
}

// startRunSpan starts the span of one drive of run, linked to the span
// that created the run (its stored traceparent): a run's drives, in
// whatever process and under whatever sweep, lead back to the request that
// started it.
func (rt *Runtime) startRunSpan(ctx context.Context, run store.Run, owner string) (context.Context, trace.Span) {
	opts := []trace.SpanStartOption{trace.WithAttributes(attrWorkflow.String(run.WorkflowID),
		attrVersion.String(run.Version), attrRun.String(run.ID), attrLeaseOwner.String(owner))}
	if sc := spanContextOf(run.TraceParent); sc.IsValid() {
		opts = append(opts, trace.WithLinks(trace.Link{SpanContext: sc, Attributes: []attribute.KeyValue{attrLink.String("run.created")}}))
	}
	ctx, span := rt.tracer.Start(ctx, "wf.run "+run.WorkflowID, opts...)
	if !span.IsRecording() {
		ctx = context.WithValue(ctx, untracedKey{}, true)
	}
	return ctx, span
}

// traceParentOf is the W3C traceparent of ctx's span, "" when it has none.
func traceParentOf(ctx context.Context) string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return "" // what Inject would write: nothing
	}
	carrier := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx, carrier)
	return carrier.Get("traceparent")
}

// spanContextOf reads a stored traceparent; an invalid one (a value
// written by hand, or none) is an invalid span context and no link.
func spanContextOf(traceParent string) trace.SpanContext {
	if traceParent == "" {
		return trace.SpanContext{}
	}
	ctx := propagation.TraceContext{}.Extract(context.Background(), propagation.MapCarrier{"traceparent": traceParent})
	return trace.SpanContextFromContext(ctx)
}

// endRunSpan records a drive's outcome on its span and ends it.
func endRunSpan(span trace.Span, res Result, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	} else {
		span.SetAttributes(attrOutcome.String(string(res.Kind)))
		if res.Kind == KindErrored && res.Run.Error != nil {
			span.SetStatus(codes.Error, res.Run.Error.Message)
		}
	}
	span.End()
}

// sweepSpanAttrs are the summary counts recorded on a sweep's span.
func sweepSpanAttrs(res SweepResult) []attribute.KeyValue {
	kv := []attribute.KeyValue{
		attrLeaseOwner.String(res.LeaseOwner),
		attribute.Int("wf.sweep.events", res.Summary.EventCount),
		attribute.Int("wf.sweep.materialized", res.Summary.Materialized),
		attribute.Int("wf.sweep.failed", len(res.Summary.Failed)),
		attribute.Bool("wf.sweep.deadline_reached", res.DeadlineReached),
		attribute.Bool("wf.sweep.remaining_may_exist", res.RemainingMayExist),
	}
	for kind, counts := range map[string]KindCounts{"admitted": res.Summary.Admitted, "recovered": res.Summary.Recovered, "scheduled": res.Summary.Scheduled, "timers": res.Summary.Timers} {
		kv = append(kv, attribute.Int("wf.sweep."+kind, counts.Total()))
	}
	return kv
}
