package vercel

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/runtime"
)

// Sweep returns the function Vercel Cron calls, for app: a request
// without "Authorization: Bearer $CRON_SECRET" is refused with 401 before
// the store is touched; otherwise it sweeps as SweepHandler does. The
// store is opened by the first authorised request and kept for the life
// of the function's instance; when it cannot be opened the request is
// answered 500 with a summary carrying the error, and the next request
// tries again. opts.CronSecret defaults to $CRON_SECRET.
func Sweep(app host.App, opts Options) http.Handler {
	route := &lazy{app: app, build: func(rt *runtime.Runtime, secret string) (http.Handler, error) {
		o := opts
		o.CronSecret = secret
		return SweepHandler(rt, o), nil
	}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret := opts.CronSecret
		if secret == "" {
			secret = app.Env("CRON_SECRET")
		}
		if !host.BearerMatches(r, secret) {
			host.WriteJSON(w, http.StatusUnauthorized, map[string]any{"ok": false, "error": "Unauthorized"})
			return
		}
		h, err := route.get(r.Context(), secret)
		if err != nil {
			host.WriteJSON(w, http.StatusInternalServerError, host.Summary{Now: time.Now().UTC(), Error: err.Error()})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Ingress returns the function that serves app's ingress API under
// IngressPrefixes (vercel.json rewrites /api/wf/… to it). A request
// without "Authorization: Bearer $WF_INGRESS_SECRET" is refused with 401
// before the store is touched, and so is every request while the secret
// is unset. The store is opened lazily as Sweep's is; when it cannot be
// opened the request is answered 500 internal and the reason logged.
func Ingress(app host.App) http.Handler {
	route := &lazy{app: app, build: func(rt *runtime.Runtime, secret string) (http.Handler, error) {
		h, err := host.NewIngress(host.IngressConfig{Runtime: rt, Secret: secret, Logger: app.Log()})
		if err != nil {
			return nil, err
		}
		return IngressHandler(h), nil
	}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret := app.Env("WF_INGRESS_SECRET")
		if !host.BearerMatches(r, secret) {
			host.WriteError(w, http.StatusUnauthorized, host.CodeUnauthorized, "Unauthorized", nil)
			return
		}
		h, err := route.get(r.Context(), secret)
		if err != nil {
			app.Log().Error("wf ingress: cannot build the runtime", "err", err)
			host.WriteError(w, http.StatusInternalServerError, host.CodeInternal, "internal error", nil)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// lazy is the handler of one function, built by the first request that
// needs it and kept for the life of the function's instance. A failed
// build is tried again by the next request.
type lazy struct {
	app   host.App
	build func(rt *runtime.Runtime, secret string) (http.Handler, error)

	mu sync.Mutex
	h  http.Handler
}

func (l *lazy) get(ctx context.Context, secret string) (http.Handler, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.h != nil {
		return l.h, nil
	}
	rt, opened, err := l.app.Start(ctx)
	if err != nil {
		return nil, err
	}
	h, err := l.build(rt, secret)
	if err != nil {
		opened.Close()
		return nil, err
	}
	l.h = h
	return h, nil
}
