package postgres

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/store"
)

// held makes every flush slot of s's committer look busy, so that writes
// queue; release sends the queued ones as one batch.
func held(t *testing.T, s *Store) (waitQueued func(n int), release func()) {
	t.Helper()
	s.w.mu.Lock()
	s.w.inFlight = s.w.limit
	s.w.mu.Unlock()
	waitQueued = func(n int) {
		for {
			s.w.mu.Lock()
			queued := len(s.w.waiting)
			s.w.mu.Unlock()
			if queued >= n {
				return
			}
			runtime.Gosched()
		}
	}
	release = func() {
		s.w.mu.Lock()
		gs := s.w.take()
		s.w.inFlight = 1 // the flush below is the one in flight
		s.w.mu.Unlock()
		if len(gs) > 1 {
			t.Logf("sending %d queued writes as one batch", len(gs))
		}
		s.w.flush(gs)
	}
	return waitQueued, release
}

// TestGroupedWritesFailAlone queues appends of different runs behind a
// busy committer so that they travel in one batch, one of them at a taken
// index (a statement error, which aborts the batch's transaction) and one
// by a non-owner, and checks that each meets its own outcome, in every
// exec mode.
func TestGroupedWritesFailAlone(t *testing.T) {
	t.Parallel()
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			pool := pgtest.NewPool(t, func(c *pgxpool.Config) { c.ConnConfig.DefaultQueryExecMode = mode })
			s := setupOn(t, pool, pgtest.NewSchema(t, pool)).Store
			testGroupedFailAlone(t, s)
		})
	}
}

func testGroupedFailAlone(t *testing.T, s *Store) {
	ctx := t.Context()
	const n = 6
	for i := range n {
		id := fmt.Sprintf("run-%d", i)
		if _, _, err := s.CreateRun(ctx, newRun(id)); err != nil {
			t.Fatalf("CreateRun: %v", err)
		}
		if err := s.Append(ctx, id, store.Append{Owner: owner, Next: 0, Events: stepEvents(0, 1)}); err != nil {
			t.Fatalf("Append: %v", err)
		}
	}
	waitQueued, release := held(t, s)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			a := store.Append{Owner: owner, Next: 1, Events: stepEvents(1, 1)}
			switch i {
			case 1: // index 0 is taken: the insert fails on the primary key
				a.Next, a.Events = 0, stepEvents(0, 2)
			case 4:
				a.Owner = "someone-else"
			}
			errs[i] = s.Append(ctx, fmt.Sprintf("run-%d", i), a)
		})
	}
	waitQueued(n)
	release()
	wg.Wait()
	for i, err := range errs {
		id := fmt.Sprintf("run-%d", i)
		want, wantLen := error(nil), 2
		switch i {
		case 1:
			want, wantLen = store.ErrConflict, 1
		case 4:
			want, wantLen = store.ErrLeaseLost, 1
		}
		if !errors.Is(err, want) {
			t.Errorf("Append to %s: %v, want %v", id, err, want)
		}
		evs, err := s.Events(ctx, id, 0, 0)
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		if len(evs) != wantLen {
			t.Errorf("log of %s: %d events, want %d", id, len(evs), wantLen)
		}
	}
}

// TestCommitterBatchesBeyondStraight holds straight flushes in flight and
// checks that writes then queue rather than open transactions of their
// own, and that the minBatch-th queued write sends them all in one flush,
// each with its own result.
func TestCommitterBatchesBeyondStraight(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t, func(c *pgxpool.Config) { c.MaxConns = straight + 2 })
	c := newCommitter(pool)
	if c.limit <= straight {
		t.Fatalf("limit %d: want more than straight (%d)", c.limit, straight)
	}
	c.mu.Lock()
	c.inFlight = straight
	c.mu.Unlock()
	got := make([]int, minBatch)
	txs := make([]int64, minBatch)
	errs := make([]error, minBatch)
	write := func(i int) {
		errs[i] = c.send(t.Context(), fmt.Sprint(i), func(b *pgx.Batch) {
			b.Queue("SELECT $1::int, txid_current()", i)
		}, func(br pgx.BatchResults) error {
			return br.QueryRow().Scan(&got[i], &txs[i])
		})
	}
	var wg sync.WaitGroup
	for i := range minBatch - 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			write(i)
		}()
	}
	for {
		c.mu.Lock()
		queued := len(c.waiting)
		c.mu.Unlock()
		if queued == minBatch-1 {
			break
		}
		runtime.Gosched()
	}
	c.mu.Lock()
	inFlight := c.inFlight
	c.mu.Unlock()
	if inFlight != straight {
		t.Fatalf("%d writes queued: %d flushes in flight, want %d (no new flush below minBatch)", minBatch-1, inFlight, straight)
	}
	write(minBatch - 1)
	wg.Wait()
	for i := range minBatch {
		if errs[i] != nil || got[i] != i {
			t.Errorf("write %d: got %d, %v; want %d", i, got[i], errs[i], i)
		}
		if txs[i] != txs[0] {
			t.Errorf("write %d in transaction %d, write 0 in %d: want one transaction", i, txs[i], txs[0])
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inFlight != straight || len(c.waiting) != 0 {
		t.Errorf("after the batch: %d in flight, %d waiting; want %d and 0", c.inFlight, len(c.waiting), straight)
	}
}
