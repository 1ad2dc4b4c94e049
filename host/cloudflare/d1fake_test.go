//go:build !(js && wasm)

// The fake D1 runs on modernc.org/sqlite, which does not build for js/wasm;
// so do the tests that use it.

package cloudflare

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"

	_ "modernc.org/sqlite"
)

// fakeD1 answers batches the way D1 does, over a real SQLite file: the
// whole batch in one transaction that runs every statement (no Check
// stops it), rolled back when one fails with the error thrown as
// "D1_ERROR: <SQLite's message>"; arguments arrive as JSON numbers and
// strings; each result is {"success":true,"results":[rows as objects],
// "meta":{"changes":n}}, its objects built as JavaScript's
// Object.fromEntries builds them from the column list.
//
// It exercises the mapping in both directions; it is no substitute for
// D1 itself, which the opt-in end-to-end test of the example runs under
// workerd.
type fakeD1 struct {
	mu sync.Mutex // D1 runs one batch at a time
	db *sql.DB
	// batches counts the batch() calls.
	batches int
}

func newFakeD1(t testing.TB) *fakeD1 {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "d1.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return &fakeD1{db: db}
}

// executor returns a D1 executor whose batches go to f.
func (f *fakeD1) executor() *D1 { return &D1{send: f.batch} }

// batch is the batchFunc of the fake.
func (f *fakeD1) batch(ctx context.Context, stmts []boundStatement) ([]byte, error) {
	// The binding sends the arguments to D1 as JSON.
	wire, err := json.Marshal(stmts)
	if err != nil {
		return nil, err
	}
	var sent []struct {
		SQL  string
		Args []any
	}
	if err := json.Unmarshal(wire, &sent); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.batches++
	tx, err := f.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	results := make([]map[string]any, len(sent))
	for i, st := range sent {
		if results[i], err = runFake(ctx, tx, st.SQL, st.Args); err != nil {
			_ = tx.Rollback()
			msg := err.Error()
			return nil, &D1Error{Message: "D1_ERROR: " + msg, Cause: msg}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, &D1Error{Message: "D1_ERROR: " + err.Error()}
	}
	return json.Marshal(results)
}

// runFake runs one statement and returns its D1 result.
func runFake(ctx context.Context, tx *sql.Tx, q string, args []any) (map[string]any, error) {
	var before int64
	if err := tx.QueryRowContext(ctx, "SELECT total_changes()").Scan(&before); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	cols, err := rows.Columns()
	if err != nil {
		rows.Close()
		return nil, err
	}
	objects := []json.RawMessage{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return nil, err
		}
		objects = append(objects, jsObject(cols, vals))
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var after int64
	if err := tx.QueryRowContext(ctx, "SELECT total_changes()").Scan(&after); err != nil {
		return nil, err
	}
	return map[string]any{
		"success": true,
		"results": objects,
		"meta":    map[string]any{"changes": after - before, "served_by": "fake"},
	}, nil
}

// jsObject writes a row as Object.fromEntries(columns.map((c, i) => [c,
// row[i]])) does: a repeated name keeps its first position and its last
// value; names that are array indices come first, in numeric order.
// BLOBs become arrays of byte values.
func jsObject(cols []string, vals []any) json.RawMessage {
	type entry struct {
		key string
		val any
	}
	var entries []entry
	for i, c := range cols {
		v := vals[i]
		if b, ok := v.([]byte); ok {
			arr := make([]int, len(b))
			for j, x := range b {
				arr[j] = int(x)
			}
			v = arr
		}
		if j := slices.IndexFunc(entries, func(e entry) bool { return e.key == c }); j >= 0 {
			entries[j].val = v
			continue
		}
		entries = append(entries, entry{c, v})
	}
	index := func(k string) (uint64, bool) {
		n, err := strconv.ParseUint(k, 10, 32)
		return n, err == nil && strconv.FormatUint(n, 10) == k && n < 1<<32-1
	}
	slices.SortStableFunc(entries, func(a, b entry) int {
		na, ia := index(a.key)
		nb, ib := index(b.key)
		switch {
		case ia && ib:
			return int(na) - int(nb)
		case ia:
			return -1
		case ib:
			return 1
		}
		return 0
	})
	out := []byte{'{'}
	for i, e := range entries {
		if i > 0 {
			out = append(out, ',')
		}
		k, _ := json.Marshal(e.key)
		v, err := json.Marshal(e.val)
		if err != nil {
			panic(fmt.Sprintf("fake D1: %v", err))
		}
		out = append(append(append(out, k...), ':'), v...)
	}
	return append(out, '}')
}
