package wf

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// ErrConflict reports that another writer appended to a run's log at the
// index this writer expected: the invocation lost a race and must stop
// without committing anything else. Stores return it (store.ErrConflict is
// the same value).
var ErrConflict = errors.New("wf: conflicting append: another writer advanced the run's log")

// ErrorCode classifies why a run ended in error. The values are stored.
type ErrorCode string

const (
	// CodeError: the handler returned an error or panicked.
	CodeError ErrorCode = "error"
	// CodeValidation: the input or the output failed its schema.
	CodeValidation ErrorCode = "validation_error"
	// CodeSignalLost: another delivery already resolved the awaited signal.
	CodeSignalLost ErrorCode = "signal_lost"
	// CodeApprovalLost: another decision already resolved the approval.
	CodeApprovalLost ErrorCode = "approval_lost"
	// CodeVersionMismatch: the run's version is not registered.
	CodeVersionMismatch ErrorCode = "workflow_version_mismatch"
	// CodeRunLost: the run's state vanished or was taken over.
	CodeRunLost ErrorCode = "run_lost"
	// CodeAborted: the runtime stopped the run.
	CodeAborted ErrorCode = "aborted"
	// CodeNondeterminism: the code no longer matches the run's log: it
	// reached recorded operations in another order, or a recorded event of
	// another kind at the operation ID it reached (see NondeterminismError).
	CodeNondeterminism ErrorCode = "nondeterminism"
	// CodeCanceled: a caller canceled the run.
	CodeCanceled ErrorCode = "canceled"
	// CodeTimeout: the run exceeded a time limit.
	CodeTimeout ErrorCode = "timeout"
	// CodePayloadTooLarge: a value's stored form is over the store's size
	// limit (see PayloadTooLargeError).
	CodePayloadTooLarge ErrorCode = "payload_too_large"
	// CodeCorrupt: the run's stored log or deliveries do not decode, so it
	// cannot be replayed.
	CodeCorrupt ErrorCode = "corrupt"
)

// ErrorInfo is an error in its stored form: {name, message, stack?, code?,
// cause?}. It implements error, so a recorded failure can be returned again
// on replay exactly as it was first returned.
type ErrorInfo struct {
	// Name is the Go type of the original error, e.g. "*errors.errorString",
	// or a well-known name such as "StepTimeoutError".
	Name    string     `json:"name"`
	Message string     `json:"message"`
	Stack   string     `json:"stack,omitempty"`
	Code    ErrorCode  `json:"code,omitempty"`
	Cause   *ErrorInfo `json:"cause,omitempty"`
}

// Error returns the message.
func (e *ErrorInfo) Error() string { return e.Message }

// Unwrap returns the recorded cause, if any.
func (e *ErrorInfo) Unwrap() error {
	if e.Cause == nil {
		return nil
	}
	return e.Cause
}

// Coder is implemented by errors that carry a stable code; the code is
// recorded in ErrorInfo.Code so that workflows can branch on it after replay.
type Coder interface{ Code() string }

// NewErrorInfo converts err to its stored form, keeping up to three levels of
// wrapped causes.
func NewErrorInfo(err error) *ErrorInfo {
	return newErrorInfo(err, 3)
}

func newErrorInfo(err error, depth int) *ErrorInfo {
	if err == nil {
		return nil
	}
	if info, ok := err.(*ErrorInfo); ok {
		return info
	}
	info := &ErrorInfo{Name: errorName(err), Message: err.Error()}
	var coder Coder
	if errors.As(err, &coder) {
		info.Code = ErrorCode(coder.Code())
	}
	var p *PanicError
	if errors.As(err, &p) {
		info.Stack = p.Stack
	}
	if depth > 0 {
		if cause := errors.Unwrap(err); cause != nil {
			info.Cause = newErrorInfo(cause, depth-1)
		}
	}
	return info
}

func errorName(err error) string {
	switch err.(type) {
	case *StepTimeoutError:
		return "StepTimeoutError"
	case *WaitTimeoutError:
		return "WaitTimeoutError"
	case *ValidationError:
		return "ValidationError"
	case *PanicError:
		return "PanicError"
	case *NondeterminismError:
		return "NondeterminismError"
	case *PayloadTooLargeError:
		return "PayloadTooLargeError"
	case *GroupCanceledError:
		return "GroupCanceledError"
	case *ChildError:
		return "ChildError"
	}
	return reflect.TypeOf(err).String()
}

// StepError is what Step and Do return when a step failed: on the attempt
// that exhausted its retries and, identically, on every replay after.
type StepError struct {
	StepID   StepID
	Attempts int
	// Cause is the last attempt's error in stored form.
	Cause *ErrorInfo
}

func (e *StepError) Error() string {
	return fmt.Sprintf("step %q failed after %d attempt(s): %s", e.StepID, e.Attempts, e.Cause.Message)
}

// Unwrap returns the cause; a recorded step timeout or oversized result
// unwraps to a *StepTimeoutError or *PayloadTooLargeError so that errors.As
// works the same live and on replay.
func (e *StepError) Unwrap() error {
	switch {
	case e.Cause == nil:
		return nil
	case e.Cause.Name == "StepTimeoutError":
		return &StepTimeoutError{StepID: e.StepID, message: e.Cause.Message}
	case e.Cause.Name == "PayloadTooLargeError":
		return recordedTooLarge(string(e.StepID), e.Cause.Message)
	}
	return e.Cause
}

// StepTimeoutError is an attempt's error when it outlived the step's
// timeout; the attempt's context.Context is canceled at that moment.
type StepTimeoutError struct {
	StepID  StepID
	Attempt int
	Timeout time.Duration
	message string
}

func (e *StepTimeoutError) Error() string {
	if e.message != "" {
		return e.message
	}
	return fmt.Sprintf("step %q attempt %d timed out after %s", e.StepID, e.Attempt, e.Timeout)
}

// WaitTimeoutError is returned by WaitForEvent and Approve when the wait's
// deadline passed before a delivery resolved it.
type WaitTimeoutError struct {
	StepID   string
	Name     string
	Deadline time.Time
}

func (e *WaitTimeoutError) Error() string {
	return fmt.Sprintf("wait %q for %q timed out at %s", e.StepID, e.Name, e.Deadline.Format(time.RFC3339))
}

// PanicError is a recovered panic from user code, with its stack.
type PanicError struct {
	Value any
	Stack string
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// NondeterminismError reports that the code no longer matches the run's
// log: at the log's next recorded operation (Expected, of kind Recorded)
// the code reached another operation (Found) or called another primitive
// (Want) at the same ID. Replay reads the log in order, so a swapped step,
// a step inserted before recorded ones, or a recorded operation skipped
// before a later one is reached all diverge; new operations after every
// recorded one do not.
type NondeterminismError struct {
	// Expected is the operation ID the log records next; "" when it is the
	// run's recorded end (RUN_FINISHED, RUN_ERRORED).
	Expected string
	// Recorded is the kind of the recorded event at Index.
	Recorded EventType
	// Index is the position of that event in the log; -1 when unknown.
	Index int
	// Found is the operation ID the code reached; "" when the handler
	// returned.
	Found string
	// Want is what the code called there, e.g. "Step", "Sleep",
	// "WaitForEvent payment-received"; "return" when the handler returned.
	Want string
	// Cause is set when the operation matched but its recorded value does
	// not decode into the type the code now expects.
	Cause error
}

// Unwrap returns the Cause.
func (e *NondeterminismError) Unwrap() error { return e.Cause }

func (e *NondeterminismError) Error() string {
	if e.Expected == e.Found {
		at := ""
		if e.Index >= 0 {
			at = fmt.Sprintf(" at index %d", e.Index)
		}
		if e.Cause != nil {
			return fmt.Sprintf("nondeterminism: operation %q: %s%s: %v", e.Found, e.Recorded, at, e.Cause)
		}
		return fmt.Sprintf("nondeterminism: operation %q: code called %s but the log has %s%s",
			e.Found, e.Want, e.Recorded, at)
	}
	expected := fmt.Sprintf("operation %q", e.Expected)
	if e.Expected == "" {
		expected = "the run's end"
	}
	found := fmt.Sprintf("%s %q", e.Want, e.Found)
	if e.Found == "" {
		found = "the workflow's return"
	}
	return fmt.Sprintf("nondeterminism: expected %s (%s at log index %d), found %s",
		expected, e.Recorded, e.Index, found)
}

// ValidationError reports a value that does not fit its schema. Each issue
// carries the JSON pointer of the offending value.
type ValidationError struct {
	// Subject names what was validated: "input", "output", "signal payment-received".
	Subject string
	Issues  []ValidationIssue
}

// ValidationIssue is one schema violation.
type ValidationIssue struct {
	// Path is a JSON pointer (RFC 6901) into the validated value; "" is the root.
	Path    string `json:"path"`
	Message string `json:"message"`
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid %s", e.Subject)
	for i, is := range e.Issues {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		path := is.Path
		if path == "" {
			path = "/"
		}
		fmt.Fprintf(&b, "%s%s: %s", sep, path, is.Message)
	}
	return b.String()
}

// Code returns CodeValidation.
func (e *ValidationError) Code() string { return string(CodeValidation) }
