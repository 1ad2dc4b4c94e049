// Package pgtest gives tests a PostgreSQL connection pool and a fresh schema
// of their own, so that test packages running in parallel never see each
// other's tables.
//
// The database comes from DATABASE_URL, by default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable. When it cannot be
// reached the test is skipped with a loud "POSTGRES STORE NOT TESTED"
// message, also printed to stderr, unless CI=true, where it fails: CI must
// never pass without having run the Postgres tests.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultURL is the database used when DATABASE_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// URL returns DATABASE_URL, or DefaultURL when it is unset.
func URL() string {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// DB is a test's view of the database: a pool and a schema of its own that
// is dropped when the test ends.
type DB struct {
	// Pool is shared by all tests of the package; never close it.
	Pool *pgxpool.Pool
	// Schema is the test's own empty schema.
	Schema string
}

var shared struct {
	once sync.Once
	pool *pgxpool.Pool
	err  error
}

// New returns the package-wide pool and a fresh, empty schema that is
// dropped in t.Cleanup. It skips (or, under CI=true, fails) the test when
// PostgreSQL is unreachable.
func New(t testing.TB) *DB {
	t.Helper()
	shared.once.Do(func() {
		shared.pool, shared.err = connect(URL(), nil)
	})
	if shared.err != nil {
		Unavailable(t, shared.err)
	}
	return &DB{Pool: shared.pool, Schema: NewSchema(t, shared.pool)}
}

// NewPool opens a pool of the test's own with config applied to the parsed
// configuration (for example to choose a QueryExecMode), closed in
// t.Cleanup. It skips or fails like New when PostgreSQL is unreachable.
func NewPool(t testing.TB, config func(*pgxpool.Config)) *pgxpool.Pool {
	t.Helper()
	pool, err := connect(URL(), config)
	if err != nil {
		Unavailable(t, err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// NewSchema creates an empty schema with a random name and drops it, with
// everything in it, in t.Cleanup.
func NewSchema(t testing.TB, pool *pgxpool.Pool) string {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("pgtest: random schema name: %v", err)
	}
	schema := "wftest_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := pool.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("pgtest: create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := pool.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("pgtest: drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// Unavailable ends a test that needs PostgreSQL and cannot reach it: it
// fails under CI=true and otherwise skips, saying so loudly on stderr too.
func Unavailable(t testing.TB, err error) {
	t.Helper()
	msg := fmt.Sprintf("POSTGRES STORE NOT TESTED: cannot reach %s: %v", redact(URL()), err)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
		return
	}
	fmt.Fprintln(os.Stderr, msg)
	t.Skip(msg)
}

func connect(url string, config func(*pgxpool.Config)) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	if config != nil {
		config(cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

// redact hides a password in a connection URL for messages.
func redact(url string) string {
	cfg, err := pgx.ParseConfig(url)
	if err != nil || cfg.Password == "" {
		return url
	}
	return fmt.Sprintf("postgres://%s:***@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}
