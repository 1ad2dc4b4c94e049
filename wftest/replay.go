package wftest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
)

// Divergence is how a workflow's code departs from a recorded history.
type Divergence struct {
	RunID      string
	WorkflowID string
	Version    string
	// Index is the log index of the first recorded event the code does
	// not replay, or -1 when the divergence is in the run's outcome.
	Index int
	// StepID is that event's operation ID, if any.
	StepID string
	// Reason says what differs.
	Reason string
	// cause is the engine's divergence, when the code left the log.
	cause *wf.NondeterminismError
}

// Unwrap returns the engine's *wf.NondeterminismError when the code does
// not replay the log; nil when only the outcome differs.
func (d *Divergence) Unwrap() error {
	if d.cause == nil {
		return nil
	}
	return d.cause
}

func (d *Divergence) Error() string {
	at := "in its outcome"
	if d.Index >= 0 {
		at = fmt.Sprintf("at event %d", d.Index)
		if d.StepID != "" {
			at += fmt.Sprintf(" (operation %q)", d.StepID)
		}
	}
	return fmt.Sprintf("wftest: run %s of workflow %q version %q diverges from its history %s: %s",
		d.RunID, d.WorkflowID, d.Version, at, d.Reason)
}

// ReplayFile reads a history file written from runtime.History.JSON and
// replays it as Replay does.
func ReplayFile(t testing.TB, def *wf.Definition, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("wftest: %v", err)
	}
	h, err := runtime.ParseHistory(data)
	if err != nil {
		t.Fatalf("wftest: %s: %v", path, err)
	}
	Replay(t, def, h)
}

// Replay replays a recorded history against def (the current code, with
// its previous versions) and fails t with the divergence, if any.
func Replay(t testing.TB, def *wf.Definition, h runtime.History) {
	t.Helper()
	if err := CheckReplay(def, h); err != nil {
		t.Fatal(err)
	}
}

// CheckReplay replays h against def without running any step function and
// returns a *Divergence when the code does not reach the recorded
// operations in their recorded kinds, reaches new durable calls before
// recorded ones, or (for an ended run) ends another way. Other errors say
// why the replay could not be done. The engine decides what diverges
// (wf.Invocation.ReplayOnly); a *Divergence unwraps to its
// *wf.NondeterminismError.
func CheckReplay(def *wf.Definition, h runtime.History) error {
	if def == nil {
		return errors.New("wftest: nil definition")
	}
	if err := def.Err(); err != nil {
		return fmt.Errorf("wftest: broken definition: %w", err)
	}
	if def.ID() != h.WorkflowID {
		return fmt.Errorf("wftest: history of workflow %q replayed against %q", h.WorkflowID, def.ID())
	}
	diverge := func(index int, stepID, reason string) *Divergence {
		return &Divergence{RunID: h.RunID, WorkflowID: h.WorkflowID, Version: h.Version, Index: index, StepID: stepID, Reason: reason}
	}
	d, err := def.Resolve(h.Version)
	if err != nil {
		return diverge(-1, "", err.Error())
	}
	log, end := h.Events, ownEnd(h.Events)
	if end == nil {
		// An end the runtime decided (a cancel, a timeout, a divergence)
		// is not the code's: replay up to it only.
		log, _ = splitTerminal(h.Events)
	}
	out, err := d.Execute(context.Background(), wf.Invocation{
		RunID:      h.RunID,
		Input:      h.Input,
		Log:        log,
		Deliveries: h.Deliveries,
		Clock:      replayClock(h),
		ReplayOnly: true,
	})
	if err != nil {
		return fmt.Errorf("wftest: replay of run %s: %w", h.RunID, err)
	}
	if nd := out.Divergence; nd != nil {
		dv := diverge(nd.Index, nd.Expected, nd.Error())
		dv.cause = nd
		return dv
	}
	if reason := outcomeDiffers(end, out); reason != "" {
		return diverge(-1, "", reason)
	}
	return nil
}

// replayClock reads the time of the history's last change, so that a
// replay is the same whenever it runs.
func replayClock(h runtime.History) func() time.Time {
	now := h.UpdatedAt
	if n := len(h.Events); n > 0 && h.Events[n-1].Time.After(now) {
		now = h.Events[n-1].Time
	}
	return func() time.Time { return now }
}

// ownEnd returns the log's terminal event when the workflow's code decided
// it (a return, a returned error, a failed validation); nil otherwise.
func ownEnd(log []wf.Event) *wf.Event {
	_, end := splitTerminal(log)
	if end == nil || end.Type == wf.RunErrored && !codeOfTheCode(end.Code) {
		return nil
	}
	return end
}

// splitTerminal returns the log without a final terminal event, and that
// event (nil when the run has not ended).
func splitTerminal(log []wf.Event) ([]wf.Event, *wf.Event) {
	if n := len(log); n > 0 && log[n-1].Type.Terminal() {
		return log[:n-1], &log[n-1]
	}
	return log, nil
}

// outcomeDiffers compares a replayed outcome with the terminal event the
// code recorded (see ownEnd).
func outcomeDiffers(end *wf.Event, out wf.Outcome) string {
	if end == nil {
		return ""
	}
	switch {
	case end.Type == wf.RunFinished && out.Status != wf.OutcomeFinished:
		return fmt.Sprintf("the run finished; replayed, it is %s%s", out.Status, errSuffix(out))
	case end.Type == wf.RunFinished && !sameJSON(end.Output, out.Output):
		return fmt.Sprintf("the run finished with output %s; replayed, it returns %s", end.Output, out.Output)
	case end.Type == wf.RunErrored && codeOfTheCode(end.Code):
		if out.Status != wf.OutcomeErrored || out.Error.Code != end.Code || end.Error == nil || out.Error.Message != end.Error.Message {
			return fmt.Sprintf("the run errored (%s: %s); replayed, it is %s%s", end.Code, messageOf(end.Error), out.Status, errSuffix(out))
		}
	}
	return ""
}

// codeOfTheCode reports whether an error code comes from the workflow's
// own code (a returned error or a failed validation), not the runtime.
func codeOfTheCode(c wf.ErrorCode) bool {
	return c == wf.CodeError || c == wf.CodeValidation || c == ""
}

func errSuffix(out wf.Outcome) string {
	if out.Error != nil {
		return fmt.Sprintf(" (%s: %s)", out.Error.Code, out.Error.Message)
	}
	return ""
}

func messageOf(info *wf.ErrorInfo) string {
	if info == nil {
		return ""
	}
	return info.Message
}

func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}
