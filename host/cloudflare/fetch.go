package cloudflare

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/wfgo/wf/host"
)

// fetch serves one request with the ingress API: it refuses requests
// without the ingress secret before touching the database, then builds
// the invocation's runtime and hands the request to host.NewIngress.
func (w *worker) fetch(ctx context.Context, env Env, req *http.Request) *response {
	rec := newResponse()
	w.serveHTTP(ctx, env, rec, req.WithContext(ctx))
	return rec
}

func (w *worker) serveHTTP(ctx context.Context, env Env, rw http.ResponseWriter, req *http.Request) {
	secret := env.Var(w.cfg.IngressSecretVar)
	if secret == "" {
		w.cfg.Logger.Error("wf ingress: secret unset", "var", w.cfg.IngressSecretVar)
		host.WriteError(rw, http.StatusInternalServerError, host.CodeInternal,
			fmt.Sprintf("the ingress secret %s is not set: wrangler secret put %s", w.cfg.IngressSecretVar, w.cfg.IngressSecretVar), nil)
		return
	}
	if !host.BearerMatches(req, secret) {
		host.WriteError(rw, http.StatusUnauthorized, host.CodeUnauthorized, "Unauthorized", nil)
		return
	}
	if limit := w.cfg.Ingress.MaxBodyBytes; req.ContentLength > limit {
		host.WriteError(rw, http.StatusRequestEntityTooLarge, host.CodeTooLarge, fmt.Sprintf("body exceeds %d bytes", limit), nil)
		return
	}
	rt, err := w.newRuntime(ctx, env)
	if err != nil {
		w.internal(rw, "build runtime", err)
		return
	}
	cfg := w.cfg.Ingress
	cfg.Runtime, cfg.Secret = rt, secret
	h, err := host.NewIngress(cfg)
	if err != nil {
		w.internal(rw, "build the ingress API", err)
		return
	}
	h.ServeHTTP(rw, req)
}

// internal logs err (an unmigrated database says how to migrate it) and
// answers 500 internal without it: the caller never sees store details.
func (w *worker) internal(rw http.ResponseWriter, what string, err error) {
	w.cfg.Logger.Error("wf ingress: "+what, "error", err.Error())
	host.WriteError(rw, http.StatusInternalServerError, host.CodeInternal, "internal error (see the Worker's logs)", nil)
}

// response is what a handler wrote, for the bridge to turn into a
// JavaScript Response.
type response struct {
	status int
	header http.Header
	body   bytes.Buffer
}

func newResponse() *response { return &response{header: http.Header{}} }

func (r *response) Header() http.Header { return r.header }

func (r *response) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *response) Write(p []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(p)
}

// Status is the response's status: 200 when the handler set none.
func (r *response) Status() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

// Body is the response's body, nil for statuses that must have none (a
// JavaScript Response refuses a body with 101, 204, 205 or 304).
func (r *response) Body() []byte {
	switch r.Status() {
	case http.StatusSwitchingProtocols, http.StatusNoContent, http.StatusResetContent, http.StatusNotModified:
		return nil
	}
	return r.body.Bytes()
}

// lazyBody is a request body read from JavaScript only when the handler
// reads it, so that a refused request never loads its body.
type lazyBody struct {
	load func() ([]byte, error)
	r    io.Reader
}

func (b *lazyBody) Read(p []byte) (int, error) {
	if b.r == nil {
		data, err := b.load()
		if err != nil {
			return 0, err
		}
		b.r = bytes.NewReader(data)
	}
	return b.r.Read(p)
}

func (b *lazyBody) Close() error { return nil }

// newRequest builds the request the handler serves from what the bridge
// read off a JavaScript Request: its method, absolute URL and headers,
// with a body loaded on first read.
func newRequest(method, url string, headers [][2]string, load func() ([]byte, error)) (*http.Request, error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return nil, err
	}
	for _, h := range headers {
		req.Header.Add(h[0], h[1])
	}
	req.ContentLength = -1
	if cl := req.Header.Get("Content-Length"); cl != "" {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n >= 0 {
			req.ContentLength = n
		}
	}
	if req.ContentLength == 0 || method == http.MethodGet || method == http.MethodHead {
		req.Body = http.NoBody
	} else {
		req.Body = &lazyBody{load: load}
	}
	req.RequestURI = req.URL.RequestURI()
	return req, nil
}
