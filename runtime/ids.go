package runtime

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxIDBytes bounds the length of run, signal and approval IDs and of
// signal names, in bytes. IDs are keys in every store, in log lines and in
// PostgreSQL NOTIFY payloads (at most 8000 bytes), so a bound well below
// those limits keeps a long ID from failing half-way through a call.
const MaxIDBytes = 255

// ErrInvalidID is returned, wrapped in an *InvalidIDError, when a run ID,
// signal ID, signal name, step ID or approval ID breaks the ID rules (see
// CheckID). Nothing is stored for such a call.
var ErrInvalidID = errors.New("runtime: invalid ID")

// InvalidIDError says which field of a call holds a bad ID and why. It
// matches ErrInvalidID with errors.Is. Its message quotes at most the first
// bytes of the ID, so that logging it never writes a huge or binary value.
type InvalidIDError struct {
	// Field names the ID: "runId", "signalId", "name", "stepId",
	// "approvalId", "queue" or "partition".
	Field string
	// ID is the refused value, whole.
	ID string
	// Reason says which rule it breaks.
	Reason string
}

// Error returns "runtime: invalid <field> "<truncated ID>": <reason>".
func (e *InvalidIDError) Error() string {
	return fmt.Sprintf("runtime: invalid %s %s: %s", e.Field, QuoteID(e.ID), e.Reason)
}

// Is makes errors.Is(err, ErrInvalidID) true.
func (e *InvalidIDError) Is(target error) bool { return target == ErrInvalidID }

// ID kinds CheckID applies its rules to; they name the request field.
const (
	FieldRunID      = "runId"
	FieldSignalID   = "signalId"
	FieldSignalName = "name"
	FieldStepID     = "stepId"
	FieldApprovalID = "approvalId"
)

// approvalSignalPrefix marks the deliveries DeliverApproval stores: a
// signal ID with this prefix could take an approval's place.
const approvalSignalPrefix = "approval:"

// positional matches, per field, the operation IDs wf gives waits and
// approvals made without an ID ("__wait-0", "__approval-1"): reserved in
// form, yet the only way to target them.
var positional = map[string]*regexp.Regexp{
	FieldStepID:     regexp.MustCompile(`^__wait-[0-9]+$`),
	FieldApprovalID: regexp.MustCompile(`^__approval-[0-9]+$`),
}

// CheckID reports whether id may be used as the given field (one of the
// Field constants). Every ID is non-empty, valid UTF-8, at most MaxIDBytes
// bytes, free of NUL and '/', and not "." or ".." (IDs end up in URL paths
// and keys). Names starting with "__" are reserved for the runtime (timers,
// cancellation), except the step IDs "__wait-<n>" and approval IDs
// "__approval-<n>" that wf assigns to waits and approvals made without an
// ID; signal IDs must not start with
// "approval:", the prefix of stored approval decisions.
func CheckID(field, id string) error {
	if reason := idProblem(field, id); reason != "" {
		return &InvalidIDError{Field: field, ID: id, Reason: reason}
	}
	return nil
}

func idProblem(field, id string) string {
	switch {
	case id == "":
		return "must not be empty"
	case len(id) > MaxIDBytes:
		return fmt.Sprintf("longer than %d bytes (%d)", MaxIDBytes, len(id))
	case !utf8.ValidString(id):
		return "not valid UTF-8"
	case strings.ContainsRune(id, 0):
		return "contains NUL"
	case strings.ContainsRune(id, '/'):
		return "contains '/'"
	case id == "." || id == "..":
		return `must not be "." or ".."`
	case strings.HasPrefix(id, "__") && !isPositional(field, id):
		return `names starting with "__" are reserved`
	case field == FieldSignalID && strings.HasPrefix(id, approvalSignalPrefix):
		return `signal IDs starting with "approval:" are reserved for approval decisions`
	}
	return ""
}

// checkScheduleID refuses a schedule ID that would give its runs IDs
// ("<schedule>@<fire time>") that StartRun refuses.
func checkScheduleID(id string) error {
	if err := CheckID(FieldRunID, bucketFor(id, time.Time{}).RunID); err != nil {
		return fmt.Errorf("runtime: schedule %s: the IDs of its runs (<schedule>@<fire time>) would be invalid: %w", QuoteID(id), err)
	}
	return nil
}

func isPositional(field, id string) bool {
	re, ok := positional[field]
	return ok && re.MatchString(id)
}

// maxQuotedID bounds how much of an ID QuoteID shows.
const maxQuotedID = 32

// QuoteID quotes an ID for a message or a log line: Go-quoted (so NUL and
// invalid UTF-8 show as escapes) and cut to its first 32 bytes with the
// full length appended when longer.
func QuoteID(id string) string {
	if len(id) <= maxQuotedID {
		return fmt.Sprintf("%q", id)
	}
	// Cut on a rune boundary when there is one close by.
	n := maxQuotedID
	for back := 0; back < utf8.UTFMax-1 && !utf8.RuneStart(id[n]); back++ {
		n--
	}
	cut := id[:n]
	return fmt.Sprintf("%q… (%d bytes)", cut, len(id))
}
