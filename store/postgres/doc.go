// Package postgres is the production execution store, on PostgreSQL through
// pgx/v5's pgxpool.
//
// Wire it up once per process:
//
//	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
//	// …
//	if err := postgres.Migrate(ctx, pool); err != nil { … } // or `wf migrate`
//	st, err := postgres.New(ctx, pool)
//
// # One round trip per write
//
// Each write method is one statement, or one pgx batch: all its statements
// sent at once and run in one implicit transaction. Statements report
// their own outcome, so no write reads first and decides in Go:
//
//   - Append is one statement: a CTE reads the lease holder and whether the
//     log ends where the events start, an INSERT … SELECT … FROM
//     unnest($events) runs only when both hold, and the statement returns
//     what the guard saw and how many rows it inserted, so a refused append
//     knows why without a second read. A taken index is a unique violation
//     on the events' primary key (run_id, idx): store.ErrConflict.
//   - Commit is one statement: a CTE locks the run's row (SELECT … FOR
//     UPDATE: the outcome, and a lock that keeps the lease from changing
//     hands), and, when the lease and the log's end hold, inserts the
//     events, deletes the timers and updates the run, releasing the lease.
//     A commit that sets timers is a batch of two statements instead (the
//     second inserts the timers and updates the run), as one statement
//     writes each table once. Every write is guarded by the lease, so a
//     lost lease writes nothing, and a lost race fails the whole write.
//   - ClaimRun is one batch: a conditional UPDATE … RETURNING, then the log
//     and the deliveries. Claims of stale runs, due timers and due buckets
//     are one UPDATE … WHERE key IN (SELECT … FOR UPDATE SKIP LOCKED)
//     RETURNING each, so every row goes to one claimer.
//   - Deliver is one batch: INSERT … ON CONFLICT DO NOTHING with, in the
//     same statement, the run's delivery-sequence bump (and a paused run
//     made ready), then the winner's row. DeliverClaim also takes the
//     run's lease in that statement's one update of the run, then reads
//     the log and the deliveries. FireDueTimers claims a batch of due
//     timers, stores their deliveries and claims their runs (locked in ID
//     order) in one statement, so a sweep's timer costs its share of that
//     write, a read of its run and the drive's commit.
//
// # The runs that need a driver
//
// Queued and running runs have a row in run_ready (and so has a paused run
// that ClaimRun leased, until its next commit), which ClaimStaleRuns walks
// oldest first, reading each run's lease and backoff from its row by
// primary key; the statements that change a run's status insert or delete
// that row in the same statement. The runs table thus has no index whose
// entries come and go with a run's state: an idle sweep reads run_ready
// (the runs in flight, and the dead rows of those that left it since its
// last vacuum, which autovacuum visits after a fixed number of changes),
// not the dead index entries of every run that ran since the last vacuum
// of the runs table.
//
// # Group commit
//
// Appends, commits, deliveries, claims and creations go through a
// per-Store committer. A write that finds fewer than four batches in
// flight is sent at once, so a lone writer waits for nothing; writes that
// arrive while all four are busy queue, and the next to end sends up to 64 of them as
// one batch: one round trip, one implicit transaction, one commit shared by
// concurrent drives. Each writer returns after that transaction commits.
// Since statements report their own outcome, a lost lease or a refused
// delivery fails only its own write; a statement error (a taken log index,
// a deadlock, a serialization failure) rolls the shared transaction back,
// and each of its writes is sent again alone to meet its own outcome. A
// batch locks runs in ID order, so two batches do not deadlock each other.
//
// A serialization failure (SQLSTATE 40001) or deadlock (40P01) rolls the
// transaction back; the store retries it a few times with a short backoff.
//
// No index holds a lease column and the runs table leaves free space in
// its pages, so the frequent lease writes (claims, heartbeats, releases)
// are HOT updates that touch no index.
//
// # Portable, pooler-friendly SQL
//
// The schema and the statements use no foreign keys, triggers, PL/pgSQL,
// sequences, advisory locks or session state, so they run on CockroachDB,
// YugabyteDB, Neon and Aurora, and behind PgBouncer in transaction mode.
// pgx's default statement cache is fastest; behind a pooler that cannot
// keep prepared statements, set DefaultQueryExecMode to
// pgx.QueryExecModeExec or pgx.QueryExecModeSimpleProtocol on the pool's
// ConnConfig. The store works in every mode.
//
// # Schema
//
// The migrations are the files in migrations/postgres, embedded in the
// binary. Their table, index and constraint names are written
// {{schema}}.{{prefix}}name; Migrate substitutes the configured schema
// (WithSchema, default public) and prefix (WithTablePrefix, default wf_).
// Applying them with another tool means substituting the same way and
// inserting each applied (version, name) into {{prefix}}migrations.
// New refuses a schema at another version than this build's.
//
// Times are stored as timestamptz, at microsecond precision, and read back
// in UTC. JSON is stored as json, not jsonb, so payloads come back byte for
// byte. Payloads over the store's limit (WithMaxPayload) are refused with
// store.ErrTooLarge before anything is written; a stored row that does not
// decode is reported with store.ErrCorrupt, naming the run and log index.
package postgres
