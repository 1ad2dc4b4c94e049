package storetest

import (
	"fmt"
	"testing"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

var appendCases = []testCase{
	{"AppendsInOrder", testAppendInOrder},
	{"TakenIndexConflictsWritesNothing", testAppendConflict},
	{"NonOwnerLeaseLostWritesNothing", testAppendNonOwner},
	{"MissingRunFails", testAppendMissing},
}

var eventsCases = []testCase{
	{"ReturnsWindow", testEventsWindow},
	{"MissingRunHasNoEvents", testEventsMissing},
}

func testAppendInOrder(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	h.appendEvents("run-1", ownerA, 0, steps(0, 2))
	h.appendEvents("run-1", ownerA, 2, steps(2, 1))
	h.appendEvents("run-1", ownerA, 3, steps(3, 3))
	diff(t, "Events(0, 0) after three Appends", steps(0, 6), h.events("run-1"))
	diff(t, "LoadExecution.Events after three Appends", steps(0, 6), h.load("run-1").Events)
}

func testAppendConflict(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	h.appendEvents("run-1", ownerA, 0, steps(0, 2))
	for _, next := range []int{0, 1} {
		other := steps(10, 2)
		err := h.s.Append(h.ctx, "run-1", store.Append{Owner: ownerA, Next: next, Events: other})
		wantErr(t, fmt.Sprintf("Append of 2 events at taken index %d", next), err, store.ErrConflict)
	}
	diff(t, "log after conflicting Appends (unchanged)", steps(0, 2), h.events("run-1"))
	// The run stays usable at the right index.
	h.appendEvents("run-1", ownerA, 2, steps(2, 1))
	diff(t, "log after the next Append", steps(0, 3), h.events("run-1"))
}

func testAppendNonOwner(t *testing.T, h *harness) {
	h.createLeased("leased", ownerA, base)
	err := h.s.Append(h.ctx, "leased", store.Append{Owner: ownerB, Next: 0, Events: steps(0, 1)})
	wantErr(t, "Append by a non-owner of a leased run", err, store.ErrLeaseLost)
	if evs := h.events("leased"); len(evs) != 0 {
		t.Errorf("log after a non-owner's Append: %d events, want 0", len(evs))
	}

	h.create(newRun("unleased"))
	err = h.s.Append(h.ctx, "unleased", store.Append{Owner: ownerA, Next: 0, Events: steps(0, 1)})
	wantErr(t, "Append to a run nobody leased", err, store.ErrLeaseLost)
	if evs := h.events("unleased"); len(evs) != 0 {
		t.Errorf("log after an Append to an unleased run: %d events, want 0", len(evs))
	}
}

func testAppendMissing(t *testing.T, h *harness) {
	err := h.s.Append(h.ctx, "missing", store.Append{Owner: ownerA, Next: 0, Events: steps(0, 1)})
	wantErr(t, `Append("missing")`, err, store.ErrNotFound, store.ErrLeaseLost)
}

func testEventsWindow(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	h.appendEvents("run-1", ownerA, 0, steps(0, 5))
	all := steps(0, 5)
	tests := []struct {
		from, limit int
		want        []wf.Event
	}{
		{0, 0, all},
		{2, 0, all[2:]},
		{1, 2, all[1:3]},
		{3, 10, all[3:]},
		{0, 1, all[:1]},
		{5, 0, nil},
		{9, 3, nil},
	}
	for _, tt := range tests {
		got, err := h.s.Events(h.ctx, "run-1", tt.from, tt.limit)
		if err != nil {
			t.Errorf("Events(from %d, limit %d): %v", tt.from, tt.limit, err)
			continue
		}
		diff(t, fmt.Sprintf("Events(from %d, limit %d) of a 5-event log", tt.from, tt.limit), tt.want, got)
	}
}

func testEventsMissing(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	h.appendEvents("run-1", ownerA, 0, steps(0, 1))
	evs, err := h.s.Events(h.ctx, "missing", 0, 0)
	if err != nil {
		wantErr(t, `Events("missing")`, err, store.ErrNotFound)
	}
	if len(evs) != 0 {
		t.Errorf(`Events("missing") returned %d events, want none`, len(evs))
	}
}
