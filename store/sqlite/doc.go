// Package sqlite is the embedded default execution store: store.Store over
// a SQLite database that the caller opens with database/sql.
//
// The package imports no driver. Applications bring one; the pure-Go
// modernc.org/sqlite (no cgo) is the one wf tests with:
//
//	import _ "modernc.org/sqlite"
//
//	db, err := sql.Open("sqlite", "file:/var/lib/app/wf.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
//	…
//	if err := sqlite.Migrate(ctx, db); err != nil { … } // or: wf migrate --sqlite /var/lib/app/wf.db
//	st, err := sqlite.New(db)
//	…
//	defer st.Close()
//
// In that DSN, busy_timeout makes every pooled connection wait, rather than
// fail, while a writer in another process holds the database, and WAL lets
// readers run beside the writer; New sets both on its own writer connection
// as well. No _txlock is needed: the store starts its write transactions
// with BEGIN IMMEDIATE itself and never uses database/sql transactions, so a
// DSN's _txlock=immediate cannot make its reads take the write lock.
// SQLite's default synchronous=FULL makes every commit durable on its own;
// _pragma=synchronous(NORMAL) commits faster in WAL mode but may lose the
// latest commits on power loss (never on a process crash). Use a database
// file: with ":memory:" every pooled connection has a database of its own.
//
// # Concurrency
//
// Writes are serialised in the process: every write method is one batch of
// statements run as one BEGIN IMMEDIATE transaction on a single connection
// that the store holds from New to Close, so concurrent callers queue in Go
// instead of meeting SQLITE_BUSY. Reads run on the pool's other connections
// and never take the write lock; a read of several statements (a run with
// its log) runs in one deferred transaction, one snapshot. db must
// therefore allow at least two open connections; SetMaxIdleConns above the
// number of concurrent readers keeps their connections, each with its own
// page cache, from being closed and reopened.
//
// Writes that queue up together are committed together (group commit): one
// transaction, each write of several statements in its own savepoint so
// that a failed one is rolled back alone, and one fsync for all of them.
//
// # Storage
//
// Instants are stored as INTEGER unix microseconds (UTC), so they come back
// truncated to the microsecond and in UTC; events keep their own timestamps
// exactly, inside their JSON. JSON values are TEXT. Table names start with a
// prefix, "wf_" unless WithTablePrefix says otherwise. New refuses a database
// whose schema is missing, older or newer than this build (*SchemaError).
//
// The SQL itself lives in package sqlitedialect, which runs unchanged on
// Cloudflare D1 with each write sent as one batch().
package sqlite
