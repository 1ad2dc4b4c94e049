//go:build js && wasm

package cloudflare

import (
	"context"
	"errors"
	"syscall/js"
)

// NewD1 returns the executor of a D1 database binding: the value of a
// [[d1_databases]] binding in a Worker's env, such as env.DB. Each batch
// is one db.batch([db.prepare(sql).bind(...args), …]) call.
func NewD1(db js.Value) *D1 {
	return &D1{send: func(ctx context.Context, stmts []boundStatement) ([]byte, error) {
		return sendBatch(ctx, db, stmts)
	}}
}

// sendBatch prepares and binds stmts, sends them as one batch() and
// returns the results as JSON text.
func sendBatch(ctx context.Context, db js.Value, stmts []boundStatement) (_ []byte, err error) {
	defer func() {
		// A binding that is not a D1 database makes calls on it throw,
		// which syscall/js raises as a panic.
		if r := recover(); r != nil {
			err = &D1Error{Message: jsPanicMessage(r)}
		}
	}()
	prepared := make([]any, len(stmts))
	for i, st := range stmts {
		p := db.Call("prepare", st.SQL)
		if len(st.Args) > 0 {
			p = p.Call("bind", st.Args...)
		}
		prepared[i] = p
	}
	res, err := await(ctx, db.Call("batch", js.ValueOf(prepared)))
	if err != nil {
		var t *thrown
		if errors.As(err, &t) {
			return nil, &D1Error{Message: t.message, Cause: t.cause}
		}
		return nil, err
	}
	return []byte(js.Global().Get("JSON").Call("stringify", res).String()), nil
}

// jsPanicMessage is the message of a panic that a throwing JavaScript call
// raised in Go.
func jsPanicMessage(r any) string {
	if e, ok := r.(js.Error); ok {
		return jsError(e.Value).Error()
	}
	if e, ok := r.(error); ok {
		return e.Error()
	}
	return "panic: " + jsString(js.ValueOf(r))
}
