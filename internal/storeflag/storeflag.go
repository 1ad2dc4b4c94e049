// Package storeflag is the wf command's store selection (wfgen links no
// database driver): the flags --database-url (or $DATABASE_URL),
// --sqlite, --schema and --table-prefix, and opening or migrating the
// store they name.
package storeflag

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/wfgo/wf/host/envstore"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/postgres"
	"github.com/wfgo/wf/store/sqlite"
)

// ErrNoStore is the usage error of a command run without a store.
var ErrNoStore = errors.New("no store: set --database-url (or the DATABASE_URL environment variable) for PostgreSQL, or --sqlite FILE")

// Flags names a store.
type Flags struct {
	// DatabaseURL is PostgreSQL's URL (--database-url, $DATABASE_URL).
	DatabaseURL string
	// SQLite is the SQLite database file (--sqlite).
	SQLite string
	// Schema is the PostgreSQL schema (--schema); "" for the store's.
	Schema string
	// TablePrefix prefixes the store's table names (--table-prefix).
	TablePrefix string
}

// Register adds the store flags to fs, with f's current values as
// defaults, so that flags given before a subcommand carry over.
func (f *Flags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.DatabaseURL, "database-url", f.DatabaseURL, "the PostgreSQL `url`; defaults to $DATABASE_URL")
	fs.StringVar(&f.SQLite, "sqlite", f.SQLite, "the SQLite database `file`")
	fs.StringVar(&f.Schema, "schema", f.Schema, "the PostgreSQL `schema`; defaults to the store's")
	fs.StringVar(&f.TablePrefix, "table-prefix", f.TablePrefix, "the `prefix` of the store's table names")
}

// Resolve fills the database URL from getenv("DATABASE_URL") when no store
// flag is set. Both stores, or neither, is a usage error (ErrNoStore).
func (f Flags) Resolve(getenv func(string) string) (Flags, error) {
	switch {
	case f.DatabaseURL != "" && f.SQLite != "":
		return f, errors.New("set --database-url or --sqlite, not both")
	case f.DatabaseURL == "" && f.SQLite == "":
		if getenv == nil {
			getenv = os.Getenv
		}
		f.DatabaseURL = getenv("DATABASE_URL")
		if f.DatabaseURL == "" {
			return f, ErrNoStore
		}
	}
	return f, nil
}

// Describe names the store for messages.
func (f Flags) Describe() string {
	if f.SQLite != "" {
		return "SQLite database " + f.SQLite
	}
	return "PostgreSQL database"
}

func (f Flags) postgresOptions() []postgres.Option {
	var opts []postgres.Option
	if f.Schema != "" {
		opts = append(opts, postgres.WithSchema(f.Schema))
	}
	if f.TablePrefix != "" {
		opts = append(opts, postgres.WithTablePrefix(f.TablePrefix))
	}
	return opts
}

func (f Flags) sqliteOptions() []sqlite.Option {
	var opts []sqlite.Option
	if f.TablePrefix != "" {
		opts = append(opts, sqlite.WithTablePrefix(f.TablePrefix))
	}
	return opts
}

// Migrate applies the store's schema migrations to the resolved store.
func Migrate(ctx context.Context, f Flags) error {
	if f.SQLite != "" {
		db, err := sql.Open("sqlite", envstore.SQLiteDSN(f.SQLite))
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		defer db.Close()
		return sqlite.Migrate(ctx, db, f.sqliteOptions()...)
	}
	pool, err := pgxpool.New(ctx, f.DatabaseURL)
	if err != nil {
		return fmt.Errorf("migrate: --database-url: %w", err)
	}
	defer pool.Close()
	return postgres.Migrate(ctx, pool, f.postgresOptions()...)
}

// Open opens the resolved store, which must exist and be migrated; close
// releases its connections.
func Open(ctx context.Context, f Flags) (st store.Store, close func(), err error) {
	if f.SQLite != "" {
		return openSQLite(f)
	}
	pool, err := pgxpool.New(ctx, f.DatabaseURL)
	if err != nil {
		return nil, nil, fmt.Errorf("--database-url: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, nil, fmt.Errorf("cannot reach PostgreSQL at --database-url: %w", err)
	}
	pg, err := postgres.New(ctx, pool, f.postgresOptions()...)
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	return pg, pool.Close, nil
}

func openSQLite(f Flags) (store.Store, func(), error) {
	// sql.Open would create a missing file; a typo must not look like an
	// empty store.
	if _, err := os.Stat(f.SQLite); err != nil {
		return nil, nil, fmt.Errorf("--sqlite %s: %w", f.SQLite, err)
	}
	db, err := sql.Open("sqlite", envstore.SQLiteDSN(f.SQLite))
	if err != nil {
		return nil, nil, fmt.Errorf("--sqlite %s: %w", f.SQLite, err)
	}
	st, err := sqlite.New(db, f.sqliteOptions()...)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("--sqlite %s: %w", f.SQLite, err)
	}
	return st, func() { _ = st.Close(); _ = db.Close() }, nil
}
