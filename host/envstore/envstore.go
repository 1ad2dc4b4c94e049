// Package envstore opens the store a host's environment names: PostgreSQL
// when DATABASE_URL is set (tables in the schema WF_PG_SCHEMA, default
// public; wake-ups NOTIFYed on WF_PG_NOTIFY, default wf_wake), otherwise the SQLite file named by WF_SQLITE_PATH (default
// "wf.db"). Generated mains call Open; it imports
// the pgx and modernc.org/sqlite drivers, so the library proper does not.
package envstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite" // the embedded default driver

	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/postgres"
	"github.com/wfgo/wf/store/sqlite"
)

// DefaultSQLitePath is the SQLite file used when neither DATABASE_URL nor
// WF_SQLITE_PATH is set.
const DefaultSQLitePath = "wf.db"

// DefaultNotifyChannel is the channel a PostgreSQL store NOTIFYs when a run
// becomes ready (WF_PG_NOTIFY names another; "off" turns it off).
const DefaultNotifyChannel = "wf_wake"

// Opened is an opened store with what it needs closed.
type Opened struct {
	Store store.Store
	// Kind is "postgres" or "sqlite".
	Kind string
	// Pool is the Postgres pool (nil for SQLite), for LISTEN wake-ups.
	Pool *pgxpool.Pool
	// NotifyChannel is the channel the store NOTIFYs ("" for none): pass
	// it with Pool to host/worker.Listen.
	NotifyChannel string
	close         func()
}

// Close releases the store's connections.
func (o *Opened) Close() {
	if o.close != nil {
		o.close()
	}
}

// Open opens the store named by the environment (read through getenv,
// usually os.Getenv). It never creates the schema: with Migrate false an
// unmigrated database is an error naming `wfgen migrate`; with Migrate true
// (demos, tests, a single-binary app) it migrates first.
func Open(ctx context.Context, getenv func(string) string, migrate bool) (*Opened, error) {
	if url := getenv("DATABASE_URL"); url != "" {
		var opts []postgres.Option
		if schema := getenv("WF_PG_SCHEMA"); schema != "" {
			opts = append(opts, postgres.WithSchema(schema))
		}
		channel := getenv("WF_PG_NOTIFY")
		switch channel {
		case "off":
			channel = ""
		case "":
			channel = DefaultNotifyChannel
		}
		if channel != "" {
			opts = append(opts, postgres.WithNotify(channel))
		}
		o, err := openPostgres(ctx, url, migrate, opts)
		if o != nil {
			o.NotifyChannel = channel
		}
		return o, err
	}
	path := getenv("WF_SQLITE_PATH")
	if path == "" {
		path = DefaultSQLitePath
	}
	return openSQLite(ctx, path, migrate)
}

func openPostgres(ctx context.Context, url string, migrate bool, opts []postgres.Option) (*Opened, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("envstore: DATABASE_URL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("envstore: cannot reach PostgreSQL at DATABASE_URL: %w", err)
	}
	if migrate {
		if err := postgres.Migrate(ctx, pool, opts...); err != nil {
			pool.Close()
			return nil, fmt.Errorf("envstore: migrate PostgreSQL: %w", err)
		}
	}
	st, err := postgres.New(ctx, pool, opts...)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &Opened{Store: st, Kind: "postgres", Pool: pool, close: pool.Close}, nil
}

// SQLiteDSN is the modernc.org/sqlite DSN used for a database file. The
// path is escaped: in a file: URI a '#' or '?' would otherwise end it.
func SQLiteDSN(path string) string {
	return "file:" + uriPathEscaper.Replace(path) + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"
}

var uriPathEscaper = strings.NewReplacer("%", "%25", "#", "%23", "?", "%3F")

func openSQLite(ctx context.Context, path string, migrate bool) (*Opened, error) {
	db, err := sql.Open("sqlite", SQLiteDSN(path))
	if err != nil {
		return nil, fmt.Errorf("envstore: open SQLite %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("envstore: open SQLite %s (set WF_SQLITE_PATH or DATABASE_URL): %w", path, err)
	}
	if migrate {
		if err := sqlite.Migrate(ctx, db); err != nil {
			db.Close()
			return nil, fmt.Errorf("envstore: migrate SQLite %s: %w", path, err)
		}
	}
	st, err := sqlite.New(db)
	if err != nil {
		db.Close()
		var se *sqlite.SchemaError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("envstore: SQLite %s: %w", path, err)
		}
		return nil, err
	}
	return &Opened{Store: st, Kind: "sqlite", close: func() { _ = st.Close(); _ = db.Close() }}, nil
}
