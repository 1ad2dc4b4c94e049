package host

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// Error codes of the ingress API: stable, for clients to branch on. Each
// goes with one status (see Contract).
const (
	CodeUnauthorized    = "unauthorized"
	CodeBadRequest      = "bad_request"
	CodeTooLarge        = "too_large"
	CodeValidation      = "validation_error"
	CodeUnknownWorkflow = "unknown_workflow"
	CodeUnknownSignal   = "unknown_signal"
	CodeUnknownApproval = "unknown_approval"
	CodeUnknownQueue    = "unknown_queue"
	CodeRunExists       = "run_exists"
	CodeSignalLost      = "signal_lost"
	CodeApprovalLost    = "approval_lost"
	CodeNotWaiting      = "not_waiting"
	CodeNotFound        = "not_found"
	CodeInternal        = "internal"
)

// ContractRow is one kind of answer of the ingress API: a status, and for
// failures ({"ok":false}) the code that goes with it.
type ContractRow struct {
	Status int
	// Code is "" for successes.
	Code string
	// Meaning says when the answer is given.
	Meaning string
}

// contract is every answer the ingress API gives; Contract returns a copy.
var contract = []ContractRow{
	{http.StatusCreated, "", "run started: driven to its first pause or end"},
	{http.StatusOK, "", "the run already existed (existing: true); a delivery stored and the run driven (result.kind says how far); a repeated delivery (kind duplicate); a read"},
	{http.StatusAccepted, "", "delivery stored and will be applied: by the invocation driving the run now, by the run when it reaches the wait, or by the next sweep (kind accepted)"},
	{http.StatusBadRequest, CodeBadRequest, "malformed JSON, a missing field, an invalid ID or partition key, or a partition or priority for a workflow without a queue (the field member names it)"},
	{http.StatusUnauthorized, CodeUnauthorized, "no or wrong credentials"},
	{http.StatusNotFound, CodeNotFound, "no such run (or no such endpoint)"},
	{http.StatusNotFound, CodeUnknownWorkflow, "no registered workflow has that ID"},
	{http.StatusNotFound, CodeUnknownSignal, "the run's workflow does not declare that signal"},
	{http.StatusNotFound, CodeUnknownApproval, "the run's workflow declares its approvals and this is not one"},
	{http.StatusConflict, CodeRunExists, "the run ID is taken by a run of another workflow"},
	{http.StatusConflict, CodeSignalLost, "another signal already resolved that wait"},
	{http.StatusConflict, CodeApprovalLost, "the approval was already resolved otherwise (timed out)"},
	{http.StatusConflict, CodeNotWaiting, "the run has ended (or, strictly delivered, does not await it now); nothing was stored"},
	{http.StatusRequestEntityTooLarge, CodeTooLarge, "the body, or a value in it, is larger than the ingress or the store accepts"},
	{http.StatusUnprocessableEntity, CodeValidation, "the input or payload does not match its JSON Schema (issues lists where)"},
	{http.StatusUnprocessableEntity, CodeUnknownQueue, "the start names a queue the runtime does not declare (field: queue)"},
	{http.StatusInternalServerError, CodeInternal, "the store or the runtime failed; the host's log has the detail"},
}

// Contract returns every answer of the ingress API, by status: the table
// its OpenAPI document (GET /openapi.json) and the README are built from.
func Contract() []ContractRow { return append([]ContractRow(nil), contract...) }

// failure is an answer with {"ok":false}.
type failure struct {
	status  int
	code    string
	message string
	// extra members of the body: field, issues, result.
	extra map[string]any
	// err is what the log gets; nil for refusals the message explains.
	err error
}

// classify turns a runtime call's error into the failure the caller gets.
// Messages are written here from what the caller sent: errors from the
// store or runtime are logged, never echoed.
func classify(err error) failure {
	var ie *runtime.InvalidIDError
	var ve *wf.ValidationError
	switch {
	case errors.As(err, &ie):
		return failure{status: http.StatusBadRequest, code: CodeBadRequest, message: fmt.Sprintf("invalid %s: %s", ie.Field, ie.Reason),
			extra: map[string]any{"field": ie.Field}, err: err}
	case errors.As(err, &ve):
		return failure{status: http.StatusUnprocessableEntity, code: CodeValidation, message: ve.Error(), extra: map[string]any{"issues": ve.Issues}}
	case errors.Is(err, runtime.ErrUnknownWorkflow):
		return failure{status: http.StatusNotFound, code: CodeUnknownWorkflow, message: "unknown workflow", err: err}
	case errors.Is(err, runtime.ErrUnknownSignal):
		return failure{status: http.StatusNotFound, code: CodeUnknownSignal, message: "the run's workflow does not declare this signal", err: err}
	case errors.Is(err, runtime.ErrUnknownApproval):
		return failure{status: http.StatusNotFound, code: CodeUnknownApproval, message: "the run's workflow does not declare this approval", err: err}
	case errors.Is(err, runtime.ErrUnknownQueue):
		return failure{status: http.StatusUnprocessableEntity, code: CodeUnknownQueue, message: "the runtime declares no such queue",
			extra: map[string]any{"field": "queue"}, err: err}
	case errors.Is(err, runtime.ErrNoQueue):
		return failure{status: http.StatusBadRequest, code: CodeBadRequest,
			message: "a partition or priority needs a queue: name one, or start a workflow declared on a queue", extra: map[string]any{"field": "queue"}, err: err}
	case errors.Is(err, runtime.ErrRunExists):
		return failure{status: http.StatusConflict, code: CodeRunExists, message: "the run ID is taken by a run of another workflow", err: err}
	case errors.Is(err, store.ErrTooLarge):
		return failure{status: http.StatusRequestEntityTooLarge, code: CodeTooLarge, message: "a value is larger than the store accepts", err: err}
	}
	return failure{status: http.StatusInternalServerError, code: CodeInternal, message: "internal error", err: err}
}

// resultFailure is the failure a delivery's result kind means, if any.
func resultFailure(res runtime.Result, lostCode string) (failure, bool) {
	switch res.Kind {
	case runtime.KindNotFound:
		return failure{status: http.StatusNotFound, code: CodeNotFound, message: "no such run"}, true
	case runtime.KindLost:
		code := string(res.Code)
		if code == "" {
			code = lostCode
		}
		return failure{status: http.StatusConflict, code: code, message: "another delivery already resolved that wait",
			extra: map[string]any{"result": NewResultJSON(res)}}, true
	case runtime.KindNotWaiting:
		return failure{status: http.StatusConflict, code: CodeNotWaiting, message: "the run is not waiting for this delivery",
			extra: map[string]any{"result": NewResultJSON(res)}}, true
	}
	return failure{}, false
}

// deliveryStatus is the status of a delivery that succeeded.
func deliveryStatus(kind runtime.ResultKind) int {
	if kind == runtime.KindAccepted {
		return http.StatusAccepted
	}
	return http.StatusOK
}
