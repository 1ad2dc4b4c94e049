package wf

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// ChildSignal names the deliveries that resolve a wait for a child run: a
// child's end stores one for its parent, keyed by the parent's operation
// ID, in the same store commit that ends the child.
const ChildSignal = "__child"

// maxChildRunID bounds a derived child run ID, as the runtime bounds every
// run ID.
const maxChildRunID = 255

// ChildRunID returns the run ID of the child a parent starts at operation
// stepID: "<parent>.<stepID>", or, when that is longer than 255 bytes, a
// prefix of it followed by a hash of the whole. The ID depends only on its
// arguments, so a replay of the parent finds the child it started instead
// of starting a second one.
func ChildRunID(parentRunID, stepID string) string {
	id := parentRunID + "." + stepID
	if len(id) <= maxChildRunID {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	suffix := "-" + hex.EncodeToString(sum[:8])
	n := maxChildRunID - len(suffix)
	for n > 0 && !utf8.RuneStart(id[n]) {
		n--
	}
	return id[:n] + suffix
}

// ChildResult is the payload of the delivery a child run's end stores for
// its parent (Delivery.Name ChildSignal, Delivery.StepID the parent's
// operation ID).
type ChildResult struct {
	RunID string `json:"runId"`
	// Status is the child's terminal status: finished, errored, canceled
	// or aborted.
	Status RunStatus       `json:"status"`
	Output json.RawMessage `json:"output,omitempty"`
	Error  *ErrorInfo      `json:"error,omitempty"`
}

// ChildSpec is a child run an invocation asks the runtime to start.
type ChildSpec struct {
	// RunID is ChildRunID(ParentRunID, StepID).
	RunID      string
	WorkflowID string
	// Version is the child's workflow version; "" for the runtime's
	// default version of WorkflowID.
	Version string
	Input   json.RawMessage
	// ParentRunID and StepID link the child to the parent's operation.
	ParentRunID string
	StepID      string
	// Detached: the child's end resolves nothing in the parent, and
	// canceling the parent leaves the child running.
	Detached bool
}

// ChildStarter is implemented by a Journal that can start child runs (the
// runtime's does). StartChild creates spec's run, linked to its parent,
// unless a run with spec.RunID exists already (a previous invocation of
// the parent started it): then it returns nil when that run is the same
// workflow's, and an error otherwise. The child is durable when it
// returns. It does not drive the child.
type ChildStarter interface {
	StartChild(ctx context.Context, spec ChildSpec) error
}

// ChildError is the error a wait for a child returns when the child did
// not finish: it errored, was canceled or aborted.
type ChildError struct {
	RunID      string
	WorkflowID string
	Status     RunStatus
	// Cause is the child's error, nil for a cancellation without one.
	Cause *ErrorInfo
}

func (e *ChildError) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("wf: child run %q (%s) %s: %s", e.RunID, e.WorkflowID, e.Status, e.Cause.Message)
	}
	return fmt.Sprintf("wf: child run %q (%s) %s", e.RunID, e.WorkflowID, e.Status)
}
