package postgres

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// SQLSTATE codes the store branches on.
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeUndefinedTable       = "42P01"
	codeDuplicateTable       = "42P07"
	codeDuplicateSchema      = "42P06"
	codeDuplicateObject      = "42710"
)

// sqlState returns err's SQLSTATE, or "" when it is not a server error.
func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// uniqueViolationOn reports whether err is a unique violation of the named
// constraint.
func uniqueViolationOn(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == codeUniqueViolation && pgErr.ConstraintName == constraint
}

// retryable reports whether the server aborted the transaction in a way
// that a fresh attempt may not meet: a serialization failure (routine on
// CockroachDB and under SERIALIZABLE) or a deadlock. Nothing was written.
func retryable(err error) bool {
	switch sqlState(err) {
	case codeSerializationFailure, codeDeadlockDetected:
		return true
	}
	return false
}

// Retry bounds: enough to ride out a burst of contention among a handful
// of sweepers under SERIALIZABLE (at most about half a second of backoff
// in all), few enough that a stuck workload surfaces its error quickly.
const (
	maxAttempts  = 10
	firstBackoff = 2 * time.Millisecond
	maxBackoff   = 100 * time.Millisecond
)

// retry runs op until it succeeds, fails with an error that is not
// retryable, or has been tried maxAttempts times, sleeping a jittered,
// doubling, capped backoff between attempts. op must be one transaction (a
// statement or a batch), so that a retryable failure left nothing behind.
func retry(ctx context.Context, op func(context.Context) error) error {
	backoff := firstBackoff
	for attempt := 1; ; attempt++ {
		err := op(ctx)
		if err == nil || attempt == maxAttempts || !retryable(err) {
			return err
		}
		// Jitter keeps colliding writers from colliding again; it is not logic.
		t := time.NewTimer(backoff/2 + rand.N(backoff))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}
