package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"github.com/wfgo/wf/store/sqlite/sqlitedialect"
)

// pendingWrite is a batch waiting for its group's commit.
type pendingWrite struct {
	stmts []sqlitedialect.Statement
	res   []sqlitedialect.Result
	err   error
	done  chan struct{}
}

// maxGroup bounds the batches committed together.
const maxGroup = 64

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
	if len(group) == 1 && len(group[0].stmts) == 1 {
		// One statement is a transaction of its own (SQLite's autocommit,
		// which takes the write lock as the statement starts and rolls the
		// statement back whole on an error): no BEGIN nor COMMIT to send.
		// A failed Check leaves it committed, as the dialect allows.
		p := group[0]
		p.res, p.err = e.run(ctx, p.stmts)
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
		if errors.Is(err, errSendAlone) {
			// Nothing of the group was written: each batch runs again in
			// a transaction of its own, where it meets its own outcome.
			for _, p := range group {
				e.commitGroup([]*pendingWrite{p})
			}
			return
		}
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
		if len(p.stmts) == 1 {
			if err := e.runOne(ctx, p); err != nil {
				return err
			}
			continue
		}
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

// errSendAlone reports a group whose transaction is lost to one batch's
// error: it is rolled back and each batch is sent again alone.
var errSendAlone = errors.New("sqlite: group transaction lost; send each batch alone")

// runOne runs a one-statement batch of a group without a savepoint:
// SQLite backs a statement that breaks a constraint out alone and the
// transaction goes on, and a failed Check leaves the statement written,
// as the dialect allows. Any other error of the statement may have ended
// the transaction: runOne then returns errSendAlone.
func (e *executor) runOne(ctx context.Context, p *pendingWrite) error {
	st := p.stmts[0]
	ps, err := e.prepare(ctx, st.SQL)
	if err != nil {
		p.res, p.err = nil, err // it never ran
		return nil
	}
	r, err := execStmt(ctx, ps, st)
	switch {
	case err == nil:
		p.res, p.err = []sqlitedialect.Result{r}, nil
		if st.Check != nil {
			if err := st.Check(r); err != nil {
				p.res, p.err = nil, err
			}
		}
		return nil
	case isConstraint(err):
		p.res, p.err = nil, err
		return nil
	}
	return errSendAlone
}

// isConstraint reports a statement that broke a constraint (a unique key,
// a NOT NULL), which SQLite undoes alone.
func isConstraint(err error) bool {
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		return coded.Code()&0xff == 19 // SQLITE_CONSTRAINT
	}
	return strings.Contains(err.Error(), "constraint failed")
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

// useWAL switches the database to write-ahead logging, in which readers
// never block the writer nor wait for it. The setting is stored in the
// database file; an in-memory database keeps its "memory" mode.
func (e *executor) useWAL(ctx context.Context) error {
	e.turn <- struct{}{}
	defer func() { <-e.turn }()
	conn, err := e.writer(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		return fmt.Errorf("sqlite: PRAGMA journal_mode = WAL: %w", err)
	}
	if m := strings.ToLower(mode); m != "wal" && m != "memory" {
		return fmt.Errorf("sqlite: PRAGMA journal_mode = WAL left the database in %q mode", mode)
	}
	return nil
}
