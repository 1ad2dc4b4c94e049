//go:build js && wasm

package main

import (
	"context"
	"encoding/json"
	"syscall/js"

	"github.com/wfgo/wf/host/cloudflare"
)

// main registers a fetch handler where the shim looks for the handlers
// cloudflare.Serve registers, and blocks.
func main() {
	handlers := js.Global().Get("Object").New()
	handlers.Set("fetch", js.FuncOf(func(_ js.Value, args []js.Value) any {
		env := args[1]
		return promise(func() (js.Value, error) {
			rep, err := probe(context.Background(), cloudflare.NewD1(env.Get(cloudflare.DefaultBinding)))
			if err != nil {
				return js.Value{}, err
			}
			body, err := json.Marshal(rep)
			if err != nil {
				return js.Value{}, err
			}
			return js.Global().Get("Response").New(string(body)), nil
		})
	}))
	js.Global().Set("__wfCloudflare", handlers)
	select {}
}

// promise returns a promise that run settles from its own goroutine.
func promise(run func() (js.Value, error)) js.Value {
	executor := js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			v, err := run()
			if err != nil {
				reject.Invoke(js.Global().Get("Error").New(err.Error()))
				return
			}
			resolve.Invoke(v)
		}()
		return nil
	})
	defer executor.Release()
	return js.Global().Get("Promise").New(executor)
}
