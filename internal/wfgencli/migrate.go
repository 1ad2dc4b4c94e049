package wfgencli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/wfgo/wf/store/postgres"
	"github.com/wfgo/wf/store/sqlite"
)

// migrate applies a store's schema migrations: Postgres with
// --database-url (or $DATABASE_URL), SQLite with --sqlite.
func (c *cli) migrate(ctx context.Context, args []string) int {
	fs := c.flagSet("migrate")
	url := fs.String("database-url", "", "the Postgres `url`; defaults to $DATABASE_URL")
	path := fs.String("sqlite", "", "the SQLite database `file`")
	schema := fs.String("schema", "", "the Postgres schema; defaults to the store's")
	prefix := fs.String("table-prefix", "", "the prefix of the store's table names")
	verbose := fs.Bool("v", false, "say what was migrated")
	if err := fs.Parse(args); err != nil {
		return c.usageError(err)
	}
	switch {
	case fs.NArg() > 0:
		return c.usageError(fmt.Errorf("migrate: unexpected argument %q", fs.Arg(0)))
	case *url != "" && *path != "":
		return c.usageError(errors.New("migrate: set --database-url or --sqlite, not both"))
	case *url == "" && *path == "":
		*url = os.Getenv("DATABASE_URL")
		if *url == "" {
			return c.usageError(errors.New("migrate: set --database-url (or DATABASE_URL) or --sqlite"))
		}
	}
	var (
		what string
		err  error
	)
	if *path != "" {
		what = "SQLite database " + *path
		err = migrateSQLite(ctx, *path, *prefix)
	} else {
		what = "Postgres database"
		err = migratePostgres(ctx, *url, *schema, *prefix)
	}
	if err != nil {
		return c.fail(err)
	}
	if *verbose {
		fmt.Fprintf(c.stdout, "migrated the %s\n", what)
	}
	return exitOK
}

func migratePostgres(ctx context.Context, url, schema, prefix string) error {
	var opts []postgres.Option
	if schema != "" {
		opts = append(opts, postgres.WithSchema(schema))
	}
	if prefix != "" {
		opts = append(opts, postgres.WithTablePrefix(prefix))
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer pool.Close()
	return postgres.Migrate(ctx, pool, opts...)
}

func migrateSQLite(ctx context.Context, path, prefix string) error {
	var opts []sqlite.Option
	if prefix != "" {
		opts = append(opts, sqlite.WithTablePrefix(prefix))
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer db.Close()
	return sqlite.Migrate(ctx, db, opts...)
}
