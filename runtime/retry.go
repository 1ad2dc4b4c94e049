package runtime

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// Errors of Retry and Fork; test with errors.Is.
var (
	// ErrNotEnded: the run is still live (running, paused or queued);
	// only an ended run can be retried or forked.
	ErrNotEnded = errors.New("runtime: run has not ended")
	// ErrNotRetryable: the run finished; only an errored, canceled or
	// aborted run can be retried (fork a finished run instead).
	ErrNotRetryable = errors.New("runtime: run finished and cannot be retried")
	// ErrUnknownStep: Fork's step is not in the run's log.
	ErrUnknownStep = errors.New("runtime: no such step in the run's log")
)

// ActionOption records who asked for a Retry or a Fork, and why: it sets
// the Meta of the marker event written to the run's log.
type ActionOption func(meta map[string]string)

// RequestedBy records who asked (an operator, a service).
func RequestedBy(who string) ActionOption { return func(m map[string]string) { m["by"] = who } }

// Because records why.
func Because(why string) ActionOption { return func(m map[string]string) { m["reason"] = why } }

// WithMeta records any other key and value.
func WithMeta(key, value string) ActionOption { return func(m map[string]string) { m[key] = value } }

func actionMeta(opts []ActionOption) map[string]string {
	if len(opts) == 0 {
		return nil
	}
	m := map[string]string{}
	for _, o := range opts {
		o(m)
	}
	return m
}

// Retry resumes an errored, canceled or aborted run from its last
// recorded durable operation, on the version it started on. It appends a
// RUN_RETRIED marker (who and why from opts) after the run's terminal
// event: replay then ignores that terminal event and, when the run ended
// on a failed step (its STEP_FAILED is the last event before the end),
// that step's failure, so the step runs again with a fresh attempt budget;
// every other recorded result is kept. Then the run is
// driven as DeliverSignal would; a run on a queue waits on it again, and
// is driven at once only when the queue has room for it (else KindQueued,
// and a sweep admits it), as StartRun does.
//
// Retry is idempotent: a run already resumed by a Retry and not ended
// since is KindDuplicate, and so is a finished run that a Retry resumed.
// A live run never retried is ErrNotEnded; a finished one,
// ErrNotRetryable. A missing run is KindNotFound.
func (rt *Runtime) Retry(ctx context.Context, runID string, opts ...ActionOption) (Result, error) {
	for range 3 {
		ex, err := rt.store.LoadExecution(ctx, runID)
		if errors.Is(err, store.ErrNotFound) {
			return Result{Kind: KindNotFound}, nil
		}
		if err != nil {
			return Result{}, fmt.Errorf("runtime: retry run %s: %w", runID, err)
		}
		if res, done, err := retryRefusal(ex); done {
			return res, err
		}
		err = rt.store.ReopenRun(ctx, runID, store.Reopen{
			Next:   len(ex.Events),
			Events: []wf.Event{retryMarker(ex, rt.clock(), actionMeta(opts))},
			Drop:   cancelRequests(ex),
			Now:    rt.clock(),
		})
		if errors.Is(err, store.ErrConflict) {
			continue // another retry or writer got ahead: look again
		}
		if err != nil {
			return Result{}, fmt.Errorf("runtime: retry run %s: %w", runID, err)
		}
		rt.logger.Info("runtime: run retried", "run", runID, "step", lastFailedStep(ex))
		return rt.claimAndDrive(ctx, runID, driveOptions{deadline: deadlineOr(ctx, time.Time{})})
	}
	return Result{}, fmt.Errorf("runtime: retry run %s: the run kept changing: %w", runID, store.ErrConflict)
}

// retryRefusal answers a Retry that must not reopen the run.
func retryRefusal(ex store.Execution) (Result, bool, error) {
	run := ex.Run
	retried := slices.ContainsFunc(ex.Events, func(ev wf.Event) bool { return ev.Type == wf.RunRetried })
	switch {
	case retried && (run.Status == wf.StatusFinished || !run.Status.Terminal()):
		// An earlier Retry resumed the run; it has not failed since.
		return Result{Kind: KindDuplicate, Run: run}, true, nil
	case run.Status == wf.StatusFinished:
		return Result{}, true, fmt.Errorf("%w: run %s", ErrNotRetryable, run.ID)
	case !run.Status.Terminal():
		return Result{}, true, fmt.Errorf("%w: run %s is %s", ErrNotEnded, run.ID, run.Status)
	}
	return Result{}, false, nil
}

// retryMarker is the RUN_RETRIED event that reopens ex's run.
func retryMarker(ex store.Execution, now time.Time, meta map[string]string) wf.Event {
	ev := wf.Event{Type: wf.RunRetried, Time: now, RunID: ex.Run.ID, Meta: meta}
	if ex.Run.Status == wf.StatusErrored {
		ev.StepID = lastFailedStep(ex)
	}
	return ev
}

// lastFailedStep returns the step whose failure ended the run: the one
// whose STEP_FAILED is the last event before the terminal one. A run that
// did durable work after a step failed (a compensation) ended on its own
// terms, and no step runs again.
func lastFailedStep(ex store.Execution) string {
	n := len(ex.Events)
	if n < 2 || !ex.Events[n-1].Type.Terminal() || ex.Events[n-2].Type != wf.StepFailed {
		return ""
	}
	return ex.Events[n-2].StepID
}

// cancelRequests lists the stored cancellation requests of a run, which
// a retry drops so that the resumed run is not canceled again.
func cancelRequests(ex store.Execution) []string {
	var ids []string
	for _, d := range ex.Deliveries {
		if d.StepID == cancelStep {
			ids = append(ids, d.SignalID)
		}
	}
	return ids
}
