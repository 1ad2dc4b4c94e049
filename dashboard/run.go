package dashboard

import (
	"errors"
	"net/http"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

type runData struct {
	Run        store.Run
	Input      Payload
	Output     Payload
	Timeline   []timelineRow
	Deliveries []deliveryRow
	// Children are the runs this one started, newest first, at most
	// runtime.MaxTimelineChildren; MoreChildren is set when there are more.
	Children     []store.Run
	MoreChildren bool
	// Duration is from creation to the last event (or to now while live).
	Duration time.Duration
}

// timelineRow is one event of a run's log as the run page shows it.
type timelineRow struct {
	Index int
	Event wf.Event
	// Since is the time since the previous event (since the run was
	// created, for the first): for a step, how long it ran.
	Since time.Duration
	// Waited, for a resolution, is how long its wait lasted.
	Waited time.Duration
	// Value is the event's result, payload, value or output.
	Value Payload
}

// deliveryRow is a stored delivery and what became of it.
type deliveryRow struct {
	Delivery wf.Delivery
	Payload  Payload
	// State is "consumed" (a resolution in the log), "kept" (buffered for
	// a wait the run has not reached; on an ended run, never consumed) or
	// "pending" (stored, the run not yet driven since).
	State string
}

func (d *dashboard) runPage(w http.ResponseWriter, r *http.Request) {
	// The store's execution read gives the deliveries too; Timeline has
	// only the log.
	ex, err := d.cfg.Runtime.Store().LoadExecution(r.Context(), r.PathValue("runID"))
	if errors.Is(err, store.ErrNotFound) {
		d.fail(w, r, http.StatusNotFound, "No run "+r.PathValue("runID")+".")
		return
	}
	if err != nil {
		d.internal(w, r, err)
		return
	}
	children, err := d.cfg.Runtime.ListRuns(r.Context(), store.ListQuery{ParentRunID: ex.Run.ID, Limit: runtime.MaxTimelineChildren})
	if err != nil {
		d.internal(w, r, err)
		return
	}
	data := runData{Run: ex.Run, Input: d.payload(ex.Run.Input), Output: d.payload(ex.Run.Output),
		Timeline: d.timeline(ex.Run, ex.Events), Deliveries: d.deliveries(ex),
		Children: children.Runs, MoreChildren: children.Next != ""}
	end := d.cfg.Clock()
	if ex.Run.Status.Terminal() {
		end = ex.Run.UpdatedAt
	}
	data.Duration = end.Sub(ex.Run.CreatedAt)
	refresh := 0
	if !ex.Run.Status.Terminal() {
		refresh = d.refresh(r)
	}
	d.render(w, r, http.StatusOK, "run", page{Title: "Run " + ex.Run.ID, Nav: "runs", Refresh: refresh, Data: data})
}

func (d *dashboard) timeline(run store.Run, events []wf.Event) []timelineRow {
	rows := make([]timelineRow, len(events))
	waitStart := map[string]time.Time{}
	prev := run.CreatedAt
	for i, ev := range events {
		row := timelineRow{Index: i, Event: ev, Since: ev.Time.Sub(prev)}
		switch ev.Type {
		case wf.SignalAwaited, wf.ApprovalRequested:
			waitStart[ev.StepID] = ev.Time
		case wf.SignalResolved, wf.ApprovalResolved:
			if t, ok := waitStart[ev.StepID]; ok {
				row.Waited = ev.Time.Sub(t)
			}
		}
		row.Value = d.payload(eventValue(ev))
		rows[i] = row
		prev = ev.Time
	}
	return rows
}

func eventValue(ev wf.Event) []byte {
	switch {
	case len(ev.Result) > 0:
		return ev.Result
	case len(ev.Payload) > 0:
		return ev.Payload
	case len(ev.Value) > 0:
		return ev.Value
	}
	return ev.Output
}

func (d *dashboard) deliveries(ex store.Execution) []deliveryRow {
	consumed := map[string]bool{}
	for _, ev := range ex.Events {
		switch {
		case ev.Type == wf.SignalResolved && ev.SignalID != "":
			consumed[ev.SignalID] = true
		case ev.Type == wf.ApprovalResolved:
			// An approval's delivery is keyed by its approval ID (see
			// runtime.DeliverApproval); the event does not repeat it.
			consumed["approval:"+ev.ApprovalID] = true
		}
	}
	kept := map[string]bool{}
	for _, id := range ex.Run.Buffered {
		kept[id] = true
	}
	rows := make([]deliveryRow, len(ex.Deliveries))
	for i, dl := range ex.Deliveries {
		state := "pending"
		switch {
		case consumed[dl.SignalID]:
			state = "consumed"
		case kept[dl.SignalID]:
			state = "kept"
		}
		rows[i] = deliveryRow{Delivery: dl, Payload: d.payload(dl.Payload), State: state}
	}
	return rows
}
