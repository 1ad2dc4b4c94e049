package deploycheck

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// StoreConfig names the store a check reads: the first JSON line wfgen
// writes to the program's input. The URL travels there rather than on
// the command line, where other users of the machine could read it.
type StoreConfig struct {
	// URL is the PostgreSQL URL; SQLite is the database file. One is set.
	URL    string `json:"url,omitempty"`
	SQLite string `json:"sqlite,omitempty"`
	// Schema is the PostgreSQL schema; "" for the first of the URL's
	// search_path, then the store's.
	Schema string `json:"schema,omitempty"`
	// TablePrefix prefixes the store's table names; "" for the store's.
	TablePrefix string `json:"tablePrefix,omitempty"`
}

// An Opener opens the store cfg names so that it cannot write (a
// read-only session or file), and returns it with what closes it. The
// packages deploycheck/postgres and deploycheck/sqlite provide one per
// driver, so the program links only the driver it reads with.
type Opener func(ctx context.Context, cfg StoreConfig) (store.Store, func(), error)

// Checked is one run read from the store with the verdict on it: what
// ServeStore writes, one JSON line per run.
type Checked struct {
	Verdict
	WorkflowID string    `json:"workflowId"`
	Version    string    `json:"version"`
	CreatedAt  time.Time `json:"createdAt"`
}

const (
	// scanPage is how many runs one ListRuns query returns.
	scanPage = 500
	// scanLoaders is how many executions load at once: loading is a round
	// trip per run, the replay is CPU.
	scanLoaders = 8
)

// notEnded are the statuses of the runs a check reads.
var notEnded = []wf.RunStatus{wf.StatusQueued, wf.StatusRunning, wf.StatusPaused}

// MainStore is the body of the program `wfgen check --against` builds:
// it reads a StoreConfig line from stdin, opens the store with open and
// serves ServeStore on stdout. On an error it prints it to stderr and
// exits with status 1.
func MainStore(workflows []runtime.Workflow, open Opener) {
	if err := ServeStore(context.Background(), workflows, open, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// ServeStore reads a StoreConfig JSON line from in, opens the store it
// names with open, reads every run not ended (queued, running, paused) of
// workflows from it, replays each against its definition, and writes one
// Checked JSON line per run to out. Nothing is written to the store.
func ServeStore(ctx context.Context, workflows []runtime.Workflow, open Opener, in io.Reader, out io.Writer) error {
	defs, err := definitions(workflows)
	if err != nil {
		return err
	}
	var cfg StoreConfig
	if err := json.NewDecoder(in).Decode(&cfg); err != nil {
		return fmt.Errorf("deploycheck: reading the store's configuration: %w", err)
	}
	st, closeStore, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	err = scan(ctx, st, defs, func(c Checked) error { return enc.Encode(c) })
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	return err
}

// scan reads every run not ended of defs' workflows from st, replays each
// and hands its verdict to emit, from one goroutine.
func scan(ctx context.Context, st store.Store, defs map[string]*wf.Definition, emit func(Checked) error) error {
	g, ctx := errgroup.WithContext(ctx)
	listed := make(chan store.Run, scanPage)
	loaded := make(chan Run, scanPage)
	var (
		mu      sync.Mutex
		created = map[string]time.Time{}
	)
	g.Go(func() error {
		defer close(listed)
		return list(ctx, st, defs, func(run store.Run) error {
			mu.Lock()
			_, seen := created[run.ID]
			created[run.ID] = run.CreatedAt
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
	g.Go(func() error {
		for run := range loaded {
			mu.Lock()
			at := created[run.ID]
			mu.Unlock()
			c := Checked{Verdict: Check(ctx, defs, run), WorkflowID: run.WorkflowID, Version: run.Version, CreatedAt: at}
			if err := emit(c); err != nil {
				return err
			}
		}
		return nil
	})
	return g.Wait()
}

// list pages through the runs not ended of each workflow of defs.
func list(ctx context.Context, st store.Store, defs map[string]*wf.Definition, each func(store.Run) error) error {
	for _, id := range slices.Sorted(maps.Keys(defs)) {
		for _, status := range notEnded {
			q := store.ListQuery{WorkflowID: id, Status: status, Limit: scanPage}
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
func load(ctx context.Context, st store.Store, listed <-chan store.Run, loaded chan<- Run) error {
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
		case loaded <- Run{
			ID: run.ID, WorkflowID: ex.Run.WorkflowID, Version: ex.Run.Version,
			Input: ex.Run.Input, Events: ex.Events, Deliveries: ex.Deliveries,
		}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
