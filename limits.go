package wf

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// ErrTooLarge reports a value over the store's size limit; nothing was
// written. Stores return it (store.ErrTooLarge is the same value), and a
// *PayloadTooLargeError unwraps to it.
var ErrTooLarge = errors.New("wf: payload too large for the store")

// PayloadTooLargeError reports a value whose stored form is over the
// store's size limit (Invocation.MaxEventSize): a step's result, a run's
// output, a signal payload or approval feedback with the event or delivery
// that carries it.
//
// A step whose result is too large fails without a retry (its function
// would return the same value again): Step returns a *StepError that
// unwraps to a *PayloadTooLargeError, live and on replay, and a workflow
// that returns it ends with code payload_too_large. Any other durable
// event that is too large ends the run with that code.
type PayloadTooLargeError struct {
	// StepID is the operation the value belongs to; "" for a run's output.
	StepID string
	// Event is the kind of event that would have carried the value.
	Event EventType
	// Size is the encoded size in bytes of what would be stored; Limit is
	// the store's limit.
	Size  int
	Limit int
	// message is the recorded text, on replay.
	message string
}

func (e *PayloadTooLargeError) Error() string {
	if e.message != "" {
		return e.message
	}
	what := fmt.Sprintf("%s event of %q", e.Event, e.StepID)
	if e.StepID == "" {
		what = fmt.Sprintf("%s event", e.Event)
	}
	return fmt.Sprintf("%s is %d bytes encoded, over the store's limit of %d bytes", what, e.Size, e.Limit)
}

// Code returns CodePayloadTooLarge.
func (e *PayloadTooLargeError) Code() string { return string(CodePayloadTooLarge) }

// Unwrap returns ErrTooLarge.
func (e *PayloadTooLargeError) Unwrap() error { return ErrTooLarge }

// recordedTooLarge rebuilds a step's *PayloadTooLargeError from its
// recorded message, so that replay returns what the live run returned.
func recordedTooLarge(stepID, message string) *PayloadTooLargeError {
	e := &PayloadTooLargeError{StepID: stepID, Event: StepFinished, message: message}
	if i := strings.LastIndex(message, " is "); i >= 0 {
		fmt.Sscanf(message[i:], " is %d bytes encoded, over the store's limit of %d bytes", &e.Size, &e.Limit)
	}
	return e
}

// errorBudget bounds the text of an error recorded in place of one too
// large to store.
const errorBudget = 1024

// oversize returns a *PayloadTooLargeError when ev's stored form is over
// the invocation's limit. It stamps ev.Time first: the timestamp is part of
// what is stored.
func (e *execution) oversize(ev *Event) *PayloadTooLargeError {
	if ev.Time.IsZero() {
		ev.Time = e.now()
	}
	limit := e.inv.MaxEventSize
	if limit <= 0 || encodedSizeBound(ev) <= limit {
		return nil
	}
	b, err := EncodeEvent(*ev)
	if err != nil || len(b) <= limit {
		return nil
	}
	return &PayloadTooLargeError{StepID: ev.StepID, Event: ev.Type, Size: len(b), Limit: limit}
}

// fit makes ev storable, or ends the run when it cannot: a failure whose
// error text is too large keeps its name and code with shortened text; any
// other event ends the run with code payload_too_large.
func (e *execution) fit(ev *Event) {
	tooLarge := e.oversize(ev)
	if tooLarge == nil {
		return
	}
	if ev.Error != nil {
		for _, n := range []int{errorBudget, 64} {
			ev.Error = shorten(ev.Error, n)
			if e.oversize(ev) == nil {
				return
			}
		}
		// Nothing shorter is meaningful; the store refuses it and the
		// runtime ends the run on that refusal.
		return
	}
	e.failNow(tooLarge, CodePayloadTooLarge)
}

// shorten returns a copy of info with each message and stack cut to n
// bytes.
func shorten(info *ErrorInfo, n int) *ErrorInfo {
	if info == nil {
		return nil
	}
	return &ErrorInfo{Name: info.Name, Code: info.Code, Message: truncate([]byte(info.Message), n),
		Stack: truncate([]byte(info.Stack), n), Cause: shorten(info.Cause, n)}
}

// Bounds of an event's encoding (EncodeEvent). The JSON encoder writes a
// string byte as at most six bytes (\u00XX, or \ufffd for an invalid
// one; a three-byte U+2028 becomes six) and a JSON value, which it
// compacts, never longer than that either (it escapes <, > and &); a time
// takes at most maxTimeJSON bytes. eventOverhead covers every field name,
// quote, colon and comma of an event and its numbers; errorOverhead and
// metaOverhead those of an ErrorInfo level and of a Meta entry.
const (
	maxEscape     = 6
	maxTimeJSON   = 48
	eventOverhead = 512
	errorOverhead = 96
	metaOverhead  = 8
	// maxErrorDepth bounds the causes counted; NewErrorInfo keeps three.
	maxErrorDepth = 64
)

// encodedSizeBound returns a size that ev's encoding cannot exceed, so
// that an event well under the store's limit is not encoded only to be
// measured.
func encodedSizeBound(ev *Event) int {
	n := eventOverhead + 2*maxTimeJSON + maxEscape*(len(ev.Type)+len(ev.StepID)+len(ev.Result)+
		len(ev.Name)+len(ev.SignalID)+len(ev.Payload)+len(ev.ApprovalID)+len(ev.Title)+
		len(ev.Description)+len(ev.Feedback)+len(ev.Value)+len(ev.RunID)+len(ev.Output)+len(ev.Code))
	for k, v := range ev.Meta {
		n += metaOverhead + maxEscape*(len(k)+len(v))
	}
	depth := 0
	for info := ev.Error; info != nil; info = info.Cause {
		if depth++; depth > maxErrorDepth {
			return math.MaxInt // too deep to bound: measure it
		}
		n += errorOverhead + maxEscape*(len(info.Name)+len(info.Message)+len(info.Stack)+len(info.Code))
	}
	return n
}
