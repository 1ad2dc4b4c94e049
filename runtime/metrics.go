package runtime

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/wfgo/wf"
)

// Metric attribute keys.
const (
	attrMetricWorkflow = attribute.Key("workflow")
	attrMetricStatus   = attribute.Key("status")
	attrMetricCode     = attribute.Key("code")
	attrMetricOutcome  = attribute.Key("outcome")
	attrMetricPhase    = attribute.Key("phase")
	attrMetricKind     = attribute.Key("kind")
)

// metrics are the runtime's OpenTelemetry instruments. Each is recorded
// where the runtime already knows the value, never by a store query of its
// own: the parked and backing-off gauges are what the last sweep saw.
type metrics struct {
	runsStarted   metric.Int64Counter
	runsEnded     metric.Int64Counter
	runsRecovered metric.Int64Counter
	stepAttempts  metric.Int64Counter
	stepDuration  metric.Float64Histogram
	sweepDuration metric.Float64Histogram
	sweepItems    metric.Int64Counter
	timerLag      metric.Float64Histogram
	buffered      metric.Int64Counter
	parked        metric.Int64Gauge
	backingOff    metric.Int64Gauge

	// attrs memoises the attribute sets of the per-step and per-run
	// measurements (see attributes).
	attrs     sync.Map // attrKey -> *attrOptions
	attrCount atomic.Int32
}

// attrKey is a memoised attribute set: up to three key/value pairs.
type attrKey struct {
	k1, k2, k3 attribute.Key
	v1, v2, v3 string
}

// maxMemoisedAttrs bounds the memoised attribute sets: workflow IDs are
// registered, statuses and outcomes few, but error codes are the
// application's.
const maxMemoisedAttrs = 4096

// attrOptions are an attribute set as the options of an Add and of a
// Record.
type attrOptions struct {
	add    []metric.AddOption
	record []metric.RecordOption
}

// attributes returns the options of the attribute set k, built once: a
// step's measurement then allocates nothing.
func (m *metrics) attributes(k attrKey) *attrOptions {
	if v, ok := m.attrs.Load(k); ok {
		return v.(*attrOptions)
	}
	kvs := make([]attribute.KeyValue, 0, 3)
	for _, kv := range []struct {
		k attribute.Key
		v string
	}{{k.k1, k.v1}, {k.k2, k.v2}, {k.k3, k.v3}} {
		if kv.k != "" {
			kvs = append(kvs, kv.k.String(kv.v))
		}
	}
	set := metric.WithAttributeSet(attribute.NewSet(kvs...))
	opt := &attrOptions{add: []metric.AddOption{set}, record: []metric.RecordOption{set}}
	if m.attrCount.Load() < maxMemoisedAttrs {
		if _, loaded := m.attrs.LoadOrStore(k, opt); !loaded {
			m.attrCount.Add(1)
		}
	}
	return opt
}

func newMeter(cfg Config) metric.Meter {
	switch {
	case cfg.DisableTelemetry:
		return noop.NewMeterProvider().Meter(instrumentationName)
	case cfg.MeterProvider != nil:
		return cfg.MeterProvider.Meter(instrumentationName)
	}
	return otel.GetMeterProvider().Meter(instrumentationName)
}

// newMetrics makes the instruments; a provider that cannot make one gets
// a no-op in its place, so that metrics never stop a run.
func newMetrics(m metric.Meter) *metrics {
	nm := noop.Meter{}
	counter := func(name, unit, desc string) metric.Int64Counter {
		c, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		if err != nil {
			c, _ = nm.Int64Counter(name)
		}
		return c
	}
	seconds := func(name, desc string) metric.Float64Histogram {
		h, err := m.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc))
		if err != nil {
			h, _ = nm.Float64Histogram(name)
		}
		return h
	}
	gauge := func(name, desc string) metric.Int64Gauge {
		g, err := m.Int64Gauge(name, metric.WithUnit("{run}"), metric.WithDescription(desc))
		if err != nil {
			g, _ = nm.Int64Gauge(name)
		}
		return g
	}
	return &metrics{
		runsStarted:   counter("wf.runs.started", "{run}", "Runs created, by workflow."),
		runsEnded:     counter("wf.runs.ended", "{run}", "Runs that reached a terminal status, by workflow, status and error code."),
		runsRecovered: counter("wf.runs.recovered", "{run}", "Stale or ready runs a sweep claimed and drove again, by workflow."),
		stepAttempts:  counter("wf.step.attempts", "{attempt}", "Live step attempts, by workflow and outcome."),
		stepDuration:  seconds("wf.step.duration", "Duration of live step attempts, by workflow and outcome."),
		sweepDuration: seconds("wf.sweep.duration", "Wall time of sweeps."),
		sweepItems:    counter("wf.sweep.items", "{item}", "Sweep items by phase (recovered, scheduled, timers) and result kind."),
		timerLag:      seconds("wf.timer.lag", "Time from a timer's wake time to its delivery."),
		buffered:      counter("wf.signals.buffered", "{delivery}", "Signals and approval decisions kept for a wait the run had not reached, by workflow."),
		parked:        gauge("wf.runs.parked", "Runs the last sweep left parked (their version is not registered)."),
		backingOff:    gauge("wf.runs.backing_off", "Runs the last sweep found backing off after failed drives, or made back off."),
	}
}

// runStarted counts a created run.
func (m *metrics) runStarted(ctx context.Context, workflowID string) {
	m.runsStarted.Add(ctx, 1, m.attributes(attrKey{k1: attrMetricWorkflow, v1: workflowID}).add...)
}

// runEnded counts a run committed with a terminal status.
func (m *metrics) runEnded(ctx context.Context, workflowID string, status wf.RunStatus, info *wf.ErrorInfo) {
	if !status.Terminal() {
		return
	}
	code := ""
	if info != nil {
		code = string(info.Code)
	}
	m.runsEnded.Add(ctx, 1, m.attributes(attrKey{k1: attrMetricWorkflow, v1: workflowID,
		k2: attrMetricStatus, v2: string(status), k3: attrMetricCode, v3: code}).add...)
}

// stepAttempt counts a live step attempt and its duration.
func (m *metrics) stepAttempt(ctx context.Context, workflowID string, d time.Duration, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	attrs := m.attributes(attrKey{k1: attrMetricWorkflow, v1: workflowID, k2: attrMetricOutcome, v2: outcome})
	m.stepAttempts.Add(ctx, 1, attrs.add...)
	m.stepDuration.Record(ctx, d.Seconds(), attrs.record...)
}

// sweepDone records a sweep's duration, its items by phase and kind, and
// the parked and backing-off runs it saw.
func (m *metrics) sweepDone(ctx context.Context, d time.Duration, sum Summary) {
	m.sweepDuration.Record(ctx, d.Seconds())
	backingOff := len(sum.Failed)
	for phase, counts := range map[string]KindCounts{"admitted": sum.Admitted, "recovered": sum.Recovered, "scheduled": sum.Scheduled, "timers": sum.Timers} {
		for kind, n := range counts {
			m.sweepItems.Add(ctx, int64(n), metric.WithAttributes(attrMetricPhase.String(phase), attrMetricKind.String(string(kind))))
		}
		backingOff += counts[KindBackingOff]
	}
	m.parked.Record(ctx, int64(sum.Parked))
	m.backingOff.Record(ctx, int64(backingOff))
}
