package host

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// ResultJSON is a runtime.Result on the wire.
type ResultJSON struct {
	Kind       runtime.ResultKind `json:"kind"`
	Existing   bool               `json:"existing,omitempty"`
	Code       wf.ErrorCode       `json:"code,omitempty"`
	EventCount int                `json:"eventCount"`
	Run        *RunJSON           `json:"run,omitempty"`
}

// NewResultJSON converts a result for the wire. KindNotClaimable is shown
// as KindAccepted: to a sender both mean that the delivery is stored and
// will be applied.
func NewResultJSON(res runtime.Result) ResultJSON {
	kind := res.Kind
	if kind == runtime.KindNotClaimable {
		kind = runtime.KindAccepted
	}
	out := ResultJSON{Kind: kind, Existing: res.Existing, Code: res.Code, EventCount: res.EventCount}
	if res.Run.ID != "" {
		r := NewRunJSON(res.Run)
		out.Run = &r
	}
	return out
}

// RunJSON is a run's state on the wire.
type RunJSON struct {
	ID         string          `json:"id"`
	WorkflowID string          `json:"workflowId"`
	Version    string          `json:"version"`
	Status     wf.RunStatus    `json:"status"`
	Output     json.RawMessage `json:"output,omitempty"`
	Error      *wf.ErrorInfo   `json:"error,omitempty"`
	Awaiting   []wf.Await      `json:"awaiting,omitempty"`
	WakeAt     *time.Time      `json:"wakeAt,omitempty"`
	CreatedAt  time.Time       `json:"createdAt"`
	UpdatedAt  time.Time       `json:"updatedAt"`
	// Queue is the queue the run was started on; AdmittedAt is absent
	// while the run waits on it.
	Queue        string     `json:"queue,omitempty"`
	PartitionKey string     `json:"partitionKey,omitempty"`
	AdmittedAt   *time.Time `json:"admittedAt,omitempty"`
}

// NewRunJSON converts a run for the wire.
func NewRunJSON(r store.Run) RunJSON {
	return RunJSON{ID: r.ID, WorkflowID: r.WorkflowID, Version: r.Version, Status: r.Status, Output: r.Output,
		Error: r.Error, Awaiting: r.Awaiting, WakeAt: r.WakeAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Queue: r.Queue, PartitionKey: r.PartitionKey, AdmittedAt: r.AdmittedAt}
}

// WriteJSON writes v as a JSON response.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError writes {"ok":false,"code":code,"error":msg,"message":msg,
// "issues":…}: the shape of every failure of the ingress API ("message"
// repeats "error" for clients that look for either). msg is shown to the
// caller: it must not carry internal details (store errors, event
// indexes).
func WriteError(w http.ResponseWriter, status int, code, msg string, issues []wf.ValidationIssue) {
	var extra map[string]any
	if len(issues) > 0 {
		extra = map[string]any{"issues": issues}
	}
	writeFailure(w, status, code, msg, extra)
}

func writeFailure(w http.ResponseWriter, status int, code, msg string, extra map[string]any) {
	body := map[string]any{"ok": false, "code": code, "error": msg, "message": msg}
	for k, v := range extra {
		body[k] = v
	}
	WriteJSON(w, status, body)
}
