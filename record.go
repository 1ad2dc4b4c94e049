package wf

import (
	"encoding/json"
	"fmt"
	"time"
)

// Now returns the current time, recorded on first execution and replayed
// after, so that code depending on it stays deterministic.
func Now(ctx *Context, opts ...OpOption) time.Time {
	e := ctx.e
	id := e.opID("now", opts)
	evs := e.enter(id, "Now", NowRecorded)
	if len(evs) > 0 {
		var t time.Time
		if err := json.Unmarshal(evs[0].Value, &t); err != nil {
			e.undecodable(id, "Now", NowRecorded, fmt.Errorf("recorded value %s is not a time: %w", truncate(evs[0].Value, 80), err))
		}
		return t
	}
	t := e.now()
	b, _ := json.Marshal(t)
	e.record(Event{Type: NowRecorded, StepID: id, Value: b})
	return t
}

// UUID returns a random UUID (version 4), recorded on first execution and
// replayed after.
func UUID(ctx *Context, opts ...OpOption) string {
	e := ctx.e
	id := e.opID("uuid", opts)
	evs := e.enter(id, "UUID", UUIDRecorded)
	if len(evs) > 0 {
		var s string
		if err := json.Unmarshal(evs[0].Value, &s); err != nil {
			e.undecodable(id, "UUID", UUIDRecorded, fmt.Errorf("recorded value %s is not a string: %w", truncate(evs[0].Value, 80), err))
		}
		return s
	}
	s := e.inv.NewUUID()
	b, _ := json.Marshal(s)
	e.record(Event{Type: UUIDRecorded, StepID: id, Value: b})
	return s
}

// Emit publishes a live CUSTOM event to the runtime's subscribers. It is
// not durable and is skipped while the run replays recorded work.
func Emit(ctx *Context, name string, value any) {
	e := ctx.e
	if e.replaying() {
		return
	}
	b, err := json.Marshal(value)
	if err != nil {
		e.log().Warn("wf: Emit: value does not encode", "name", name, "err", err)
		return
	}
	e.publish(Event{Type: Custom, Name: name, Value: b})
}

// Yield ends this invocation cooperatively; the run stays running and the
// next sweep resumes it. Long loops call it when ShouldYield reports true.
func Yield(ctx *Context) {
	e := ctx.e
	if e.ended {
		return
	}
	e.stop(Outcome{Status: OutcomeYielded})
}
