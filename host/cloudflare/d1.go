package cloudflare

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/wfgo/wf/store/sqlite/sqlitedialect"
)

// D1 runs the SQLite dialect's batches on a Cloudflare D1 database: each
// batch, a Write or a Read, is one D1 batch() call, which D1 runs as one
// transaction. It implements sqlitedialect.Executor; wrap it with
// sqlitedialect.New, or use OpenStore. Env.D1 and NewD1 (js/wasm) make
// one.
//
// D1 has no interactive transactions, so a batch always runs to its end:
// the dialect writes every statement after a Statement.Check so that it
// changes nothing when the check fails, and the store applies the checks
// to the results afterwards.
type D1 struct {
	send batchFunc
}

var _ sqlitedialect.Executor = (*D1)(nil)

// batchFunc sends one batch to D1 and returns the JSON text of the array of
// D1 results it answered with, one per statement, or the error D1 threw.
// The js/wasm build sends it through the binding; tests send it to a fake.
type batchFunc func(ctx context.Context, stmts []boundStatement) ([]byte, error)

// boundStatement is a statement with its arguments as D1 binds them.
type boundStatement struct {
	SQL string
	// Args are nil, float64 or string: a JavaScript null, number or string.
	Args []any
}

// maxSafeInteger is JavaScript's Number.MAX_SAFE_INTEGER (2^53 - 1): D1
// receives numbers as JavaScript numbers, exact only up to it.
const maxSafeInteger = 1<<53 - 1

// Write runs stmts as one D1 batch. D1 applies all of them or, when one
// fails, none.
func (d *D1) Write(ctx context.Context, stmts []sqlitedialect.Statement) ([]sqlitedialect.Result, error) {
	return d.run(ctx, stmts)
}

// Read runs stmts as one D1 batch: one transaction, so one snapshot.
func (d *D1) Read(ctx context.Context, stmts []sqlitedialect.Statement) ([]sqlitedialect.Result, error) {
	return d.run(ctx, stmts)
}

// run binds stmts, sends them as one batch and maps D1's answer back.
func (d *D1) run(ctx context.Context, stmts []sqlitedialect.Statement) ([]sqlitedialect.Result, error) {
	if len(stmts) == 0 {
		return nil, nil
	}
	if d.send == nil {
		return nil, errors.New("cloudflare: D1 not made by NewD1 or Env.D1")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	bound := make([]boundStatement, len(stmts))
	for i, st := range stmts {
		args, err := bindArgs(st.Args)
		if err != nil {
			return nil, fmt.Errorf("d1: statement %d: %w", i, err)
		}
		bound[i] = boundStatement{SQL: st.SQL, Args: args}
	}
	raw, err := d.send(ctx, bound)
	if err != nil {
		return nil, err
	}
	return decodeResults(raw, stmts)
}

// bindArgs converts the dialect's argument values (nil, int64, string) to
// what D1 binds. An integer beyond ±(2^53-1) is refused: as a JavaScript
// number it would be silently rounded.
func bindArgs(args []any) ([]any, error) {
	if len(args) == 0 {
		return nil, nil
	}
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case nil:
			out[i] = nil
		case string:
			out[i] = v
		case int64:
			if v > maxSafeInteger || v < -maxSafeInteger {
				return nil, fmt.Errorf("argument ?%d: integer %d is beyond the ±2^53 a JavaScript number holds exactly", i+1, v)
			}
			out[i] = float64(v)
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("argument ?%d: %v cannot be bound", i+1, v)
			}
			out[i] = v
		default:
			return nil, fmt.Errorf("argument ?%d: unsupported type %T (want nil, int64 or string)", i+1, a)
		}
	}
	return out, nil
}
