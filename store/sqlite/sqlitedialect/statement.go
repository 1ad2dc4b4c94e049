package sqlitedialect

import (
	"context"
	"errors"
)

// Statement is one SQL statement of a batch.
type Statement struct {
	// SQL is the statement text. Parameters are numbered: ?1, ?2, ….
	SQL string
	// Args are the parameter values, each nil, int64 or string. Times are
	// unix microseconds, booleans 0 or 1, JSON values text.
	Args []any
	// Query reports that the statement returns rows (a SELECT, or a write
	// with RETURNING): the executor collects Result.Rows instead of
	// Result.RowsAffected.
	Query bool
	// Check, when set, judges the statement's result; an error means the
	// batch has failed. Every later statement of the batch is written so
	// that it changes nothing in that case, so an executor may stop and
	// roll back, or run the rest and commit (a D1 batch does).
	Check func(Result) error
}

// Result is what one statement reported.
type Result struct {
	// RowsAffected counts the rows an INSERT, UPDATE or DELETE without
	// RETURNING changed.
	RowsAffected int64
	// Rows are the rows the statement returned (Query statements only), each
	// one value per column in the statement's column order: nil, int64,
	// float64, string or []byte. No statement returns two columns of one
	// name, so rows that come keyed by column name (a D1 batch result) can
	// be read in key order.
	Rows [][]any
}

// Executor runs batches of statements against a database that speaks this
// dialect. The sqlite package implements it over database/sql; the
// Cloudflare host implements it over a D1 binding.
type Executor interface {
	// Write runs stmts in order as one atomic unit and returns one Result
	// per statement: on any error nothing is applied. An executor that runs
	// statements one by one may call each Check as it goes and, on the first
	// error, roll back and return that error unchanged. A database error is
	// returned with SQLite's message ("UNIQUE constraint failed: …" is how
	// the store recognises a lost compare-and-swap).
	Write(ctx context.Context, stmts []Statement) ([]Result, error)
	// Read runs read-only stmts against one consistent snapshot of the
	// database, without taking its write lock, and returns one Result per
	// statement.
	Read(ctx context.Context, stmts []Statement) ([]Result, error)
}

// checkError marks an error returned by a Statement.Check, so that the
// store returns it as it is instead of wrapping it as a database failure.
type checkError struct{ err error }

func (e *checkError) Error() string { return e.err.Error() }
func (e *checkError) Unwrap() error { return e.err }

// failed returns a Check error: err (which names the run and the reason).
func failed(err error) error { return &checkError{err: err} }

// runChecks applies the batch's checks to its results in order and returns
// the first error.
func runChecks(stmts []Statement, res []Result) error {
	if len(res) != len(stmts) {
		return errors.New("sqlite: executor returned a result count that does not match the batch")
	}
	for i, st := range stmts {
		if st.Check == nil {
			continue
		}
		if err := st.Check(res[i]); err != nil {
			return err
		}
	}
	return nil
}
