package postgres

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Group commit. Each write (a step's Append, a Commit, a Deliver, a claim,
// a CreateRun) is a group: the statements it would send as one batch, and
// a reader of their results. A write that finds fewer than straight
// flushes in flight is sent at once, alone, so a lone writer (and a pair
// of them) waits for nothing. Writes that arrive while those flushes are
// busy queue, and the next flush to end sends up to maxGroups of them as
// one batch: one round trip, one implicit transaction, one commit. A
// further flush starts before one ends only when minBatch writes wait,
// up to c.limit flushes in flight. Each writer returns after the
// transaction holding its group has committed.
//
// Two flushes in flight keep the server busy while the other's results
// travel back and its commit reaches the disk, so that writers arriving
// meanwhile form the next batch instead of waiting a round trip each;
// more flushes of small batches would only buy transactions, whose
// per-commit cost (wake-ups, WAL flush, protocol) is most of a small
// write's. Measured on PostgreSQL 15 sharing two cores with its client,
// at 8 clients a 10-step workflow cost the server's backends 1,460 µs of
// CPU with every write in a transaction of its own (up to 8 flushes in
// flight) and 850 µs with two flushes and batches.
//
// Each group fails alone. The statements guard themselves (lease and log
// checks in their WHERE, ON CONFLICT DO NOTHING) and report their outcome
// in their results, so a lost lease or a refused delivery is a result, not
// an error. The few statement errors left (a log index taken by a racing
// writer, a deadlock, a serialization failure) abort the shared
// transaction, which therefore wrote nothing; each of its groups is then
// sent again alone, where it meets its own outcome.
//
// The batch is plain statements in the pool's exec mode: no session state,
// so it works behind transaction-mode poolers.

const (
	// maxGroups bounds the writes of one flush.
	maxGroups = 64
	// straight is how many flushes a write may find in flight and still
	// go at once, alone.
	straight = 2
	// minBatch is how many queued writes start another flush while
	// straight or more are in flight.
	minBatch = 16
	// maxInFlight is how many flushes may run at once, at most the
	// pool's size (see newCommitter): more would wait for a connection
	// instead of forming a batch.
	maxInFlight = 8
)

// group is one write's statements and the reader of their results. read
// is called once per send, with the results of exactly the statements
// queue added, and must reset whatever it fills in, as a group can be
// sent again alone.
type group struct {
	key   string // the run, so that a batch locks runs in one order
	queue func(*pgx.Batch)
	read  func(pgx.BatchResults) error

	ctx  context.Context
	err  error
	done chan struct{}
}

// committer groups concurrent writes to one pool.
type committer struct {
	pool  *pgxpool.Pool
	limit int // flushes in flight at most: maxInFlight, or the pool's size

	mu       sync.Mutex
	inFlight int
	waiting  []*group
}

// newCommitter returns the committer of pool.
func newCommitter(pool *pgxpool.Pool) committer {
	return committer{pool: pool, limit: max(1, min(maxInFlight, int(pool.Config().MaxConns)))}
}

// errAlone tells a group that its batch failed on a statement error and
// that it must be sent again alone.
var errAlone = errors.New("postgres: batch aborted; send alone")

// send runs one write's statements through the committer and returns its
// outcome: read's error, or the error that ended its transaction.
func (c *committer) send(ctx context.Context, key string, queue func(*pgx.Batch), read func(pgx.BatchResults) error) error {
	g := &group{key: key, queue: queue, read: read, ctx: ctx}
	c.mu.Lock()
	if c.inFlight < min(straight, c.limit) {
		c.inFlight++
		c.mu.Unlock()
		c.flush([]*group{g})
		return g.err
	}
	g.done = make(chan struct{})
	c.waiting = append(c.waiting, g)
	var gs []*group
	if c.inFlight < c.limit && len(c.waiting) >= minBatch {
		c.inFlight++
		gs = c.take()
	}
	c.mu.Unlock()
	if gs != nil {
		c.flush(gs) // gs holds g: its outcome is set when this returns
	}
	select {
	case <-g.done:
	case <-ctx.Done():
		if c.withdraw(g) {
			return ctx.Err()
		}
		<-g.done // already sent: its outcome is on the way
	}
	if errors.Is(g.err, errAlone) {
		g.err = c.sendAlone(g)
	}
	return g.err
}

// withdraw takes a group out of the queue, unless a flush took it.
func (c *committer) withdraw(g *group) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i := slices.Index(c.waiting, g); i >= 0 {
		c.waiting = slices.Delete(c.waiting, i, i+1)
		return true
	}
	return false
}

// flush sends gs, then, while groups are waiting, the next batch of them
// in another goroutine, so that the writers of gs return at once.
func (c *committer) flush(gs []*group) {
	c.sendBatch(gs)
	c.mu.Lock()
	next := c.take()
	if next == nil {
		c.inFlight--
	}
	c.mu.Unlock()
	for _, g := range gs {
		if g.done != nil {
			close(g.done)
		}
	}
	if next != nil {
		go c.flush(next)
	}
}

// take removes up to maxGroups waiting groups; c.mu is held.
func (c *committer) take() []*group {
	if len(c.waiting) == 0 {
		return nil
	}
	n := min(len(c.waiting), maxGroups)
	gs := slices.Clone(c.waiting[:n])
	c.waiting = slices.Delete(c.waiting, 0, n)
	return gs
}

// sendAlone sends one group in a transaction of its own.
func (c *committer) sendAlone(g *group) error {
	g.err = nil
	c.sendBatch([]*group{g})
	return g.err
}

// sendBatch sends gs as one batch and sets each group's err. The batch
// runs under a context that ends when every writer has given up.
func (c *committer) sendBatch(gs []*group) {
	ctx, stop := batchContext(gs)
	defer stop()
	// Runs locked in one order cannot deadlock two batches; a run's
	// writes keep their order of arrival.
	slices.SortStableFunc(gs, func(a, b *group) int { return cmp.Compare(a.key, b.key) })
	b := &pgx.Batch{}
	counts := make([]int, len(gs))
	for i, g := range gs {
		n := b.Len()
		g.queue(b)
		counts[i] = b.Len() - n
	}
	br := c.pool.SendBatch(ctx, b)
	aborted := false
	for i, g := range gs {
		cr := &countedResults{BatchResults: br}
		g.err = g.read(cr)
		cr.drain(counts[i])
		aborted = aborted || isServerError(g.err)
	}
	if err := br.Close(); err != nil {
		aborted = aborted || isServerError(err)
		for _, g := range gs {
			if g.err == nil {
				g.err = err
			}
		}
	}
	if aborted && len(gs) > 1 {
		// The transaction rolled back: nothing of gs was written.
		for _, g := range gs {
			g.err = errAlone
		}
	}
}

// batchContext returns a context for a batch that ends once every group's
// context has ended: one writer giving up must not cancel its neighbours'
// writes.
func batchContext(gs []*group) (context.Context, func()) {
	if len(gs) == 1 {
		return gs[0].ctx, func() {}
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(gs[0].ctx))
	var mu sync.Mutex
	left := len(gs)
	stops := make([]func() bool, len(gs))
	for i, g := range gs {
		stops[i] = context.AfterFunc(g.ctx, func() {
			mu.Lock()
			defer mu.Unlock()
			if left--; left == 0 {
				cancel()
			}
		})
	}
	return ctx, func() {
		for _, stop := range stops {
			stop()
		}
		cancel()
	}
}

// isServerError reports whether err came from the server, which then
// aborted the batch's implicit transaction.
func isServerError(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr)
}

// countedResults counts the results a group's reader takes, so that the
// rest of the group's results can be skipped before the next group's.
type countedResults struct {
	pgx.BatchResults
	n int
}

func (r *countedResults) Exec() (pgconn.CommandTag, error) {
	r.n++
	return r.BatchResults.Exec()
}

func (r *countedResults) Query() (pgx.Rows, error) {
	r.n++
	return r.BatchResults.Query()
}

func (r *countedResults) QueryRow() pgx.Row {
	r.n++
	return r.BatchResults.QueryRow()
}

// Close is the batch's, not a group's, to call.
func (r *countedResults) Close() error { return nil }

// drain skips the results the reader left, up to want in all.
func (r *countedResults) drain(want int) {
	for r.n < want {
		r.n++
		_, _ = r.BatchResults.Exec()
	}
}
