//go:build js && wasm

package cloudflare

import (
	"context"
	"net/http"
	"syscall/js"
)

// goRequest reads a JavaScript Request's method, URL and headers; its body
// is read only when the handler reads it.
func goRequest(ctx context.Context, request js.Value) (*http.Request, error) {
	entries := js.Global().Get("Array").Call("from", request.Get("headers").Call("entries"))
	headers := make([][2]string, entries.Length())
	for i := range headers {
		e := entries.Index(i)
		headers[i] = [2]string{e.Index(0).String(), e.Index(1).String()}
	}
	load := func() ([]byte, error) {
		buf, err := await(ctx, request.Call("arrayBuffer"))
		if err != nil {
			return nil, err
		}
		data := js.Global().Get("Uint8Array").New(buf)
		b := make([]byte, data.Length())
		js.CopyBytesToGo(b, data)
		return b, nil
	}
	req, err := newRequest(request.Get("method").String(), request.Get("url").String(), headers, load)
	if err != nil {
		return nil, err
	}
	return req.WithContext(ctx), nil
}

// jsResponse builds a JavaScript Response from what the handler wrote.
func jsResponse(r *response) js.Value {
	headers := js.Global().Get("Headers").New()
	for name, values := range r.Header() {
		for _, v := range values {
			headers.Call("append", name, v)
		}
	}
	init := js.Global().Get("Object").New()
	init.Set("status", r.Status())
	init.Set("headers", headers)
	body := js.Null()
	if b := r.Body(); b != nil {
		body = js.Global().Get("Uint8Array").New(len(b))
		js.CopyBytesToJS(body, b)
	}
	return js.Global().Get("Response").New(body, init)
}
