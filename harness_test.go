package wf_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wfgo/wf"
)

// memJournal is an in-memory log with compare-and-swap appends.
type memJournal struct {
	mu     sync.Mutex
	events []wf.Event
	// failNext, when set, is returned by the next Append.
	failNext error
}

func (j *memJournal) Append(_ context.Context, next int, evs []wf.Event) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.failNext; err != nil {
		j.failNext = nil
		return err
	}
	if next != len(j.events) {
		return fmt.Errorf("append at %d, log has %d: %w", next, len(j.events), wf.ErrConflict)
	}
	j.events = append(j.events, evs...)
	return nil
}

// harness drives one run through the engine the way the runtime does:
// load the log, execute, commit the pending events.
type harness struct {
	t          testing.TB
	def        *wf.Definition
	input      json.RawMessage
	log        memJournal
	deliveries []wf.Delivery
	clock      time.Time
	deadline   time.Time
	minYield   time.Duration
	// maxEventSize is the store's limit the invocation is given.
	maxEventSize int
	published    []wf.Event
	uuids        int
	// journal, when set, is the invocations' Journal instead of log (a
	// wrapper of it); drive still commits outcomes to log.
	journal wf.Journal
}

var t0 = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

func newHarness(t testing.TB, def *wf.Definition, input any) *harness {
	t.Helper()
	if err := def.Err(); err != nil {
		t.Fatalf("definition: %v", err)
	}
	raw, err := json.Marshal(input)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, def: def, input: raw, clock: t0}
}

func (h *harness) invocation() wf.Invocation {
	h.log.mu.Lock()
	logCopy := append([]wf.Event(nil), h.log.events...)
	h.log.mu.Unlock()
	var journal wf.Journal = &h.log
	if h.journal != nil {
		journal = h.journal
	}
	return wf.Invocation{
		RunID:             "run-1",
		Input:             h.input,
		Log:               logCopy,
		Deliveries:        h.deliveries,
		Journal:           journal,
		Clock:             func() time.Time { return h.clock },
		NewUUID:           func() string { h.uuids++; return fmt.Sprintf("uuid-%d", h.uuids) },
		Deadline:          h.deadline,
		MinYieldRemaining: h.minYield,
		MaxEventSize:      h.maxEventSize,
		Publish:           func(ev wf.Event) { h.published = append(h.published, ev) },
	}
}

// drive executes once and commits, failing the test on an engine error.
func (h *harness) drive() wf.Outcome {
	h.t.Helper()
	out, err := h.tryDrive()
	if err != nil {
		h.t.Fatalf("Execute: %v", err)
	}
	return out
}

func (h *harness) tryDrive() (wf.Outcome, error) {
	def, err := h.def.Resolve("")
	if err != nil {
		return wf.Outcome{}, err
	}
	out, err := def.Execute(context.Background(), h.invocation())
	if err != nil {
		return out, err
	}
	if len(out.Pending) > 0 {
		if err := h.log.Append(context.Background(), out.Next, out.Pending); err != nil {
			h.t.Fatalf("commit: %v", err)
		}
	}
	return out, nil
}

func (h *harness) deliver(d wf.Delivery) { h.deliveries = append(h.deliveries, d) }

func (h *harness) events() []wf.Event {
	h.log.mu.Lock()
	defer h.log.mu.Unlock()
	return append([]wf.Event(nil), h.log.events...)
}

// kinds returns "TYPE:stepId" for each logged event.
func (h *harness) kinds() []string {
	var out []string
	for _, ev := range h.events() {
		s := string(ev.Type)
		if ev.StepID != "" {
			s += ":" + ev.StepID
		}
		out = append(out, s)
	}
	return out
}

func mustJSON(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
