package dashboard

import (
	"net/http"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

type failingData struct {
	// BackingOff are live runs whose drives fail: recovery retries them
	// after DriveRetryAt.
	BackingOff []store.Run
	// Errored are runs that ended with an error.
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
	pg, err := d.cfg.Runtime.ListRuns(r.Context(), store.ListQuery{Status: wf.StatusErrored})
	if err != nil {
		d.internal(w, r, err)
		return
	}
	data.Errored = pg.Runs
	d.render(w, r, http.StatusOK, "failing", page{Title: "Failing runs", Nav: "failing", Refresh: d.refresh(r), Data: data})
}
