package pgtest

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// recorder is a testing.TB that records how a test ended instead of
// ending it.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()           {}
func (r *recorder) Fatal(args ...any) { r.fatal = args[0].(string) }
func (r *recorder) Skip(args ...any)  { r.skip = args[0].(string) }

func TestUnavailable(t *testing.T) {
	// Not parallel: it sets environment variables.
	cause := errors.New("connection refused")
	for _, ci := range []string{"true", ""} {
		t.Setenv("CI", ci)
		t.Setenv("DATABASE_URL", "postgres://u:secret@db.invalid:5432/x")
		r := &recorder{TB: t}
		Unavailable(r, cause)
		got, other := r.skip, r.fatal
		if ci == "true" {
			got, other = r.fatal, r.skip
		}
		if !strings.HasPrefix(got, "POSTGRES STORE NOT TESTED: ") || !strings.Contains(got, "connection refused") || other != "" {
			t.Errorf("CI=%q: fatal %q, skip %q; want the loud message as %s", ci, r.fatal, r.skip, map[bool]string{true: "a failure", false: "a skip"}[ci == "true"])
		}
		if strings.Contains(got, "secret") {
			t.Errorf("CI=%q: message %q shows the password", ci, got)
		}
	}
}

func TestNewSchemaIsFreshAndDropped(t *testing.T) {
	t.Parallel()
	var schema string
	t.Run("use", func(t *testing.T) {
		db := New(t)
		schema = db.Schema
		var n int
		err := db.Pool.QueryRow(t.Context(), "SELECT count(*) FROM pg_tables WHERE schemaname = $1", schema).Scan(&n)
		if err != nil || n != 0 {
			t.Fatalf("tables in the new schema %s: %d, %v; want 0", schema, n, err)
		}
	})
	if schema == "" {
		t.Skip("no database")
	}
	var exists bool
	err := shared.pool.QueryRow(context.Background(), "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema).Scan(&exists)
	if err != nil || exists {
		t.Errorf("schema %s after its test: exists %v, %v; want dropped", schema, exists, err)
	}
}
