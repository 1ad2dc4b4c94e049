package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

var childCases = []testCase{
	{"ParentLinkIsStored", testChildParentLink},
	{"EndDeliversToPausedParent", testChildEndDelivers},
	{"EndDeliversBeforeTheParentAwaits", testChildEndEarly},
	{"ErrorAndCancelReachTheParent", testChildEndErrors},
	{"DetachedChildDeliversNothing", testChildDetached},
	{"ParentlessCommitEndsTheRun", testChildParentless},
	{"PausedChildDeliversNothing", testChildPaused},
	{"EndDeliversOnce", testChildEndOnce},
	{"MissingOrEndedParentIsFine", testChildParentGone},
	{"ParkedParentStaysPaused", testChildParkedParent},
	{"RefusedCommitDeliversNothing", testChildRefusedCommit},
	{"ListRunsFiltersByParent", testChildList},
	{"EndRacingTheParentsPauseLeavesItReady", testChildEndRacesPause},
}

// childOf is a running child of parent at operation stepID, leased to
// ownerB and created at base+1s.
func childOf(parent, stepID string, detached bool) store.NewRun {
	nr := newRun(wf.ChildRunID(parent, stepID))
	nr.WorkflowID = "shipment"
	nr.Status = wf.StatusRunning
	nr.Lease = leaseAt(ownerB, at(time.Second))
	nr.Parent = &store.Parent{RunID: parent, StepID: stepID, Detached: detached}
	return nr
}

// awaitingChild makes run id paused on the child of its operation stepID.
func (h *harness) awaitingChild(id, stepID string) {
	h.t.Helper()
	h.createLeased(id, ownerA, base)
	h.commit(store.Commit{RunID: id, Owner: ownerA, Status: wf.StatusPaused,
		Awaiting: []wf.Await{{StepID: stepID, Kind: wf.AwaitChild, Name: wf.ChildSignal}}, Now: base})
}

// endChild commits child run id, leased to ownerB, in status with output
// or an error, and returns the commit.
func (h *harness) endChild(id string, status wf.RunStatus, now time.Time) store.Commit {
	h.t.Helper()
	c := store.Commit{RunID: id, Owner: ownerB, Next: len(h.events(id)), Status: status, Now: now,
		Events: []wf.Event{{Type: wf.RunFinished, Time: now, RunID: id}}}
	if status == wf.StatusFinished {
		c.Output = json.RawMessage(`{"parcel": "p-1", "weight": 2.5}`)
	} else {
		c.Events[0] = wf.Event{Type: wf.RunErrored, Time: now, RunID: id}
		c.Error = &wf.ErrorInfo{Name: "Canceled", Message: "ended: " + string(status), Code: wf.CodeCanceled}
		c.Events[0].Error, c.Events[0].Code = c.Error, c.Error.Code
	}
	h.commit(c)
	return c
}

// childDelivery is the delivery child's end stores for its parent.
func childDelivery(child, stepID string, status wf.RunStatus, output json.RawMessage, info *wf.ErrorInfo, now time.Time) wf.Delivery {
	payload, err := json.Marshal(wf.ChildResult{RunID: child, Status: status, Output: output, Error: info})
	if err != nil {
		panic(fmt.Sprintf("storetest: encode a child result: %v", err))
	}
	return wf.Delivery{StepID: stepID, SignalID: "child:" + child, Name: wf.ChildSignal, Payload: payload, Time: now}
}

func testChildParentLink(t *testing.T, h *harness) {
	h.awaitingChild("parent", "ship")
	nr := childOf("parent", "ship", false)
	created := h.create(nr)
	want := &store.Parent{RunID: "parent", StepID: "ship"}
	diff(t, "CreateRun's Run.Parent", want, created.Parent)
	diff(t, "GetRun's Run.Parent", want, h.get(nr.ID).Parent)
	diff(t, "LoadExecution's Run.Parent", want, h.load(nr.ID).Run.Parent)
	detached := h.create(childOf("parent", "audit", true))
	diff(t, "a detached child's Run.Parent", &store.Parent{RunID: "parent", StepID: "audit", Detached: true}, h.get(detached.ID).Parent)
	if p := h.get("parent").Parent; p != nil {
		t.Errorf("GetRun(parent).Parent = %+v, want nil for a run started from outside", p)
	}
	stale := h.claimStale(10, leaseAt(ownerC, at(time.Hour)))
	for _, r := range stale {
		if r.ID == nr.ID {
			diff(t, "ClaimStaleRuns' Run.Parent", want, r.Parent)
		}
	}
	if len(stale) != 2 {
		t.Errorf("ClaimStaleRuns after the leases expired = %v, want both children", runIDs(stale))
	}
}

func testChildEndDelivers(t *testing.T, h *harness) {
	h.awaitingChild("parent", "ship")
	child := h.create(childOf("parent", "ship", false))
	c := h.endChild(child.ID, wf.StatusFinished, at(time.Minute))
	want := childDelivery(child.ID, "ship", wf.StatusFinished, c.Output, nil, at(time.Minute))
	h.checkDeliveries("the child's end", "parent", 1, []wf.Delivery{want})
	p := h.get("parent")
	if p.Status != wf.StatusRunning || p.LeaseOwner != "" {
		t.Errorf("paused parent after its child ended: status %q, lease owner %q; want running (ready), no lease", p.Status, p.LeaseOwner)
	}
	if got := h.claimStale(10, leaseAt(ownerC, at(time.Minute))); len(got) != 1 || got[0].ID != "parent" {
		t.Errorf("ClaimStaleRuns after the child ended = %v, want the ready parent", runIDs(got))
	}
	if r := h.get(child.ID); r.Status != wf.StatusFinished || len(h.load(child.ID).Deliveries) != 0 {
		t.Errorf("the child after its end: status %q, %d deliveries; want finished, none", r.Status, len(h.load(child.ID).Deliveries))
	}
}

func testChildEndEarly(t *testing.T, h *harness) {
	// The parent is being driven and has not reached its wait: the
	// delivery is kept, the lease untouched, and the parent's commit as
	// paused leaves it ready.
	h.createLeased("parent", ownerA, base)
	child := h.create(childOf("parent", "ship", false))
	c := h.endChild(child.ID, wf.StatusFinished, at(time.Minute))
	h.checkDeliveries("the child's end", "parent", 1,
		[]wf.Delivery{childDelivery(child.ID, "ship", wf.StatusFinished, c.Output, nil, at(time.Minute))})
	p := h.get("parent")
	if p.Status != wf.StatusRunning || p.LeaseOwner != ownerA {
		t.Errorf("driven parent after its child ended: status %q, lease owner %q; want running, %q", p.Status, p.LeaseOwner, ownerA)
	}
	h.commit(store.Commit{RunID: "parent", Owner: ownerA, Status: wf.StatusPaused, LoadedSeq: 0,
		Awaiting: []wf.Await{{StepID: "ship", Kind: wf.AwaitChild, Name: wf.ChildSignal}}, Now: at(2 * time.Minute)})
	if p := h.get("parent"); p.Status != wf.StatusRunning {
		t.Errorf("parent committed paused with an older DeliverySeq: status %q, want running", p.Status)
	}
}

func testChildEndErrors(t *testing.T, h *harness) {
	h.awaitingChild("parent", "ship")
	h.createLeased("other", ownerA, base)
	for _, tt := range []struct {
		parent, step string
		status       wf.RunStatus
	}{
		{"parent", "ship", wf.StatusErrored},
		{"other", "pack", wf.StatusCanceled},
	} {
		child := h.create(childOf(tt.parent, tt.step, false))
		c := h.endChild(child.ID, tt.status, at(time.Minute))
		h.checkDeliveries("a child's end as "+string(tt.status), tt.parent, 1,
			[]wf.Delivery{childDelivery(child.ID, tt.step, tt.status, nil, c.Error, at(time.Minute))})
	}
}

func testChildDetached(t *testing.T, h *harness) {
	h.awaitingChild("parent", "ship")
	child := h.create(childOf("parent", "audit", true))
	h.endChild(child.ID, wf.StatusFinished, at(time.Minute))
	h.checkDeliveries("a detached child's end", "parent", 0, nil)
	if p := h.get("parent"); p.Status != wf.StatusPaused {
		t.Errorf("parent after a detached child ended: status %q, want paused", p.Status)
	}
}

// A commit that says the run is parentless (a hint a store may use to
// skip looking for a parent) ends a detached child and a run started
// from outside as any commit does, and delivers nothing.
func testChildParentless(t *testing.T, h *harness) {
	h.awaitingChild("parent", "ship")
	detached := h.create(childOf("parent", "audit", true))
	h.createLeased("alone", ownerB, base)
	for _, id := range []string{detached.ID, "alone"} {
		now := at(time.Minute)
		c := store.Commit{RunID: id, Owner: ownerB, Next: len(h.events(id)), Status: wf.StatusFinished, Now: now,
			Output: json.RawMessage(`{"ok":true}`), Parentless: true,
			Events: []wf.Event{{Type: wf.RunFinished, Time: now, RunID: id}}}
		h.commit(c)
		r := h.get(id)
		if r.Status != wf.StatusFinished || r.LeaseOwner != "" || string(r.Output) != `{"ok":true}` {
			t.Errorf("run %s after a parentless commit: status %q, lease owner %q, output %s; want finished, no lease, the output",
				id, r.Status, r.LeaseOwner, r.Output)
		}
		if evs := h.events(id); len(evs) == 0 || evs[len(evs)-1].Type != wf.RunFinished {
			t.Errorf("run %s's log after a parentless commit: %v, want it to end with RUN_FINISHED", id, evs)
		}
	}
	h.checkDeliveries("parentless ends", "parent", 0, nil)
	if p := h.get("parent"); p.Status != wf.StatusPaused {
		t.Errorf("parent after a parentless end: status %q, want paused", p.Status)
	}
}

func testChildPaused(t *testing.T, h *harness) {
	h.awaitingChild("parent", "ship")
	child := h.create(childOf("parent", "ship", false))
	h.commit(store.Commit{RunID: child.ID, Owner: ownerB, Status: wf.StatusPaused, Now: at(time.Minute),
		Awaiting: awaitTimers([]store.Timer{timer(child.ID, "sleep", at(time.Hour))}),
		Timers:   []store.Timer{timer(child.ID, "sleep", at(time.Hour))}})
	h.checkDeliveries("a child's pause", "parent", 0, nil)
	if p := h.get("parent"); p.Status != wf.StatusPaused {
		t.Errorf("parent after its child paused: status %q, want paused", p.Status)
	}
}

func testChildEndOnce(t *testing.T, h *harness) {
	h.awaitingChild("parent", "ship")
	child := h.create(childOf("parent", "ship", false))
	c := h.endChild(child.ID, wf.StatusErrored, at(time.Minute))
	first := childDelivery(child.ID, "ship", wf.StatusErrored, nil, c.Error, at(time.Minute))
	// The child is retried and ends again: the parent keeps the first
	// result, once.
	n := len(h.events(child.ID))
	if err := h.s.ReopenRun(h.ctx, child.ID, store.Reopen{Next: n, Events: []wf.Event{retried(child.ID, at(2*time.Minute))}, Now: at(2 * time.Minute)}); err != nil {
		t.Fatalf("ReopenRun(child): %v", err)
	}
	h.mustClaim(child.ID, leaseAt(ownerB, at(2*time.Minute)))
	h.endChild(child.ID, wf.StatusFinished, at(3*time.Minute))
	h.checkDeliveries("a child's second end", "parent", 1, []wf.Delivery{first})

	// Another delivery already holds the parent's wait: the child's end
	// leaves it and still commits.
	h.awaitingChild("parent-2", "ship")
	held := signal("ship", "sig-held")
	h.deliver("parent-2", held)
	second := h.create(childOf("parent-2", "ship", false))
	h.endChild(second.ID, wf.StatusFinished, at(time.Minute))
	h.checkDeliveries("a child's end for a held wait", "parent-2", 1, []wf.Delivery{held})
	if r := h.get(second.ID); r.Status != wf.StatusFinished {
		t.Errorf("child whose parent's wait was held: status %q, want finished", r.Status)
	}
}

func testChildParentGone(t *testing.T, h *harness) {
	orphan := h.create(childOf("gone", "ship", false))
	h.endChild(orphan.ID, wf.StatusFinished, at(time.Minute))
	if r := h.get(orphan.ID); r.Status != wf.StatusFinished {
		t.Errorf("child of a missing parent after its end: status %q, want finished", r.Status)
	}
	if _, err := h.s.GetRun(h.ctx, "gone"); err == nil {
		t.Errorf("GetRun(missing parent) after its child ended: found, want ErrNotFound (nothing created)")
	}

	h.createLeased("ended", ownerA, base)
	child := h.create(childOf("ended", "ship", false))
	h.end("ended", ownerA, wf.StatusCanceled, at(time.Second))
	h.endChild(child.ID, wf.StatusCanceled, at(time.Minute))
	if r := h.get(child.ID); r.Status != wf.StatusCanceled {
		t.Errorf("child of an ended parent after its end: status %q, want canceled", r.Status)
	}
	if p := h.get("ended"); p.Status != wf.StatusCanceled || p.LeaseOwner != "" {
		t.Errorf("ended parent after its child ended: status %q, lease owner %q; want canceled, no lease", p.Status, p.LeaseOwner)
	}
}

func testChildParkedParent(t *testing.T, h *harness) {
	h.parked("parent", "v1")
	child := h.create(childOf("parent", "ship", false))
	c := h.endChild(child.ID, wf.StatusFinished, at(time.Minute))
	h.checkDeliveries("the child's end", "parent", 1,
		[]wf.Delivery{childDelivery(child.ID, "ship", wf.StatusFinished, c.Output, nil, at(time.Minute))})
	if r := h.wantParked("parent", true); r.Status != wf.StatusPaused {
		t.Errorf("parked parent after its child ended: status %q, want paused", r.Status)
	}
}

func testChildRefusedCommit(t *testing.T, h *harness) {
	h.awaitingChild("parent", "ship")
	child := h.create(childOf("parent", "ship", false))
	for _, c := range []store.Commit{
		{RunID: child.ID, Owner: ownerC, Status: wf.StatusFinished, Now: at(time.Minute)},
		{RunID: child.ID, Owner: ownerB, Next: 1, Status: wf.StatusFinished, Now: at(time.Minute),
			Events: []wf.Event{{Type: wf.RunFinished, Time: at(time.Minute), RunID: child.ID}}},
	} {
		if err := h.s.Commit(h.ctx, c); err == nil {
			t.Errorf("Commit(%s by %s at %d) = nil, want an error", c.RunID, c.Owner, c.Next)
		}
	}
	h.checkDeliveries("refused commits of the child", "parent", 0, nil)
	if p := h.get("parent"); p.Status != wf.StatusPaused {
		t.Errorf("parent after refused commits of its child: status %q, want paused", p.Status)
	}
}

func testChildList(t *testing.T, h *harness) {
	h.awaitingChild("parent", "a")
	h.createLeased("other", ownerA, base)
	for i, c := range []store.NewRun{
		childOf("parent", "a", false),
		childOf("parent", "b", true),
		childOf("other", "a", false),
		childOf("parent", "c", false),
	} {
		c.Lease.Now = at(time.Duration(i+1) * time.Second)
		h.create(c)
	}
	h.endChild(wf.ChildRunID("parent", "a"), wf.StatusFinished, at(time.Minute))
	tests := []struct {
		q    store.ListQuery
		want []string
	}{
		{store.ListQuery{ParentRunID: "parent"}, []string{"parent.c", "parent.b", "parent.a"}},
		{store.ListQuery{ParentRunID: "other"}, []string{"other.a"}},
		{store.ListQuery{ParentRunID: "parent", Status: wf.StatusFinished}, []string{"parent.a"}},
		{store.ListQuery{ParentRunID: "parent", WorkflowID: "orders"}, []string{}},
		{store.ListQuery{ParentRunID: "parent", Since: at(2 * time.Second)}, []string{"parent.c", "parent.b"}},
		{store.ListQuery{ParentRunID: "parent.a"}, []string{}},
	}
	for _, tt := range tests {
		page, err := h.s.ListRuns(h.ctx, tt.q)
		if err != nil {
			t.Errorf("ListRuns(%+v): %v", tt.q, err)
			continue
		}
		diff(t, fmt.Sprintf("ListRuns(%+v) run IDs", tt.q), tt.want, runIDs(page.Runs))
	}
	diff(t, "ListRuns(parent, limit 2) pages", [][]string{{"parent.c", "parent.b"}, {"parent.a"}},
		trimEmptyPage(h.listAll(store.ListQuery{ParentRunID: "parent", Limit: 2})))
	page, err := h.s.ListRuns(h.ctx, store.ListQuery{ParentRunID: "parent", Limit: 1})
	if err != nil || len(page.Runs) != 1 {
		t.Fatalf("ListRuns(parent, limit 1): %d runs, error %v; want 1 run", len(page.Runs), err)
	}
	diff(t, "ListRuns summary's Parent", &store.Parent{RunID: "parent", StepID: "c"}, page.Runs[0].Parent)
}

// trimEmptyPage drops a final empty page: a store may end on a full page
// followed by an empty one.
func trimEmptyPage(pages [][]string) [][]string {
	if n := len(pages); n > 0 && len(pages[n-1]) == 0 {
		return pages[:n-1]
	}
	return pages
}

func testChildEndRacesPause(t *testing.T, h *harness) {
	// Each round: a parent being driven commits its pause on its child
	// while the child's end commits. Whichever lands first, the parent
	// ends up with the child's delivery and ready, never paused on a wait
	// its deliveries resolve.
	const rounds = 8
	for i := range rounds {
		parent := fmt.Sprintf("parent-%d", i)
		h.createLeased(parent, ownerA, base)
		loaded := h.get(parent).DeliverySeq
		child := h.create(childOf(parent, "ship", false))
		errs := make([]error, 2)
		concurrently(2, func(k int) {
			if k == 0 {
				errs[k] = h.s.Commit(h.ctx, store.Commit{RunID: parent, Owner: ownerA, Status: wf.StatusPaused, LoadedSeq: loaded,
					Awaiting: []wf.Await{{StepID: "ship", Kind: wf.AwaitChild, Name: wf.ChildSignal}}, Now: at(time.Minute)})
				return
			}
			errs[k] = h.s.Commit(h.ctx, store.Commit{RunID: child.ID, Owner: ownerB, Status: wf.StatusFinished,
				Output: json.RawMessage(`{"parcel": "p-1"}`), Now: at(time.Minute)})
		})
		for k, err := range errs {
			if err != nil {
				t.Fatalf("round %d: commit %d: %v", i, k, err)
			}
		}
		ex := h.load(parent)
		if len(ex.Deliveries) != 1 || ex.Run.DeliverySeq != loaded+1 || ex.Run.Status != wf.StatusRunning || ex.Run.LeaseOwner != "" {
			t.Errorf("round %d: parent has %d deliveries, DeliverySeq %d, status %q, lease owner %q; want 1, %d, running, none",
				i, len(ex.Deliveries), ex.Run.DeliverySeq, ex.Run.Status, ex.Run.LeaseOwner, loaded+1)
		}
	}
}
