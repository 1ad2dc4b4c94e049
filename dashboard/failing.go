package dashboard

import (
	"context"
	"net/http"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

type failingData struct {
	// Parked are runs waiting for a build that registers their workflow
	// version; they resume by themselves once one runs.
	Parked []store.Run
	// BackingOff are live runs whose drives fail: recovery retries them
	// after DriveRetryAt.
	BackingOff []store.Run
	// Errored are runs that ended with an error; Retry resumes them.
	Errored []store.Run
	// Partial is set when ScanLimit stopped a search.
	Partial bool
}

func (d *dashboard) failingPage(w http.ResponseWriter, r *http.Request) {
	var data failingData
	failing := func(run store.Run) {
		if run.DriveFailures > 0 {
			data.BackingOff = append(data.BackingOff, run)
		}
	}
	for _, st := range []wf.RunStatus{wf.StatusRunning, wf.StatusQueued} {
		partial, err := d.scanRuns(r.Context(), store.ListQuery{Status: st}, failing)
		if err != nil {
			d.internal(w, r, err)
			return
		}
		data.Partial = data.Partial || partial
	}
	for _, q := range []struct {
		query store.ListQuery
		into  *[]store.Run
	}{{store.ListQuery{Parked: true}, &data.Parked}, {store.ListQuery{Status: wf.StatusErrored}, &data.Errored}} {
		pg, err := d.cfg.Runtime.ListRuns(r.Context(), q.query)
		if err != nil {
			d.internal(w, r, err)
			return
		}
		*q.into = pg.Runs
	}
	d.render(w, r, http.StatusOK, "failing", page{Title: "Parked and failing runs", Nav: "failing", Refresh: d.refresh(r), Data: data})
}

// retry resumes an ended run (errored, canceled or aborted) from its last
// recorded operation.
func (d *dashboard) retry(w http.ResponseWriter, r *http.Request) {
	runID := r.PathValue("runID")
	opts := []runtime.ActionOption{runtime.RequestedBy("dashboard")}
	if reason := r.PostFormValue("reason"); reason != "" {
		opts = append(opts, runtime.Because(reason))
	}
	// Retry's drive is bounded by its context's deadline.
	ctx, cancel := context.WithTimeout(r.Context(), d.cfg.DriveBudget)
	defer cancel()
	res, err := d.cfg.Runtime.Retry(ctx, runID, opts...)
	if err != nil {
		d.actionError(w, r, err)
		return
	}
	d.done(w, r, runID, res, "Retry")
}

// retryable reports whether Retry may resume a run in this status.
func retryable(s wf.RunStatus) bool {
	return s == wf.StatusErrored || s == wf.StatusCanceled || s == wf.StatusAborted
}
