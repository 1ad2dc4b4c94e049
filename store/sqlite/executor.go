package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wfgo/wf/store/sqlite/sqlitedialect"
)

// maxPrepared bounds each cache of prepared statements; the store's SQL
// texts are few, so the bound is only a safety net.
const maxPrepared = 256

// executor runs the dialect's batches over database/sql.
//
// Writes are serialised in-process on one connection held for the store's
// lifetime: a batch waits for its turn here, not in SQLite's busy handler,
// and never meets SQLITE_BUSY from a sibling. Batches that wait together
// are committed together (group commit): one BEGIN IMMEDIATE transaction,
// each batch inside its own SAVEPOINT so that a failed one is rolled back
// alone, one COMMIT (one fsync) for all. BEGIN IMMEDIATE makes a writer in
// another process be waited for (busy_timeout) at BEGIN instead of failing
// a read-to-write upgrade.
//
// Reads use the pool's other connections in WAL mode and never take the
// write lock: one statement runs as it is; several run in a deferred (read)
// transaction, one snapshot.
type executor struct {
	db          *sql.DB
	busyTimeout time.Duration

	// turn is held by the writer leading a group: holding its one slot is
	// holding conn and prepared.
	turn     chan struct{}
	conn     *sql.Conn
	prepared map[string]*sql.Stmt // on conn

	queueMu sync.Mutex
	queue   []*pendingWrite

	readMu       sync.Mutex
	readPrepared map[string]*sql.Stmt // on db
}

// pendingWrite is a batch waiting for its group's commit.
type pendingWrite struct {
	stmts []sqlitedialect.Statement
	res   []sqlitedialect.Result
	err   error
	done  chan struct{}
}

// maxGroup bounds the batches committed together.
const maxGroup = 64

func newExecutor(db *sql.DB, busyTimeout time.Duration) *executor {
	return &executor{
		db:           db,
		busyTimeout:  busyTimeout,
		turn:         make(chan struct{}, 1),
		prepared:     map[string]*sql.Stmt{},
		readPrepared: map[string]*sql.Stmt{},
	}
}

// Write queues stmts and returns once a group containing them committed or
// they failed. The caller whose turn comes leads: it commits every batch
// queued by then, its own included.
func (e *executor) Write(ctx context.Context, stmts []sqlitedialect.Statement) ([]sqlitedialect.Result, error) {
	p := &pendingWrite{stmts: stmts, done: make(chan struct{})}
	e.queueMu.Lock()
	e.queue = append(e.queue, p)
	e.queueMu.Unlock()
	for {
		select {
		case <-p.done:
			return p.res, p.err
		case e.turn <- struct{}{}:
			e.lead()
			<-e.turn
		case <-ctx.Done():
			if e.withdraw(p) {
				return nil, ctx.Err()
			}
			// Already in a group: it runs to its end, a short wait.
			<-p.done
			return p.res, p.err
		}
	}
}

// lead commits the batches queued now, at most maxGroup, as one group.
// The caller holds the turn; its own batch is in the group unless an
// earlier group took it, or the queue is longer than maxGroup (it then
// waits for the next turn).
func (e *executor) lead() {
	e.queueMu.Lock()
	n := min(len(e.queue), maxGroup)
	group := e.queue[:n:n]
	e.queue = e.queue[n:]
	e.queueMu.Unlock()
	if n == 0 {
		return
	}
	e.commitGroup(group)
	for _, p := range group {
		close(p.done)
	}
}

// withdraw removes p from the queue if no group has taken it yet.
func (e *executor) withdraw(p *pendingWrite) bool {
	e.queueMu.Lock()
	defer e.queueMu.Unlock()
	for i, q := range e.queue {
		if q == p {
			e.queue = append(e.queue[:i], e.queue[i+1:]...)
			return true
		}
	}
	return false
}

// commitGroup runs the group's batches in one transaction and sets each
// one's result or error. A batch runs to its end once started: interrupting
// it would only waste the turn, and a batch is short.
func (e *executor) commitGroup(group []*pendingWrite) {
	ctx := context.Background()
	failAll := func(err error) {
		for _, p := range group {
			p.res, p.err = nil, err
		}
	}
	if _, err := e.writer(ctx); err != nil {
		failAll(err)
		return
	}
	if err := e.control(ctx, "BEGIN IMMEDIATE"); err != nil {
		if !isBusy(err) {
			e.drop() // perhaps left inside a transaction: start afresh
		}
		failAll(fmt.Errorf("begin: %w", err))
		return
	}
	if len(group) == 1 {
		p := group[0]
		if p.res, p.err = e.run(ctx, p.stmts); p.err != nil {
			e.rollback()
			return
		}
	} else if err := e.runSavepoints(ctx, group); err != nil {
		e.rollback()
		failAll(err)
		return
	}
	if err := e.control(ctx, "COMMIT"); err != nil {
		e.rollback()
		failAll(fmt.Errorf("commit: %w", err))
	}
}

// runSavepoints runs each batch of group inside its own savepoint of the
// open transaction, rolling a failed batch back alone. It returns an error
// when the transaction itself is lost.
func (e *executor) runSavepoints(ctx context.Context, group []*pendingWrite) error {
	for _, p := range group {
		if err := e.control(ctx, "SAVEPOINT batch"); err != nil {
			return fmt.Errorf("savepoint: %w", err)
		}
		p.res, p.err = e.run(ctx, p.stmts)
		if p.err != nil {
			if err := e.control(ctx, "ROLLBACK TO batch"); err != nil {
				return fmt.Errorf("%w (then rollback to savepoint: %v)", p.err, err)
			}
		}
		if err := e.control(ctx, "RELEASE batch"); err != nil {
			return fmt.Errorf("release savepoint: %w", err)
		}
	}
	return nil
}

// writer returns the writer connection, opening and configuring it when
// needed. The caller holds the turn.
func (e *executor) writer(ctx context.Context) (*sql.Conn, error) {
	if e.conn != nil {
		return e.conn, nil
	}
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("open writer connection: %w", err)
	}
	pragma := fmt.Sprintf("PRAGMA busy_timeout = %d", e.busyTimeout.Milliseconds())
	if _, err := conn.ExecContext(ctx, pragma); err != nil {
		conn.Close()
		return nil, fmt.Errorf("%s: %w", pragma, err)
	}
	e.conn = conn
	return conn, nil
}

// run executes stmts on the writer connection (the caller holds the turn
// and an open transaction), stopping at the first failed Check.
func (e *executor) run(ctx context.Context, stmts []sqlitedialect.Statement) ([]sqlitedialect.Result, error) {
	res := make([]sqlitedialect.Result, len(stmts))
	for i, st := range stmts {
		ps, err := e.prepare(ctx, st.SQL)
		if err != nil {
			return nil, err
		}
		if res[i], err = execStmt(ctx, ps, st); err != nil {
			return nil, err
		}
		if st.Check != nil {
			if err := st.Check(res[i]); err != nil {
				return nil, err
			}
		}
	}
	return res, nil
}

// control runs a transaction-control statement on the writer connection,
// prepared once like the batches' statements.
func (e *executor) control(ctx context.Context, q string) error {
	ps, err := e.prepare(ctx, q)
	if err == nil {
		_, err = ps.ExecContext(ctx)
	}
	return err
}

// prepare returns q prepared on the writer connection.
func (e *executor) prepare(ctx context.Context, q string) (*sql.Stmt, error) {
	if ps, ok := e.prepared[q]; ok {
		return ps, nil
	}
	if len(e.prepared) >= maxPrepared {
		closeAll(e.prepared)
	}
	ps, err := e.conn.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare %s: %w", firstLine(q), err)
	}
	e.prepared[q] = ps
	return ps, nil
}

// rollback ends the writer's failed transaction. A connection left in an
// unknown state is dropped, to be replaced by the next batch.
func (e *executor) rollback() {
	_, err := e.conn.ExecContext(context.Background(), "ROLLBACK")
	if err != nil && !strings.Contains(err.Error(), "no transaction is active") {
		e.drop()
	}
}

// drop discards the writer connection; the pool closes it.
func (e *executor) drop() {
	if e.conn == nil {
		return
	}
	closeAll(e.prepared)
	_ = e.conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = e.conn.Close()
	e.conn = nil
}

// close releases the writer connection to the pool once no batch runs.
func (e *executor) close() error {
	e.turn <- struct{}{}
	defer func() { <-e.turn }()
	var err error
	if e.conn != nil {
		closeAll(e.prepared)
		err = e.conn.Close()
		e.conn = nil
	}
	e.readMu.Lock()
	closeAll(e.readPrepared)
	e.readMu.Unlock()
	return err
}

// Read runs read-only stmts from one snapshot without the write lock,
// retrying while the database reports itself busy (a rare event in WAL
// mode, such as recovery after a crash).
func (e *executor) Read(ctx context.Context, stmts []sqlitedialect.Statement) ([]sqlitedialect.Result, error) {
	var res []sqlitedialect.Result
	err := e.retryBusy(ctx, func() error {
		var err error
		if len(stmts) == 1 {
			res, err = e.readOne(ctx, stmts[0])
		} else {
			res, err = e.readSnapshot(ctx, stmts)
		}
		return err
	})
	return res, err
}

// readOne runs one statement, its own snapshot, with a statement prepared
// on the pool.
func (e *executor) readOne(ctx context.Context, st sqlitedialect.Statement) ([]sqlitedialect.Result, error) {
	ps, err := e.prepareRead(ctx, st.SQL)
	if err != nil {
		return nil, err
	}
	r, err := execStmt(ctx, ps, st)
	if err != nil {
		return nil, err
	}
	return []sqlitedialect.Result{r}, nil
}

// readSnapshot runs stmts in a deferred transaction on a pool connection:
// BEGIN takes no lock, the first SELECT fixes the snapshot.
func (e *executor) readSnapshot(ctx context.Context, stmts []sqlitedialect.Statement) (_ []sqlitedialect.Result, err error) {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		return nil, err
	}
	defer func() {
		if _, cerr := conn.ExecContext(context.Background(), "COMMIT"); cerr != nil {
			if _, rerr := conn.ExecContext(context.Background(), "ROLLBACK"); rerr != nil &&
				!strings.Contains(rerr.Error(), "no transaction is active") {
				// Unknown state: make the pool discard the connection.
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			}
			if err == nil {
				err = cerr
			}
		}
	}()
	res := make([]sqlitedialect.Result, len(stmts))
	for i, st := range stmts {
		if res[i], err = execOn(ctx, conn, st); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// prepareRead returns q prepared on the pool.
func (e *executor) prepareRead(ctx context.Context, q string) (*sql.Stmt, error) {
	e.readMu.Lock()
	defer e.readMu.Unlock()
	if ps, ok := e.readPrepared[q]; ok {
		return ps, nil
	}
	if len(e.readPrepared) >= maxPrepared {
		closeAll(e.readPrepared)
	}
	ps, err := e.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare %s: %w", firstLine(q), err)
	}
	e.readPrepared[q] = ps
	return ps, nil
}

// retryBusy runs f again while it fails with SQLITE_BUSY, for up to the
// busy timeout.
func (e *executor) retryBusy(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(e.busyTimeout)
	wait := time.Millisecond
	for {
		err := f()
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return err
		}
		wait = min(2*wait, 50*time.Millisecond)
	}
}

// isBusy reports whether err is SQLite's SQLITE_BUSY.
func isBusy(err error) bool {
	var coded interface{ Code() int }
	if errors.As(err, &coded) && coded.Code()&0xff == 5 {
		return true
	}
	return strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "database is locked")
}

// execStmt runs one prepared statement and collects its result.
func execStmt(ctx context.Context, ps *sql.Stmt, st sqlitedialect.Statement) (sqlitedialect.Result, error) {
	if st.Query {
		rows, err := ps.QueryContext(ctx, st.Args...)
		if err != nil {
			return sqlitedialect.Result{}, err
		}
		return collect(rows)
	}
	r, err := ps.ExecContext(ctx, st.Args...)
	if err != nil {
		return sqlitedialect.Result{}, err
	}
	n, err := r.RowsAffected()
	return sqlitedialect.Result{RowsAffected: n}, err
}

// execOn runs one unprepared statement on conn and collects its result.
func execOn(ctx context.Context, conn *sql.Conn, st sqlitedialect.Statement) (sqlitedialect.Result, error) {
	if st.Query {
		rows, err := conn.QueryContext(ctx, st.SQL, st.Args...)
		if err != nil {
			return sqlitedialect.Result{}, err
		}
		return collect(rows)
	}
	r, err := conn.ExecContext(ctx, st.SQL, st.Args...)
	if err != nil {
		return sqlitedialect.Result{}, err
	}
	n, err := r.RowsAffected()
	return sqlitedialect.Result{RowsAffected: n}, err
}

// collect reads all rows as column values.
func collect(rows *sql.Rows) (sqlitedialect.Result, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return sqlitedialect.Result{}, err
	}
	var out [][]any
	for rows.Next() {
		row := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return sqlitedialect.Result{}, err
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return sqlitedialect.Result{}, err
	}
	return sqlitedialect.Result{Rows: out, RowsAffected: int64(len(out))}, nil
}

// closeAll closes and forgets prepared statements.
func closeAll(m map[string]*sql.Stmt) {
	for q, ps := range m {
		_ = ps.Close()
		delete(m, q)
	}
}

// firstLine shortens SQL text for an error message.
func firstLine(q string) string {
	q = strings.TrimSpace(q)
	if i := strings.IndexByte(q, '\n'); i >= 0 {
		return q[:i] + " …"
	}
	return q
}
