package wf

import (
	"encoding/json"
	"time"
)

// RunStatus is where a run is in its life. The values are stored.
type RunStatus string

const (
	// StatusQueued: created, not yet driven.
	StatusQueued RunStatus = "queued"
	// StatusRunning: being driven, or yielded and waiting for recovery.
	StatusRunning RunStatus = "running"
	// StatusPaused: waiting for a signal, an approval or a timer.
	StatusPaused RunStatus = "paused"
	// StatusFinished: returned an output.
	StatusFinished RunStatus = "finished"
	// StatusErrored: ended with an error.
	StatusErrored RunStatus = "errored"
	// StatusAborted: stopped by the runtime (for example its state was lost).
	StatusAborted RunStatus = "aborted"
	// StatusCanceled: canceled by a caller.
	StatusCanceled RunStatus = "canceled"
)

// Terminal reports whether a run in this status is over.
func (s RunStatus) Terminal() bool {
	switch s {
	case StatusFinished, StatusErrored, StatusAborted, StatusCanceled:
		return true
	}
	return false
}

// AwaitKind says what a paused run waits for.
type AwaitKind string

const (
	// AwaitSignal: a named signal (WaitForEvent).
	AwaitSignal AwaitKind = "signal"
	// AwaitApproval: a human decision (Approve).
	AwaitApproval AwaitKind = "approval"
	// AwaitTimer: only time (Sleep, SleepUntil, a durable retry backoff).
	AwaitTimer AwaitKind = "timer"
	// AwaitChild: a child run's end (StartChild); Name is ChildSignal.
	AwaitChild AwaitKind = "child"
)

// Await is one outstanding wait of a paused run: the routing record that
// tells deliveries which operation they resolve.
type Await struct {
	// StepID is the wait's operation ID.
	StepID string    `json:"stepId"`
	Kind   AwaitKind `json:"kind"`
	// Name is the awaited signal's name; TimerSignal for timers.
	Name string `json:"name"`
	// ApprovalID is set for approvals.
	ApprovalID string `json:"approvalId,omitempty"`
	// Deadline, when set, is when TimerSignal resolves the wait.
	Deadline *time.Time `json:"deadline,omitempty"`
}

// Delivery is a resolution of a wait that has been stored but not yet
// consumed into the run's log: a signal, an approval decision or a due timer.
// The store keeps at most one delivery per wait (per StepID), so the first
// delivery wins and later ones for the same wait are lost.
type Delivery struct {
	// StepID is the wait's operation ID.
	StepID string `json:"stepId"`
	// SignalID is the delivery's idempotency token.
	SignalID string `json:"signalId"`
	// Name is the signal name; TimerSignal for timers.
	Name string `json:"name"`
	// Payload is a signal's JSON payload.
	Payload json.RawMessage `json:"payload,omitempty"`
	// ApprovalID, Approved and Feedback carry an approval decision.
	ApprovalID string `json:"approvalId,omitempty"`
	Approved   bool   `json:"approved,omitempty"`
	Feedback   string `json:"feedback,omitempty"`
	// Meta is caller metadata copied into the resolving event.
	Meta map[string]string `json:"meta,omitempty"`
	// Time is when the delivery was stored.
	Time time.Time `json:"ts"`
}
