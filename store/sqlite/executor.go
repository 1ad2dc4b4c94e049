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
// and never meets SQLITE_BUSY from a sibling. Each batch is one BEGIN
// IMMEDIATE transaction, so that a writer in another process is waited for
// (busy_timeout) at BEGIN instead of failing a read-to-write upgrade.
//
// Reads use the pool's other connections in WAL mode and never take the
// write lock: one statement runs as it is; several run in a deferred (read)
// transaction, one snapshot.
type executor struct {
	db          *sql.DB
	busyTimeout time.Duration

	// turn is the writers' queue: holding its one slot is holding conn.
	turn     chan struct{}
	conn     *sql.Conn
	prepared map[string]*sql.Stmt // on conn

	readMu       sync.Mutex
	readPrepared map[string]*sql.Stmt // on db
}

func newExecutor(db *sql.DB, busyTimeout time.Duration) *executor {
	return &executor{
		db:           db,
		busyTimeout:  busyTimeout,
		turn:         make(chan struct{}, 1),
		prepared:     map[string]*sql.Stmt{},
		readPrepared: map[string]*sql.Stmt{},
	}
}

// Write runs stmts in one BEGIN IMMEDIATE transaction on the writer
// connection, checking each result as it goes.
func (e *executor) Write(ctx context.Context, stmts []sqlitedialect.Statement) ([]sqlitedialect.Result, error) {
	select {
	case e.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-e.turn }()
	// Once its turn has come, a batch runs to its end: interrupting it would
	// only waste the turn, and a batch is short.
	ctx = context.WithoutCancel(ctx)

	conn, err := e.writer(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		if !isBusy(err) {
			e.drop() // perhaps left inside a transaction: start afresh
		}
		return nil, fmt.Errorf("begin: %w", err)
	}
	res, err := e.run(ctx, stmts, true)
	if err == nil {
		if _, err = conn.ExecContext(ctx, "COMMIT"); err != nil {
			err = fmt.Errorf("commit: %w", err)
		}
	}
	if err != nil {
		e.rollback()
		return nil, err
	}
	return res, nil
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
// and an open transaction), stopping at the first failed Check when check
// is set.
func (e *executor) run(ctx context.Context, stmts []sqlitedialect.Statement, check bool) ([]sqlitedialect.Result, error) {
	res := make([]sqlitedialect.Result, len(stmts))
	for i, st := range stmts {
		ps, err := e.prepare(ctx, st.SQL)
		if err != nil {
			return nil, err
		}
		if res[i], err = execStmt(ctx, ps, st); err != nil {
			return nil, err
		}
		if check && st.Check != nil {
			if err := st.Check(res[i]); err != nil {
				return nil, err
			}
		}
	}
	return res, nil
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
