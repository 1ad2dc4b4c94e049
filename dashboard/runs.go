package dashboard

import (
	"context"
	"net/http"
	"strconv"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// statuses are the run statuses in the order the runs page counts them.
var statuses = []wf.RunStatus{wf.StatusQueued, wf.StatusRunning, wf.StatusPaused,
	wf.StatusFinished, wf.StatusErrored, wf.StatusAborted, wf.StatusCanceled}

type runsData struct {
	Workflow string
	Queue    string
	Status   string
	// Parent, when set, keeps the children of that run.
	Parent   string
	Statuses []wf.RunStatus
	Counts   []statusCount
	Runs     []store.Run
	Next     string
	// Cursor is this page's cursor ("" on the first page).
	Cursor string
	Limit  int
}

type statusCount struct {
	Status wf.RunStatus
	Count  string
}

func (d *dashboard) runsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	data := runsData{Workflow: q.Get("workflow"), Queue: q.Get("queue"), Status: q.Get("status"), Parent: q.Get("parent"), Cursor: q.Get("cursor"),
		Statuses: statuses, Limit: store.DefaultListLimit}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		data.Limit = min(n, 500)
	}
	if data.Status != "" && !knownStatus(data.Status) {
		d.fail(w, r, http.StatusBadRequest, "Unknown status "+strconv.Quote(data.Status)+".")
		return
	}
	pg, err := d.cfg.Runtime.ListRuns(r.Context(), store.ListQuery{WorkflowID: data.Workflow, Queue: data.Queue,
		Status: wf.RunStatus(data.Status), ParentRunID: data.Parent, Limit: data.Limit, Cursor: data.Cursor})
	if err != nil {
		if data.Cursor != "" {
			d.fail(w, r, http.StatusBadRequest, "Bad page cursor: "+err.Error())
			return
		}
		d.internal(w, r, err)
		return
	}
	data.Runs, data.Next = pg.Runs, pg.Next
	// The counts are of all runs: a parent's children are listed
	// without them.
	if data.Parent == "" {
		if data.Counts, err = d.countStatuses(r.Context(), data.Workflow, data.Queue); err != nil {
			d.internal(w, r, err)
			return
		}
	}
	d.render(w, r, http.StatusOK, "runs", page{Title: "Runs", Nav: "runs", Refresh: d.refresh(r), Data: data})
}

func knownStatus(s string) bool {
	for _, st := range statuses {
		if string(st) == s {
			return true
		}
	}
	return false
}

// countStatuses counts each status's runs up to CountLimit, reading pages
// of ListRuns: the store has no count, and a bounded read keeps the page
// fast however many runs are stored. When all runs fit in CountLimit one
// read counts every status; otherwise each status is counted on its own.
func (d *dashboard) countStatuses(ctx context.Context, workflowID, queue string) ([]statusCount, error) {
	if d.cfg.CountLimit < 0 {
		return nil, nil
	}
	all := map[wf.RunStatus]int{}
	_, more, err := d.countRuns(ctx, store.ListQuery{WorkflowID: workflowID, Queue: queue}, d.cfg.CountLimit, func(r store.Run) { all[r.Status]++ })
	if err != nil {
		return nil, err
	}
	out := make([]statusCount, 0, len(statuses))
	for _, st := range statuses {
		n, over := all[st], false
		if more {
			if n, over, err = d.countRuns(ctx, store.ListQuery{WorkflowID: workflowID, Queue: queue, Status: st}, d.cfg.CountLimit, nil); err != nil {
				return nil, err
			}
		}
		c := strconv.Itoa(n)
		if over {
			c += "+"
		}
		out = append(out, statusCount{Status: st, Count: c})
	}
	return out, nil
}

// countPage is the page size of the reads that count runs.
const countPage = 1000

// countRuns counts q's runs up to limit, calling each (when set) on every
// run read; more reports that runs remain past the limit.
func (d *dashboard) countRuns(ctx context.Context, q store.ListQuery, limit int, each func(store.Run)) (n int, more bool, err error) {
	q.Limit = min(limit, countPage)
	for {
		pg, err := d.cfg.Runtime.ListRuns(ctx, q)
		if err != nil {
			return 0, false, err
		}
		if each != nil {
			for _, r := range pg.Runs {
				each(r)
			}
		}
		n += len(pg.Runs)
		if pg.Next == "" {
			return n, false, nil
		}
		if n >= limit {
			return n, true, nil
		}
		q.Cursor, q.Limit = pg.Next, min(limit-n, countPage)
	}
}

// scanRuns calls keep on each run of q, newest first, up to ScanLimit runs
// read; it reports whether it stopped before the end.
func (d *dashboard) scanRuns(ctx context.Context, q store.ListQuery, keep func(store.Run)) (bool, error) {
	read := 0
	q.Limit = 500
	for {
		pg, err := d.cfg.Runtime.ListRuns(ctx, q)
		if err != nil {
			return false, err
		}
		for _, run := range pg.Runs {
			keep(run)
		}
		read += len(pg.Runs)
		if pg.Next == "" {
			return false, nil
		}
		if read >= d.cfg.ScanLimit {
			return true, nil
		}
		q.Cursor = pg.Next
	}
}
