package postgres

import (
	"context"
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/migrations"
)

// TestMigrateConcurrently runs several Migrate calls at once on an empty
// schema, as several processes starting together would: all succeed and
// each migration is applied and recorded once.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	const migrators = 4
	errs := make([]error, migrators)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range migrators {
		wg.Go(func() {
			<-start
			errs[i] = Migrate(t.Context(), db.Pool, WithSchema(db.Schema))
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate #%d: %v", i, err)
		}
	}
	rows, err := db.Pool.Query(t.Context(), "SELECT version FROM "+db.Schema+".wf_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var want []int
	for _, m := range migrations.Postgres() {
		want = append(want, m.Version)
	}
	if !slices.Equal(got, want) {
		t.Errorf("recorded migrations = %v, want %v", got, want)
	}
	if _, err := New(t.Context(), db.Pool, WithSchema(db.Schema)); err != nil {
		t.Errorf("New after concurrent Migrate: %v", err)
	}
	// Again: nothing to do.
	if err := Migrate(t.Context(), db.Pool, WithSchema(db.Schema)); err != nil {
		t.Errorf("second Migrate: %v", err)
	}
}

// TestMigrateCreatesSchema migrates into a schema that does not exist yet.
func TestMigrateCreatesSchema(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	schema := db.Schema + "_new"
	t.Cleanup(func() { db.Pool.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+schema+" CASCADE") })
	setupOn(t, db.Pool, schema)
}

func TestNewRefusesUnmigrated(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	_, err := New(t.Context(), db.Pool, WithSchema(db.Schema))
	var sv *SchemaVersionError
	if !errors.As(err, &sv) || sv.Have != 0 {
		t.Fatalf("New on an unmigrated schema: error = %v, want a *SchemaVersionError with Have 0", err)
	}
	for _, want := range []string{"not migrated", "wf migrate --database-url", "--schema " + db.Schema, "postgres.Migrate"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestNewRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	newer := len(migrations.Postgres()) + 1
	if _, err := ts.pool.Exec(t.Context(),
		"INSERT INTO "+ts.schema+".wf_migrations (version, name) VALUES ($1, 'from_the_future')", newer); err != nil {
		t.Fatal(err)
	}
	_, err := New(t.Context(), ts.pool, WithSchema(ts.schema))
	var sv *SchemaVersionError
	if !errors.As(err, &sv) || sv.Have != newer {
		t.Fatalf("New on a newer schema: error = %v, want a *SchemaVersionError with Have %d", err, newer)
	}
	if !strings.Contains(err.Error(), "newer version of wf") {
		t.Errorf("error %q does not say the schema is newer", err)
	}
	if err := Migrate(t.Context(), ts.pool, WithSchema(ts.schema)); !errors.As(err, &sv) {
		t.Errorf("Migrate on a newer schema: error = %v, want a *SchemaVersionError", err)
	}
}

// TestTablePrefixIsolates keeps two stores apart in one schema.
func TestTablePrefixIsolates(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	a := setupOn(t, db.Pool, db.Schema, WithTablePrefix("a_"))
	b := setupOn(t, db.Pool, db.Schema, WithTablePrefix(""))
	if _, _, err := a.CreateRun(t.Context(), newRun("run-1")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.GetRun(t.Context(), "run-1"); err == nil {
		t.Errorf("a run created through prefix a_ is visible without a prefix")
	}
	var n int
	if err := db.Pool.QueryRow(t.Context(), "SELECT count(*) FROM "+db.Schema+".a_runs").Scan(&n); err != nil || n != 1 {
		t.Errorf("count of %s.a_runs = %d, %v; want 1", db.Schema, n, err)
	}
}

func TestOptionsRejected(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string][]Option{
		"upper-case schema":  {WithSchema("Public")},
		"quoted schema":      {WithSchema(`"x"; DROP TABLE y`)},
		"empty schema":       {WithSchema("")},
		"prefix with a dash": {WithTablePrefix("wf-")},
		"prefix too long":    {WithTablePrefix(strings.Repeat("p", 40))},
		"zero payload":       {WithMaxPayload(0)},
	} {
		if _, err := newConfig(opts); err == nil {
			t.Errorf("%s: newConfig accepted it", name)
		}
	}
}

// TestMigrationNames checks the SQL files against what the Go code assumes:
// only the two placeholders, and longestName is the longest name made.
func TestMigrationNames(t *testing.T) {
	t.Parallel()
	longest := ""
	for _, m := range migrations.Postgres() {
		if rest := regexp.MustCompile(`\{\{[^}]*\}\}`).ReplaceAllStringFunc(m.SQL, func(p string) string {
			if p == "{{schema}}" || p == "{{prefix}}" {
				return ""
			}
			t.Errorf("migration %d: unknown placeholder %s", m.Version, p)
			return ""
		}); rest == "" {
			t.Errorf("migration %d is empty", m.Version)
		}
		for _, match := range regexp.MustCompile(`\{\{prefix\}\}(\w+)`).FindAllStringSubmatch(m.SQL, -1) {
			if len(match[1]) > len(longest) {
				longest = match[1]
			}
		}
	}
	if longest != longestName {
		t.Errorf("longest prefixed name is %q, longestName is %q", longest, longestName)
	}
	if _, err := os.Stat("../../migrations/postgres"); err != nil {
		t.Errorf("migrations directory: %v", err)
	}
}
