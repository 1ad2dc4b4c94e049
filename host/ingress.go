package host

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// IngressConfig configures the ingress API.
type IngressConfig struct {
	// Runtime drives the runs. Required.
	Runtime *runtime.Runtime
	// Secret, when set, is required as "Authorization: Bearer <Secret>",
	// compared in constant time.
	Secret string
	// Authorize, when set, decides instead of Secret: a non-nil error is a
	// 401 with that error's message.
	Authorize func(*http.Request) error
	// MaxBodyBytes bounds request bodies. Defaults to 1 MiB.
	MaxBodyBytes int64
	// DriveBudget bounds the drive each request does after storing.
	// Defaults to 25s.
	DriveBudget time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Error codes of the ingress API: stable, for clients to branch on.
const (
	CodeUnauthorized    = "unauthorized"
	CodeBadRequest      = "bad_request"
	CodeTooLarge        = "too_large"
	CodeValidation      = "validation_error"
	CodeUnknownWorkflow = "unknown_workflow"
	CodeUnknownSignal   = "unknown_signal"
	CodeRunExists       = "run_exists"
	CodeNotFound        = "not_found"
	CodeInternal        = "internal"
)

// NewIngress returns the HTTP API that starts runs and delivers signals and
// approvals, validating payloads with the registered validators:
//
//	POST /runs                                {"workflowId","runId","input"}
//	POST /runs/{runID}/signals/{name}         {"signalId","stepId"?,"payload","meta"?}
//	POST /runs/{runID}/approvals/{approvalID} {"approved","feedback"?}
//	GET  /runs/{runID}
//
// Every answer is JSON; errors are {"ok":false,"error":…,"code":…} with a
// stable code. It refuses to build without Secret or Authorize.
func NewIngress(cfg IngressConfig) (http.Handler, error) {
	if cfg.Runtime == nil {
		return nil, errors.New("host: IngressConfig.Runtime is nil")
	}
	if cfg.Secret == "" && cfg.Authorize == nil {
		return nil, errors.New("host: the ingress API needs a Secret or an Authorize func")
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.DriveBudget <= 0 {
		cfg.DriveBudget = 25 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	in := &ingress{cfg: cfg}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /runs", in.start)
	mux.HandleFunc("POST /runs/{runID}/signals/{name}", in.signal)
	mux.HandleFunc("POST /runs/{runID}/approvals/{approvalID}", in.approval)
	mux.HandleFunc("GET /runs/{runID}", in.get)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, http.StatusNotFound, CodeNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path, nil)
	})
	return in.authenticate(mux), nil
}

type ingress struct{ cfg IngressConfig }

func (in *ingress) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var err error
		if in.cfg.Authorize != nil {
			err = in.cfg.Authorize(r)
		} else if !BearerMatches(r, in.cfg.Secret) {
			err = errors.New("Unauthorized")
		}
		if err != nil {
			WriteError(w, http.StatusUnauthorized, CodeUnauthorized, err.Error(), nil)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// BearerMatches reports, in constant time, whether the request carries
// "Authorization: Bearer <secret>". An empty secret never matches.
func BearerMatches(r *http.Request, secret string) bool {
	if secret == "" {
		return false
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(secret)) == 1
}

func (in *ingress) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	r.Body = http.MaxBytesReader(w, r.Body, in.cfg.MaxBodyBytes)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			WriteError(w, http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("body exceeds %d bytes", tooLarge.Limit), nil)
			return false
		}
		WriteError(w, http.StatusBadRequest, CodeBadRequest, "invalid JSON body: "+err.Error(), nil)
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		WriteError(w, http.StatusBadRequest, CodeBadRequest, "invalid JSON body: trailing data", nil)
		return false
	}
	return true
}

func (in *ingress) deadline() time.Time { return time.Now().Add(in.cfg.DriveBudget) }

func (in *ingress) start(w http.ResponseWriter, r *http.Request) {
	var body struct {
		WorkflowID string          `json:"workflowId"`
		RunID      string          `json:"runId"`
		Input      json.RawMessage `json:"input"`
	}
	if !in.decode(w, r, &body) {
		return
	}
	if body.WorkflowID == "" {
		WriteError(w, http.StatusBadRequest, CodeBadRequest, "workflowId is required", nil)
		return
	}
	res, err := in.cfg.Runtime.StartRun(r.Context(), runtime.StartRequest{
		WorkflowID: body.WorkflowID, RunID: body.RunID, Input: body.Input, Deadline: in.deadline(),
	})
	in.answer(w, res, err, http.StatusCreated)
}

func (in *ingress) signal(w http.ResponseWriter, r *http.Request) {
	var body struct {
		SignalID string            `json:"signalId"`
		StepID   string            `json:"stepId"`
		Payload  json.RawMessage   `json:"payload"`
		Meta     map[string]string `json:"meta"`
	}
	if !in.decode(w, r, &body) {
		return
	}
	if body.SignalID == "" {
		WriteError(w, http.StatusBadRequest, CodeBadRequest, "signalId is required (a stable idempotency token, e.g. the webhook event ID)", nil)
		return
	}
	res, err := in.cfg.Runtime.DeliverSignal(r.Context(), runtime.SignalRequest{
		RunID: r.PathValue("runID"), SignalID: body.SignalID, Name: r.PathValue("name"), StepID: body.StepID,
		Payload: body.Payload, Meta: body.Meta, Deadline: in.deadline(),
	})
	in.answer(w, res, err, http.StatusOK)
}

func (in *ingress) approval(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Approved *bool             `json:"approved"`
		Feedback string            `json:"feedback"`
		Meta     map[string]string `json:"meta"`
	}
	if !in.decode(w, r, &body) {
		return
	}
	if body.Approved == nil {
		WriteError(w, http.StatusBadRequest, CodeBadRequest, "approved is required (true or false)", nil)
		return
	}
	res, err := in.cfg.Runtime.DeliverApproval(r.Context(), runtime.ApprovalDecision{
		RunID: r.PathValue("runID"), ApprovalID: r.PathValue("approvalID"), Approved: *body.Approved,
		Feedback: body.Feedback, Meta: body.Meta, Deadline: in.deadline(),
	})
	in.answer(w, res, err, http.StatusOK)
}

func (in *ingress) get(w http.ResponseWriter, r *http.Request) {
	run, err := in.cfg.Runtime.GetRun(r.Context(), r.PathValue("runID"))
	if errors.Is(err, store.ErrNotFound) {
		WriteError(w, http.StatusNotFound, CodeNotFound, "no run "+r.PathValue("runID"), nil)
		return
	}
	if err != nil {
		in.internal(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "run": NewRunJSON(run)})
}

// answer writes a runtime call's result or error.
func (in *ingress) answer(w http.ResponseWriter, res runtime.Result, err error, created int) {
	if err != nil {
		var ve *wf.ValidationError
		switch {
		case errors.As(err, &ve):
			WriteError(w, http.StatusUnprocessableEntity, CodeValidation, ve.Error(), ve.Issues)
		case errors.Is(err, runtime.ErrUnknownWorkflow):
			WriteError(w, http.StatusNotFound, CodeUnknownWorkflow, err.Error(), nil)
		case errors.Is(err, runtime.ErrUnknownSignal):
			WriteError(w, http.StatusNotFound, CodeUnknownSignal, err.Error(), nil)
		case errors.Is(err, runtime.ErrRunExists):
			WriteError(w, http.StatusConflict, CodeRunExists, err.Error(), nil)
		case errors.Is(err, store.ErrTooLarge):
			WriteError(w, http.StatusRequestEntityTooLarge, CodeTooLarge, err.Error(), nil)
		default:
			in.internal(w, err)
		}
		return
	}
	status := http.StatusOK
	switch {
	case res.Kind == runtime.KindNotFound:
		status = http.StatusNotFound
	case created == http.StatusCreated && !res.Existing:
		status = http.StatusCreated
	}
	WriteJSON(w, status, map[string]any{"ok": res.Kind != runtime.KindNotFound, "result": NewResultJSON(res)})
}

func (in *ingress) internal(w http.ResponseWriter, err error) {
	in.cfg.Logger.Error("host: ingress request failed", "err", err)
	WriteError(w, http.StatusInternalServerError, CodeInternal, "internal error", nil)
}

// ResultJSON is a runtime.Result on the wire.
type ResultJSON struct {
	Kind       runtime.ResultKind `json:"kind"`
	Existing   bool               `json:"existing,omitempty"`
	Code       wf.ErrorCode       `json:"code,omitempty"`
	EventCount int                `json:"eventCount"`
	Run        *RunJSON           `json:"run,omitempty"`
}

// NewResultJSON converts a result for the wire.
func NewResultJSON(res runtime.Result) ResultJSON {
	out := ResultJSON{Kind: res.Kind, Existing: res.Existing, Code: res.Code, EventCount: res.EventCount}
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
}

// NewRunJSON converts a run for the wire.
func NewRunJSON(r store.Run) RunJSON {
	return RunJSON{ID: r.ID, WorkflowID: r.WorkflowID, Version: r.Version, Status: r.Status, Output: r.Output,
		Error: r.Error, Awaiting: r.Awaiting, WakeAt: r.WakeAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// WriteJSON writes v as a JSON response.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError writes {"ok":false,"error":msg,"code":code,"issues":…}.
func WriteError(w http.ResponseWriter, status int, code, msg string, issues []wf.ValidationIssue) {
	body := map[string]any{"ok": false, "error": msg, "code": code}
	if len(issues) > 0 {
		body["issues"] = issues
	}
	WriteJSON(w, status, body)
}
