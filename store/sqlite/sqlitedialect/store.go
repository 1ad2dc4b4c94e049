package sqlitedialect

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/wfgo/wf/store"
)

// Store implements store.Store in this dialect over an Executor: it builds
// each method's statements, hands them to the executor as one batch, and
// reads the outcome from the statements' own results.
type Store struct {
	exec   Executor
	cfg    Config
	tables tables
	// expanded memoises SQL text with its table names filled in.
	expanded sync.Map // template string -> string
	inserts  sync.Map // insertKey -> expanded INSERT of events
	// leaseInserts are the lease-guarded INSERTs of 1 to
	// eventsPerStatement events, the ones every append uses.
	leaseInserts [eventsPerStatement + 1]string
	replacer     *strings.Replacer
}

var _ store.Store = (*Store)(nil)

// New returns a Store that runs its statements through exec. It does not
// touch the database: check its schema first with CheckSchema.
func New(exec Executor, cfg Config) (*Store, error) {
	if exec == nil {
		return nil, errors.New("sqlite: nil Executor")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	t := newTables(cfg.TablePrefix)
	s := &Store{exec: exec, cfg: cfg, tables: t, replacer: t.replacer()}
	for n := 1; n <= eventsPerStatement; n++ {
		s.leaseInserts[n] = s.insertEventsSQL(holdsLease, n)
	}
	return s, nil
}

// sql returns the template q with its {table} placeholders filled in.
func (s *Store) sql(q string) string {
	if v, ok := s.expanded.Load(q); ok {
		return v.(string)
	}
	x := s.replacer.Replace(q)
	s.expanded.Store(q, x)
	return x
}

// stmt is a statement from a template and its arguments.
func (s *Store) stmt(q string, args ...any) Statement {
	return Statement{SQL: s.sql(q), Args: args}
}

// query is a statement that returns rows.
func (s *Store) query(q string, args ...any) Statement {
	return Statement{SQL: s.sql(q), Args: args, Query: true}
}

// write runs stmts as one atomic batch and applies their checks. A failed
// check comes back as the check's error; a unique-key failure, which only an
// event taking a used log index can cause, as store.ErrConflict.
func (s *Store) write(ctx context.Context, what string, stmts []Statement) ([]Result, error) {
	return s.writeAs(ctx, func() string { return what }, stmts)
}

// writeAs is write with the batch's description made only for an error:
// a step's Append, the most frequent write, then formats nothing.
func (s *Store) writeAs(ctx context.Context, what func() string, stmts []Statement) ([]Result, error) {
	res, err := s.exec.Write(ctx, stmts)
	if err == nil {
		err = runChecks(stmts, res)
	}
	if err == nil {
		return res, nil
	}
	var ce *checkError
	if errors.As(err, &ce) {
		return nil, ce.err
	}
	if isUniqueViolation(err) {
		return nil, fmt.Errorf("sqlite: %s: %w (%v)", what(), store.ErrConflict, err)
	}
	return nil, fmt.Errorf("sqlite: %s: %w", what(), err)
}

// read runs read-only stmts against one snapshot.
func (s *Store) read(ctx context.Context, what string, stmts []Statement) ([]Result, error) {
	res, err := s.exec.Read(ctx, stmts)
	if err == nil && len(res) != len(stmts) {
		err = errors.New("executor returned a result count that does not match the batch")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return res, nil
}

// isUniqueViolation reports whether err is SQLite's unique or primary key
// constraint failure: by the extended result code of a driver error that
// has a Code() int method (modernc.org/sqlite), else by SQLite's message,
// which other drivers and D1 relay.
func isUniqueViolation(err error) bool {
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		switch coded.Code() {
		case 2067, 1555: // SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY
			return true
		}
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// MaxPayloadSize returns Config.MaxPayloadSize, in bytes
// (store.PayloadLimiter).
func (s *Store) MaxPayloadSize() int { return s.cfg.MaxPayloadSize }

var _ store.PayloadLimiter = (*Store)(nil)

// tooLarge reports a value over the payload limit.
func (s *Store) tooLarge(runID, what string, size int) error {
	return fmt.Errorf("sqlite: run %q: %s is %d bytes, over the %d-byte limit: %w",
		runID, what, size, s.cfg.MaxPayloadSize, store.ErrTooLarge)
}

// checkSize fails when a value is over the payload limit.
func (s *Store) checkSize(runID, what string, size int) error {
	if size > s.cfg.MaxPayloadSize {
		return s.tooLarge(runID, what, size)
	}
	return nil
}

// corrupt reports a stored value that does not decode.
func corrupt(runID, what string, err error) error {
	return fmt.Errorf("sqlite: run %q: %s: %w: %v", runID, what, store.ErrCorrupt, err)
}
