package cloudflare

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wfgo/wf/store/sqlite/sqlitedialect"
)

// appliedAtNow is the migration record's applied_at, unix microseconds, in
// SQL that any SQLite runs (D1's included), so that the files themselves
// carry no timestamp.
const appliedAtNow = `CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)`

// MigrationFiles returns the wf schema as the files `wrangler d1
// migrations apply` runs, by file name ("0001_init.sql"): the dialect's
// migrations with the table prefix (sqlitedialect.DefaultTablePrefix when
// "") substituted, each also recording itself in wf's own migrations
// table, which the store checks.
func MigrationFiles(prefix string) (map[string][]byte, error) {
	if prefix == "" {
		prefix = sqlitedialect.DefaultTablePrefix
	}
	ms, err := sqlitedialect.Migrations(prefix)
	if err != nil {
		return nil, err
	}
	files := make(map[string][]byte, len(ms))
	for _, m := range ms {
		var b bytes.Buffer
		fmt.Fprintf(&b, "-- wf schema migration %04d (%s), table prefix %q.\n", m.Version, m.Name, prefix)
		b.WriteString("-- Written by wfcloudflare migrations; apply with `wrangler d1 migrations apply`.\n\n")
		for _, st := range m.Statements {
			b.WriteString(strings.TrimSpace(st))
			b.WriteString(";\n\n")
		}
		fmt.Fprintf(&b, "INSERT INTO %smigrations (version, name, applied_at) VALUES (%d, '%s', %s);\n",
			prefix, m.Version, strings.ReplaceAll(m.Name, "'", "''"), appliedAtNow)
		files[fmt.Sprintf("%04d_%s.sql", m.Version, m.Name)] = b.Bytes()
	}
	return files, nil
}

// WriteMigrations writes MigrationFiles(prefix) into dir (the
// migrations_dir of a [[d1_databases]] entry), creating dir, and returns
// the names of the files it changed. A file already up to date is left
// alone.
func WriteMigrations(dir, prefix string) ([]string, error) {
	files, err := MigrationFiles(prefix)
	if err != nil {
		return nil, err
	}
	return writeFiles(dir, files)
}

// writeFiles writes files into dir, skipping those whose content is
// unchanged, and returns the names written, sorted.
func writeFiles(dir string, files map[string][]byte) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var written []string
	for _, name := range sortedKeys(files) {
		path := filepath.Join(dir, name)
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, files[name]) {
			continue
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return written, err
		}
		written = append(written, name)
	}
	return written, nil
}
