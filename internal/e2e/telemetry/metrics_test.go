package telemetry_test

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

// TestMetrics drives runs through every path the instruments count and
// reads them back through the SDK's manual reader.
func TestMetrics(t *testing.T) {
	t.Parallel()
	reader := sdkmetric.NewManualReader()
	st := memstore.New()
	s := &shop{}
	c := testclock.New(t0)
	rt, err := runtime.New(runtime.Config{Store: st, Clock: c.Now, Owner: "host-a",
		MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)),
		Workflows: []runtime.Workflow{{Definition: s.fulfillment(),
			Signals: map[string]wf.Validator{"payment-received": validatePayment}}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// r1 sleeps a second; its payment arrives early and is kept; the
	// timer fires two seconds after start, a second late, and r1 finishes.
	if _, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "fulfillment", RunID: "r1", Input: raw(t, orderInput{OrderID: "o1", DelayMs: 1000})}); err != nil {
		t.Fatal(err)
	}
	if res, err := rt.DeliverSignal(ctx, runtime.SignalRequest{RunID: "r1", Name: "payment-received", SignalID: "p1", Payload: raw(t, paymentReceived{PaymentID: "p1"})}); err != nil || res.Kind != runtime.KindAccepted {
		t.Fatalf("early signal: %v %v, want accepted", res.Kind, err)
	}
	// r2 is canceled; r3 is queued in the store, for a sweep to recover.
	if _, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "fulfillment", RunID: "r2", Input: raw(t, orderInput{OrderID: "o2", DelayMs: 60_000})}); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Cancel(ctx, "r2", "no longer wanted"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.CreateRun(ctx, store.NewRun{ID: "r3", WorkflowID: "fulfillment", Version: "v1", Status: wf.StatusQueued,
		Input: raw(t, orderInput{OrderID: "o3", DelayMs: 60_000}), Lease: store.Lease{Now: c.Now()}}); err != nil {
		t.Fatal(err)
	}
	c.Advance(2 * time.Second)
	if _, err := rt.Sweep(ctx, runtime.SweepOptions{}); err != nil {
		t.Fatal(err)
	}
	if run, err := rt.GetRun(ctx, "r1"); err != nil || run.Status != wf.StatusFinished {
		t.Fatalf("r1: %v %v, want finished", run.Status, err)
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	m := collected(rm)
	fulfillment := attribute.String("workflow", "fulfillment")
	for _, c := range []struct {
		name  string
		attrs []attribute.KeyValue
		want  float64
	}{
		// r1, r2 started by StartRun; r3 was written to the store directly.
		{"wf.runs.started", []attribute.KeyValue{fulfillment}, 2},
		{"wf.runs.ended", []attribute.KeyValue{fulfillment, attribute.String("status", "finished"), attribute.String("code", "")}, 1},
		{"wf.runs.ended", []attribute.KeyValue{fulfillment, attribute.String("status", "canceled"), attribute.String("code", "canceled")}, 1},
		{"wf.runs.recovered", []attribute.KeyValue{fulfillment}, 1},
		// reserve-inventory of r1, r2 and r3, ship-order of r1.
		{"wf.step.attempts", []attribute.KeyValue{fulfillment, attribute.String("outcome", "ok")}, 4},
		{"wf.step.duration", []attribute.KeyValue{fulfillment, attribute.String("outcome", "ok")}, 4},
		{"wf.signals.buffered", []attribute.KeyValue{fulfillment}, 1},
		{"wf.sweep.duration", nil, 1},
		{"wf.sweep.items", []attribute.KeyValue{attribute.String("phase", "recovered"), attribute.String("kind", "paused")}, 1},
		{"wf.sweep.items", []attribute.KeyValue{attribute.String("phase", "timers"), attribute.String("kind", "completed")}, 1},
		{"wf.timer.lag", nil, 1},
		{"wf.runs.parked", nil, 0},
		{"wf.runs.backing_off", nil, 0},
	} {
		got, ok := m.value(c.name, attribute.NewSet(c.attrs...))
		if !ok {
			t.Errorf("%s%v: not recorded", c.name, c.attrs)
		} else if got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.attrs, got, c.want)
		}
	}
	// The timer woke at t0+1s and was delivered at t0+2s.
	if lag := m.histograms["wf.timer.lag"][attribute.NewSet()]; lag.Sum != 1 {
		t.Errorf("wf.timer.lag sum = %vs, want 1s", lag.Sum)
	}
}

// metricValues indexes collected data points by instrument and attributes.
type metricValues struct {
	sums       map[string]map[attribute.Set]float64
	gauges     map[string]map[attribute.Set]float64
	histograms map[string]map[attribute.Set]metricdata.HistogramDataPoint[float64]
}

func collected(rm metricdata.ResourceMetrics) metricValues {
	v := metricValues{sums: map[string]map[attribute.Set]float64{}, gauges: map[string]map[attribute.Set]float64{},
		histograms: map[string]map[attribute.Set]metricdata.HistogramDataPoint[float64]{}}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				v.sums[m.Name] = map[attribute.Set]float64{}
				for _, p := range d.DataPoints {
					v.sums[m.Name][p.Attributes] = float64(p.Value)
				}
			case metricdata.Gauge[int64]:
				v.gauges[m.Name] = map[attribute.Set]float64{}
				for _, p := range d.DataPoints {
					v.gauges[m.Name][p.Attributes] = float64(p.Value)
				}
			case metricdata.Histogram[float64]:
				v.histograms[m.Name] = map[attribute.Set]metricdata.HistogramDataPoint[float64]{}
				for _, p := range d.DataPoints {
					v.histograms[m.Name][p.Attributes] = p
				}
			}
		}
	}
	return v
}

// value is a counter's sum, a gauge's value or a histogram's count.
func (v metricValues) value(name string, attrs attribute.Set) (float64, bool) {
	if n, ok := v.sums[name][attrs]; ok {
		return n, true
	}
	if n, ok := v.gauges[name][attrs]; ok {
		return n, true
	}
	h, ok := v.histograms[name][attrs]
	return float64(h.Count), ok
}
