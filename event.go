package wf

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// EventType names the kind of an Event. The values are part of the storage
// format and never change.
type EventType string

// Durable event kinds: they are appended to a run's log and replayed.
const (
	// StepFinished records a step's successful result.
	StepFinished EventType = "STEP_FINISHED"
	// StepFailed records a step whose attempts are exhausted.
	StepFailed EventType = "STEP_FAILED"
	// SignalAwaited records that the run waits for a signal (or a timer).
	SignalAwaited EventType = "SIGNAL_AWAITED"
	// SignalResolved records the delivery that ended a wait.
	SignalResolved EventType = "SIGNAL_RESOLVED"
	// ApprovalRequested records that the run waits for a human decision.
	ApprovalRequested EventType = "APPROVAL_REQUESTED"
	// ApprovalResolved records the decision that ended an approval wait.
	ApprovalResolved EventType = "APPROVAL_RESOLVED"
	// NowRecorded records a wall-clock reading taken by Now.
	NowRecorded EventType = "NOW_RECORDED"
	// UUIDRecorded records a random identifier made by UUID.
	UUIDRecorded EventType = "UUID_RECORDED"
	// RunFinished is the terminal event of a run that returned an output.
	RunFinished EventType = "RUN_FINISHED"
	// RunErrored is the terminal event of a run that failed.
	RunErrored EventType = "RUN_ERRORED"
	// RunRetried marks a retry of an ended run: replay ignores the
	// terminal event before it and the recorded failure of the step it
	// names (StepID), which runs again with a fresh attempt budget. Meta
	// says who asked and why.
	RunRetried EventType = "RUN_RETRIED"
	// RunForked marks the end of a log copied from another run (RunID)
	// up to, not including, an operation (StepID). Meta says who asked
	// and why. Replay ignores it.
	RunForked EventType = "RUN_FORKED"
)

// Live-only event kinds: published to Invocation.Publish, never stored,
// ignored by replay.
const (
	// RunStarted is published when a run's first invocation begins.
	RunStarted EventType = "RUN_STARTED"
	// StepStarted is published before each live attempt of a step.
	StepStarted EventType = "STEP_STARTED"
	// StateDelta is reserved for incremental state updates.
	StateDelta EventType = "STATE_DELTA"
	// Custom carries a value published by Emit.
	Custom EventType = "CUSTOM"
)

// Durable reports whether events of this type belong in the log.
func (t EventType) Durable() bool {
	switch t {
	case StepFinished, StepFailed, SignalAwaited, SignalResolved,
		ApprovalRequested, ApprovalResolved, NowRecorded, UUIDRecorded,
		RunFinished, RunErrored, RunRetried, RunForked:
		return true
	}
	return false
}

// Terminal reports whether an event of this type ends a run.
func (t EventType) Terminal() bool { return t == RunFinished || t == RunErrored }

// TimerSignal is the reserved signal name delivered when a sleep, a wait's
// deadline or a durable retry backoff is due.
const TimerSignal = "__timer"

// Event is one entry of a run's log, or a live-only notification.
//
// Its JSON encoding is a storage format: field names follow the original
// system's wire shape and are pinned by golden tests (testdata/events). Only
// the fields that belong to the event's Type are set; the rest are omitted.
type Event struct {
	Type EventType `json:"type"`
	// Time is when the event was recorded, from the runtime's clock.
	Time time.Time `json:"ts"`
	// StepID is the operation ID the event belongs to.
	StepID string `json:"stepId,omitempty"`
	// Result is a step's JSON result (STEP_FINISHED).
	Result json.RawMessage `json:"result,omitempty"`
	// Error is a step's or a run's failure (STEP_FAILED, RUN_ERRORED).
	Error *ErrorInfo `json:"error,omitempty"`
	// Attempts is how many attempts a step took, when more than one.
	Attempts int `json:"attempts,omitempty"`
	// Meta is caller metadata copied from step or wait options.
	Meta map[string]string `json:"meta,omitempty"`
	// Name is the awaited or delivered signal's name.
	Name string `json:"name,omitempty"`
	// Deadline is when a wait times out (SIGNAL_AWAITED, APPROVAL_REQUESTED).
	Deadline *time.Time `json:"deadline,omitempty"`
	// SignalID is the idempotency token of the delivery (SIGNAL_RESOLVED).
	SignalID string `json:"signalId,omitempty"`
	// Payload is a delivered signal's JSON payload (SIGNAL_RESOLVED).
	Payload json.RawMessage `json:"payload,omitempty"`
	// ApprovalID identifies an approval (APPROVAL_REQUESTED, APPROVAL_RESOLVED).
	ApprovalID string `json:"approvalId,omitempty"`
	// Title and Description describe an approval request.
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	// Approved is the decision (APPROVAL_RESOLVED).
	Approved *bool `json:"approved,omitempty"`
	// Feedback is the approver's comment (APPROVAL_RESOLVED).
	Feedback string `json:"feedback,omitempty"`
	// Value is the recorded value of Now or UUID, as JSON.
	Value json.RawMessage `json:"value,omitempty"`
	// RunID names the run (RUN_FINISHED, RUN_ERRORED).
	RunID string `json:"runId,omitempty"`
	// Output is a finished run's JSON output (RUN_FINISHED).
	Output json.RawMessage `json:"output,omitempty"`
	// Code classifies a run's failure (RUN_ERRORED).
	Code ErrorCode `json:"code,omitempty"`
	// Custom live events (CUSTOM) carry Name and Value.
}

// DecodeEvent decodes one stored event and checks that it is a durable kind
// with the fields that kind requires.
func DecodeEvent(data []byte) (Event, error) {
	var ev Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return Event{}, fmt.Errorf("wf: decode event: %w", err)
	}
	if err := ev.Validate(); err != nil {
		return Event{}, err
	}
	return ev, nil
}

// Validate reports whether a durable event has the fields its type requires.
func (e *Event) Validate() error {
	if !e.Type.Durable() {
		return fmt.Errorf("wf: event type %q is not a durable event kind", e.Type)
	}
	missing := func(field string) error {
		return fmt.Errorf("wf: %s event lacks %s", e.Type, field)
	}
	switch e.Type {
	case RunFinished, RunErrored:
		if e.Type == RunErrored && e.Error == nil {
			return missing("error")
		}
		return nil
	case RunRetried, RunForked:
		if e.RunID == "" {
			return missing("runId")
		}
		return nil
	case StepFailed:
		if e.Error == nil {
			return missing("error")
		}
	case SignalAwaited, SignalResolved:
		if e.Name == "" {
			return missing("name")
		}
	case ApprovalRequested:
		if e.ApprovalID == "" {
			return missing("approvalId")
		}
	case ApprovalResolved:
		if e.ApprovalID == "" {
			return missing("approvalId")
		}
		if e.Approved == nil {
			return missing("approved")
		}
	case NowRecorded, UUIDRecorded:
		if len(e.Value) == 0 {
			return missing("value")
		}
	}
	if e.StepID == "" {
		return missing("stepId")
	}
	return nil
}

// EncodeEvent encodes an event in its storage format.
func EncodeEvent(e Event) ([]byte, error) {
	if b, ok := appendEventFast(make([]byte, 0, 128), &e); ok {
		return b, nil
	}
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("wf: encode %s event: %w", e.Type, err)
	}
	return b, nil
}

// appendEventFast appends e's encoding, byte for byte what json.Marshal
// writes, for the events that need none of its general machinery: no
// error, meta, deadline or decision, strings that need no escaping, and
// JSON values that are valid, compact and free of the characters the
// encoder escapes. It reports false, having appended nothing, for any
// other event.
func appendEventFast(b []byte, e *Event) ([]byte, bool) {
	if e.Error != nil || len(e.Meta) > 0 || e.Deadline != nil || e.Approved != nil {
		return b, false
	}
	for _, s := range [...]string{string(e.Type), e.StepID, e.Name, e.SignalID, e.ApprovalID,
		e.Title, e.Description, e.Feedback, e.RunID, string(e.Code)} {
		if !plainString(s) {
			return b, false
		}
	}
	for _, v := range [...]json.RawMessage{e.Result, e.Payload, e.Value, e.Output} {
		if len(v) > 0 && !plainJSON(v) {
			return b, false
		}
	}
	start := len(b)
	b = append(b, `{"type":"`...)
	b = append(b, e.Type...)
	b = append(b, `","ts":"`...)
	withTime, err := e.Time.AppendText(b)
	if err != nil {
		return b[:start], false
	}
	b = append(withTime, '"')
	b = appendField(b, `,"stepId":"`, e.StepID)
	b = appendRaw(b, `,"result":`, e.Result)
	if e.Attempts != 0 {
		b = append(b, `,"attempts":`...)
		b = strconv.AppendInt(b, int64(e.Attempts), 10)
	}
	b = appendField(b, `,"name":"`, e.Name)
	b = appendField(b, `,"signalId":"`, e.SignalID)
	b = appendRaw(b, `,"payload":`, e.Payload)
	b = appendField(b, `,"approvalId":"`, e.ApprovalID)
	b = appendField(b, `,"title":"`, e.Title)
	b = appendField(b, `,"description":"`, e.Description)
	b = appendField(b, `,"feedback":"`, e.Feedback)
	b = appendRaw(b, `,"value":`, e.Value)
	b = appendField(b, `,"runId":"`, e.RunID)
	b = appendRaw(b, `,"output":`, e.Output)
	b = appendField(b, `,"code":"`, string(e.Code))
	return append(b, '}'), true
}

// appendField appends a non-empty plain string field; key ends with its
// opening quote.
func appendField(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	b = append(b, key...)
	b = append(b, s...)
	return append(b, '"')
}

// appendRaw appends a non-empty JSON value field.
func appendRaw(b []byte, key string, v json.RawMessage) []byte {
	if len(v) == 0 {
		return b
	}
	return append(append(b, key...), v...)
}

// plainString reports whether json.Marshal writes s as it is, between
// quotes: printable ASCII other than the quote, the backslash and the
// characters it escapes for HTML.
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// plainJSON reports whether json.Marshal writes the value v as it is:
// valid JSON with no whitespace outside its strings and none of the
// characters it escapes (<, >, &, U+2028, U+2029, whose UTF-8 starts with
// 0xE2).
func plainJSON(v json.RawMessage) bool {
	inString, escaped := false, false
	for _, c := range v {
		switch {
		case c == '<' || c == '>' || c == '&' || c == 0xE2:
			return false
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			return false
		}
	}
	return json.Valid(v)
}
