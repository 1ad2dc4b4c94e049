package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// The export format's name and version. A reader refuses another name and
// a newer version; later versions only add fields.
const (
	HistoryFormat        = "wf.history"
	HistoryFormatVersion = 1
)

// History is a run exported with its whole log: what Export returns and
// what wftest.Replay reads back. Its JSON encoding is a stable format:
//
//	{
//	  "format": "wf.history", "formatVersion": 1,
//	  "runId": "…", "workflowId": "…", "version": "v1", "status": "paused",
//	  "input": {…}, "output": {…}, "error": {name, message, code, …},
//	  "createdAt": "…", "updatedAt": "…",
//	  "events": [ {"type": "STEP_FINISHED", "ts": "…", "stepId": "…", …}, … ],
//	  "deliveries": [ {"stepId": "…", "signalId": "…", "name": "…", "ts": "…", …}, … ]
//	}
//
// Events are in log order in their storage encoding (wf.Event); deliveries
// are the run's stored resolutions of waits, consumed or not. Output and
// error are present only when set.
type History struct {
	Format        string          `json:"format"`
	FormatVersion int             `json:"formatVersion"`
	RunID         string          `json:"runId"`
	WorkflowID    string          `json:"workflowId"`
	Version       string          `json:"version"`
	Status        wf.RunStatus    `json:"status"`
	Input         json.RawMessage `json:"input"`
	Output        json.RawMessage `json:"output,omitempty"`
	Error         *wf.ErrorInfo   `json:"error,omitempty"`
	CreatedAt     time.Time       `json:"createdAt"`
	UpdatedAt     time.Time       `json:"updatedAt"`
	Events        []wf.Event      `json:"events"`
	Deliveries    []wf.Delivery   `json:"deliveries"`
}

// Export returns a run with its log and deliveries in the export format;
// an error wrapping store.ErrNotFound when there is no such run. Write it
// with History.JSON.
func (rt *Runtime) Export(ctx context.Context, runID string) (History, error) {
	ex, err := rt.store.LoadExecution(ctx, runID)
	if err != nil {
		return History{}, fmt.Errorf("runtime: export run %s: %w", runID, err)
	}
	return NewHistory(ex), nil
}

// NewHistory puts an execution in the export format.
func NewHistory(ex store.Execution) History {
	r := ex.Run
	h := History{
		Format: HistoryFormat, FormatVersion: HistoryFormatVersion,
		RunID: r.ID, WorkflowID: r.WorkflowID, Version: r.Version, Status: r.Status,
		Input: rawOrNull(r.Input), Output: r.Output, Error: r.Error,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		Events: ex.Events, Deliveries: ex.Deliveries,
	}
	if h.Events == nil {
		h.Events = []wf.Event{}
	}
	if h.Deliveries == nil {
		h.Deliveries = []wf.Delivery{}
	}
	return h
}

// JSON encodes h indented, with a final newline, as a file holds it.
func (h History) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("runtime: encode history of run %s: %w", h.RunID, err)
	}
	return append(b, '\n'), nil
}

// ParseHistory decodes an exported history and checks it: the format and
// its version, the run's identity, and that every event is a durable kind
// with the fields it requires.
func ParseHistory(data []byte) (History, error) {
	var h History
	if err := json.Unmarshal(data, &h); err != nil {
		return History{}, fmt.Errorf("runtime: parse history: %w", err)
	}
	switch {
	case h.Format != HistoryFormat:
		return History{}, fmt.Errorf("runtime: parse history: format %q, want %q", h.Format, HistoryFormat)
	case h.FormatVersion < 1 || h.FormatVersion > HistoryFormatVersion:
		return History{}, fmt.Errorf("runtime: parse history: format version %d, this build reads 1 to %d", h.FormatVersion, HistoryFormatVersion)
	case h.RunID == "" || h.WorkflowID == "":
		return History{}, fmt.Errorf("runtime: parse history: runId and workflowId are required")
	}
	for i := range h.Events {
		if err := h.Events[i].Validate(); err != nil {
			return History{}, fmt.Errorf("runtime: parse history of run %s: event %d: %w", h.RunID, i, err)
		}
	}
	return h, nil
}
