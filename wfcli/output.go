package wfcli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// emit writes v as JSON with -o json, or calls text with a table writer.
func (e *env) emit(v any, text func(w io.Writer)) error {
	if e.json() {
		enc := json.NewEncoder(e.cfg.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	tw := tabwriter.NewWriter(e.cfg.Stdout, 0, 4, 2, ' ', 0)
	text(tw)
	return tw.Flush()
}

// runView is a run as the CLI shows it.
type runView struct {
	ID         string          `json:"id"`
	WorkflowID string          `json:"workflowId"`
	Version    string          `json:"version"`
	Status     wf.RunStatus    `json:"status"`
	ScheduleID string          `json:"scheduleId,omitempty"`
	Awaiting   []wf.Await      `json:"awaiting,omitempty"`
	WakeAt     *time.Time      `json:"wakeAt,omitempty"`
	Input      json.RawMessage `json:"input,omitempty"`
	Output     json.RawMessage `json:"output,omitempty"`
	Error      *wf.ErrorInfo   `json:"error,omitempty"`
	Parked     *parkView       `json:"parked,omitempty"`
	Parent     *parentView     `json:"parent,omitempty"`
	LeaseOwner string          `json:"leaseOwner,omitempty"`
	CreatedAt  time.Time       `json:"createdAt"`
	UpdatedAt  time.Time       `json:"updatedAt"`
	// Queue, PartitionKey and Priority place a run on a queue; AdmittedAt
	// is when the queue admitted it (absent while it waits).
	Queue        string     `json:"queue,omitempty"`
	PartitionKey string     `json:"partitionKey,omitempty"`
	Priority     int        `json:"priority,omitempty"`
	AdmittedAt   *time.Time `json:"admittedAt,omitempty"`
}

// parkView says why a run is parked.
type parkView struct {
	Reason  wf.ErrorCode `json:"reason"`
	Version string       `json:"version"`
	Message string       `json:"message"`
	At      time.Time    `json:"at"`
}

func viewRun(r store.Run) runView {
	v := runView{ID: r.ID, WorkflowID: r.WorkflowID, Version: r.Version, Status: r.Status,
		ScheduleID: r.ScheduleID, Awaiting: r.Awaiting, WakeAt: utcPtr(r.WakeAt), Input: r.Input,
		Output: r.Output, Error: r.Error, LeaseOwner: r.LeaseOwner,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		Queue: r.Queue, PartitionKey: r.PartitionKey, Priority: r.Priority, AdmittedAt: utcPtr(r.AdmittedAt)}
	if p := r.Parked; p != nil {
		v.Parked = &parkView{Reason: p.Reason, Version: p.Version, Message: p.Message, At: p.At.UTC()}
	}
	v.Parent = viewParent(r.Parent)
	return v
}

// state is a run's status, marked when it is parked.
func (r runView) state() string {
	if r.Parked != nil {
		return string(r.Status) + " (parked)"
	}
	if r.waiting() {
		return string(r.Status) + " (waits on " + r.Queue + ")"
	}
	return string(r.Status)
}

// waiting reports whether the run waits on its queue, not admitted yet.
func (r runView) waiting() bool {
	return r.Queue != "" && r.AdmittedAt == nil && r.Status == wf.StatusQueued
}

// queueLine describes a run's place on its queue.
func (r runView) queueLine() string {
	s := r.Queue
	if r.PartitionKey != "" {
		s += ", partition " + r.PartitionKey
	}
	if r.Priority != 0 {
		s += fmt.Sprintf(", priority %d", r.Priority)
	}
	switch {
	case r.AdmittedAt != nil:
		s += ": admitted at " + stamp(*r.AdmittedAt)
	case r.waiting():
		s += ": waiting for a slot"
	default:
		s += ": never admitted"
	}
	return s
}

// resultView is what a call did to a run.
type resultView struct {
	Kind     runtime.ResultKind `json:"kind"`
	RunID    string             `json:"runId,omitempty"`
	Status   wf.RunStatus       `json:"status,omitempty"`
	Existing bool               `json:"existing,omitempty"`
	Code     wf.ErrorCode       `json:"code,omitempty"`
}

func viewResult(res runtime.Result) resultView {
	return resultView{Kind: res.Kind, RunID: res.Run.ID, Status: res.Run.Status, Existing: res.Existing, Code: res.Code}
}

// printResult prints a call's result; kinds that mean nothing was done
// become an error (exit status 1).
func (e *env) printResult(res runtime.Result, runID string) error {
	if res.Run.ID == "" {
		res.Run.ID = runID
	}
	if res.Kind == runtime.KindNotFound {
		return fmt.Errorf("%s: no run %q", e.name, runID)
	}
	v := viewResult(res)
	err := e.emit(v, func(w io.Writer) {
		fmt.Fprintf(w, "run %s: %s", v.RunID, v.Kind)
		if v.Status != "" && string(v.Status) != string(v.Kind) {
			fmt.Fprintf(w, " (status %s)", v.Status)
		}
		if v.Code != "" {
			fmt.Fprintf(w, " (%s)", v.Code)
		}
		fmt.Fprintln(w)
	})
	if err != nil {
		return err
	}
	if res.Kind == runtime.KindNotWaiting || res.Kind == runtime.KindLost {
		return fmt.Errorf("%s: run %s: %s", e.name, runID, res.Kind)
	}
	return nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// stamp formats an instant for tables.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.RFC3339)
}

// describeAwait says what a wait is for, in a few words.
func describeAwait(a wf.Await) string {
	var s string
	switch a.Kind {
	case wf.AwaitApproval:
		s = "approval " + a.ApprovalID
	case wf.AwaitSignal:
		s = "signal " + a.Name
	default:
		s = string(a.Kind)
	}
	if a.StepID != "" && a.StepID != a.ApprovalID {
		s += " (step " + a.StepID + ")"
	}
	if a.Deadline != nil {
		s += " until " + stamp(a.Deadline.UTC())
	}
	return s
}

func awaitSummary(as []wf.Await) string {
	if len(as) == 0 {
		return "-"
	}
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = describeAwait(a)
	}
	return strings.Join(parts, "; ")
}

// clip shortens a JSON value or message for a table cell.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
