// Package dashboard is the operator's web dashboard: an http.Handler an app
// mounts on its own mux, and that the worker host serves under /dashboard/
// when WF_DASHBOARD_SECRET is set.
//
//	h, err := dashboard.New(dashboard.Config{Runtime: rt, Secret: os.Getenv("WF_DASHBOARD_SECRET"), Path: "/dashboard/"})
//	mux.Handle("/dashboard/", h)
//
// # Pages
//
//   - runs: filters (workflow, queue, status), counts per status, newest first with
//     paging, refreshed every RefreshInterval by a meta refresh;
//   - a run: its state, its queue (partition, priority, admitted or
//     waiting for a slot), what it awaits, its input and output, its timeline
//     (each event with the time since the previous one, waits with how long
//     they lasted, approval decisions with their feedback, errors with their
//     stack) and its stored deliveries, consumed or kept for a later wait;
//     cancel, and retry once it ended;
//   - approvals: every pending approval, approved or rejected with feedback;
//   - schedules: each schedule's spec, next fire time in its zone, overlap
//     policy and recent fire times with the runs they started; pause,
//     resume, trigger;
//   - queues: each declared queue's limits, and how many of its runs wait
//     for a slot and how many are in progress;
//   - parked and failing: runs parked until a build registers their
//     version, runs whose drives fail and back off, and errored runs,
//     each with Retry (runtime.Retry, also on an ended run's page).
//
// Pages are rendered on the server with html/template; the stylesheet is
// embedded. Every action is a plain form POST answered by a redirect, so the
// dashboard works without JavaScript, and it ships none.
//
// # Auth
//
// As the ingress API: either Secret or Authorize is required. With Secret,
// a browser signs in through a form (POST login with the secret), which sets
// an HttpOnly, SameSite=Strict cookie holding an HMAC of the secret, never
// the secret itself; scripts may send "Authorization: Bearer <Secret>"
// instead. With Authorize, the app's own func decides on every request
// (its session cookie, a proxy's header), and a non-nil error is a 401.
//
// # CSRF
//
// Every POST, the sign-in form included, carries a token: a signed
// double-submit token, the HMAC of a random per-browser cookie under a key
// derived from Secret (or Config.CSRFKey, or a random per-process key). A
// POST whose token does not match its cookie, that the browser marks as
// cross-origin (net/http's CrossOriginProtection: Sec-Fetch-Site, or an
// Origin naming another host than Host or Config.TrustedOrigins), or,
// without those headers, whose Referer names another host, is refused with
// 403 before anything is done.
//
// # What the HTML shows
//
// Never a secret. Payloads (inputs, outputs, step results, signal payloads)
// above MaxPayloadBytes are cut, with their full size noted.
package dashboard
