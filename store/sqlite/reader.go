package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wfgo/wf/store/sqlite/sqlitedialect"
)

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
	ps, ok := e.readPrepared[q]
	e.readMu.Unlock()
	if ok {
		return ps, nil
	}
	ps, err := e.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare %s: %w", firstLine(q), err)
	}
	e.readMu.Lock()
	defer e.readMu.Unlock()
	if prev, ok := e.readPrepared[q]; ok {
		// Another reader prepared it meanwhile.
		ps.Close()
		return prev, nil
	}
	if len(e.readPrepared) >= maxPrepared {
		closeAll(e.readPrepared)
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
