package worker

import (
	"log/slog"
	"net/http"

	"github.com/wfgo/wf/dashboard"
	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/runtime"
)

// Environment variables that Handler reads.
const (
	// EnvIngressSecret, when set, serves the ingress API, each request
	// carrying "Authorization: Bearer <secret>".
	EnvIngressSecret = "WF_INGRESS_SECRET"
	// EnvDashboardSecret, when set, serves the web dashboard under
	// DashboardPath; operators sign in with this secret.
	EnvDashboardSecret = "WF_DASHBOARD_SECRET"
)

// DashboardPath is where Handler serves the dashboard.
const DashboardPath = "/dashboard/"

// Handler returns what a worker serves on its port: the ingress API when
// WF_INGRESS_SECRET is set, and the web dashboard under /dashboard/ when
// WF_DASHBOARD_SECRET is set. It returns nil when neither is set: the worker
// then listens on no port. The two secrets are separate on purpose: the
// ingress secret goes to the systems that start runs, the dashboard's to
// people.
func Handler(rt *runtime.Runtime, getenv func(string) string, logger *slog.Logger) (http.Handler, error) {
	return handler(rt, getenv, nil, &Startup{}, logger)
}

// handler is Handler plus /metrics when metrics is set; it fills in what
// startup reports of each part (their address once the port is known: see
// Startup.listening).
func handler(rt *runtime.Runtime, getenv func(string) string, metrics MetricsExporter, startup *Startup, logger *slog.Logger) (http.Handler, error) {
	ingressSecret, dashboardSecret := getenv(EnvIngressSecret), getenv(EnvDashboardSecret)
	startup.Ingress, startup.Dashboard, startup.Metrics = "off (WF_INGRESS_SECRET is not set)",
		"off (WF_DASHBOARD_SECRET is not set)", "off (WF_METRICS is not 1)"
	if ingressSecret == "" && dashboardSecret == "" && metrics == nil {
		return nil, nil
	}
	mux := http.NewServeMux()
	if metrics != nil {
		mux.Handle("GET /metrics", metrics.Handler())
		startup.Metrics = "on /metrics"
	}
	if ingressSecret != "" {
		in, err := host.NewIngress(host.IngressConfig{Runtime: rt, Secret: ingressSecret, Logger: logger})
		if err != nil {
			return nil, err
		}
		mux.Handle("/", in)
		startup.Ingress = "on /"
	}
	if dashboardSecret != "" {
		d, err := dashboard.New(dashboard.Config{Runtime: rt, Secret: dashboardSecret, Path: DashboardPath, Logger: logger})
		if err != nil {
			return nil, err
		}
		mux.Handle(DashboardPath, d)
		startup.Dashboard = "on " + DashboardPath
	}
	return mux, nil
}
