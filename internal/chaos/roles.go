package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/host/worker"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/postgres"
)

// roleConfig is what every child process is told on its command line.
type roleConfig struct {
	URL    string
	Schema string
	Name   string
	Lease  time.Duration
	// Drain registers the schedule disabled (workers only).
	Drain bool
	// Rate is runs started per second (starter only).
	Rate float64
}

// process is one child's connection pool and runtime.
type process struct {
	schema string
	pool   *pgxpool.Pool
	rt     *runtime.Runtime
	logger *slog.Logger
}

// open connects a child process and builds its runtime over the suite's
// schema, with the same workflows and schedule in every process.
func open(ctx context.Context, c roleConfig, logger *slog.Logger) (*process, error) {
	pool, err := connect(ctx, c.URL, appName(c.Schema), 8)
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx, pool, c.Schema)
	if err != nil {
		pool.Close()
		return nil, err
	}
	x := executor{pool: pool, table: c.Schema + "." + executionsTable, pid: os.Getpid()}
	rt, err := runtime.New(runtime.Config{
		Store: st, Workflows: x.workflows(c.Drain), LeaseDuration: c.Lease,
		Owner: fmt.Sprintf("%s-%d", c.Name, os.Getpid()), Logger: logger,
	})
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &process{schema: c.Schema, pool: pool, rt: rt, logger: logger}, nil
}

// openStore retries postgres.New, whose schema check may meet a
// terminated connection.
func openStore(ctx context.Context, pool *pgxpool.Pool, schema string) (*postgres.Store, error) {
	for {
		st, err := postgres.New(ctx, pool, postgres.WithSchema(schema), postgres.WithNotify(notifyChannel(schema)))
		if err == nil {
			return st, nil
		}
		if !pause(ctx, 200*time.Millisecond) {
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
}

// pause waits d, or reports false when ctx ends first.
func pause(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// runWorker sweeps until ctx ends, woken by the store's NOTIFYs, like a
// deployed host/worker.
func runWorker(ctx context.Context, c roleConfig, logger *slog.Logger) error {
	p, err := open(ctx, c, logger)
	if err != nil {
		return err
	}
	defer p.pool.Close()
	wake := worker.Listen(ctx, p.pool, notifyChannel(c.Schema), logger)
	return worker.Run(ctx, p.rt, worker.Options{
		Interval: 200 * time.Millisecond,
		Sweep:    runtime.SweepOptions{Concurrency: 4, MaxDuration: c.Lease}, // a sweep never outlives its claims
		Wake:     wake,
		Logger:   logger,
	})
}

// runStarter starts runs of WorkflowID at c.Rate per second until ctx
// ends, then finishes the starts in flight. A start is retried with the
// same run ID until StartRun succeeds, then acknowledged in the started
// side table: every acknowledged run must exist.
func runStarter(ctx context.Context, c roleConfig, logger *slog.Logger) error {
	p, err := open(ctx, c, logger)
	if err != nil {
		return err
	}
	defer p.pool.Close()
	every := time.Duration(float64(time.Second) / c.Rate)
	tick := time.NewTicker(every)
	defer tick.Stop()
	finish := context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	for i := 1; ; i++ {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		id := fmt.Sprintf("%s-%06d", WorkflowID, i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.start(finish, id); err != nil {
				logger.Error("chaos starter: start", "run", id, "err", err)
			}
		}()
	}
}

// start starts one run and acknowledges it, retrying each for a minute.
func (p *process) start(ctx context.Context, runID string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	err := retry(ctx, func() error {
		_, err := p.rt.StartRun(ctx, runtime.StartRequest{WorkflowID: WorkflowID, RunID: runID, Input: json.RawMessage(`{}`)})
		return err
	})
	if err != nil {
		return err
	}
	return retry(ctx, func() error {
		_, err := p.pool.Exec(ctx, "INSERT INTO "+p.schema+"."+startedTable+" (run_id) VALUES ($1) ON CONFLICT DO NOTHING", runID)
		return err
	})
}

// retry calls f until it succeeds or ctx ends.
func retry(ctx context.Context, f func() error) error {
	for {
		err := f()
		if err == nil {
			return nil
		}
		if !pause(ctx, 100*time.Millisecond) {
			return err
		}
	}
}

// runSignaller delivers SignalName to every run waiting for it, polling
// until ctx ends. Each delivery drives the run onwards in this process.
func runSignaller(ctx context.Context, c roleConfig, logger *slog.Logger) error {
	p, err := open(ctx, c, logger)
	if err != nil {
		return err
	}
	defer p.pool.Close()
	delivered := map[string]bool{}
	for pause(ctx, 250*time.Millisecond) {
		runs, err := p.waiting(ctx)
		if err != nil {
			logger.Warn("chaos signaller: list runs", "err", err)
			continue
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		sem := make(chan struct{}, 8)
		for _, id := range runs {
			if delivered[id] {
				continue
			}
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				if p.signal(ctx, id) {
					mu.Lock()
					delivered[id] = true
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	return nil
}

// waiting lists the paused runs that await SignalName.
func (p *process) waiting(ctx context.Context) ([]string, error) {
	var ids []string
	q := store.ListQuery{WorkflowID: WorkflowID, Status: wf.StatusPaused, Limit: 500}
	for {
		page, err := p.rt.ListRuns(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Runs {
			if w := r.WaitingFor(); w != nil && w.Kind == wf.AwaitSignal && w.Name == SignalName {
				ids = append(ids, r.ID)
			}
		}
		if page.Next == "" {
			return ids, nil
		}
		q.Cursor = page.Next
	}
}

// signal delivers SignalName to one run; it reports whether the delivery
// is stored (a later poll retries one that is not).
func (p *process) signal(ctx context.Context, runID string) bool {
	res, err := p.rt.DeliverSignal(ctx, runtime.SignalRequest{
		RunID: runID, SignalID: runID + "." + SignalName, Name: SignalName, Payload: json.RawMessage(`"go"`),
	})
	if err != nil {
		p.logger.Warn("chaos signaller: deliver", "run", runID, "err", err)
		return false
	}
	return res.Kind != runtime.KindNotFound
}
