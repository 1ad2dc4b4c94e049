package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Config configures one run of the suite.
type Config struct {
	// DatabaseURL is the PostgreSQL server; the suite works in a fresh
	// schema of its own. Required.
	DatabaseURL string
	// Program is the executable holding the worker, starter and signaller
	// roles (the chaos command itself, or one Build made). Required.
	Program string
	// Duration is how long the chaos lasts before the drain. Defaults to
	// 1m.
	Duration time.Duration
	// Workers is the number of worker processes. Defaults to 4.
	Workers int
	// KillInterval is the mean pause between kill -9s of a random worker
	// (each pause is drawn between half and one and a half of it).
	// Defaults to 3s.
	KillInterval time.Duration
	// TerminateInterval is the pause between rounds of
	// pg_terminate_backend, each ending about half of the suite's
	// connections. Defaults to 2s.
	TerminateInterval time.Duration
	// DrainTimeout bounds the wait for every run to end once the chaos
	// stops; runs still live then are stuck. Defaults to 2m.
	DrainTimeout time.Duration
	// Rate is how many runs the starter starts per second. Defaults to 4.
	Rate float64
	// LeaseDuration is the runtimes' lease: how soon a killed worker's
	// runs are recovered. Defaults to 5s.
	LeaseDuration time.Duration
	// LogDir receives one log file per child process. Defaults to a new
	// temporary directory, removed again when the verdict passes.
	LogDir string
	// KeepSchema leaves the suite's schema in the database for
	// inspection. Defaults to dropping it.
	KeepSchema bool
	// Progress receives a line per event of the suite (kills, phases).
	// Defaults to discarding them.
	Progress io.Writer
}

func (c *Config) defaults() error {
	if c.DatabaseURL == "" || c.Program == "" {
		return errors.New("chaos: Config needs a DatabaseURL and a Program")
	}
	if c.Duration <= 0 {
		c.Duration = time.Minute
	}
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.KillInterval <= 0 {
		c.KillInterval = 3 * time.Second
	}
	if c.TerminateInterval <= 0 {
		c.TerminateInterval = 2 * time.Second
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = 2 * time.Minute
	}
	if c.Rate <= 0 {
		c.Rate = 4
	}
	if c.LeaseDuration <= 0 {
		c.LeaseDuration = 5 * time.Second
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	if c.LogDir == "" {
		dir, err := os.MkdirTemp("", "wfchaos-")
		if err != nil {
			return err
		}
		c.LogDir = dir
	}
	return os.MkdirAll(c.LogDir, 0o755)
}

// suite is one run in progress.
type suite struct {
	cfg       Config
	schema    string
	pool      *pgxpool.Pool // the suite's own connections, never terminated
	workers   []*child
	starter   *child
	signaller *child
	report    Report
}

// Run runs the suite: it creates a schema, starts the workers, the
// starter and the signaller as OS processes, kills random workers and
// terminates the processes' connections for cfg.Duration, drains, and
// returns the report. The error is for a suite that could not run; a
// failed verdict is in Report.Failed.
func Run(ctx context.Context, cfg Config) (Report, error) {
	tempLogs := cfg.LogDir == ""
	if err := cfg.defaults(); err != nil {
		return Report{}, err
	}
	schema, err := newSchemaName()
	if err != nil {
		return Report{}, err
	}
	s := &suite{cfg: cfg, schema: schema, report: Report{
		Duration: cfg.Duration, Workers: cfg.Workers, KillInterval: cfg.KillInterval, DrainTimeout: cfg.DrainTimeout,
	}}
	connectCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if s.pool, err = connect(connectCtx, cfg.DatabaseURL, schema+"_suite", 4); err != nil {
		return Report{}, err
	}
	defer s.pool.Close()
	if err := createSchema(ctx, s.pool, schema); err != nil {
		return Report{}, err
	}
	if !cfg.KeepSchema {
		defer func() {
			if err := dropSchema(s.pool, schema); err != nil {
				s.logf("drop schema %s: %v", schema, err)
			}
		}()
	}
	s.logf("schema %s, child logs in %s", schema, cfg.LogDir)
	defer s.stopAll()
	if err := s.startAll(); err != nil {
		return Report{}, err
	}
	if err := s.chaos(ctx); err != nil {
		return Report{}, err
	}
	drainedAt, err := s.drain(ctx)
	if err != nil {
		return Report{}, err
	}
	s.stopAll()
	obs, err := collect(ctx, s.pool, schema, drainedAt)
	if err != nil {
		return Report{}, fmt.Errorf("chaos: read back: %w", err)
	}
	s.report.Counts = Compute(obs)
	if tempLogs && !s.report.Failed() {
		_ = os.RemoveAll(cfg.LogDir)
	}
	return s.report, nil
}

func (s *suite) logf(format string, args ...any) {
	fmt.Fprintf(s.cfg.Progress, "chaos %s: %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

// roleArgs is a child's command line. The database URL, which may hold
// a password, goes in the environment instead (see newChild).
func (s *suite) roleArgs(role, name string, extra ...string) []string {
	return append([]string{role, "-schema", s.schema, "-name", name, "-lease", s.cfg.LeaseDuration.String()}, extra...)
}

func (s *suite) startAll() error {
	for i := range s.cfg.Workers {
		name := "worker-" + strconv.Itoa(i+1)
		s.workers = append(s.workers, newChild(s.cfg, name, s.roleArgs("worker", name)))
	}
	s.starter = newChild(s.cfg, "starter",
		s.roleArgs("starter", "starter", "-rate", strconv.FormatFloat(s.cfg.Rate, 'g', -1, 64)))
	s.signaller = newChild(s.cfg, "signaller", s.roleArgs("signaller", "signaller"))
	for _, c := range s.children() {
		if err := c.start(); err != nil {
			return err
		}
	}
	return nil
}

func (s *suite) children() []*child {
	return append(append([]*child{}, s.workers...), s.starter, s.signaller)
}

// stopAll ends every child still running; it is safe to call twice.
func (s *suite) stopAll() {
	for _, c := range s.children() {
		if c != nil && c.cmd != nil {
			c.stop(15 * time.Second)
		}
	}
}

// chaos kills a random worker every ~KillInterval (restarting it at
// once) and terminates the children's connections every
// TerminateInterval, until Duration has passed.
func (s *suite) chaos(ctx context.Context) error {
	s.logf("chaos for %s: %d workers, kill -9 every ~%s, pg_terminate_backend every %s",
		s.cfg.Duration, s.cfg.Workers, s.cfg.KillInterval, s.cfg.TerminateInterval)
	end := time.After(s.cfg.Duration)
	kill := time.NewTimer(s.killPause())
	defer kill.Stop()
	terminate := time.NewTicker(s.cfg.TerminateInterval)
	defer terminate.Stop()
	status := time.NewTicker(30 * time.Second)
	defer status.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-end:
			return nil
		case <-kill.C:
			if err := s.killOne(); err != nil {
				return err
			}
			kill.Reset(s.killPause())
		case <-terminate.C:
			n, err := terminateSome(ctx, s.pool, s.schema)
			if err != nil {
				s.logf("pg_terminate_backend: %v", err)
			}
			s.report.Terminated += n
		case <-status.C:
			s.logStatus(ctx)
		}
		if err := s.restartCrashed(); err != nil {
			return err
		}
	}
}

// logStatus reports the runs so far and the chaos done.
func (s *suite) logStatus(ctx context.Context) {
	total, live, err := countRuns(ctx, s.pool, s.schema)
	if err != nil {
		s.logf("count runs: %v", err)
		return
	}
	s.logf("%d runs, %d live; %d kills, %d backends terminated so far", total, live, s.report.Kills, s.report.Terminated)
}

func (s *suite) killPause() time.Duration {
	half := s.cfg.KillInterval / 2
	return half + rand.N(2*half+1)
}

func (s *suite) killOne() error {
	w := s.workers[rand.N(len(s.workers))]
	pid := w.cmd.Process.Pid
	w.kill()
	s.report.Kills++
	s.logf("kill -9 %s (pid %d)", w.name, pid)
	return w.start()
}

// restartCrashed restarts children that exited without being told to:
// a crash is logged and counted, and the suite goes on.
func (s *suite) restartCrashed() error {
	for _, c := range s.children() {
		if c.exited() && !c.killed {
			s.report.Crashes++
			s.logf("%s exited on its own (%v); restarting it, see %s", c.name, c.cmd.ProcessState, c.logPath)
			if err := c.start(); err != nil {
				return err
			}
		}
	}
	return nil
}

// drain stops the chaos: the starter finishes its starts in flight and
// exits, every worker is restarted gracefully with the schedule disabled,
// and the suite waits for all runs to end or DrainTimeout. It returns when
// it stopped waiting.
func (s *suite) drain(ctx context.Context) (time.Time, error) {
	s.logf("chaos over: draining (timeout %s)", s.cfg.DrainTimeout)
	began := time.Now()
	s.starter.stop(time.Minute)
	for i, w := range s.workers {
		w.stop(30 * time.Second)
		s.workers[i] = newChild(s.cfg, w.name, s.roleArgs("worker", w.name, "-drain"))
		if err := s.workers[i].start(); err != nil {
			return time.Time{}, err
		}
	}
	deadline := began.Add(s.cfg.DrainTimeout)
	for {
		_, n, err := countRuns(ctx, s.pool, s.schema)
		if err != nil {
			return time.Time{}, fmt.Errorf("chaos: count live runs: %w", err)
		}
		now := time.Now()
		if n == 0 || now.After(deadline) {
			s.report.Drained = now.Sub(began)
			s.logf("drained: %d runs live after %s", n, s.report.Drained.Round(time.Millisecond))
			return now, nil
		}
		if err := s.restartCrashed(); err != nil {
			return time.Time{}, err
		}
		if !pause(ctx, 500*time.Millisecond) {
			return time.Time{}, ctx.Err()
		}
	}
}
