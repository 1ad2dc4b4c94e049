// Package deploycheck answers, before a deploy, which runs in flight the
// code about to be deployed cannot resume. It is the seam between
// `wfgen check --against` and an app's workflow package, not an API for
// apps: wfgen builds a small program in the app's module that imports the
// checked package and calls MainStore with its Registrations and the
// Opener of the store's driver (package deploycheck/postgres or
// deploycheck/sqlite), sends it the StoreConfig, and reads back one
// Checked line per run not ended. The split keeps the app's code out of
// wfgen's process and every database driver out of wfgen: the program
// links the one driver the check reads with, which the app's module
// requires when the app runs on that store. The protocol may change with
// wfgen.
//
// Checking a run replays its recorded log against the current code
// (wf.Invocation.ReplayOnly): no step function runs, nothing is written,
// and the replay stops at the first fresh durable call. A run cannot be
// resumed when its recorded version is not in its workflow's router
// (ReasonVersionMismatch) or when its log does not replay
// (ReasonNondeterminism, naming the operation IDs that diverge).
package deploycheck
