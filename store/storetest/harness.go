package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// Lease owners used across cases.
const (
	ownerA = "owner-a"
	ownerB = "owner-b"
	ownerC = "owner-c"
)

// leaseTTL is the length of every lease the suite takes.
const leaseTTL = 30 * time.Second

// base is the suite's epoch: every instant is base plus a whole number of
// milliseconds, exact in every store's precision.
var base = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// at returns base+d.
func at(d time.Duration) time.Time { return base.Add(d) }

// leaseAt is owner's lease taken at now, for leaseTTL.
func leaseAt(owner string, now time.Time) store.Lease {
	return store.Lease{Owner: owner, Now: now, Until: now.Add(leaseTTL)}
}

// harness is what a case gets: a fresh store and helpers that fail the case
// on any unexpected error.
type harness struct {
	t   *testing.T
	s   store.Store
	ctx context.Context
	// sweeps counts allTimers calls.
	sweeps int
}

func setup(t *testing.T, newStore func(t *testing.T) store.Store) *harness {
	t.Helper()
	s := newStore(t)
	if s == nil {
		t.Fatal("storetest: newStore returned a nil store")
	}
	return &harness{t: t, s: s, ctx: t.Context()}
}

// newRun is an unleased queued run of workflow "orders" created at base.
func newRun(id string) store.NewRun {
	return store.NewRun{
		ID:         id,
		WorkflowID: "orders",
		Version:    "v1",
		Status:     wf.StatusQueued,
		Input:      json.RawMessage(fmt.Sprintf(`{"orderId": %q, "items": [1, 2]}`, id)),
		Lease:      store.Lease{Now: base},
	}
}

// create creates nr, which must be new.
func (h *harness) create(nr store.NewRun) store.Run {
	h.t.Helper()
	run, created, err := h.s.CreateRun(h.ctx, nr)
	if err != nil {
		h.t.Fatalf("CreateRun(%q): %v", nr.ID, err)
	}
	if !created {
		h.t.Fatalf("CreateRun(%q) on a new run ID: created = false, want true", nr.ID)
	}
	return run
}

// createLeased creates a running run leased to owner, created at now.
func (h *harness) createLeased(id, owner string, now time.Time) store.Run {
	h.t.Helper()
	nr := newRun(id)
	nr.Status = wf.StatusRunning
	nr.Lease = leaseAt(owner, now)
	return h.create(nr)
}

func (h *harness) get(id string) store.Run {
	h.t.Helper()
	run, err := h.s.GetRun(h.ctx, id)
	if err != nil {
		h.t.Fatalf("GetRun(%q): %v", id, err)
	}
	return run
}

func (h *harness) load(id string) store.Execution {
	h.t.Helper()
	exec, err := h.s.LoadExecution(h.ctx, id)
	if err != nil {
		h.t.Fatalf("LoadExecution(%q): %v", id, err)
	}
	return exec
}

// events returns a run's whole log.
func (h *harness) events(id string) []wf.Event {
	h.t.Helper()
	evs, err := h.s.Events(h.ctx, id, 0, 0)
	if err != nil {
		h.t.Fatalf("Events(%q, 0, 0): %v", id, err)
	}
	return evs
}

func (h *harness) claim(id string, lease store.Lease) store.ClaimResult {
	h.t.Helper()
	res, err := h.s.ClaimRun(h.ctx, id, lease)
	if err != nil {
		h.t.Fatalf("ClaimRun(%q, %s): %v", id, lease.Owner, err)
	}
	return res
}

// mustClaim claims a run that must be claimable.
func (h *harness) mustClaim(id string, lease store.Lease) store.Execution {
	h.t.Helper()
	res := h.claim(id, lease)
	if res.Status != store.Claimed {
		h.t.Fatalf("ClaimRun(%q, %s) status = %q, want %q", id, lease.Owner, res.Status, store.Claimed)
	}
	return res.Execution
}

func (h *harness) appendEvents(id, owner string, next int, evs []wf.Event) {
	h.t.Helper()
	if err := h.s.Append(h.ctx, id, store.Append{Owner: owner, Next: next, Events: evs}); err != nil {
		h.t.Fatalf("Append(%q, owner %s, next %d): %v", id, owner, next, err)
	}
}

func (h *harness) commit(c store.Commit) {
	h.t.Helper()
	if err := h.s.Commit(h.ctx, c); err != nil {
		h.t.Fatalf("Commit(%q, owner %s, status %s): %v", c.RunID, c.Owner, c.Status, err)
	}
}

// pause commits owner's run as paused on timers, without new events.
func (h *harness) pause(id, owner string, now time.Time, timers ...store.Timer) {
	h.t.Helper()
	h.commit(store.Commit{
		RunID:     id,
		Owner:     owner,
		Status:    wf.StatusPaused,
		LoadedSeq: h.get(id).DeliverySeq,
		Awaiting:  awaitTimers(timers),
		Timers:    timers,
		Now:       now,
	})
}

// end commits owner's run in a terminal status, without new events.
func (h *harness) end(id, owner string, status wf.RunStatus, now time.Time) {
	h.t.Helper()
	c := store.Commit{RunID: id, Owner: owner, Status: status, Now: now}
	switch status {
	case wf.StatusFinished:
		c.Output = json.RawMessage(`{"ok": true}`)
	default:
		c.Error = &wf.ErrorInfo{Name: "*errors.errorString", Message: "ended: " + string(status), Code: wf.CodeError}
	}
	h.commit(c)
}

// pausedOnTimer creates a run paused on one timer due at wake.
func (h *harness) pausedOnTimer(id string, wake time.Time) store.Timer {
	h.t.Helper()
	h.createLeased(id, ownerA, base)
	tm := timer(id, "sleep", wake)
	h.pause(id, ownerA, base, tm)
	return tm
}

func (h *harness) deliver(id string, d wf.Delivery) store.DeliveryResult {
	h.t.Helper()
	return h.deliverWith(id, d, store.DeliverOptions{})
}

func (h *harness) deliverWith(id string, d wf.Delivery, opts store.DeliverOptions) store.DeliveryResult {
	h.t.Helper()
	res, err := h.s.Deliver(h.ctx, id, d, opts)
	if err != nil {
		h.t.Fatalf("Deliver(%q, signal %s): %v", id, d.SignalID, err)
	}
	return res
}

func (h *harness) claimTimers(limit int, lease store.Lease) []store.Timer {
	h.t.Helper()
	got, err := h.s.ClaimDueTimers(h.ctx, limit, lease)
	if err != nil {
		h.t.Fatalf("ClaimDueTimers(%d, %s at %s): %v", limit, lease.Owner, lease.Now, err)
	}
	return got
}

func (h *harness) claimStale(limit int, lease store.Lease) []store.Run {
	h.t.Helper()
	got, err := h.s.ClaimStaleRuns(h.ctx, limit, lease)
	if err != nil {
		h.t.Fatalf("ClaimStaleRuns(%d, %s at %s): %v", limit, lease.Owner, lease.Now, err)
	}
	return got
}

// steps returns n STEP_FINISHED events for log positions from, from+1, ….
func steps(from, n int) []wf.Event {
	evs := make([]wf.Event, n)
	for i := range evs {
		k := from + i
		evs[i] = wf.Event{
			Type:   wf.StepFinished,
			Time:   base.Add(time.Duration(k) * time.Millisecond),
			StepID: fmt.Sprintf("step-%d", k),
			Result: json.RawMessage(fmt.Sprintf(`{"k": %d, "tags": ["a", "b"]}`, k)),
			Meta:   map[string]string{"position": fmt.Sprint(k)},
		}
	}
	return evs
}

// timer is a timer of run id for wait stepID due at wake.
func timer(id, stepID string, wake time.Time) store.Timer {
	return store.Timer{RunID: id, StepID: stepID, WakeAt: wake}
}

// awaitTimers is what a run paused on timers awaits.
func awaitTimers(timers []store.Timer) []wf.Await {
	var as []wf.Await
	for _, tm := range timers {
		deadline := tm.WakeAt
		as = append(as, wf.Await{StepID: tm.StepID, Kind: wf.AwaitTimer, Name: wf.TimerSignal, Deadline: &deadline})
	}
	return as
}

// signal is a delivery of signal "payment-received" to wait stepID.
func signal(stepID, signalID string) wf.Delivery {
	return wf.Delivery{
		StepID:   stepID,
		SignalID: signalID,
		Name:     "payment-received",
		Payload:  json.RawMessage(fmt.Sprintf(`{"paymentId": %q, "amount": 12.5}`, signalID)),
		Meta:     map[string]string{"source": "storetest"},
		Time:     at(time.Second),
	}
}
