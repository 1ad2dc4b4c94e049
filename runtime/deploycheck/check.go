package deploycheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
)

// Reasons a run cannot be resumed; they are wf's error codes.
const (
	// ReasonVersionMismatch: the run's recorded version is not in its
	// workflow's router.
	ReasonVersionMismatch = string(wf.CodeVersionMismatch)
	// ReasonNondeterminism: the run's log does not replay against the
	// code.
	ReasonNondeterminism = string(wf.CodeNondeterminism)
)

// reasonReplayFailed: the replay ended in an error that carries no code of
// its own.
const reasonReplayFailed = "replay_failed"

// Run is a run not ended, as wfgen reads it from the store.
type Run struct {
	ID         string          `json:"id"`
	WorkflowID string          `json:"workflowId"`
	Version    string          `json:"version"`
	Input      json.RawMessage `json:"input,omitempty"`
	Events     []wf.Event      `json:"events,omitempty"`
	Deliveries []wf.Delivery   `json:"deliveries,omitempty"`
}

// Verdict says whether the code can resume a run.
type Verdict struct {
	RunID string `json:"runId"`
	// Reason is "" when the run replays; otherwise ReasonVersionMismatch,
	// ReasonNondeterminism, or the code of the error the replay ended with.
	Reason string `json:"reason,omitempty"`
	// Operations are the operation IDs that diverge: the one the log
	// records next and the one the code reached, when they differ.
	Operations []string `json:"operations,omitempty"`
	// Detail is the reason in words, for the report.
	Detail string `json:"detail,omitempty"`
}

// Resumable reports whether the run replays against the code.
func (v Verdict) Resumable() bool { return v.Reason == "" }

// Check replays run against the definition its workflow routes it to.
// defs maps workflow IDs to their latest definitions; a run of a workflow
// not in defs is resumable as far as these definitions know.
func Check(ctx context.Context, defs map[string]*wf.Definition, run Run) Verdict {
	v := Verdict{RunID: run.ID}
	latest, ok := defs[run.WorkflowID]
	if !ok {
		return v
	}
	def, err := latest.Resolve(run.Version)
	if err != nil {
		v.Reason, v.Detail = ReasonVersionMismatch, err.Error()
		return v
	}
	out, err := def.Execute(ctx, wf.Invocation{
		RunID:      run.ID,
		Input:      run.Input,
		Log:        run.Events,
		Deliveries: run.Deliveries,
		ReplayOnly: true,
	})
	switch {
	case err != nil:
		v.Reason, v.Detail = reasonReplayFailed, err.Error()
	case out.Divergence != nil:
		v.Reason, v.Detail = ReasonNondeterminism, out.Divergence.Error()
		v.Operations = divergingOperations(out.Divergence)
	case out.Status == wf.OutcomeErrored:
		v.Reason, v.Detail = errorReason(out.Error)
	}
	return v
}

// divergingOperations names the operations of a divergence, each once.
func divergingOperations(d *wf.NondeterminismError) []string {
	var ops []string
	for _, id := range []string{d.Expected, d.Found} {
		if id != "" && (len(ops) == 0 || ops[0] != id) {
			ops = append(ops, id)
		}
	}
	return ops
}

// errorReason reports a replay that ended in an error other than a
// divergence: a panic or a failure of the handler outside its steps.
func errorReason(info *wf.ErrorInfo) (reason, detail string) {
	if info == nil {
		return reasonReplayFailed, "the replay ended in an error"
	}
	reason = string(info.Code)
	if reason == "" {
		reason = reasonReplayFailed
	}
	detail = info.Message
	if !strings.HasPrefix(detail, reason) {
		detail = fmt.Sprintf("%s: %s", reason, detail)
	}
	return reason, detail
}

// definitions maps each workflow ID to its latest definition; a workflow
// registered twice or a definition with a mistake is an error.
func definitions(workflows []runtime.Workflow) (map[string]*wf.Definition, error) {
	defs := map[string]*wf.Definition{}
	for _, w := range workflows {
		d := w.Definition
		if d == nil {
			return nil, errors.New("deploycheck: a workflow has a nil Definition")
		}
		if err := d.Err(); err != nil {
			return nil, fmt.Errorf("deploycheck: workflow %q: %w", d.ID(), err)
		}
		if _, dup := defs[d.ID()]; dup {
			return nil, fmt.Errorf("deploycheck: workflow %q is registered twice", d.ID())
		}
		defs[d.ID()] = d
	}
	return defs, nil
}
