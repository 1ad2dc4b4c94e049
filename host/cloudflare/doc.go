// Package cloudflare runs wf on Cloudflare Workers, with its runs in a D1
// database: a Go program built with GOOS=js GOARCH=wasm calls Serve, and a
// small JavaScript module (Shim, worker.mjs) loads it and forwards the
// Worker's events to it.
//
//   - scheduled (a Cron Trigger) materialises schedules and runs one
//     bounded sweep (host.Sweep, 25s by default), and logs the summary as
//     one JSON line. The trigger only wakes the runtime; the store decides
//     what is due.
//   - fetch serves the ingress API (host.NewIngress: start runs, deliver
//     signals and approvals, read a run), for requests that carry
//     "Authorization: Bearer <secret>" with the secret WF_INGRESS_SECRET.
//
// Both build a runtime for the invocation from its environment
// (Config.Runtime), since a Worker's bindings belong to the invocation;
// the store is OpenStore over the D1 binding.
//
// # D1
//
// D1 is an Executor of the SQLite dialect (package sqlitedialect): every
// batch of statements, a commit as much as a read, is one
// db.batch([db.prepare(sql).bind(…), …]) call, which D1 runs as one
// transaction. D1 has no interactive transactions: a batch runs to its
// end, and the dialect writes each statement after a check so that it
// changes nothing when the check failed. A unique-key failure (a lost
// compare-and-swap on a run's log) comes back as a *D1Error whose Code
// the store reads as store.ErrConflict.
//
// Values cross as JavaScript numbers and strings: integers are bound
// exactly up to ±2^53 (the dialect's instants are unix microseconds,
// well within it) and a larger one is refused, never rounded. D1 returns
// rows as objects keyed by column name, so a query must not name two
// columns alike; the dialect's queries do not.
//
// The host never creates the schema. MigrationFiles (`wfcloudflare
// migrations DIR`) writes it as D1 migration files for `wrangler d1
// migrations apply`; each also records itself in wf's own migrations
// table, which OpenStore checks once per isolate.
//
// # Building
//
// This package is a module of its own, github.com/wfgo/wf/host/cloudflare,
// so that nothing WebAssembly-specific reaches the main module. Its
// syscall/js binding is in files built only for js/wasm; the rest builds
// and is tested everywhere. The wfcloudflare command (cmd/wfcloudflare)
// builds a Worker for wrangler:
//
//	wfcloudflare build -o build .
//
// writes build/worker.wasm, the shim build/worker.mjs (wrangler.toml's
// main) and the toolchain's build/wasm_exec.js. The example directory
// holds a complete Worker with its wrangler.toml; README.md says how to
// deploy it.
package cloudflare
