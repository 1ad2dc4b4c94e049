package storetest

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// payloadLimitCases hold a store that implements store.PayloadLimiter to
// its word: a value whose stored form is exactly the limit is stored, one
// byte more is refused with ErrTooLarge and nothing is written. Stores
// without a limit skip them.
var payloadLimitCases = []testCase{
	{"EventMeasuredByEncoding", testLimitEvent},
	{"DeliveryMeasuredByEncoding", testLimitDelivery},
	{"OutputMeasuredByLength", testLimitOutput},
	{"InputMeasuredByLength", testLimitInput},
}

// limitOf returns the store's limit, or skips the case.
func (h *harness) limitOf() int {
	h.t.Helper()
	l, ok := h.s.(store.PayloadLimiter)
	if !ok || l.MaxPayloadSize() <= 0 {
		h.t.Skip("the store declares no payload limit (store.PayloadLimiter)")
	}
	return l.MaxPayloadSize()
}

// padded returns a JSON string that makes measure(value) exactly size
// bytes, measure growing by one byte per character of the string.
func padded(t *testing.T, size int, measure func(json.RawMessage) int) json.RawMessage {
	t.Helper()
	n := size - measure(json.RawMessage(`""`))
	if n < 0 {
		t.Fatalf("the limit %d is smaller than an empty value", size)
	}
	return json.RawMessage(`"` + strings.Repeat("x", n) + `"`)
}

func wantTooLarge(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrTooLarge) {
		t.Errorf("%s: error = %v, want ErrTooLarge", what, err)
	}
}

func testLimitEvent(t *testing.T, h *harness) {
	limit := h.limitOf()
	h.createLeased("run-1", ownerA, base)
	event := func(result json.RawMessage) wf.Event {
		return wf.Event{Type: wf.StepFinished, Time: at(0), StepID: "fetch", Result: result, Meta: map[string]string{"k": "v"}}
	}
	result := padded(t, limit, func(r json.RawMessage) int {
		b, err := wf.EncodeEvent(event(r))
		if err != nil {
			t.Fatal(err)
		}
		return len(b)
	})
	over := append(json.RawMessage(`"x`), result[1:]...)
	err := h.s.Append(h.ctx, "run-1", store.Append{Owner: ownerA, Next: 0, Events: []wf.Event{event(over)}})
	wantTooLarge(t, "Append of an event one byte over the limit", err)
	err = h.s.Commit(h.ctx, store.Commit{RunID: "run-1", Owner: ownerA, Next: 0, Events: []wf.Event{event(over)}, Status: wf.StatusRunning, Now: at(0)})
	wantTooLarge(t, "Commit of an event one byte over the limit", err)
	if evs := h.events("run-1"); len(evs) != 0 {
		t.Fatalf("refused writes stored %d events", len(evs))
	}
	h.appendEvents("run-1", ownerA, 0, []wf.Event{event(result)})
	if evs := h.events("run-1"); len(evs) != 1 {
		t.Errorf("an event of exactly the limit: %d events stored, want 1", len(evs))
	}
}

func testLimitDelivery(t *testing.T, h *harness) {
	limit := h.limitOf()
	h.create(newRun("run-1"))
	delivery := func(payload json.RawMessage) wf.Delivery {
		d := signal("wait-a", "sig-1")
		d.Payload, d.Meta = payload, map[string]string{"source": "webhook"}
		return d
	}
	payload := padded(t, limit, func(p json.RawMessage) int {
		b, err := json.Marshal(delivery(p))
		if err != nil {
			t.Fatal(err)
		}
		return len(b)
	})
	over := append(json.RawMessage(`"x`), payload[1:]...)
	if len(over) > limit {
		t.Fatalf("the payload alone is over the limit: the case checks the delivery's stored form")
	}
	_, err := h.s.Deliver(h.ctx, "run-1", delivery(over), store.DeliverOptions{})
	wantTooLarge(t, "Deliver whose encoding is one byte over the limit", err)
	h.checkDeliveries("a refused delivery", "run-1", 0, nil)
	if res := h.deliver("run-1", delivery(payload)); res.Status != store.Delivered {
		t.Errorf("Deliver whose encoding is exactly the limit: %s, want delivered", res.Status)
	}
}

func testLimitOutput(t *testing.T, h *harness) {
	limit := h.limitOf()
	h.createLeased("run-1", ownerA, base)
	output := padded(t, limit, func(o json.RawMessage) int { return len(o) })
	over := append(json.RawMessage(`"x`), output[1:]...)
	err := h.s.Commit(h.ctx, store.Commit{RunID: "run-1", Owner: ownerA, Status: wf.StatusFinished, Output: over, Now: at(0)})
	wantTooLarge(t, "Commit of an output one byte over the limit", err)
	if run := h.get("run-1"); run.Status != wf.StatusRunning || run.LeaseOwner != ownerA {
		t.Fatalf("after a refused commit the run is %s leased to %q, want unchanged", run.Status, run.LeaseOwner)
	}
	h.commit(store.Commit{RunID: "run-1", Owner: ownerA, Status: wf.StatusFinished, Output: output, Now: at(0)})
	if run := h.get("run-1"); run.Status != wf.StatusFinished {
		t.Errorf("an output of exactly the limit: run %s, want finished", run.Status)
	}
}

func testLimitInput(t *testing.T, h *harness) {
	limit := h.limitOf()
	input := padded(t, limit, func(in json.RawMessage) int { return len(in) })
	nr := newRun("too-big")
	nr.Input = append(json.RawMessage(`"x`), input[1:]...)
	_, _, err := h.s.CreateRun(h.ctx, nr)
	wantTooLarge(t, "CreateRun with an input one byte over the limit", err)
	if _, err := h.s.GetRun(h.ctx, "too-big"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetRun after a refused CreateRun: %v, want ErrNotFound", err)
	}
	nr = newRun("just-fits")
	nr.Input = input
	h.create(nr)

	b := bucket("digest", at(time.Minute))
	lease := leaseAt(ownerA, at(2*time.Minute))
	h.claimOne(b, ownerA, lease.Now)
	req := startReq(b, ownerA, false, lease.Now)
	req.Run.Input = append(json.RawMessage(`"x`), input[1:]...)
	_, err = h.s.StartBucket(h.ctx, req)
	wantTooLarge(t, "StartBucket with an input one byte over the limit", err)
	h.wantUnstarted(b, ownerA, lease)
}
