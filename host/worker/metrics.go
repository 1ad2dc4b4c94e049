package worker

import (
	"context"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// Metrics exposes the runtime's OpenTelemetry metrics for Prometheus to
// scrape, through OpenTelemetry's Prometheus exporter on a registry of its
// own (so that an app's default registry is left alone).
type Metrics struct {
	// Provider makes the instruments: pass it as
	// runtime.Config.MeterProvider, or install it with
	// otel.SetMeterProvider before the runtime is made.
	Provider *sdkmetric.MeterProvider
	// Handler serves the Prometheus exposition; mount it at /metrics.
	Handler http.Handler
}

// NewMetrics makes a meter provider whose instruments Handler serves.
func NewMetrics() (*Metrics, error) {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, fmt.Errorf("wf worker: prometheus exporter: %w", err)
	}
	return &Metrics{
		Provider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp)),
		Handler:  promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
	}, nil
}

// MetricsFromEnv returns nil when getenv("WF_METRICS") is not "1".
// Otherwise it makes Metrics and installs their provider as otel's global
// meter provider, the one runtime.Config uses unless given another: call
// it before the runtime is made, in a process's main.
func MetricsFromEnv(getenv func(string) string) (*Metrics, error) {
	if getenv("WF_METRICS") != "1" {
		return nil, nil
	}
	m, err := NewMetrics()
	if err != nil {
		return nil, err
	}
	otel.SetMeterProvider(m.Provider)
	return m, nil
}

// Shutdown stops the meter provider.
func (m *Metrics) Shutdown(ctx context.Context) error { return m.Provider.Shutdown(ctx) }
