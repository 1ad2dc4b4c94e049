package worker

import (
	"context"
	"errors"
	"net/http"
)

// EnvMetrics, when "1", serves the runtime's metrics for Prometheus at
// /metrics, through Options.Metrics.
const EnvMetrics = "WF_METRICS"

// MetricsExporter is what Options.Metrics returns: the handler a worker
// mounts at /metrics, and what it stops when it ends. The module
// github.com/wfgo/wf/host/metrics provides one (metrics.FromEnv).
type MetricsExporter interface {
	// Handler serves the metrics' exposition.
	Handler() http.Handler
	// Shutdown stops the exporter's meter provider.
	Shutdown(ctx context.Context) error
}

// errNoMetricsHook is Serve's error for WF_METRICS=1 without
// Options.Metrics.
var errNoMetricsHook = errors.New("WF_METRICS=1 but this worker has no metrics exporter: " +
	"import github.com/wfgo/wf/host/metrics and set worker.Options.Metrics = metrics.FromEnv, " +
	"or add the metrics option to //wf:hosts (//wf:hosts worker metrics) and run wfgen again")

// metricsFromEnv calls opts.Metrics, or refuses WF_METRICS=1 when it is
// not set.
func metricsFromEnv(getenv func(string) string, hook func(func(string) string) (MetricsExporter, error)) (MetricsExporter, error) {
	if hook == nil {
		if getenv(EnvMetrics) == "1" {
			return nil, errNoMetricsHook
		}
		return nil, nil
	}
	return hook(getenv)
}
