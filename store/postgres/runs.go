package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// CreateRun inserts a run unless one with its ID exists, in one statement,
// through the group committer.
// Created runs get Lease.Now as CreatedAt and UpdatedAt, or the database's
// clock when Lease.Now is zero.
func (s *Store) CreateRun(ctx context.Context, run store.NewRun) (store.Run, bool, error) {
	if run.ID == "" || run.WorkflowID == "" {
		return store.Run{}, false, fmt.Errorf("postgres: create run: ID and WorkflowID are required")
	}
	if run.Status != wf.StatusQueued && run.Status != wf.StatusRunning {
		return store.Run{}, false, fmt.Errorf("postgres: create run %q: status %q: want %q or %q", run.ID, run.Status, wf.StatusQueued, wf.StatusRunning)
	}
	if err := store.CheckQueued(run); err != nil {
		return store.Run{}, false, fmt.Errorf("postgres: create run: %w", err)
	}
	if err := s.tooLarge(run.ID, "input", len(run.Input)); err != nil {
		return store.Run{}, false, err
	}
	var until any
	if run.Lease.Owner != "" {
		until = timeArg(run.Lease.Until)
	}
	log, err := s.encodeEvents(run.ID, 0, run.Log)
	if err != nil {
		return store.Run{}, false, err
	}
	var parent store.Parent
	if run.Parent != nil {
		parent = *run.Parent
	}
	var (
		stored  store.Run
		created bool
	)
	err = retry(ctx, func(ctx context.Context) error {
		for range maxAttempts {
			err := s.w.send(ctx, run.ID, func(b *pgx.Batch) {
				b.Queue(s.q.createRun, run.ID, run.WorkflowID, run.Version, string(run.Status),
					jsonArg(run.Input), run.ScheduleID, run.Lease.Owner, until, timeArg(run.Lease.Now), log.array, run.TraceParent,
					parent.RunID, parent.StepID, parent.Detached,
					run.Queue, run.PartitionKey, run.Priority)
			}, func(br pgx.BatchResults) error {
				var err error
				created = false
				stored, err = scanRun(br.QueryRow(), &created)
				return err
			})
			// No row: a concurrent insert of this ID committed after the
			// statement's snapshot was taken. The next try sees it.
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		return fmt.Errorf("run did not appear after a conflicting insert")
	})
	if err != nil {
		return store.Run{}, false, fmt.Errorf("postgres: create run %q: %w", run.ID, err)
	}
	return stored, created, nil
}

// GetRun returns a run's state, or store.ErrNotFound.
func (s *Store) GetRun(ctx context.Context, runID string) (store.Run, error) {
	r, err := scanRun(s.pool.QueryRow(ctx, s.q.getRun, runID))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Run{}, fmt.Errorf("postgres: run %q: %w", runID, store.ErrNotFound)
	}
	if err != nil {
		return store.Run{}, fmt.Errorf("postgres: get run %q: %w", runID, err)
	}
	return r, nil
}

// LoadExecution returns a run with its log and deliveries, read in one
// batch.
func (s *Store) LoadExecution(ctx context.Context, runID string) (store.Execution, error) {
	b := &pgx.Batch{}
	b.Queue(s.q.getRun, runID)
	b.Queue(s.q.runEvents, runID)
	b.Queue(s.q.runDeliveries, runID)
	br := s.pool.SendBatch(ctx, b)
	defer br.Close()

	var x store.Execution
	var err error
	x.Run, err = scanRun(br.QueryRow())
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Execution{}, fmt.Errorf("postgres: run %q: %w", runID, store.ErrNotFound)
	}
	if err == nil {
		x.Events, x.Deliveries, err = readLogAndDeliveries(br, runID)
	}
	if err == nil {
		err = br.Close()
	}
	if err != nil {
		return store.Execution{}, fmt.Errorf("postgres: load run %q: %w", runID, err)
	}
	return x, nil
}

// readLogAndDeliveries reads the next two batch results: the log from
// index 0, then the deliveries.
func readLogAndDeliveries(br pgx.BatchResults, runID string) ([]wf.Event, []wf.Delivery, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, nil, err
	}
	evs, err := scanEvents(rows, runID, 0)
	if err != nil {
		return nil, nil, err
	}
	rows, err = br.Query()
	if err != nil {
		return nil, nil, err
	}
	ds, err := scanDeliveries(rows, runID)
	return evs, ds, err
}

// Events returns a run's log from index from, at most limit events (all
// when limit is 0), or store.ErrNotFound.
func (s *Store) Events(ctx context.Context, runID string, from, limit int) ([]wf.Event, error) {
	var lim any
	if limit > 0 {
		lim = limit
	}
	rows, err := s.pool.Query(ctx, s.q.eventsFrom, runID, max(from, 0), lim)
	if err != nil {
		return nil, fmt.Errorf("postgres: events of run %q: %w", runID, err)
	}
	// scanEvents skips the one NULL row of a run with no events in range,
	// so a missing run is the only way to get no row at all.
	seen := false
	evs, err := scanEvents(&sawRow{Rows: rows, seen: &seen}, runID, max(from, 0))
	if err != nil {
		return nil, fmt.Errorf("postgres: events of run %q: %w", runID, err)
	}
	if !seen {
		return nil, fmt.Errorf("postgres: run %q: %w", runID, store.ErrNotFound)
	}
	return evs, nil
}

// sawRow records whether Next ever returned true.
type sawRow struct {
	pgx.Rows
	seen *bool
}

func (r *sawRow) Next() bool {
	ok := r.Rows.Next()
	*r.seen = *r.seen || ok
	return ok
}

// DeleteRun removes a run with its log, timers and deliveries in one
// statement.
func (s *Store) DeleteRun(ctx context.Context, runID string) (bool, error) {
	var n int
	err := retry(ctx, func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, s.q.deleteRun, runID).Scan(&n)
	})
	if err != nil {
		return false, fmt.Errorf("postgres: delete run %q: %w", runID, err)
	}
	return n > 0, nil
}

// PurgeRuns deletes up to limit terminal runs last updated before cutoff,
// oldest first, with their logs, timers and deliveries, in one statement.
func (s *Store) PurgeRuns(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	var n int
	err := retry(ctx, func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, s.q.purgeRuns, cutoff, limit).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: purge runs: %w", err)
	}
	return n, nil
}
