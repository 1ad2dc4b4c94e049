package sqlite

import (
	"context"
	"database/sql"
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
// each batch of several statements inside its own SAVEPOINT so that a
// failed one is rolled back alone (a one-statement batch needs none: SQLite
// backs a failed statement out alone), one COMMIT (one fsync) for all. A
// lone one-statement batch runs as its own autocommit transaction. BEGIN IMMEDIATE makes a writer in
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

func newExecutor(db *sql.DB, busyTimeout time.Duration) *executor {
	return &executor{
		db:           db,
		busyTimeout:  busyTimeout,
		turn:         make(chan struct{}, 1),
		prepared:     map[string]*sql.Stmt{},
		readPrepared: map[string]*sql.Stmt{},
	}
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
