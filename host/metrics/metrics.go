// Package metrics exposes wf's OpenTelemetry metrics for Prometheus to
// scrape: the /metrics endpoint of the worker (host/worker) when
// WF_METRICS=1. It is a module of its own, github.com/wfgo/wf/host/metrics,
// so that the OpenTelemetry SDK and the Prometheus client stay out of the
// requirements of apps that do not serve metrics. A worker's main enables
// it with
//
//	worker.Main(app, worker.Options{Metrics: metrics.FromEnv})
//
// (wfgen writes this line for //wf:hosts worker metrics).
package metrics

import (
	"context"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/wfgo/wf/host/worker"
)

// Metrics exposes the runtime's OpenTelemetry metrics for Prometheus to
// scrape, through OpenTelemetry's Prometheus exporter on a registry of its
// own (so that an app's default registry is left alone). It is a
// worker.MetricsExporter.
type Metrics struct {
	// Provider makes the instruments: pass it as
	// runtime.Config.MeterProvider, or install it with
	// otel.SetMeterProvider before the runtime is made.
	Provider *sdkmetric.MeterProvider
	handler  http.Handler
}

var _ worker.MetricsExporter = (*Metrics)(nil)

// New makes a meter provider whose instruments Handler serves.
func New() (*Metrics, error) {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, fmt.Errorf("wf metrics: prometheus exporter: %w", err)
	}
	return &Metrics{
		Provider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp)),
		handler:  promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
	}, nil
}

// Handler serves the Prometheus exposition; mount it at /metrics.
func (m *Metrics) Handler() http.Handler { return m.handler }

// Shutdown stops the meter provider.
func (m *Metrics) Shutdown(ctx context.Context) error { return m.Provider.Shutdown(ctx) }

// FromEnv is a worker.Options.Metrics hook. It returns nil when
// getenv("WF_METRICS") is not "1". Otherwise it makes Metrics and
// installs their provider as otel's global meter provider, the one
// runtime.Config uses unless given another; worker.Serve calls it before
// it makes the runtime.
func FromEnv(getenv func(string) string) (worker.MetricsExporter, error) {
	if getenv(worker.EnvMetrics) != "1" {
		return nil, nil
	}
	m, err := New()
	if err != nil {
		return nil, err
	}
	otel.SetMeterProvider(m.Provider)
	return m, nil
}
