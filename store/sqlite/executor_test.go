package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/wfgo/wf/store/sqlite/sqlitedialect"
)

// testExecutor returns an executor over a fresh database with one table
// t(k PRIMARY KEY).
func testExecutor(t *testing.T) (*executor, *sql.DB) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "x.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := newExecutor(db, time.Second)
	t.Cleanup(func() { e.close() })
	if err := e.useWAL(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Write(t.Context(), []sqlitedialect.Statement{{SQL: "CREATE TABLE t (k TEXT PRIMARY KEY)"}}); err != nil {
		t.Fatal(err)
	}
	return e, db
}

func insert(k string) sqlitedialect.Statement {
	return sqlitedialect.Statement{SQL: "INSERT INTO t (k) VALUES (?1)", Args: []any{k}}
}

// TestGroupCommitIsolatesFailedBatches commits seven batches as one group:
// a batch that fails (on a unique key, on a Check) is rolled back alone,
// except that a one-statement batch whose Check fails stays written (the
// dialect's statements are written so that this changes nothing).
func TestGroupCommitIsolatesFailedBatches(t *testing.T) {
	t.Parallel()
	e, db := testExecutor(t)
	errCheck := errors.New("check failed")
	refuse := insert("refused")
	refuse.Check = func(sqlitedialect.Result) error { return errCheck }
	refuseAlone := insert("f")
	refuseAlone.Check = refuse.Check
	group := []*pendingWrite{
		{stmts: []sqlitedialect.Statement{insert("a"), insert("b")}},
		{stmts: []sqlitedialect.Statement{insert("c"), insert("a")}}, // unique failure after a write
		{stmts: []sqlitedialect.Statement{insert("d"), refuse, insert("never")}},
		{stmts: []sqlitedialect.Statement{insert("e")}},
		{stmts: []sqlitedialect.Statement{insert("b")}}, // one statement, no savepoint: a unique failure
		{stmts: []sqlitedialect.Statement{refuseAlone}}, // one statement whose Check fails: it stays written
		{stmts: []sqlitedialect.Statement{insert("g")}},
	}
	for _, p := range group {
		p.done = make(chan struct{})
	}
	e.queue = append(e.queue, group...)
	e.turn <- struct{}{}
	e.lead()
	<-e.turn

	if group[0].err != nil || group[3].err != nil || group[6].err != nil {
		t.Errorf("good batches failed: %v, %v, %v", group[0].err, group[3].err, group[6].err)
	}
	if group[4].err == nil || !strings.Contains(group[4].err.Error(), "UNIQUE constraint failed") {
		t.Errorf("one-statement batch with a duplicate key: %v, want a unique violation", group[4].err)
	}
	if !errors.Is(group[5].err, errCheck) {
		t.Errorf("one-statement batch with a failed Check: %v, want its Check's error", group[5].err)
	}
	if group[1].err == nil || !strings.Contains(group[1].err.Error(), "UNIQUE constraint failed") {
		t.Errorf("batch with a duplicate key: %v, want a unique violation", group[1].err)
	}
	if !errors.Is(group[2].err, errCheck) {
		t.Errorf("batch with a failed Check: %v, want its Check's error", group[2].err)
	}
	for _, p := range group {
		select {
		case <-p.done:
		default:
			t.Error("a batch of the group was not marked done")
		}
	}
	rows, err := db.QueryContext(t.Context(), "SELECT k FROM t ORDER BY k")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var k string
		rows.Scan(&k)
		got = append(got, k)
	}
	if want := []string{"a", "b", "e", "f", "g"}; !slices.Equal(got, want) {
		t.Errorf("committed keys = %v, want %v", got, want)
	}
}

// TestWriteCanceledWhileQueued checks that a batch whose context ends
// before its turn is withdrawn, never run.
func TestWriteCanceledWhileQueued(t *testing.T) {
	t.Parallel()
	e, db := testExecutor(t)
	e.turn <- struct{}{} // another writer's turn
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := e.Write(ctx, []sqlitedialect.Statement{insert("late")})
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("Write canceled while queued: %v, want context.Canceled", err)
	}
	<-e.turn
	if len(e.queue) != 0 {
		t.Errorf("queue after a canceled Write: %d batches, want 0", len(e.queue))
	}
	var n int
	if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != 0 {
		t.Errorf("rows after a canceled Write: %d (%v), want 0", n, err)
	}
}

// TestReadsDoNotWaitForTheWriter holds a write transaction open and reads
// beside it, one statement and a snapshot of several, from a pool whose DSN
// asks for immediate transactions: reads must not take the write lock.
func TestReadsDoNotWaitForTheWriter(t *testing.T) {
	t.Parallel()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "x.db")+"?_pragma=busy_timeout(5000)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := newExecutor(db, time.Second)
	t.Cleanup(func() { e.close() })
	if err := e.useWAL(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Write(t.Context(), []sqlitedialect.Statement{{SQL: "CREATE TABLE t (k TEXT PRIMARY KEY)"}, insert("committed")}); err != nil {
		t.Fatal(err)
	}

	e.turn <- struct{}{}
	defer func() { <-e.turn }()
	ctx := t.Context()
	if err := e.control(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer e.rollback()
	if _, err := e.run(ctx, []sqlitedialect.Statement{insert("uncommitted")}); err != nil {
		t.Fatal(err)
	}

	count := sqlitedialect.Statement{SQL: "SELECT COUNT(*) FROM t", Query: true}
	readCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	start := time.Now()
	for _, stmts := range [][]sqlitedialect.Statement{{count}, {count, count}} {
		res, err := e.Read(readCtx, stmts)
		if err != nil {
			t.Fatalf("Read of %d statements beside an open write: %v", len(stmts), err)
		}
		for _, r := range res {
			if n := r.Rows[0][0]; n != int64(1) {
				t.Errorf("Read beside an open write counts %v rows, want the 1 committed", n)
			}
		}
	}
	if d := time.Since(start); d > 1900*time.Millisecond {
		t.Errorf("reads beside an open write took %s: they waited for it", d)
	}
}

// TestGroupSendsAloneAfterAnError commits a group of one-statement batches
// in which one fails on an error other than a constraint, which may end a
// transaction: the group is rolled back and each batch sent alone, so the
// others are written and the failing one gets its own error.
func TestGroupSendsAloneAfterAnError(t *testing.T) {
	t.Parallel()
	e, db := testExecutor(t)
	group := []*pendingWrite{
		{stmts: []sqlitedialect.Statement{insert("x")}},
		{stmts: []sqlitedialect.Statement{{SQL: "INSERT INTO t (k) VALUES (json(?1))", Args: []any{"{"}}}},
		{stmts: []sqlitedialect.Statement{{SQL: "INSERT INTO t (k) VALUES (?1"}}}, // does not prepare
		{stmts: []sqlitedialect.Statement{insert("y")}},
	}
	for _, p := range group {
		p.done = make(chan struct{})
	}
	e.queue = append(e.queue, group...)
	e.turn <- struct{}{}
	e.lead()
	<-e.turn

	if group[0].err != nil || group[3].err != nil {
		t.Errorf("good batches failed: %v, %v", group[0].err, group[3].err)
	}
	if group[1].err == nil || !strings.Contains(group[1].err.Error(), "malformed JSON") {
		t.Errorf("batch with a bad value: %v, want malformed JSON", group[1].err)
	}
	if group[2].err == nil {
		t.Error("batch that does not prepare: no error")
	}
	var n int
	if err := db.QueryRowContext(t.Context(), "SELECT count(*) FROM t WHERE k IN ('x', 'y')").Scan(&n); err != nil || n != 2 {
		t.Errorf("committed %d of x and y (%v), want both", n, err)
	}
}
