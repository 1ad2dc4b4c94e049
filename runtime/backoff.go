package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wfgo/wf/store"
)

// Defaults of the drive backoff (Config.DriveRetryBase, DriveRetryMax).
const (
	defaultDriveRetryBase = time.Second
	defaultDriveRetryMax  = 5 * time.Minute
)

// DriveError reports a drive that failed for a reason other than a lost
// lease or a conflict (the store refused the commit, the log could not be
// read, a checkpoint failed): the run was left to back off, and recovery
// drives it again at RetryAt at the earliest.
type DriveError struct {
	RunID string
	// Failures counts the run's consecutive failed drives, this one
	// included.
	Failures int
	// RetryAt is the earliest time a sweep recovers the run.
	RetryAt time.Time
	// Err is why the drive failed.
	Err error
}

func (e *DriveError) Error() string {
	return fmt.Sprintf("runtime: drive run %s failed (%d in a row; retry at %s): %v",
		e.RunID, e.Failures, e.RetryAt.Format(time.RFC3339), e.Err)
}

func (e *DriveError) Unwrap() error { return e.Err }

// FailedDrive is a run whose drive failed during a sweep and that now backs
// off.
type FailedDrive struct {
	RunID    string    `json:"runId"`
	Failures int       `json:"failures"`
	RetryAt  time.Time `json:"retryAt"`
	Error    string    `json:"error"`
}

// driveRetryDelay is the backoff after the n-th consecutive failed drive:
// base, 2×base, 4×base, …, at most max.
func (rt *Runtime) driveRetryDelay(failures int) time.Duration {
	d := rt.driveRetryBase
	for i := 1; i < failures && d < rt.driveRetryMax; i++ {
		d *= 2
	}
	return min(d, rt.driveRetryMax)
}

// driveFailed gives up owner's lease on a run whose drive failed with err:
// the run backs off, unless the caller's context ended (the caller gave
// up, not the run).
func (rt *Runtime) driveFailed(run store.Run, owner string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		rt.release(run.ID, owner)
		return err
	}
	return rt.backOff(run, owner, err)
}

// backOff gives up owner's lease on a run whose drive failed with cause,
// recording the failure so that recovery waits before the next attempt.
// It returns the error the caller reports: a *DriveError when the backoff
// was recorded.
func (rt *Runtime) backOff(run store.Run, owner string, cause error) error {
	failures := run.DriveFailures + 1
	retryAt := rt.clock().Add(rt.driveRetryDelay(failures))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rt.store.BackOffRun(ctx, run.ID, owner, retryAt); err != nil {
		if !errors.Is(err, store.ErrLeaseLost) {
			rt.logger.Warn("runtime: record failed drive", "run", run.ID, "err", err)
			rt.release(run.ID, owner)
		}
		return cause
	}
	rt.logger.Warn("runtime: drive failed; run backs off", "run", run.ID, "failures", failures, "retryAt", retryAt, "err", cause)
	return &DriveError{RunID: run.ID, Failures: failures, RetryAt: retryAt, Err: cause}
}

// backingOff reports whether run waits, after failed drives, for a later
// attempt.
func backingOff(run store.Run, now time.Time) bool {
	return run.DriveRetryAt != nil && run.DriveRetryAt.After(now)
}

// KindBackingOff: a sweep left the run alone because its drives keep
// failing and its next attempt time has not come.
const KindBackingOff ResultKind = "backing-off"
