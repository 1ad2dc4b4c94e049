package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wfgo/wf/migrations"
)

// SchemaVersionError reports a schema that does not match this build: not
// migrated (Have is 0), behind (Have < Want), or migrated by a newer
// version of wf (Have > Want).
type SchemaVersionError struct {
	Schema, Prefix string
	// Have is the highest migration applied; Want is the highest this
	// build knows.
	Have, Want int
}

func (e *SchemaVersionError) Error() string {
	where := fmt.Sprintf("schema %s (table prefix %q)", e.Schema, e.Prefix)
	switch {
	case e.Have == 0:
		return fmt.Sprintf("postgres: %s is not migrated: %s", where, e.fix())
	case e.Have < e.Want:
		return fmt.Sprintf("postgres: %s is at migration %d, this build needs %d: %s", where, e.Have, e.Want, e.fix())
	default:
		return fmt.Sprintf("postgres: %s is at migration %d, newer than the %d this build knows: it was migrated by a newer version of wf; upgrade this program", where, e.Have, e.Want)
	}
}

// fix names the command that migrates the schema.
func (e *SchemaVersionError) fix() string {
	cmd := "wf migrate --database-url …"
	if e.Schema != defaultSchema {
		cmd += " --schema " + e.Schema
	}
	if e.Prefix != defaultPrefix {
		cmd += fmt.Sprintf(" --table-prefix %q", e.Prefix)
	}
	return "run `" + cmd + "` or call postgres.Migrate"
}

// Migrate applies the pending PostgreSQL migrations in order, each in its
// own transaction, and records them in the migrations table. It creates the
// schema if needed and takes the same WithSchema and WithTablePrefix
// options as New.
//
// Concurrent Migrate calls, from any number of processes, are safe without
// advisory locks: each migration's transaction first inserts its row in the
// migrations table, whose primary key makes every other migrator wait for
// that transaction and then skip the version it committed (or apply it, if
// it rolled back). A database migrated by a newer build is refused with a
// *SchemaVersionError and left untouched.
func Migrate(ctx context.Context, pool *pgxpool.Pool, opts ...Option) error {
	cfg, err := newConfig(opts)
	if err != nil {
		return err
	}
	if err := bootstrap(ctx, pool, cfg); err != nil {
		return err
	}
	ms := migrations.Postgres()
	have, err := schemaVersion(ctx, pool, cfg)
	if err != nil {
		return err
	}
	if have > len(ms) {
		return &SchemaVersionError{Schema: cfg.schema, Prefix: cfg.prefix, Have: have, Want: len(ms)}
	}
	for _, m := range ms {
		if err := retry(ctx, func(ctx context.Context) error { return apply(ctx, pool, cfg, m) }); err != nil {
			return fmt.Errorf("postgres: migration %04d_%s: %w", m.Version, m.Name, err)
		}
	}
	return nil
}

// bootstrap creates the schema and the migrations table. Two sessions
// running CREATE … IF NOT EXISTS at once can still collide in the system
// catalogs (a unique violation, or "already exists"); the loser's retry
// finds the object made.
func bootstrap(ctx context.Context, pool *pgxpool.Pool, cfg config) error {
	stmts := []string{
		`CREATE SCHEMA IF NOT EXISTS ` + cfg.schema,
		expand(`CREATE TABLE IF NOT EXISTS {{schema}}.{{prefix}}migrations (
	version    integer     NOT NULL,
	name       text        NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT {{prefix}}migrations_pkey PRIMARY KEY (version)
)`, cfg),
	}
	for _, stmt := range stmts {
		var err error
		for range 3 {
			_, err = pool.Exec(ctx, stmt)
			switch sqlState(err) {
			case codeUniqueViolation, codeDuplicateTable, codeDuplicateSchema, codeDuplicateObject:
				continue
			}
			break
		}
		if err != nil {
			return fmt.Errorf("postgres: migrate: %w", err)
		}
	}
	return nil
}

// apply runs one migration in a transaction that starts by claiming its
// row; a row already there means another migrator applied it.
func apply(ctx context.Context, pool *pgxpool.Pool, cfg config, m migrations.Migration) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, expand(`INSERT INTO {{schema}}.{{prefix}}migrations (version, name)
VALUES ($1, $2) ON CONFLICT (version) DO NOTHING`, cfg), m.Version, m.Name)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		// No arguments: pgx sends the file with the simple protocol, which
		// runs its several statements in this transaction.
		_, err = tx.Exec(ctx, expand(m.SQL, cfg))
		return err
	})
}

// schemaVersion returns the highest applied migration, 0 when the
// migrations table does not exist.
func schemaVersion(ctx context.Context, pool *pgxpool.Pool, cfg config) (int, error) {
	var have int
	err := pool.QueryRow(ctx, expand(`SELECT COALESCE(max(version), 0) FROM {{schema}}.{{prefix}}migrations`, cfg)).Scan(&have)
	if sqlState(err) == codeUndefinedTable {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: read schema version: %w", err)
	}
	return have, nil
}

// expand substitutes the migration placeholders {{schema}} and {{prefix}}.
func expand(sql string, cfg config) string {
	return strings.NewReplacer("{{schema}}", cfg.schema, "{{prefix}}", cfg.prefix).Replace(sql)
}
