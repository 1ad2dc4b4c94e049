package postgres

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wfgo/wf"
)

func TestRetry(t *testing.T) {
	t.Parallel()
	serialization := &pgconn.PgError{Code: codeSerializationFailure}
	other := errors.New("boom")
	for _, tc := range []struct {
		name      string
		errs      []error // what each attempt returns; nil after the list
		wantCalls int
		wantErr   error
	}{
		{"success", nil, 1, nil},
		{"serialization failures then success", []error{serialization, serialization}, 3, nil},
		{"deadlock then success", []error{&pgconn.PgError{Code: codeDeadlockDetected}}, 2, nil},
		{"other error is not retried", []error{other}, 1, other},
		{"gives up", repeat(serialization, maxAttempts+1), maxAttempts, serialization},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			calls := 0
			err := retry(t.Context(), func(context.Context) error {
				calls++
				if calls <= len(tc.errs) {
					return tc.errs[calls-1]
				}
				return nil
			})
			if calls != tc.wantCalls || !errors.Is(err, tc.wantErr) {
				t.Errorf("retry: %d calls, error %v; want %d calls, error %v", calls, err, tc.wantCalls, tc.wantErr)
			}
		})
	}
}

func TestRetryStopsWhenCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	calls := 0
	err := retry(ctx, func(context.Context) error {
		calls++
		cancel()
		return &pgconn.PgError{Code: codeSerializationFailure}
	})
	if calls != 1 || sqlState(err) != codeSerializationFailure {
		t.Errorf("retry after cancel: %d calls, error %v; want 1 call and the last error", calls, err)
	}
}

func repeat(err error, n int) []error {
	errs := make([]error, n)
	for i := range errs {
		errs[i] = err
	}
	return errs
}

// TestTerminalStatuses keeps the SQL's terminal list in step with
// wf.RunStatus.Terminal.
func TestTerminalStatuses(t *testing.T) {
	t.Parallel()
	all := []wf.RunStatus{wf.StatusQueued, wf.StatusRunning, wf.StatusPaused, wf.StatusFinished,
		wf.StatusErrored, wf.StatusAborted, wf.StatusCanceled}
	var want []wf.RunStatus
	for _, s := range all {
		if s.Terminal() {
			want = append(want, s)
		}
	}
	if got, want := sqlList(terminalStatuses), sqlList(want); got != want {
		t.Errorf("terminal statuses in SQL = %s, want %s", got, want)
	}
}
