//go:build !(js && wasm)

package cloudflare

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/sqlite/sqlitedialect"
	"github.com/wfgo/wf/store/storetest"
)

// TestConformance runs the store contract's suite on the dialect over the
// D1 executor, its batches answered by the fake D1.
func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		exec := newFakeD1(t).executor()
		if err := sqlitedialect.Migrate(t.Context(), exec, sqlitedialect.DefaultTablePrefix); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		st, err := openStore(t.Context(), exec, "DB", sqlitedialect.Config{}, &sync.Map{})
		if err != nil {
			t.Fatalf("openStore: %v", err)
		}
		return st
	})
}

func TestBindArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      []any
		want    []any
		wantErr string
	}{
		{name: "none", in: nil, want: nil},
		{name: "values", in: []any{nil, int64(-3), "x", int64(1 << 52)}, want: []any{nil, float64(-3), "x", float64(1 << 52)}},
		{name: "largest exact", in: []any{int64(maxSafeInteger), int64(-maxSafeInteger)}, want: []any{float64(maxSafeInteger), float64(-maxSafeInteger)}},
		{name: "beyond 2^53", in: []any{"a", int64(1 << 53)}, wantErr: "argument ?2: integer 9007199254740992 is beyond"},
		{name: "unsupported", in: []any{true}, wantErr: "argument ?1: unsupported type bool"},
		{name: "bytes", in: []any{[]byte("x")}, wantErr: "unsupported type []uint8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := bindArgs(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("bindArgs(%v) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("bindArgs(%v) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestDecodeResults(t *testing.T) {
	t.Parallel()
	query := sqlitedialect.Statement{SQL: "SELECT", Query: true}
	exec := sqlitedialect.Statement{SQL: "UPDATE"}
	tests := []struct {
		name    string
		stmts   []sqlitedialect.Statement
		raw     string
		want    []sqlitedialect.Result
		wantErr string
	}{{
		name:  "rows in column order and changes",
		stmts: []sqlitedialect.Statement{query, exec},
		raw: `[{"success":true,"results":[{"run_id":"r","idx":3,"data":"{\"a\":1}","wake_at":null},{"run_id":"s","idx":1.5e15,"data":"","wake_at":2.5}],"meta":{"changes":0}},
		       {"success":true,"results":[],"meta":{"changes":2,"duration":0.1}}]`,
		want: []sqlitedialect.Result{
			{RowsAffected: 2, Rows: [][]any{{"r", int64(3), `{"a":1}`, nil}, {"s", int64(1.5e15), "", 2.5}}},
			{RowsAffected: 2},
		},
	}, {
		name:  "query without rows",
		stmts: []sqlitedialect.Statement{query},
		raw:   `[{"success":true,"meta":{"changes":0}}]`,
		want:  []sqlitedialect.Result{{Rows: [][]any{}}},
	}, {
		name:  "blob, boolean and huge numbers",
		stmts: []sqlitedialect.Statement{query},
		raw:   `[{"results":[{"b":[0,255,7],"t":true,"big":9007199254740993,"e":1e300}],"meta":{}}]`,
		want:  []sqlitedialect.Result{{RowsAffected: 1, Rows: [][]any{{[]byte{0, 255, 7}, int64(1), float64(9007199254740992), 1e300}}}},
	}, {
		name:    "result count",
		stmts:   []sqlitedialect.Statement{query, exec},
		raw:     `[{"results":[]}]`,
		wantErr: "batch of 2 statements returned 1 results",
	}, {
		name:    "failed statement",
		stmts:   []sqlitedialect.Statement{exec},
		raw:     `[{"success":false,"error":"no such table: wf_runs"}]`,
		wantErr: "d1: statement 0 failed: no such table: wf_runs",
	}, {
		name:    "row not an object",
		stmts:   []sqlitedialect.Statement{query},
		raw:     `[{"results":[[1,2]]}]`,
		wantErr: "row is not an object",
	}, {
		name:    "bad blob",
		stmts:   []sqlitedialect.Statement{query},
		raw:     `[{"results":[{"b":[256]}]}]`,
		wantErr: `column "b": BLOB array holds 256`,
	}, {
		name:    "nested object",
		stmts:   []sqlitedialect.Statement{query},
		raw:     `[{"results":[{"o":{}}]}]`,
		wantErr: "unexpected map",
	}, {
		name:    "not JSON",
		stmts:   []sqlitedialect.Statement{query},
		raw:     `undefined`,
		wantErr: "decode batch results",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := decodeResults([]byte(tt.raw), tt.stmts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("decodeResults error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decodeResults (-want +got):\n%s", diff)
			}
		})
	}
}

func TestD1Error(t *testing.T) {
	t.Parallel()
	const unique = "UNIQUE constraint failed: wf_events.run_id, wf_events.idx: SQLITE_CONSTRAINT"
	tests := []struct {
		err      *D1Error
		wantText string
		wantCode int
	}{
		{&D1Error{Message: "D1_ERROR: " + unique, Cause: unique}, "d1: D1_ERROR: " + unique, sqliteConstraintUnique},
		{&D1Error{Message: "D1_ERROR: Network connection lost.", Cause: "Network connection lost."}, "d1: D1_ERROR: Network connection lost.", 0},
		{&D1Error{Message: "D1 batch failed", Cause: unique}, "d1: D1 batch failed (cause: " + unique + ")", sqliteConstraintUnique},
		{ // as workerd's local D1 words it
			&D1Error{Message: "D1_ERROR: UNIQUE constraint failed: probe.k: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_PRIMARYKEY)"},
			"d1: D1_ERROR: UNIQUE constraint failed: probe.k: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_PRIMARYKEY)", 1555,
		},
		{&D1Error{Message: "D1_ERROR: NOT NULL constraint failed: t.k: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_NOTNULL)"},
			"d1: D1_ERROR: NOT NULL constraint failed: t.k: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_NOTNULL)", 1299},
		{&D1Error{Message: "D1_ERROR: odd (extended: SQLITE_SOMETHING_NEW)"}, "d1: D1_ERROR: odd (extended: SQLITE_SOMETHING_NEW)", 0},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.wantText {
			t.Errorf("Error() = %q, want %q", got, tt.wantText)
		}
		if got := tt.err.Code(); got != tt.wantCode {
			t.Errorf("%q: Code() = %d, want %d", tt.err.Message, got, tt.wantCode)
		}
	}
}

// TestD1Batches checks what a batch does on D1: a failure anywhere leaves
// the database unchanged, a lost compare-and-swap is store.ErrConflict,
// and one store call is one batch() call.
func TestD1Batches(t *testing.T) {
	t.Parallel()
	fake := newFakeD1(t)
	exec := fake.executor()
	ctx := t.Context()
	create := sqlitedialect.Statement{SQL: "CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER)"}
	if _, err := exec.Write(ctx, []sqlitedialect.Statement{create}); err != nil {
		t.Fatal(err)
	}
	insert := func(k string, n int64) sqlitedialect.Statement {
		return sqlitedialect.Statement{SQL: "INSERT INTO t (k, n) VALUES (?1, ?2)", Args: []any{k, n}}
	}
	_, err := exec.Write(ctx, []sqlitedialect.Statement{insert("a", 1), insert("b", 2), insert("a", 3)})
	var d1err *D1Error
	if !errors.As(err, &d1err) || d1err.Code() != sqliteConstraintUnique {
		t.Fatalf("duplicate key: error = %v, want a *D1Error with the unique-constraint code", err)
	}
	res, err := exec.Read(ctx, []sqlitedialect.Statement{{SQL: "SELECT count(*) AS n, typeof(max(n)) FROM t", Query: true}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]any{{int64(0), "null"}}, res[0].Rows); diff != "" {
		t.Errorf("after a failed batch (-want +got):\n%s", diff)
	}
	res, err = exec.Write(ctx, []sqlitedialect.Statement{
		insert("a", 1),
		{SQL: "UPDATE t SET n = n + 1 WHERE k = ?1", Args: []any{"a"}},
		{SQL: "UPDATE t SET n = n + 1 WHERE k = ?1 RETURNING n, typeof(n)", Args: []any{"a"}, Query: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []sqlitedialect.Result{{RowsAffected: 1}, {RowsAffected: 1}, {RowsAffected: 1, Rows: [][]any{{int64(3), "integer"}}}}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("batch results (-want +got):\n%s", diff)
	}
	if res, err := exec.Write(ctx, nil); err != nil || res != nil {
		t.Errorf("empty batch = %v, %v; want nil, nil", res, err)
	}
	if fake.batches != 4 {
		t.Errorf("batch() calls = %d, want 4 (the empty batch sends nothing)", fake.batches)
	}
	if _, err := new(D1).Write(ctx, []sqlitedialect.Statement{create}); err == nil {
		t.Error("zero D1: want an error")
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := exec.Read(canceled, []sqlitedialect.Statement{{SQL: "SELECT 1", Query: true}}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled Read error = %v, want context.Canceled", err)
	}
}
