package wf

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
)

// Replay consumes the log in order. Each operation the code reaches must be
// the next recorded one that is not yet consumed: the code may not skip a
// recorded operation, reach recorded operations in another order, or
// insert a new operation before recorded ones. Once every recorded
// operation is consumed, what the code reaches is fresh work, so steps
// appended after the recorded ones are allowed. An operation's events stay
// together in the log (a wait's request and its resolution, a step's
// durable retry timers and its checkpoint), so the check looks only at the
// first unconsumed event.

// reach marks an operation ID as reached; it ends the run on an empty or
// duplicate ID.
func (e *execution) reach(id, what string) {
	if e.ended {
		runtime.Goexit()
	}
	if e.ctx.Err() != nil {
		e.abortCtx()
	}
	if id == "" {
		e.failNow(fmt.Errorf("wf: %s called with an empty operation ID", what), CodeError)
	}
	if e.reached[id] {
		e.failNow(fmt.Errorf("wf: operation ID %q reached twice in one execution (second call: %s); give each call its own ID, e.g. %q in a loop", id, what, id+"-2"), CodeError)
	}
	e.reached[id] = true
}

// enter reaches an operation, checks that the log records it next, and
// returns its recorded events (none when it is fresh).
func (e *execution) enter(id, what string, allowed ...EventType) []Event {
	e.reach(id, what)
	e.expect(id, what, false)
	return e.consume(id, what, allowed...)
}

// expect ends the run with a *NondeterminismError unless the next
// unconsumed recorded event belongs to the operation the code reached, or
// the log has no more. A step (step true) also owns its durable retry
// timers, recorded before its checkpoint. A terminal event is never
// matched: code that goes on past the recorded end of a run diverges.
func (e *execution) expect(id, what string, step bool) {
	i, ok := e.nextRecorded()
	if !ok {
		return
	}
	ev := e.inv.Log[i]
	owner, _, retry := strings.Cut(ev.StepID, retryMark)
	if ev.StepID != "" && (ev.StepID == id || (step && retry && owner == id)) {
		return
	}
	e.failNow(&NondeterminismError{Expected: ev.StepID, Recorded: ev.Type, Index: i, Found: id, Want: what}, CodeNondeterminism)
}

// consume returns the recorded events of an operation and marks them
// consumed. A recorded event of a kind not in allowed ends the run with a
// *NondeterminismError.
func (e *execution) consume(id, what string, allowed ...EventType) []Event {
	idx := e.byStep[id]
	evs := make([]Event, 0, len(idx))
	for _, i := range idx {
		ev := e.inv.Log[i]
		if !slices.Contains(allowed, ev.Type) {
			e.failNow(&NondeterminismError{Expected: id, Recorded: ev.Type, Index: i, Found: id, Want: what}, CodeNondeterminism)
		}
		e.consumed[i] = true
		evs = append(evs, ev)
	}
	return evs
}

// nextRecorded returns the index of the first recorded event not yet
// consumed that the code must reach: an operation's event, or the run's
// recorded end; false when there is none. Events tied to no operation
// (a terminal event that is not the log's last) hold no code position.
func (e *execution) nextRecorded() (int, bool) {
	log := e.inv.Log
	for e.cursor < len(log) {
		ev := log[e.cursor]
		end := e.cursor == len(log)-1 && ev.Type.Terminal()
		if !e.consumed[e.cursor] && (ev.StepID != "" || end) {
			break
		}
		e.cursor++
	}
	return e.cursor, e.cursor < len(log)
}

// unreached returns the divergence of a handler that returned while the
// log still records operations it did not reach; nil when it reached them
// all (a recorded terminal event is the return itself).
func (e *execution) unreached() *NondeterminismError {
	i, ok := e.nextRecorded()
	if !ok || e.inv.Log[i].Type.Terminal() {
		return nil
	}
	ev := e.inv.Log[i]
	return &NondeterminismError{Expected: ev.StepID, Recorded: ev.Type, Index: i, Want: "return"}
}

// undecodable ends the run when an operation's recorded value does not
// decode into what the code now expects: the code changed its type.
func (e *execution) undecodable(id, what string, recorded EventType, err error) {
	e.failNow(&NondeterminismError{Expected: id, Recorded: recorded, Index: e.recordedIndex(id), Found: id, Want: what, Cause: err}, CodeNondeterminism)
}

// recordedIndex returns the log index of an operation's last recorded
// event, or -1.
func (e *execution) recordedIndex(id string) int {
	if idx := e.byStep[id]; len(idx) > 0 {
		return idx[len(idx)-1]
	}
	return -1
}

// positional returns the next generated ID of a kind: "__now-0", …
func (e *execution) positional(kind string) string {
	n := e.counters[kind]
	e.counters[kind] = n + 1
	return fmt.Sprintf("__%s-%d", kind, n)
}

// replaying reports whether recorded operations remain ahead of the code.
func (e *execution) replaying() bool {
	i, ok := e.nextRecorded()
	return ok && !e.inv.Log[i].Type.Terminal()
}
