// Package migrations holds the numbered SQL migrations of the SQL stores,
// embedded in the binary. Files are named NNNN_name.sql, one directory per
// dialect; each store applies its own dialect's list in order and records
// what it applied.
package migrations

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// Migration is one numbered SQL file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Postgres returns the PostgreSQL migrations in order.
func Postgres() []Migration { return mustList("postgres") }

// SQLite returns the SQLite (and Cloudflare D1) migrations in order.
func SQLite() []Migration { return mustList("sqlite") }

func mustList(dir string) []Migration {
	ms, err := list(files, dir)
	if err != nil {
		// The files are embedded at build time; a bad name is a build defect
		// caught by this package's tests.
		panic(err)
	}
	return ms
}

func list(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migrations: %s/%s: want NNNN_name.sql", dir, name)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: rest, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations: %s: version %d out of sequence (want %d)", dir, m.Version, i+1)
		}
	}
	return out, nil
}
