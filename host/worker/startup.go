package worker

import (
	"log/slog"
	"strings"
	"time"

	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/runtime"
)

// Startup describes what a worker process serves besides sweeping, for
// its start-up line. Each field says what is on, or why it is off: "off
// (WF_INGRESS_SECRET is not set)".
type Startup struct {
	// Store names the store: "postgres", "sqlite".
	Store string
	// Ingress says whether the ingress API is served, and where.
	Ingress string
	// Dashboard says whether the dashboard is served, and where.
	Dashboard string
	// Metrics says whether /metrics is served, and where.
	Metrics string
}

// logStartup writes the worker's one start-up line.
func logStartup(logger *slog.Logger, rt *runtime.Runtime, opts Options) {
	sweep := rt.SweepDefaults(opts.Sweep)
	attrs := []any{"workflows", rt.WorkflowIDs(), "interval", opts.Interval.String(), "sweep_budget", sweep.MaxDuration.String()}
	if s := opts.Startup; s != nil {
		attrs = append(attrs, "store", orOff(s.Store), "ingress", orOff(s.Ingress),
			"dashboard", orOff(s.Dashboard), "metrics", orOff(s.Metrics))
	}
	logger.Info("wf worker: started", attrs...)
}

func orOff(s string) string {
	if s == "" {
		return "off"
	}
	return s
}

// didWork tells whether a sweep did anything worth a line at INFO: an
// idle worker logs nothing between its start and its stop.
func didWork(sum host.Summary) bool {
	s := sum.Summary
	return s.EventCount > 0 || sum.Materialized > 0 || s.Unparked > 0 || s.Parked > 0 || len(s.Failed) > 0 ||
		s.Recovered.Total()+s.Scheduled.Total()+s.Timers.Total() > 0
}

// logSweep writes the summary line of a sweep that did something.
func logSweep(logger *slog.Logger, sum host.Summary, took time.Duration) {
	if !didWork(sum) {
		return
	}
	s := sum.Summary
	logger.Info("wf worker: sweep", "took", took.Round(time.Millisecond).String(), "events", s.EventCount,
		"recovered", s.Recovered, "scheduled", s.Scheduled, "timers", s.Timers, "materialized", sum.Materialized,
		"unparked", s.Unparked, "parked", s.Parked, "failed", len(s.Failed), "remaining", sum.RemainingMayExist)
}

// listening prefixes the parts served over HTTP with the address they are
// served on.
func (s *Startup) listening(addr string) {
	for _, part := range []*string{&s.Ingress, &s.Dashboard, &s.Metrics} {
		if after, ok := strings.CutPrefix(*part, "on "); ok {
			*part = "on " + addr + after
		}
	}
}
