package sqlitedialect

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wfgo/wf/migrations"
)

// prefixPlaceholder stands for the table prefix in the migration files.
const prefixPlaceholder = "{{prefix}}"

// Migration is one numbered schema change, split into statements.
type Migration struct {
	Version    int
	Name       string
	Statements []string
}

// Migrations returns the dialect's migrations in order, with prefix
// substituted. The statements run as they are on SQLite and on D1.
func Migrations(prefix string) ([]Migration, error) {
	if err := ValidatePrefix(prefix); err != nil {
		return nil, err
	}
	src := migrations.SQLite()
	out := make([]Migration, len(src))
	for i, m := range src {
		out[i] = Migration{
			Version:    m.Version,
			Name:       m.Name,
			Statements: splitStatements(strings.ReplaceAll(m.SQL, prefixPlaceholder, prefix)),
		}
	}
	return out, nil
}

// SchemaError reports a database whose schema version is not the one this
// build of wf uses.
type SchemaError struct {
	// Have is the database's version; 0 when it has no wf schema.
	Have int
	// Want is the version this build uses.
	Want int
	// Table is the migrations table looked at.
	Table string
}

func (e *SchemaError) Error() string {
	const fix = "run `wf migrate --sqlite <path>` or call sqlite.Migrate"
	switch {
	case e.Have == 0:
		return fmt.Sprintf("sqlite: database has no wf schema (no %s table): %s", e.Table, fix)
	case e.Have > e.Want:
		return fmt.Sprintf("sqlite: database schema version %d is newer than this build of wf knows (%d): upgrade wf", e.Have, e.Want)
	}
	return fmt.Sprintf("sqlite: database schema version %d is older than this build of wf needs (%d): %s", e.Have, e.Want, fix)
}

// SchemaVersion returns the latest migration recorded in the database, 0
// when it has no migrations table.
func SchemaVersion(ctx context.Context, exec Executor, prefix string) (int, error) {
	if err := ValidatePrefix(prefix); err != nil {
		return 0, err
	}
	t := newTables(prefix)
	res, err := exec.Read(ctx, []Statement{{
		SQL:   `SELECT COALESCE(MAX(version), 0) FROM ` + t.migrations,
		Query: true,
	}})
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return 0, nil
		}
		return 0, fmt.Errorf("sqlite: read schema version: %w", err)
	}
	if len(res) != 1 || len(res[0].Rows) != 1 {
		return 0, fmt.Errorf("sqlite: read schema version: no result")
	}
	return int(integer(res[0].Rows[0][0])), nil
}

// CheckSchema returns a *SchemaError unless the database is at the latest
// version of Migrations.
func CheckSchema(ctx context.Context, exec Executor, prefix string) error {
	ms, err := Migrations(prefix)
	if err != nil {
		return err
	}
	have, err := SchemaVersion(ctx, exec, prefix)
	if err != nil {
		return err
	}
	if have != len(ms) {
		return &SchemaError{Have: have, Want: len(ms), Table: newTables(prefix).migrations}
	}
	return nil
}

// Migrate applies the pending migrations in order, each as one Write batch
// that also records it. A migrator that loses a race to another one fails
// its batch (the tables exist) and finds the version applied.
func Migrate(ctx context.Context, exec Executor, prefix string) error {
	ms, err := Migrations(prefix)
	if err != nil {
		return err
	}
	have, err := SchemaVersion(ctx, exec, prefix)
	if err != nil {
		return err
	}
	table := newTables(prefix).migrations
	if have > len(ms) {
		return &SchemaError{Have: have, Want: len(ms), Table: table}
	}
	for _, m := range ms[have:] {
		stmts := make([]Statement, 0, len(m.Statements)+1)
		for _, q := range m.Statements {
			stmts = append(stmts, Statement{SQL: q})
		}
		stmts = append(stmts, Statement{
			SQL:  `INSERT INTO ` + table + ` (version, name, applied_at) VALUES (?1, ?2, ?3)`,
			Args: []any{int64(m.Version), m.Name, time.Now().UnixMicro()},
		})
		if _, err := exec.Write(ctx, stmts); err != nil {
			if v, verr := SchemaVersion(ctx, exec, prefix); verr == nil && v >= m.Version {
				continue
			}
			return fmt.Errorf("sqlite: apply migration %04d_%s: %w", m.Version, m.Name, err)
		}
	}
	return nil
}

// splitStatements splits SQL text into statements at semicolons outside
// quotes and comments, dropping comment-only pieces. It serves the
// migration files, which hold no triggers.
func splitStatements(sql string) []string {
	var out []string
	var cur strings.Builder
	hasCode := false
	flush := func() {
		if s := strings.TrimSpace(cur.String()); hasCode && s != "" {
			out = append(out, s)
		}
		cur.Reset()
		hasCode = false
	}
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			end := strings.IndexByte(sql[i:], '\n')
			if end < 0 {
				end = len(sql) - i
			}
			i += end - 1
			continue
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			end := strings.Index(sql[i+2:], "*/")
			if end < 0 {
				i = len(sql)
			} else {
				i += end + 3
			}
			cur.WriteByte(' ')
			continue
		case c == '\'' || c == '"' || c == '`':
			hasCode = true
			end := strings.IndexByte(sql[i+1:], c)
			if end < 0 {
				cur.WriteString(sql[i:])
				i = len(sql)
				continue
			}
			cur.WriteString(sql[i : i+end+2])
			i += end + 1
			continue
		case c == ';':
			flush()
			continue
		}
		if c > ' ' {
			hasCode = true
		}
		cur.WriteByte(c)
	}
	flush()
	return out
}
