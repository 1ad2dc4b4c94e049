package cloudflare

import (
	"context"
	"log/slog"
	"time"

	"github.com/wfgo/wf/host"
)

// scheduledEvent is what a Cron Trigger says of itself.
type scheduledEvent struct {
	// Cron is the trigger's cron expression ("" when fired by hand).
	Cron string
	// ScheduledTime is when the trigger was due.
	ScheduledTime time.Time
}

// scheduled handles a Cron Trigger: it builds the invocation's runtime,
// materialises schedules, runs one bounded sweep and logs the summary as
// one line. The Cron Trigger only wakes the runtime; the store decides
// what is due.
func (w *worker) scheduled(ctx context.Context, env Env, ev scheduledEvent) (host.Summary, error) {
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Sweep.MaxDuration+sweepMargin)
	defer cancel()
	sum, err := w.sweep(ctx, env)
	attrs := []any{slog.String("cron", ev.Cron), slog.Time("scheduledTime", ev.ScheduledTime), slog.Any("summary", sum)}
	if err != nil {
		w.cfg.Logger.Error("wf sweep failed", append(attrs, slog.String("error", err.Error()))...)
	} else {
		w.cfg.Logger.Info("wf sweep", attrs...)
	}
	return sum, err
}

// sweep is host.Sweep on the invocation's runtime.
func (w *worker) sweep(ctx context.Context, env Env) (host.Summary, error) {
	rt, err := w.newRuntime(ctx, env)
	if err != nil {
		return host.Summary{OK: false, Now: time.Now().UTC(), Error: err.Error()}, err
	}
	return host.Sweep(ctx, rt, w.cfg.Sweep, sweepMargin)
}
