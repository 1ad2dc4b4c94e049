package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wfgo/wf/host"
)

// ShutdownGrace is how long requests in flight get to end after SIGTERM.
const ShutdownGrace = 25 * time.Second

// Main runs app as a long-running worker process and exits: it is the
// whole of a generated worker's main. See Serve; SIGTERM or an interrupt
// ends it.
func Main(app host.App, opts Options) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	code := Serve(ctx, app, opts)
	stop()
	os.Exit(code)
}

// Serve runs app until ctx ends and returns the process's exit code. It
// opens the store (app.Open), sweeps as Run does, early when the store
// says runs are ready (PostgreSQL LISTEN), and on $PORT (default 8080)
// serves the ingress API when WF_INGRESS_SECRET is set, each request
// carrying "Authorization: Bearer $WF_INGRESS_SECRET", and the web
// dashboard under /dashboard/ when WF_DASHBOARD_SECRET is set (see
// Handler), and metrics at /metrics when opts.Metrics returns an exporter
// (WF_METRICS=1 without opts.Metrics is an error). When ctx ends it
// finishes the sweep in progress, gives requests in flight up to
// ShutdownGrace to end, and returns 0; it returns 1 when the store cannot
// be opened (an unmigrated database included) or the port not served.
// opts.Logger defaults to app's logger; opts.Wake to the store's.
func Serve(ctx context.Context, app host.App, opts Options) int {
	if opts.Logger == nil {
		opts.Logger = app.Log()
	}
	app.Logger = opts.Logger
	logger := opts.Logger
	metrics, err := metricsFromEnv(app.Env, opts.Metrics) // before the runtime, which reads otel's global provider
	if err != nil {
		logger.Error("wf worker: cannot start", "err", err)
		return 1
	}
	if metrics != nil {
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := metrics.Shutdown(ctx); err != nil {
				logger.Warn("wf worker: metrics shutdown", "err", err)
			}
		}()
	}
	rt, opened, err := app.Start(ctx)
	if err != nil {
		logger.Error("wf worker: cannot start", "err", err)
		return 1
	}
	defer opened.Close()
	if opts.Wake == nil && opened.Wake != nil {
		opts.Wake = opened.Wake(ctx, logger)
	}
	if opts.Startup == nil {
		opts.Startup = &Startup{Store: opened.Kind}
	}
	h, err := handler(rt, app.Env, metrics, opts.Startup, logger)
	if err != nil {
		logger.Error("wf worker: cannot serve HTTP", "err", err)
		return 1
	}
	run := func(ctx context.Context) error { return Run(ctx, rt, opts) }
	if h == nil {
		err = run(ctx)
	} else {
		srv, ln, lerr := httpServer(h, app.Env("PORT"), logger)
		if lerr != nil {
			logger.Error("wf worker: cannot serve HTTP", "err", lerr)
			return 1
		}
		opts.Startup.listening(ln.Addr().String())
		err = serveWhile(ctx, srv, ln, run)
	}
	if err != nil {
		logger.Error("wf worker: stopped", "err", err)
		return 1
	}
	logger.Info("wf worker: stopped")
	return 0
}

// httpServer listens on port (default 8080) for the ingress API and the
// dashboard.
func httpServer(h http.Handler, port string, logger *slog.Logger) (*http.Server, net.Listener, error) {
	if port == "" {
		port = "8080"
	}
	ln, err := net.Listen("tcp", ":"+port)
	if err != nil {
		return nil, nil, err
	}
	logger.Info("wf worker: serving HTTP", "addr", ln.Addr().String())
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}, ln, nil
}

// serveWhile serves srv on ln while run runs, both until ctx ends. When
// the server stops on its own (its listener fails), run's context is
// canceled, so that the worker ends instead of sweeping on without its
// ingress, and the server's error is returned: the process exits 1 and
// its supervisor restarts it.
func serveWhile(ctx context.Context, srv *http.Server, ln net.Listener, run func(context.Context) error) error {
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	served := make(chan error, 1)
	go func() {
		err := serve(ctx, srv, ln)
		if err != nil {
			stopRun()
		}
		served <- err
	}()
	err := run(runCtx)
	if ctx.Err() == nil && runCtx.Err() == nil {
		// Run ended on its own: stop serving too.
		stopServer(srv)
	}
	if serr := <-served; serr != nil && (err == nil || errors.Is(err, context.Canceled)) {
		err = serr
	}
	return err
}

// stopServer closes srv at once (Run already failed; nothing drains).
func stopServer(srv *http.Server) { _ = srv.Close() }

// serve serves srv on ln until ctx ends, then shuts it down, giving
// requests in flight up to ShutdownGrace to end.
func serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("http: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("http: shutdown: %w", err)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http: %w", err)
	}
	return nil
}
