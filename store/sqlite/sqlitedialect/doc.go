// Package sqlitedialect is the SQL of the SQLite execution store, apart from
// any way of running it: the seam between wf's store logic and a database
// that speaks SQLite, whether a local file through database/sql (package
// sqlite) or Cloudflare D1 through a Worker binding (the Cloudflare host).
//
// Store implements store.Store by building, for each method, an ordered
// batch of Statements and handing it to an Executor, which runs it
// atomically: one transaction on SQLite, one batch() on D1. Workflow authors
// and operators never use this package; a host that brings its own
// connection to a SQLite-dialect database implements Executor, and its store
// must pass storetest.Run.
//
// # Batches
//
// A batch never reads in Go to decide what to write: each statement reports
// its own outcome (rows affected, RETURNING), and the store reads the
// method's result from them afterwards.
//
//   - A lost compare-and-swap on a run's log is a unique-key failure on
//     (run_id, idx), which aborts the batch; the store returns
//     store.ErrConflict.
//   - A lost lease is a guard on lease_owner = ? that matches no row: the
//     UPDATE of Heartbeat and FinishBucket, and the SELECT that opens an
//     Append of several INSERTs (a read: inside the batch's transaction
//     the lease cannot move, and an append then writes only the log's
//     page). Its Statement.Check returns store.ErrLeaseLost.
//   - A one-INSERT Append and a Commit guard themselves: each statement is
//     conditional on the lease and the log's end, and the last one's Check
//     fails when it changed nothing. Only then does the store read the
//     guard, outside the batch, to return store.ErrLeaseLost or
//     store.ErrConflict.
//   - Every statement after a Check is itself conditional on what the Check
//     verified (EXISTS … lease_owner = ?), so a failed Check leaves the
//     database unchanged whether the executor stops and rolls back (package
//     sqlite) or runs the batch to its end and commits (D1, which has no
//     interactive transactions).
//   - Claims are one conditional UPDATE … RETURNING: exactly one claimant
//     gets each run, timer or bucket.
//
// Statements use numbered parameters (?1, ?2, …), bind at most 100 of them
// (D1's limit), and pass only nil, int64 and string values. The schema is
// migrations/sqlite, with its {{prefix}} placeholder replaced (Migrations).
package sqlitedialect
