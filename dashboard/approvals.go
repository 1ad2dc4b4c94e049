package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// pendingApproval is one approval a paused run waits for.
type pendingApproval struct {
	Run   store.Run
	Await wf.Await
	// Title and Description come from the run's APPROVAL_REQUESTED event.
	Title, Description string
	RequestedAt        time.Time
}

type approvalsData struct {
	Approvals []pendingApproval
	// Partial is set when ScanLimit stopped the search, or more than
	// approvalsShown approvals wait.
	Partial bool
}

// approvalsShown bounds the approvals page: each one shown reads its run's
// log for the request's title and description.
const approvalsShown = 100

func (d *dashboard) approvalsPage(w http.ResponseWriter, r *http.Request) {
	var found []pendingApproval
	partial, err := d.scanRuns(r.Context(), store.ListQuery{Status: wf.StatusPaused}, func(run store.Run) {
		for _, a := range run.Awaiting {
			if a.Kind == wf.AwaitApproval {
				found = append(found, pendingApproval{Run: run, Await: a, RequestedAt: run.UpdatedAt})
			}
		}
	})
	if len(found) > approvalsShown {
		found, partial = found[:approvalsShown], true
	}
	if err == nil {
		err = d.describeApprovals(r.Context(), found)
	}
	if err != nil {
		d.internal(w, r, err)
		return
	}
	d.render(w, r, http.StatusOK, "approvals", page{Title: "Approvals", Nav: "approvals", Refresh: d.refresh(r),
		Data: approvalsData{Approvals: found, Partial: partial}})
}

// describeApprovals fills in each approval's title and description from its
// request event, reading each run's log once.
func (d *dashboard) describeApprovals(ctx context.Context, found []pendingApproval) error {
	for i := range found {
		tl, err := d.cfg.Runtime.Timeline(ctx, found[i].Run.ID)
		if err != nil {
			return err
		}
		for _, ev := range tl.Events {
			if ev.Type == wf.ApprovalRequested && ev.StepID == found[i].Await.StepID {
				found[i].Title, found[i].Description, found[i].RequestedAt = ev.Title, ev.Description, ev.Time
			}
		}
	}
	return nil
}

// decide delivers an approval decision from the approve and reject buttons.
func (d *dashboard) decide(w http.ResponseWriter, r *http.Request) {
	runID, approvalID := r.PathValue("runID"), r.PathValue("approvalID")
	var approved bool
	switch r.PostFormValue("decision") {
	case "approve":
		approved = true
	case "reject":
	default:
		d.fail(w, r, http.StatusBadRequest, `The form must say decision "approve" or "reject".`)
		return
	}
	res, err := d.cfg.Runtime.DeliverApproval(r.Context(), runtime.ApprovalDecision{
		RunID: runID, ApprovalID: approvalID, Approved: approved, Feedback: r.PostFormValue("feedback"),
		Meta: map[string]string{"via": "dashboard"}, Deadline: d.cfg.Clock().Add(d.cfg.DriveBudget),
	})
	if err != nil {
		d.actionError(w, r, err)
		return
	}
	verb := map[bool]string{true: "Approved", false: "Rejected"}[approved]
	d.done(w, r, runID, res, fmt.Sprintf("%s %s", verb, approvalID))
}

func (d *dashboard) cancel(w http.ResponseWriter, r *http.Request) {
	runID := r.PathValue("runID")
	reason := r.PostFormValue("reason")
	if reason == "" {
		reason = "canceled from the dashboard"
	}
	res, err := d.cfg.Runtime.Cancel(r.Context(), runID, reason)
	if err != nil {
		d.actionError(w, r, err)
		return
	}
	d.done(w, r, runID, res, "Cancel")
}

// done redirects to the run's page with what the action did.
func (d *dashboard) done(w http.ResponseWriter, r *http.Request, runID string, res runtime.Result, what string) {
	if res.Kind == runtime.KindNotFound {
		d.fail(w, r, http.StatusNotFound, "No run "+runID+".")
		return
	}
	flash := what + ": " + string(res.Kind)
	if res.Code != "" {
		flash += " (" + string(res.Code) + ")"
	}
	http.Redirect(w, r, d.base+"runs/"+url.PathEscape(runID)+"?flash="+url.QueryEscape(flash), http.StatusSeeOther)
}

// actionError shows a refused action's reason (validation, unknown
// approval) as a 400, and logs the rest.
func (d *dashboard) actionError(w http.ResponseWriter, r *http.Request, err error) {
	var ve *wf.ValidationError
	if errors.As(err, &ve) {
		d.fail(w, r, http.StatusUnprocessableEntity, ve.Error())
		return
	}
	if isRefusal(err) {
		d.fail(w, r, http.StatusBadRequest, err.Error())
		return
	}
	d.internal(w, r, err)
}

// isRefusal reports whether the runtime refused the request itself, so
// that its message is for the operator, not the log.
func isRefusal(err error) bool {
	for _, refusal := range []error{store.ErrTooLarge, runtime.ErrInvalidID, runtime.ErrUnknownApproval,
		runtime.ErrUnknownWorkflow, runtime.ErrUnknownSignal, runtime.ErrNotEnded, runtime.ErrNotRetryable,
		runtime.ErrUnknownSchedule, runtime.ErrSchedulePaused} {
		if errors.Is(err, refusal) {
			return true
		}
	}
	return false
}
