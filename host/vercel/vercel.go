// Package vercel adapts wf to Vercel's Go runtime: an api/*.go file exports
// a func(http.ResponseWriter, *http.Request), and Vercel Cron calls it with
// "Authorization: Bearer $CRON_SECRET".
package vercel

import (
	"net/http"
	"time"

	"github.com/wfgo/wf/host"
	"github.com/wfgo/wf/runtime"
)

// Options configure the sweep handler.
type Options struct {
	// CronSecret is the value Vercel sends as "Bearer <CronSecret>"
	// (the CRON_SECRET environment variable). Required: without it every
	// request is refused.
	CronSecret string
	// Sweep bounds each sweep; keep MaxDuration below the function's
	// maxDuration. Defaults to a 25s sweep.
	Sweep runtime.SweepOptions
}

// SweepHandler returns the cron route: 401 {"ok":false,"error":"Unauthorized"}
// without the right secret, 200 with the sweep's host.Summary otherwise, and
// 500 with the summary when the sweep failed.
func SweepHandler(rt *runtime.Runtime, opts Options) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			host.WriteJSON(w, http.StatusMethodNotAllowed, map[string]any{"ok": false, "error": "Method Not Allowed"})
			return
		}
		if !host.BearerMatches(r, opts.CronSecret) {
			host.WriteJSON(w, http.StatusUnauthorized, map[string]any{"ok": false, "error": "Unauthorized"})
			return
		}
		sum, err := host.Sweep(r.Context(), rt, opts.Sweep, 2*time.Second)
		status := http.StatusOK
		if err != nil {
			status = http.StatusInternalServerError
		}
		host.WriteJSON(w, status, sum)
	}
}
