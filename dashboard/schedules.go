package dashboard

import (
	"context"
	"net/http"
	"net/url"

	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// recentBuckets is how many past fire times the schedules page lists.
const recentBuckets = 5

type scheduleRow struct {
	runtime.ScheduleInfo
	Recent []store.Bucket
}

func (d *dashboard) schedulesPage(w http.ResponseWriter, r *http.Request) {
	list, err := d.cfg.Runtime.Schedules(r.Context())
	if err != nil {
		d.internal(w, r, err)
		return
	}
	rows := make([]scheduleRow, len(list))
	for i, s := range list {
		rows[i] = scheduleRow{ScheduleInfo: s}
		if rows[i].Recent, err = d.cfg.Runtime.Store().ListBuckets(r.Context(), s.ID, recentBuckets); err != nil {
			d.internal(w, r, err)
			return
		}
	}
	d.render(w, r, http.StatusOK, "schedules", page{Title: "Schedules", Nav: "schedules", Refresh: d.refresh(r), Data: rows})
}

// scheduleAction pauses, resumes or triggers a schedule, then shows the
// schedules page, or the run a trigger started.
func (d *dashboard) scheduleAction(w http.ResponseWriter, r *http.Request) {
	id, action := r.PathValue("scheduleID"), r.PathValue("action")
	var (
		res runtime.Result
		err error
	)
	switch action {
	case "pause":
		err = d.cfg.Runtime.PauseSchedule(r.Context(), id)
	case "resume":
		err = d.cfg.Runtime.ResumeSchedule(r.Context(), id)
	case "trigger":
		// The triggered run's drive is bounded by the context's deadline.
		ctx, cancel := context.WithTimeout(r.Context(), d.cfg.DriveBudget)
		defer cancel()
		res, err = d.cfg.Runtime.TriggerSchedule(ctx, id)
	default:
		d.fail(w, r, http.StatusNotFound, "No schedule action "+action+": pause, resume or trigger.")
		return
	}
	if err != nil {
		d.actionError(w, r, err)
		return
	}
	if res.Run.ID != "" {
		d.done(w, r, res.Run.ID, res, "Triggered "+id)
		return
	}
	flash := map[string]string{"pause": "Paused ", "resume": "Resumed ", "trigger": "Triggered "}[action] + id
	if res.Kind != "" {
		flash += ": " + string(res.Kind)
	}
	http.Redirect(w, r, d.base+"schedules?flash="+url.QueryEscape(flash), http.StatusSeeOther)
}
