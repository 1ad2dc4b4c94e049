// Package worker is the long-running host: a process that sweeps on an
// interval, wakes early when told to (Postgres LISTEN/NOTIFY, see Listen),
// and on shutdown finishes the sweep in progress before it returns. Handler
// is what it serves on its port: the ingress API and the web dashboard.
package worker

import (
	"context"
	"log/slog"
	"time"

	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/runtime"
)

// Options configure a worker.
type Options struct {
	// Interval is the pause between sweeps when there is nothing left to
	// do. Defaults to 5s.
	Interval time.Duration
	// Sweep bounds each sweep. Defaults to a 25s sweep.
	Sweep runtime.SweepOptions
	// Wake, when set, ends a pause early (each receive triggers a sweep).
	Wake <-chan struct{}
	// Logger receives the start-up line, and one line per sweep that did
	// something (at INFO; nothing for an idle sweep). Defaults to
	// slog.Default().
	Logger *slog.Logger
	// Startup, when set, adds what the process serves to the start-up
	// line.
	Startup *Startup
	// OnSweep, when set, is called after each sweep.
	OnSweep func(host.Summary)
	// Metrics, when set, is called by Serve with the process's
	// environment before it makes the runtime; the exporter it returns,
	// when not nil, is served at /metrics and shut down when Serve ends.
	// metrics.FromEnv (module github.com/wfgo/wf/host/metrics) serves them
	// when WF_METRICS=1. Serve refuses to start when WF_METRICS=1 and
	// Metrics is not set. Run ignores it.
	Metrics func(getenv func(string) string) (MetricsExporter, error)
}

// Run sweeps until ctx is canceled (SIGTERM in a generated main). A sweep in
// progress when ctx ends is finished, not aborted: its runs commit and
// release their leases, then Run returns nil. A sweep that reports
// RemainingMayExist is followed at once by another. Sweep options that
// runtime.CheckSweepOptions refuses are an error before the first sweep.
func Run(ctx context.Context, rt *runtime.Runtime, opts Options) error {
	if err := rt.CheckSweepOptions(opts.Sweep); err != nil {
		return err
	}
	if opts.Interval <= 0 {
		opts.Interval = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	logStartup(opts.Logger, rt, opts)
	drain := context.WithoutCancel(ctx)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		start := time.Now()
		sum, err := host.Sweep(drain, rt, opts.Sweep, 0)
		if opts.OnSweep != nil {
			opts.OnSweep(sum)
		}
		if err != nil {
			opts.Logger.Error("wf worker: sweep failed", "err", err)
		} else {
			logSweep(opts.Logger, sum, time.Since(start))
		}
		if ctx.Err() != nil {
			return nil
		}
		if sum.RemainingMayExist && err == nil {
			continue
		}
		timer.Reset(opts.Interval)
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-opts.Wake:
			if !timer.Stop() {
				<-timer.C
			}
		}
	}
}
