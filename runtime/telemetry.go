package runtime

import (
	"context"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/wfgo/wf"
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

// stepTelemetry is the middleware that gives each live step attempt a span,
// a child of the run's span, and counts it in the step metrics.
func (rt *Runtime) stepTelemetry(workflowID, runID string) wf.Middleware {
	return wf.Middleware{
		Name: "telemetry",
		Step: func(sc wf.StepContext, next func(wf.StepContext) error) error {
			ctx, span := rt.tracer.Start(sc, "wf.step "+string(sc.ID()), trace.WithAttributes(
				attrRun.String(runID), attrStep.String(string(sc.ID())), attrAttempt.Int(sc.Attempt())))
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

// startRunSpan starts the span of one drive.
func (rt *Runtime) startRunSpan(ctx context.Context, workflowID, version, runID, owner string) (context.Context, trace.Span) {
	return rt.tracer.Start(ctx, "wf.run "+workflowID, trace.WithAttributes(
		attrWorkflow.String(workflowID), attrVersion.String(version), attrRun.String(runID), attrLeaseOwner.String(owner)))
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
	for kind, counts := range map[string]KindCounts{"recovered": res.Summary.Recovered, "scheduled": res.Summary.Scheduled, "timers": res.Summary.Timers} {
		kv = append(kv, attribute.Int("wf.sweep."+kind, counts.Total()))
	}
	return kv
}
