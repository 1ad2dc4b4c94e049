package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// payloadLimit is the store's size limit when it tells one
// (store.PayloadLimiter), else 0: the runtime then relies on the store's
// refusals alone.
func payloadLimit(s store.Store) int {
	if l, ok := s.(store.PayloadLimiter); ok {
		return max(l.MaxPayloadSize(), 0)
	}
	return 0
}

// checkDelivery refuses, before anything is stored, a delivery whose stored
// forms are over the store's limit: the delivery row (payload, meta and
// the fields around them) and the event that will resolve the wait with
// it. The error is a *wf.PayloadTooLargeError, errors.Is store.ErrTooLarge.
func (rt *Runtime) checkDelivery(d wf.Delivery) error {
	if rt.maxPayload <= 0 {
		return nil
	}
	row, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("runtime: encode delivery %s: %w", d.SignalID, err)
	}
	ev := resolvingEvent(d)
	enc, err := wf.EncodeEvent(ev)
	if err != nil {
		return fmt.Errorf("runtime: encode delivery %s: %w", d.SignalID, err)
	}
	if size := max(len(row), len(enc)); size > rt.maxPayload {
		return &wf.PayloadTooLargeError{StepID: d.StepID, Event: ev.Type, Size: size, Limit: rt.maxPayload}
	}
	return nil
}

// longestTime encodes to the longest timestamp a clock of this era gives
// (nanoseconds and a zone offset): the engine stamps the resolving event
// with its own clock reading when it consumes the delivery.
var longestTime = time.Date(2026, 1, 1, 0, 0, 0, 123456789, time.FixedZone("", -(9*3600+30*60)))

// resolvingEvent is the event the engine records when d resolves its wait,
// with the longest timestamp it may carry.
func resolvingEvent(d wf.Delivery) wf.Event {
	if d.ApprovalID != "" {
		approved := d.Approved
		return wf.Event{Type: wf.ApprovalResolved, Time: longestTime, StepID: d.StepID, ApprovalID: d.ApprovalID,
			Approved: &approved, Feedback: d.Feedback, Meta: d.Meta}
	}
	return wf.Event{Type: wf.SignalResolved, Time: longestTime, StepID: d.StepID, Name: d.Name,
		SignalID: d.SignalID, Payload: d.Payload, Meta: d.Meta}
}

// endRefused ends a run whose drive the store refused with ErrTooLarge
// (the runtime could not check first, or the limit changed): re-driving it
// would repeat the same step side effects and meet the same refusal. next
// is the log index after what the drive made durable; refused are the
// events the store refused, the largest of which the error names. When
// even the terminal event is refused, the run's state records the error
// alone.
func (rt *Runtime) endRefused(ctx context.Context, run store.Run, owner string, next int, refused []wf.Event, cause error) (Result, error) {
	msg := "the store refused the run's events"
	if ev, size := largest(refused); size > 0 {
		msg = fmt.Sprintf("the store refused the %s event of %q (%d bytes encoded)", ev.Type, ev.StepID, size)
	}
	info := &wf.ErrorInfo{Name: "PayloadTooLargeError", Code: wf.CodePayloadTooLarge,
		Message: shortText(msg+": "+cause.Error(), 512)}
	rt.logger.Warn("runtime: run ended: the store refused its events", "run", run.ID, "err", cause)
	now := rt.clock()
	c := store.Commit{RunID: run.ID, Owner: owner, Next: next, Status: wf.StatusErrored,
		LoadedSeq: run.DeliverySeq, Error: info, Now: now,
		Events: []wf.Event{{Type: wf.RunErrored, Time: now, RunID: run.ID, Error: info, Code: info.Code}}}
	err := rt.store.Commit(ctx, c)
	if errors.Is(err, store.ErrTooLarge) {
		c.Events, c.Next = nil, 0
		err = rt.store.Commit(ctx, c)
	}
	if err != nil {
		return rt.abandoned(ctx, run, owner, err)
	}
	return rt.ended(ctx, run, c), nil
}

// endCorrupt ends a run whose log or deliveries the store cannot decode
// (store.ErrCorrupt): it cannot be replayed, and re-driving it would fail
// the same way on every sweep. The log cannot be appended to without
// knowing its length, so only the run's state records the error; the
// stored rows are left as they are for inspection.
func (rt *Runtime) endCorrupt(ctx context.Context, run store.Run, owner string, cause error) (Result, error) {
	info := &wf.ErrorInfo{Name: "CorruptError", Code: wf.CodeCorrupt,
		Message: shortText("the run's stored state does not decode: "+cause.Error(), 512)}
	rt.logger.Error("runtime: run ended: its stored state does not decode", "run", run.ID, "err", cause)
	c := store.Commit{RunID: run.ID, Owner: owner, Status: wf.StatusErrored,
		LoadedSeq: run.DeliverySeq, Error: info, Now: rt.clock()}
	if err := rt.store.Commit(ctx, c); err != nil {
		return rt.abandoned(ctx, run, owner, err)
	}
	return rt.ended(ctx, run, c), nil
}

// ended is the result of a terminal commit c of run, counted in the
// metrics.
func (rt *Runtime) ended(ctx context.Context, run store.Run, c store.Commit) Result {
	rt.metrics.runEnded(ctx, run.WorkflowID, c.Status, c.Error)
	run.Status, run.Error, run.Awaiting, run.WakeAt = c.Status, c.Error, nil, nil
	run.LeaseOwner, run.LeaseExpiresAt, run.UpdatedAt = "", nil, c.Now
	run.Parked = nil // a commit clears the park mark
	return Result{Kind: kindOf(c.Status), Run: run, EventCount: len(c.Events)}
}

// largest returns the event of evs with the longest encoding, and its
// length.
func largest(evs []wf.Event) (wf.Event, int) {
	var big wf.Event
	size := 0
	for _, ev := range evs {
		if b, err := wf.EncodeEvent(ev); err == nil && len(b) > size {
			big, size = ev, len(b)
		}
	}
	return big, size
}

// shortText cuts s to n bytes.
func shortText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
