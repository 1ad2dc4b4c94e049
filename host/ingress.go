package host

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

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

// NewIngress returns the HTTP API that starts runs and delivers signals and
// approvals, validating payloads with the registered validators:
//
//	POST /runs                                {"workflowId","runId"?,"input"}
//	GET  /runs/{runID}
//	POST /runs/{runID}/signals/{name}         {"signalId","stepId"?,"payload","meta"?}
//	POST /runs/{runID}/approvals/{approvalID} {"approved","feedback"?,"meta"?}
//	GET  /openapi.json                        this API as an OpenAPI 3.1 document
//
// Every answer is JSON with "ok". Failures are {"ok":false,"code":…,
// "error":…} with a stable code, a status that goes with it (see
// Contract), and a message written for the caller: store and runtime
// errors are logged, never echoed. Run, signal and approval IDs follow
// runtime.CheckID; a bad one is a 400 bad_request whose "field" names it.
// It refuses to build without Secret or Authorize.
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
	in := &ingress{cfg: cfg, openAPIDoc: openAPIJSON()}
	return in.authenticate(in.cleanPaths(in.newMux())), nil
}

type ingress struct {
	cfg        IngressConfig
	openAPIDoc []byte
}

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

// cleanPaths refuses paths with empty, "." or ".." segments, which the mux
// would otherwise redirect to another path.
func (in *ingress) cleanPaths(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p != "/" && path.Clean(p) != p {
			in.refuse(w, r, failure{status: http.StatusBadRequest, code: CodeBadRequest,
				message: `the path has an empty, "." or ".." segment`})
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
			in.refuse(w, r, failure{status: http.StatusRequestEntityTooLarge, code: CodeTooLarge,
				message: fmt.Sprintf("body exceeds %d bytes", tooLarge.Limit)})
			return false
		}
		in.refuse(w, r, failure{status: http.StatusBadRequest, code: CodeBadRequest, message: "invalid JSON body: " + err.Error()})
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		in.refuse(w, r, failure{status: http.StatusBadRequest, code: CodeBadRequest, message: "invalid JSON body: trailing data"})
		return false
	}
	return true
}

func (in *ingress) deadline() time.Time { return time.Now().Add(in.cfg.DriveBudget) }

// startBody is the body of POST /runs.
type startBody struct {
	WorkflowID string          `json:"workflowId"`
	RunID      string          `json:"runId"`
	Input      json.RawMessage `json:"input"`
	// Queue, Partition and Priority place the run on a queue (see
	// runtime.StartRequest).
	Queue     string `json:"queue"`
	Partition string `json:"partition"`
	Priority  int    `json:"priority"`
}

func (in *ingress) start(w http.ResponseWriter, r *http.Request) {
	var body startBody
	if !in.decode(w, r, &body) {
		return
	}
	if body.WorkflowID == "" {
		in.refuse(w, r, failure{status: http.StatusBadRequest, code: CodeBadRequest, message: "workflowId is required",
			extra: map[string]any{"field": "workflowId"}})
		return
	}
	res, err := in.cfg.Runtime.StartRun(r.Context(), runtime.StartRequest{
		WorkflowID: body.WorkflowID, RunID: body.RunID, Input: body.Input, Deadline: in.deadline(),
		Queue: body.Queue, Partition: body.Partition, Priority: body.Priority,
	})
	if err != nil {
		in.refuse(w, r, classify(err))
		return
	}
	status := http.StatusCreated
	if res.Existing {
		status = http.StatusOK
	}
	WriteJSON(w, status, map[string]any{"ok": true, "result": NewResultJSON(res)})
}

// signalBody is the body of POST /runs/{runID}/signals/{name}.
type signalBody struct {
	SignalID string            `json:"signalId"`
	StepID   string            `json:"stepId"`
	Payload  json.RawMessage   `json:"payload"`
	Meta     map[string]string `json:"meta"`
}

func (in *ingress) signal(w http.ResponseWriter, r *http.Request) {
	var body signalBody
	if !in.decode(w, r, &body) {
		return
	}
	if body.SignalID == "" {
		in.refuse(w, r, failure{status: http.StatusBadRequest, code: CodeBadRequest,
			message: "signalId is required (a stable idempotency token, e.g. the webhook event ID)", extra: map[string]any{"field": "signalId"}})
		return
	}
	res, err := in.cfg.Runtime.DeliverSignal(r.Context(), runtime.SignalRequest{
		RunID: r.PathValue("runID"), SignalID: body.SignalID, Name: r.PathValue("name"), StepID: body.StepID,
		Payload: body.Payload, Meta: body.Meta, Deadline: in.deadline(),
	})
	in.delivered(w, r, res, err, CodeSignalLost)
}

// approvalBody is the body of POST /runs/{runID}/approvals/{approvalID}.
type approvalBody struct {
	Approved *bool             `json:"approved"`
	Feedback string            `json:"feedback"`
	Meta     map[string]string `json:"meta"`
}

func (in *ingress) approval(w http.ResponseWriter, r *http.Request) {
	var body approvalBody
	if !in.decode(w, r, &body) {
		return
	}
	if body.Approved == nil {
		in.refuse(w, r, failure{status: http.StatusBadRequest, code: CodeBadRequest, message: "approved is required (true or false)",
			extra: map[string]any{"field": "approved"}})
		return
	}
	res, err := in.cfg.Runtime.DeliverApproval(r.Context(), runtime.ApprovalDecision{
		RunID: r.PathValue("runID"), ApprovalID: r.PathValue("approvalID"), Approved: *body.Approved,
		Feedback: body.Feedback, Meta: body.Meta, Deadline: in.deadline(),
	})
	in.delivered(w, r, res, err, CodeApprovalLost)
}

// delivered answers a signal or approval delivery.
func (in *ingress) delivered(w http.ResponseWriter, r *http.Request, res runtime.Result, err error, lostCode string) {
	if err != nil {
		in.refuse(w, r, classify(err))
		return
	}
	if f, failed := resultFailure(res, lostCode); failed {
		in.refuse(w, r, f)
		return
	}
	out := NewResultJSON(res)
	WriteJSON(w, deliveryStatus(out.Kind), map[string]any{"ok": true, "result": out})
}

func (in *ingress) get(w http.ResponseWriter, r *http.Request) {
	runID := r.PathValue("runID")
	if err := runtime.CheckID(runtime.FieldRunID, runID); err != nil {
		in.refuse(w, r, classify(err))
		return
	}
	run, err := in.cfg.Runtime.GetRun(r.Context(), runID)
	if errors.Is(err, store.ErrNotFound) {
		in.refuse(w, r, failure{status: http.StatusNotFound, code: CodeNotFound, message: "no such run"})
		return
	}
	if err != nil {
		in.refuse(w, r, classify(err))
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"ok": true, "run": NewRunJSON(run)})
}

func (in *ingress) openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(in.openAPIDoc)
}

// refuse writes f and logs it: internal failures at ERROR with their
// error, refusals at INFO. The log shows at most the first bytes of the
// path, as IDs in it may be huge or binary.
func (in *ingress) refuse(w http.ResponseWriter, r *http.Request, f failure) {
	attrs := []any{"method", r.Method, "path", truncate(r.URL.Path, maxLoggedPath), "status", f.status, "code", f.code}
	if f.err != nil {
		attrs = append(attrs, "err", f.err.Error())
	}
	if f.status >= http.StatusInternalServerError {
		in.cfg.Logger.Error("wf ingress: request failed", attrs...)
	} else {
		in.cfg.Logger.Info("wf ingress: request refused", attrs...)
	}
	writeFailure(w, f.status, f.code, f.message, f.extra)
}

// maxLoggedPath bounds the part of a path a log line shows.
const maxLoggedPath = 160

// truncate cuts s to its first n bytes, with its length appended, when
// longer.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:n], len(s))
}
