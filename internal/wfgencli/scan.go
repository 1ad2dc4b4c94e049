package wfgencli

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime/deploycheck"
	"github.com/wfgo/wf/store"
)

const (
	// scanPage is how many runs one ListRuns query returns.
	scanPage = 500
	// scanLoaders is how many executions load at once: loading is a round
	// trip per run, the replay is CPU.
	scanLoaders = 8
)

// notEnded are the statuses of the runs the check reads.
var notEnded = []wf.RunStatus{wf.StatusQueued, wf.StatusRunning, wf.StatusPaused}

// scanned is a run read from the store with the replayer's verdict on it.
type scanned struct {
	run     store.Run
	verdict deploycheck.Verdict
}

// scan reads every run not ended of the replayer's workflows from st,
// sends each to the replayer and returns the runs with their verdicts.
func (r *replayer) scan(ctx context.Context, st store.Store) ([]scanned, error) {
	g, ctx := errgroup.WithContext(ctx)
	listed := make(chan store.Run, scanPage)
	loaded := make(chan deploycheck.Run, scanPage)
	var (
		mu   sync.Mutex
		runs = map[string]store.Run{}
	)
	g.Go(func() error {
		defer close(listed)
		return r.list(ctx, st, func(run store.Run) error {
			mu.Lock()
			_, seen := runs[run.ID]
			runs[run.ID] = run
			mu.Unlock()
			if seen { // its status changed between two queries
				return nil
			}
			select {
			case listed <- run:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	})
	var loaders sync.WaitGroup
	for range scanLoaders {
		loaders.Add(1)
		g.Go(func() error {
			defer loaders.Done()
			return load(ctx, st, listed, loaded)
		})
	}
	g.Go(func() error {
		loaders.Wait()
		close(loaded)
		return nil
	})
	g.Go(func() error { return r.send(loaded) })
	var out []scanned
	g.Go(func() error {
		var err error
		out, err = r.receive(func(v deploycheck.Verdict) scanned {
			mu.Lock()
			defer mu.Unlock()
			return scanned{run: runs[v.RunID], verdict: v}
		})
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// list pages through the runs not ended of each workflow.
func (r *replayer) list(ctx context.Context, st store.Store, each func(store.Run) error) error {
	for _, w := range r.manifest.Workflows {
		for _, status := range notEnded {
			q := store.ListQuery{WorkflowID: w.ID, Status: status, Limit: scanPage}
			for {
				page, err := st.ListRuns(ctx, q)
				if err != nil {
					return err
				}
				for _, run := range page.Runs {
					if err := each(run); err != nil {
						return err
					}
				}
				if page.Next == "" {
					break
				}
				q.Cursor = page.Next
			}
		}
	}
	return nil
}

// load loads the execution of each listed run; a run deleted or ended
// since it was listed is left out.
func load(ctx context.Context, st store.Store, listed <-chan store.Run, loaded chan<- deploycheck.Run) error {
	for run := range listed {
		ex, err := st.LoadExecution(ctx, run.ID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if ex.Run.Status.Terminal() {
			continue
		}
		select {
		case loaded <- deploycheck.Run{
			ID: run.ID, WorkflowID: ex.Run.WorkflowID, Version: ex.Run.Version,
			Input: ex.Run.Input, Events: ex.Events, Deliveries: ex.Deliveries,
		}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// send writes the runs to the replayer and closes its input at the end.
func (r *replayer) send(loaded <-chan deploycheck.Run) error {
	enc := json.NewEncoder(r.in)
	var err error
	for run := range loaded {
		if err == nil {
			err = enc.Encode(run)
		}
	}
	if cerr := r.in.Close(); err == nil {
		err = cerr
	}
	return err
}

// receive reads verdicts until the replayer ends.
func (r *replayer) receive(with func(deploycheck.Verdict) scanned) ([]scanned, error) {
	var out []scanned
	for {
		var v deploycheck.Verdict
		err := r.out.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, r.failed(err)
		}
		out = append(out, with(v))
	}
	if err := r.wait(); err != nil {
		return nil, r.failed(err)
	}
	return out, nil
}
