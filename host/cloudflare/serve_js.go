//go:build js && wasm

package cloudflare

import (
	"context"
	"encoding/json"
	"fmt"
	"syscall/js"
	"time"
)

// Serve registers the Worker's handlers for the JavaScript shim
// (worker.mjs, written by WriteAssets) and blocks for the life of the
// isolate: call it at the end of main. It returns only an error in cfg.
//
// Each fetch event is served by the ingress API, each scheduled event
// sweeps; both build their runtime from the invocation's env through
// cfg.Runtime.
func Serve(cfg Config) error {
	w, err := newWorker(cfg)
	if err != nil {
		return err
	}
	handlers := js.Global().Get("Object").New()
	handlers.Set("fetch", js.FuncOf(w.jsFetch))
	handlers.Set("scheduled", js.FuncOf(w.jsScheduled))
	js.Global().Set(handlersGlobal, handlers)
	select {} // the handlers run on JavaScript's calls
}

// jsScheduled is handlers.scheduled(cron, scheduledTime, env): it returns
// a promise of the sweep's summary as JSON text, rejected when the sweep
// failed.
func (w *worker) jsScheduled(_ js.Value, args []js.Value) any {
	ev := scheduledEvent{Cron: jsString(arg(args, 0))}
	if t := arg(args, 1); t.Type() == js.TypeNumber {
		ev.ScheduledTime = time.UnixMilli(int64(t.Float())).UTC()
	}
	env := jsEnv{arg(args, 2)}
	return newPromise(func() (any, error) {
		sum, err := w.scheduled(context.Background(), env, ev)
		if err != nil {
			return nil, err
		}
		line, err := json.Marshal(sum)
		if err != nil {
			return nil, err
		}
		return string(line), nil
	})
}

// jsFetch is handlers.fetch(request, env): it returns a promise of the
// Response.
func (w *worker) jsFetch(_ js.Value, args []js.Value) any {
	request, env := arg(args, 0), jsEnv{arg(args, 1)}
	return newPromise(func() (any, error) {
		ctx := context.Background()
		req, err := goRequest(ctx, request)
		if err != nil {
			return nil, err
		}
		return jsResponse(w.fetch(ctx, env, req)), nil
	})
}

// newPromise returns a JavaScript promise that run settles from its own
// goroutine, so that run may await other promises. A panic in run
// rejects the promise instead of ending the Go program, which every
// later event of the isolate needs.
func newPromise(run func() (any, error)) js.Value {
	executor := js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			v, err := settle(run)
			if err != nil {
				reject.Invoke(js.Global().Get("Error").New(err.Error()))
				return
			}
			resolve.Invoke(v)
		}()
		return nil
	})
	defer executor.Release() // the Promise constructor calls it at once
	return js.Global().Get("Promise").New(executor)
}

// settle calls run, turning a panic into an error.
func settle(run func() (any, error)) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("cloudflare: panic: %v", r)
		}
	}()
	return run()
}
