package dashboard

import (
	"context"
	"net/http"
	"strconv"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// queueRow is one declared queue with its runs counted.
type queueRow struct {
	runtime.Queue
	// Waiting counts the runs that wait for a slot; InProgress those
	// admitted and not ended. Each ends in "+" past CountLimit.
	Waiting, InProgress string
}

// queuesPage lists the declared queues with how many of their runs wait
// and how many are in progress.
func (d *dashboard) queuesPage(w http.ResponseWriter, r *http.Request) {
	var rows []queueRow
	for _, q := range d.cfg.Runtime.Queues() {
		row, err := d.queueRow(r.Context(), q)
		if err != nil {
			d.internal(w, r, err)
			return
		}
		rows = append(rows, row)
	}
	d.render(w, r, http.StatusOK, "queues", page{Title: "Queues", Nav: "queues", Refresh: d.refresh(r), Data: rows})
}

// queueRow counts a queue's live runs, up to CountLimit: ended runs are
// not read, since a queue's history grows without bound.
func (d *dashboard) queueRow(ctx context.Context, q runtime.Queue) (queueRow, error) {
	row := queueRow{Queue: q}
	waiting, inProgress, over := 0, 0, false
	for _, st := range []wf.RunStatus{wf.StatusQueued, wf.StatusRunning, wf.StatusPaused} {
		_, more, err := d.countRuns(ctx, store.ListQuery{Queue: q.Name, Status: st}, max(d.cfg.CountLimit, 1), func(run store.Run) {
			switch {
			case run.Waiting():
				waiting++
			case run.AdmittedAt != nil:
				inProgress++
			}
		})
		if err != nil {
			return row, err
		}
		over = over || more
	}
	row.Waiting, row.InProgress = strconv.Itoa(waiting), strconv.Itoa(inProgress)
	if over {
		row.Waiting += "+"
		row.InProgress += "+"
	}
	return row, nil
}
