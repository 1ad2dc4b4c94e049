//go:build js && wasm

package cloudflare

import (
	"context"
	"syscall/js"
)

// await waits for a JavaScript promise (or any value, taken as resolved)
// to settle and returns its value, or the error it rejected with. It must
// run on a goroutine other than the one JavaScript called into: the
// promise settles only once Go yields to the event loop.
//
// When ctx ends first, await returns ctx's error; the callbacks stay
// registered until the promise settles, as JavaScript will still call
// them.
func await(ctx context.Context, promise js.Value) (js.Value, error) {
	type outcome struct {
		v   js.Value
		err error
	}
	done := make(chan outcome, 1)
	onResolve := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- outcome{v: arg(args, 0)}
		return nil
	})
	onReject := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- outcome{err: jsError(arg(args, 0))}
		return nil
	})
	release := func() {
		onResolve.Release()
		onReject.Release()
	}
	js.Global().Get("Promise").Call("resolve", promise).Call("then", onResolve, onReject)
	select {
	case o := <-done:
		release()
		return o.v, o.err
	case <-ctx.Done():
		go func() {
			<-done
			release()
		}()
		return js.Undefined(), ctx.Err()
	}
}

// arg returns args[i], or undefined when JavaScript passed fewer.
func arg(args []js.Value, i int) js.Value {
	if i < len(args) {
		return args[i]
	}
	return js.Undefined()
}

// thrown is a value that JavaScript threw or rejected a promise with.
type thrown struct {
	message string
	// cause is the message of the error's cause, where D1 puts SQLite's
	// own words.
	cause string
}

func (e *thrown) Error() string {
	if e.cause == "" {
		return e.message
	}
	return e.message + " (cause: " + e.cause + ")"
}

// jsError converts a thrown JavaScript value to a *thrown.
func jsError(v js.Value) error {
	if v.Type() != js.TypeObject {
		return &thrown{message: jsString(v)}
	}
	e := &thrown{message: jsString(v.Get("message"))}
	if e.message == "" {
		e.message = jsString(v)
	}
	if c := v.Get("cause"); c.Type() == js.TypeObject {
		e.cause = jsString(c.Get("message"))
	}
	return e
}

// jsString returns a string value as it is and anything else as
// JavaScript's String(v) writes it.
func jsString(v js.Value) string {
	if v.Type() == js.TypeString {
		return v.String()
	}
	if v.IsUndefined() {
		return ""
	}
	return js.Global().Call("String", v).String()
}
