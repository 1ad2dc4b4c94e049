package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"go.opentelemetry.io/otel/metric"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// Default bounds of the deliveries a run keeps for waits it has not
// reached (Config.MaxBufferedSignals, Config.MaxBufferedBytes).
const (
	DefaultMaxBufferedSignals = 100
	DefaultMaxBufferedBytes   = 1 << 20
)

// deliver stores d in one store round trip and answers the sender: a
// delivery for a wait the run awaits now drives the run; one for a wait it
// has not reached is kept (KindAccepted), and so is one for a run another
// invocation drives.
func (rt *Runtime) deliver(ctx context.Context, runID string, d wf.Delivery, strict bool, lostCode wf.ErrorCode, opts driveOptions) (Result, error) {
	if err := rt.checkDelivery(d); err != nil {
		return Result{}, fmt.Errorf("runtime: deliver %s to run %s: %w", d.SignalID, runID, err)
	}
	check := store.BufferEarly
	if strict || rt.strictSignals {
		check = store.StrictWait
	}
	res, err := rt.store.Deliver(ctx, runID, d, store.DeliverOptions{
		Check: check, MaxBuffered: rt.maxBuffered, MaxBufferedBytes: rt.maxBufferedBytes,
	})
	if err != nil {
		return Result{}, fmt.Errorf("runtime: deliver %s to run %s: %w", d.SignalID, runID, err)
	}
	switch res.Status {
	case store.RunNotFound:
		return Result{Kind: KindNotFound}, nil
	case store.Duplicate:
		return Result{Kind: KindDuplicate, Run: res.Run}, nil
	case store.Lost:
		return Result{Kind: KindLost, Run: res.Run, Code: lostCode}, nil
	case store.Ended, store.NotWaiting:
		if res.Winner != nil {
			// A different delivery already resolved the same wait: the
			// loser is told so rather than "not waiting".
			return Result{Kind: KindLost, Run: res.Run, Code: lostCode}, nil
		}
		return Result{Kind: KindNotWaiting, Run: res.Run}, nil
	case store.BufferFull:
		return Result{}, fmt.Errorf("%w: run %s keeps at most %d deliveries (%d bytes) for waits it has not reached; %s not stored",
			ErrBufferFull, runID, rt.maxBuffered, rt.maxBufferedBytes, d.SignalID)
	case store.Buffered:
		rt.metrics.buffered.Add(ctx, 1, metric.WithAttributes(attrMetricWorkflow.String(res.Run.WorkflowID)))
		if res.Run.Status == wf.StatusPaused || rt.wakeHolder(runID) {
			// Paused on something else: the wait takes it when reached.
			return Result{Kind: KindAccepted, Run: res.Run}, nil
		}
	}
	// Delivered, or buffered for a run being driven or ready to be: drive
	// it now unless another invocation holds it.
	out, err := rt.claimAndDrive(ctx, runID, opts)
	if err == nil && out.Kind == KindQueued {
		// Kept for the run, which starts once its queue admits it.
		out.Kind = KindAccepted
	}
	if err == nil && out.Kind == KindNotClaimable {
		rt.wakeHolder(runID)
		rt.logger.Debug("runtime: delivery stored for a run driven elsewhere; its driver or the next sweep applies it",
			"run", runID, "signal", d.SignalID)
		out.Kind = KindAccepted
		if out.Run.ID == "" {
			out.Run = res.Run
		}
	}
	return out, err
}

// validateSignal checks a signal's payload before anything is stored, so
// that delivering costs one store round trip: by the runtime's Signals
// validators; else by workflowID's declaration, when given; else by the
// registered workflows that declare the name (the payload must satisfy one
// of them); a name that no workflow declares is unknown when every
// workflow declares its signals, and otherwise needs only be JSON.
func (rt *Runtime) validateSignal(workflowID, name string, payload json.RawMessage) error {
	if v, ok := rt.signals[name]; ok {
		return validate(v, payload)
	}
	if workflowID != "" {
		w, ok := rt.workflows[workflowID]
		if !ok {
			return fmt.Errorf("%w %q", ErrUnknownWorkflow, workflowID)
		}
		if w.Signals != nil {
			v, known := w.Signals[name]
			if !known {
				return fmt.Errorf("%w %q for workflow %q", ErrUnknownSignal, name, workflowID)
			}
			return validate(v, payload)
		}
		return validJSON(name, payload)
	}
	var first error
	declared, strict := false, true
	for _, id := range rt.WorkflowIDs() {
		w := rt.workflows[id]
		if w.Signals == nil {
			strict = false
			continue
		}
		v, known := w.Signals[name]
		if !known {
			continue
		}
		declared = true
		err := validate(v, payload)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	switch {
	case declared:
		return first
	case strict && len(rt.workflows) > 0:
		return fmt.Errorf("%w %q: no registered workflow declares it", ErrUnknownSignal, name)
	}
	return validJSON(name, payload)
}

func validate(v wf.Validator, payload json.RawMessage) error {
	if v == nil {
		return nil
	}
	return v(payload)
}

func validJSON(name string, payload json.RawMessage) error {
	if len(payload) > 0 && !json.Valid(payload) {
		return &wf.ValidationError{Subject: "signal " + name, Issues: []wf.ValidationIssue{{Message: "not valid JSON"}}}
	}
	return nil
}

// bufferedDeliveries returns the execution's deliveries listed in
// Run.Buffered, in that (arrival) order.
func bufferedDeliveries(ex store.Execution) []wf.Delivery {
	var out []wf.Delivery
	for _, id := range ex.Run.Buffered {
		if i := slices.IndexFunc(ex.Deliveries, func(d wf.Delivery) bool { return d.SignalID == id }); i >= 0 {
			out = append(out, ex.Deliveries[i])
		}
	}
	return out
}

// engineDeliveries orders an execution's deliveries for the engine: those
// for a step first, then those sent by name (no StepID) in arrival order
// (Run.Buffered), so that a wait takes the oldest first.
func engineDeliveries(ex store.Execution) []wf.Delivery {
	var targeted, byName []wf.Delivery
	for _, d := range ex.Deliveries {
		if d.StepID != "" {
			targeted = append(targeted, d)
		} else {
			byName = append(byName, d)
		}
	}
	pos := func(d wf.Delivery) int {
		if i := slices.Index(ex.Run.Buffered, d.SignalID); i >= 0 {
			return i
		}
		return len(ex.Run.Buffered)
	}
	slices.SortStableFunc(byName, func(a, b wf.Delivery) int {
		if c := pos(a) - pos(b); c != 0 {
			return c
		}
		return a.Time.Compare(b.Time)
	})
	return append(targeted, byName...)
}

// consumedBuffered returns the IDs of Run.Buffered that the log resolves:
// a delivery by name when a SIGNAL_RESOLVED names its signal ID, one for a
// named step when that step is resolved.
func consumedBuffered(ex store.Execution, more ...[]wf.Event) []string {
	if len(ex.Run.Buffered) == 0 {
		return nil
	}
	signals, steps := map[string]bool{}, map[string]bool{}
	for _, evs := range append([][]wf.Event{ex.Events}, more...) {
		for _, ev := range evs {
			if ev.Type == wf.SignalResolved || ev.Type == wf.ApprovalResolved {
				steps[ev.StepID] = true
				if ev.SignalID != "" {
					signals[ev.SignalID] = true
				}
			}
		}
	}
	var out []string
	for _, d := range bufferedDeliveries(ex) {
		if (d.StepID == "" && signals[d.SignalID]) || (d.StepID != "" && steps[d.StepID]) {
			out = append(out, d.SignalID)
		}
	}
	return out
}
