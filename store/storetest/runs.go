package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

var createRunCases = []testCase{
	{"CreatesRun", testCreateRunCreates},
	{"ExistingIDReturnsExistingRun", testCreateRunIdempotent},
	{"WithLeaseIsLeasedToOwner", testCreateRunLeased},
	{"DoesNotAliasCallerMemory", testCreateRunNoAlias},
}

var getRunCases = []testCase{
	{"MissingRunNotFound", testGetRunNotFound},
}

var loadExecutionCases = []testCase{
	{"MissingRunNotFound", testLoadExecutionNotFound},
	{"ReturnsRunLogAndDeliveries", testLoadExecutionComplete},
	{"DoesNotAliasStoredState", testLoadExecutionNoAlias},
}

func testCreateRunCreates(t *testing.T, h *harness) {
	nr := newRun("run-1")
	nr.ScheduleID = "nightly"
	nr.TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	nr.Lease.Now = at(time.Minute)
	got := h.create(nr)
	want := store.Run{
		ID:         "run-1",
		WorkflowID: "orders",
		Version:    "v1",
		Status:     wf.StatusQueued,
		Input:      nr.Input,
		ScheduleID: "nightly",
		CreatedAt:  at(time.Minute),
		UpdatedAt:  at(time.Minute),

		TraceParent: nr.TraceParent,
	}
	diff(t, "CreateRun result", want, got)
	diff(t, "GetRun after CreateRun", want, h.get("run-1"))
	if page, err := h.s.ListRuns(h.ctx, store.ListQuery{}); err != nil || len(page.Runs) != 1 {
		t.Errorf("ListRuns after CreateRun: %d runs, %v; want 1", len(page.Runs), err)
	} else {
		diff(t, "ListRuns after CreateRun", want, page.Runs[0])
	}
	exec := h.load("run-1")
	diff(t, "LoadExecution(new run).Run", want, exec.Run)
	if len(exec.Events) != 0 || len(exec.Deliveries) != 0 {
		t.Errorf("LoadExecution(new run): %d events, %d deliveries, want none", len(exec.Events), len(exec.Deliveries))
	}
}

func testCreateRunIdempotent(t *testing.T, h *harness) {
	first := h.create(newRun("run-1"))
	again := newRun("run-1")
	again.WorkflowID = "billing"
	again.Version = "v9"
	again.Status = wf.StatusRunning
	again.Input = json.RawMessage(`{"other": true}`)
	again.ScheduleID = "hourly"
	again.TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	again.Lease = leaseAt(ownerB, at(time.Hour))
	got, created, err := h.s.CreateRun(h.ctx, again)
	if err != nil {
		t.Fatalf("second CreateRun(%q): %v", again.ID, err)
	}
	if created {
		t.Errorf("second CreateRun(%q): created = true, want false", again.ID)
	}
	diff(t, "second CreateRun result (the existing run, unchanged)", first, got)
	diff(t, "GetRun after second CreateRun", first, h.get("run-1"))
}

func testCreateRunLeased(t *testing.T, h *harness) {
	nr := newRun("run-1")
	nr.Status = wf.StatusRunning
	nr.Lease = leaseAt(ownerA, base)
	want := store.Run{
		ID:             "run-1",
		WorkflowID:     "orders",
		Version:        "v1",
		Status:         wf.StatusRunning,
		Input:          nr.Input,
		LeaseOwner:     ownerA,
		LeaseExpiresAt: &nr.Lease.Until,
		CreatedAt:      base,
		UpdatedAt:      base,
	}
	diff(t, "CreateRun(leased) result", want, h.create(nr))
	diff(t, "GetRun after CreateRun(leased)", want, h.get("run-1"))
	if res := h.claim("run-1", leaseAt(ownerB, at(10*time.Second))); res.Status != store.NotClaimable {
		t.Errorf("ClaimRun by %s within the creator's lease: status = %q, want %q", ownerB, res.Status, store.NotClaimable)
	}
	// The creator drives the run without claiming it.
	h.appendEvents("run-1", ownerA, 0, steps(0, 1))
	diff(t, "log after the creator's Append", steps(0, 1), h.events("run-1"))
}

func testCreateRunNoAlias(t *testing.T, h *harness) {
	nr := newRun("run-1")
	pristine := newRun("run-1").Input
	created := h.create(nr)
	nr.Input[2] = 'X'
	created.Input[2] = 'Y'
	got := h.get("run-1")
	if !sameJSON(got.Input, pristine) {
		t.Fatalf("GetRun.Input = %s after the caller changed the bytes it passed to or got from CreateRun, want %s", got.Input, pristine)
	}
	got.Input[2] = 'Z'
	if again := h.get("run-1"); !sameJSON(again.Input, pristine) {
		t.Errorf("GetRun.Input = %s after the caller changed the bytes GetRun returned, want %s", again.Input, pristine)
	}
}

func testGetRunNotFound(t *testing.T, h *harness) {
	h.create(newRun("run-1"))
	_, err := h.s.GetRun(h.ctx, "missing")
	wantErr(t, `GetRun("missing")`, err, store.ErrNotFound)
}

func testLoadExecutionNotFound(t *testing.T, h *harness) {
	h.create(newRun("run-1"))
	_, err := h.s.LoadExecution(h.ctx, "missing")
	wantErr(t, `LoadExecution("missing")`, err, store.ErrNotFound)
}

func testLoadExecutionComplete(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	h.appendEvents("run-1", ownerA, 0, steps(0, 2))
	h.commit(store.Commit{RunID: "run-1", Owner: ownerA, Next: 2, Events: steps(2, 1), Status: wf.StatusRunning, Now: at(time.Second)})
	h.deliver("run-1", signal("wait-b", "sig-2"))
	h.deliver("run-1", signal("wait-a", "sig-1"))

	exec := h.load("run-1")
	diff(t, "LoadExecution.Run", h.get("run-1"), exec.Run)
	diff(t, "LoadExecution.Events", steps(0, 3), exec.Events)
	diff(t, "LoadExecution.Deliveries (sorted by SignalID)",
		[]wf.Delivery{signal("wait-a", "sig-1"), signal("wait-b", "sig-2")}, sortedDeliveries(exec.Deliveries))
}

// testLoadExecutionNoAlias changes everything the caller passed in or got
// back and checks that stored state did not move.
func testLoadExecutionNoAlias(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	evs := steps(0, 2)
	h.appendEvents("run-1", ownerA, 0, evs)
	d := signal("wait-a", "sig-1")
	h.deliver("run-1", d)
	committed := steps(2, 1)
	awaiting := awaitTimers([]store.Timer{timer("run-1", "sleep", at(time.Hour))})
	h.commit(store.Commit{RunID: "run-1", Owner: ownerA, Next: 2, Events: committed, Status: wf.StatusPaused, Awaiting: awaiting, Now: base})
	h.mustClaim("run-1", leaseAt(ownerA, base))
	evs[0].Result[2] = 'X'
	evs[1].Meta["position"] = "changed"
	committed[0].Result[2] = 'X'
	*awaiting[0].Deadline = at(2 * time.Hour)
	d.Payload[2] = 'X'
	d.Meta["source"] = "changed"

	exec := h.load("run-1")
	exec.Events[0].Result[2] = 'Y'
	exec.Events[1].Meta["position"] = "changed again"
	exec.Deliveries[0].Payload[2] = 'Y'
	exec.Deliveries[0].Meta["source"] = "changed again"
	exec.Run.Input[2] = 'Y'
	*exec.Run.LeaseExpiresAt = at(time.Hour)

	*exec.Run.Awaiting[0].Deadline = at(3 * time.Hour)

	again := h.load("run-1")
	diff(t, "LoadExecution.Events after callers changed theirs", steps(0, 3), again.Events)
	diff(t, "LoadExecution.Run.Awaiting after callers changed theirs", awaitTimers([]store.Timer{timer("run-1", "sleep", at(time.Hour))}), again.Run.Awaiting)
	diff(t, "LoadExecution.Deliveries after callers changed theirs", []wf.Delivery{signal("wait-a", "sig-1")}, again.Deliveries)
	if !sameJSON(again.Run.Input, newRun("run-1").Input) {
		t.Errorf("LoadExecution.Run.Input = %s after a caller changed its copy, want %s", again.Run.Input, newRun("run-1").Input)
	}
	if !sameInstantPtr(again.Run.LeaseExpiresAt, base.Add(leaseTTL)) {
		t.Errorf("LoadExecution.Run.LeaseExpiresAt = %v after a caller changed its copy, want %v", again.Run.LeaseExpiresAt, base.Add(leaseTTL))
	}
}
