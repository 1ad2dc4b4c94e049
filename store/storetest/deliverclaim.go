package storetest

import (
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// deliverClaimCases check store.DeliverClaim: a store that implements
// store.DeliverClaimer must answer as Deliver followed by ClaimRun would;
// any other store gets those two calls.
var deliverClaimCases = []testCase{
	{"TimerDeliveredAndClaimed", testDeliverClaimTimer},
	{"DuplicateAndLostStillClaim", testDeliverClaimDuplicateLost},
	{"LeasedByAnotherDeliveredNotClaimed", testDeliverClaimLeased},
	{"EndedRunTerminal", testDeliverClaimEnded},
	{"MissingRunNotFound", testDeliverClaimNotFound},
	{"BufferedThenClaimed", testDeliverClaimBuffered},
}

func (h *harness) deliverClaim(id string, d wf.Delivery, opts store.DeliverOptions, lease store.Lease) (store.DeliveryResult, store.ClaimResult) {
	h.t.Helper()
	dr, cr, err := store.DeliverClaim(h.ctx, h.s, id, d, opts, lease)
	if err != nil {
		h.t.Fatalf("DeliverClaim(%q, signal %s, %s): %v", id, d.SignalID, lease.Owner, err)
	}
	return dr, cr
}

func timerDelivery(stepID string) wf.Delivery {
	return wf.Delivery{StepID: stepID, SignalID: wf.TimerSignal + ":" + stepID, Name: wf.TimerSignal, Time: at(2 * time.Second)}
}

func testDeliverClaimTimer(t *testing.T, h *harness) {
	h.pausedOnTimer("run-1", at(time.Second))
	d := timerDelivery("sleep")
	dr, cr := h.deliverClaim("run-1", d, store.DeliverOptions{}, leaseAt(ownerB, at(2*time.Second)))
	if dr.Status != store.Delivered || dr.Winner != nil {
		t.Errorf("DeliverClaim of a due timer: delivery %q (winner %v), want %q", dr.Status, dr.Winner, store.Delivered)
	}
	if cr.Status != store.Claimed {
		t.Fatalf("DeliverClaim of a due timer: claim %q, want %q", cr.Status, store.Claimed)
	}
	run := cr.Execution.Run
	if run.Status != wf.StatusRunning || run.LeaseOwner != ownerB || run.DeliverySeq != 1 {
		t.Errorf("claimed run: status %q, lease %q, DeliverySeq %d; want running, %q, 1", run.Status, run.LeaseOwner, run.DeliverySeq, ownerB)
	}
	diff(t, "claimed execution's deliveries", []wf.Delivery{d}, cr.Execution.Deliveries)
	diff(t, "claimed execution's log", h.events("run-1"), cr.Execution.Events)
	got := h.get("run-1")
	if got.Status != wf.StatusRunning || got.LeaseOwner != ownerB || got.DeliverySeq != 1 {
		t.Errorf("GetRun after DeliverClaim: status %q, lease %q, DeliverySeq %d; want running, %q, 1", got.Status, got.LeaseOwner, got.DeliverySeq, ownerB)
	}
	h.checkDeliveries("DeliverClaim", "run-1", 1, []wf.Delivery{d})
}

func testDeliverClaimDuplicateLost(t *testing.T, h *harness) {
	h.pausedOnTimer("run-1", at(time.Second))
	first := signal("sleep", "sig-1")
	h.deliver("run-1", first)
	// Lost: the step is taken by the signal; the run is still claimed (the
	// caller drives it to consume what is stored).
	dr, cr := h.deliverClaim("run-1", timerDelivery("sleep"), store.DeliverOptions{}, leaseAt(ownerB, at(2*time.Second)))
	if dr.Status != store.Lost || dr.Winner == nil {
		t.Fatalf("DeliverClaim to a taken step: delivery %q (winner %v), want %q with the winner", dr.Status, dr.Winner, store.Lost)
	}
	diff(t, "lost DeliverClaim's Winner", first, *dr.Winner)
	if cr.Status != store.Claimed || cr.Execution.Run.LeaseOwner != ownerB {
		t.Errorf("DeliverClaim to a taken step: claim %q (lease %q), want %q by %q", cr.Status, cr.Execution.Run.LeaseOwner, store.Claimed, ownerB)
	}
	// Duplicate, by the same owner: still its lease.
	dr, cr = h.deliverClaim("run-1", first, store.DeliverOptions{}, leaseAt(ownerB, at(3*time.Second)))
	if dr.Status != store.Duplicate || dr.Winner == nil {
		t.Fatalf("DeliverClaim of a stored signal: delivery %q (winner %v), want %q with the winner", dr.Status, dr.Winner, store.Duplicate)
	}
	if cr.Status != store.Claimed {
		t.Errorf("DeliverClaim of a stored signal by the lease holder: claim %q, want %q", cr.Status, store.Claimed)
	}
	h.checkDeliveries("a lost and a duplicate DeliverClaim", "run-1", 1, []wf.Delivery{first})
}

func testDeliverClaimLeased(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	d := timerDelivery("sleep")
	dr, cr := h.deliverClaim("run-1", d, store.DeliverOptions{}, leaseAt(ownerB, at(time.Second)))
	if dr.Status != store.Delivered {
		t.Errorf("DeliverClaim to a run another owner drives: delivery %q, want %q", dr.Status, store.Delivered)
	}
	if cr.Status != store.NotClaimable || cr.Execution.Run.LeaseOwner != ownerA {
		t.Errorf("DeliverClaim to a run another owner drives: claim %q (lease %q), want %q (lease %q)", cr.Status, cr.Execution.Run.LeaseOwner, store.NotClaimable, ownerA)
	}
	h.checkDeliveries("DeliverClaim to a driven run", "run-1", 1, []wf.Delivery{d})
	if got := h.get("run-1"); got.LeaseOwner != ownerA || got.Status != wf.StatusRunning {
		t.Errorf("GetRun: lease %q, status %q; want %q, running", got.LeaseOwner, got.Status, ownerA)
	}
}

func testDeliverClaimEnded(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	h.end("run-1", ownerA, wf.StatusFinished, at(time.Second))
	dr, cr := h.deliverClaim("run-1", timerDelivery("sleep"), store.DeliverOptions{}, leaseAt(ownerB, at(2*time.Second)))
	// NoWaitCheck stores whatever the run's status, as Deliver does.
	if dr.Status != store.Delivered {
		t.Errorf("DeliverClaim to an ended run: delivery %q, want %q", dr.Status, store.Delivered)
	}
	if cr.Status != store.Terminal || cr.Execution.Run.Status != wf.StatusFinished {
		t.Errorf("DeliverClaim to an ended run: claim %q (status %q), want %q (finished)", cr.Status, cr.Execution.Run.Status, store.Terminal)
	}
	if got := h.get("run-1"); got.LeaseOwner != "" {
		t.Errorf("ended run leased to %q after DeliverClaim", got.LeaseOwner)
	}
}

func testDeliverClaimNotFound(t *testing.T, h *harness) {
	dr, cr := h.deliverClaim("missing", timerDelivery("sleep"), store.DeliverOptions{}, leaseAt(ownerB, base))
	if dr.Status != store.RunNotFound || cr.Status != store.NotFound {
		t.Errorf("DeliverClaim to a missing run: %q, %q; want %q, %q", dr.Status, cr.Status, store.RunNotFound, store.NotFound)
	}
}

func testDeliverClaimBuffered(t *testing.T, h *harness) {
	h.create(newRun("run-1"))
	d := signal("later", "sig-1")
	dr, cr := h.deliverClaim("run-1", d, store.DeliverOptions{Check: store.BufferEarly}, leaseAt(ownerB, at(time.Second)))
	if dr.Status != store.Buffered {
		t.Errorf("DeliverClaim of an early signal: delivery %q, want %q", dr.Status, store.Buffered)
	}
	if cr.Status != store.Claimed || cr.Execution.Run.LeaseOwner != ownerB {
		t.Fatalf("DeliverClaim of an early signal: claim %q (lease %q), want %q", cr.Status, cr.Execution.Run.LeaseOwner, store.Claimed)
	}
	diff(t, "claimed execution's deliveries", []wf.Delivery{d}, cr.Execution.Deliveries)
	diff(t, "claimed run's Buffered", []string{"sig-1"}, cr.Execution.Run.Buffered)
}

// fireDueTimersCases check store.FireDueTimers: a store that implements
// store.TimerFirer must answer as ClaimDueTimers followed by DeliverClaim
// of each timer would; any other store gets those calls.
var fireDueTimersCases = []testCase{
	{"DeliversAndClaims", testFireDueTimers},
	{"TakenStepLostStillClaimed", testFireDueTimersLost},
	{"LeasedRunDeliveredNotClaimed", testFireDueTimersLeased},
	{"TwoTimersOfOneRun", testFireDueTimersTwoOfOneRun},
	{"ClaimedRunsExecutions", testFireDueTimersExecutions},
}

// fire calls FireDueTimers, checks the executions it returns (see
// fireWithExecutions) and returns the timers without them.
func (h *harness) fire(limit int, lease store.Lease) []store.FiredTimer {
	h.t.Helper()
	got := h.fireWithExecutions(limit, lease)
	for i := range got {
		got[i].Execution = nil
	}
	return got
}

// fireWithExecutions calls FireDueTimers and checks the contract of
// FiredTimer.Execution: every claimed timer whose run's log holds at most
// store.FiredLogMax events carries its run's execution, as LoadExecution
// reads it now, shared with the run's other timers; a longer log's may be
// left out; a timer whose run is not claimed carries none.
func (h *harness) fireWithExecutions(limit int, lease store.Lease) []store.FiredTimer {
	h.t.Helper()
	got, err := store.FireDueTimers(h.ctx, h.s, limit, lease)
	if err != nil {
		h.t.Fatalf("FireDueTimers(%d, %s at %s): %v", limit, lease.Owner, lease.Now, err)
	}
	first := map[string]*store.Execution{}
	for _, f := range got {
		if !f.Claimed {
			if f.Execution != nil {
				h.t.Errorf("FireDueTimers: timer %s/%s of a run not claimed carries an execution", f.RunID, f.StepID)
			}
			continue
		}
		want := h.load(f.RunID)
		if f.Execution == nil {
			if len(want.Events) <= store.FiredLogMax {
				h.t.Errorf("FireDueTimers: claimed timer %s/%s (log of %d events) carries no execution", f.RunID, f.StepID, len(want.Events))
			}
			continue
		}
		diff(h.t, "FireDueTimers' execution of "+f.RunID, want, *f.Execution)
		if ex, ok := first[f.RunID]; ok && ex != f.Execution {
			h.t.Errorf("FireDueTimers: the timers of %s carry different executions", f.RunID)
		}
		first[f.RunID] = f.Execution
	}
	return got
}

func testFireDueTimers(t *testing.T, h *harness) {
	t1 := h.pausedOnTimer("run-1", at(time.Second))
	t2 := h.pausedOnTimer("run-2", at(2*time.Second))
	h.pausedOnTimer("run-3", at(time.Hour))
	now := at(time.Minute)
	got := h.fire(10, leaseAt(ownerB, now))
	want := []store.FiredTimer{{Timer: t1, Delivery: store.Delivered, Claimed: true}, {Timer: t2, Delivery: store.Delivered, Claimed: true}}
	diff(t, "FireDueTimers", want, got)
	for _, tm := range []store.Timer{t1, t2} {
		run := h.get(tm.RunID)
		if run.Status != wf.StatusRunning || run.LeaseOwner != ownerB || run.DeliverySeq != 1 {
			t.Errorf("%s after FireDueTimers: status %q, lease %q, DeliverySeq %d; want running, %q, 1", tm.RunID, run.Status, run.LeaseOwner, run.DeliverySeq, ownerB)
		}
		h.checkDeliveries("FireDueTimers", tm.RunID, 1, []wf.Delivery{store.TimerDelivery(tm, now)})
	}
	if again := h.fire(10, leaseAt(ownerA, now)); len(again) != 0 {
		t.Errorf("FireDueTimers of leased timers: %v, want none", again)
	}
	if run := h.get("run-3"); run.Status != wf.StatusPaused || run.DeliverySeq != 0 {
		t.Errorf("run-3 (timer not due) after FireDueTimers: status %q, DeliverySeq %d", run.Status, run.DeliverySeq)
	}
}

func testFireDueTimersLost(t *testing.T, h *harness) {
	tm := h.pausedOnTimer("run-1", at(time.Second))
	sig := signal("sleep", "sig-1")
	h.deliver("run-1", sig)
	got := h.fire(10, leaseAt(ownerB, at(time.Minute)))
	diff(t, "FireDueTimers of a resolved wait", []store.FiredTimer{{Timer: tm, Delivery: store.Lost, Claimed: true}}, got)
	h.checkDeliveries("a lost timer", "run-1", 1, []wf.Delivery{sig})
	if run := h.get("run-1"); run.LeaseOwner != ownerB {
		t.Errorf("lease after FireDueTimers: %q, want %q", run.LeaseOwner, ownerB)
	}
}

func testFireDueTimersLeased(t *testing.T, h *harness) {
	tm := h.pausedOnTimer("run-1", at(time.Second))
	h.mustClaim("run-1", leaseAt(ownerA, at(50*time.Second)))
	now := at(time.Minute)
	got := h.fire(10, leaseAt(ownerB, now))
	diff(t, "FireDueTimers of a run another owner holds", []store.FiredTimer{{Timer: tm, Delivery: store.Delivered, Claimed: false}}, got)
	run := h.get("run-1")
	if run.LeaseOwner != ownerA || run.Status != wf.StatusRunning || run.DeliverySeq != 1 {
		t.Errorf("run after FireDueTimers: lease %q, status %q, DeliverySeq %d; want %q, running, 1", run.LeaseOwner, run.Status, run.DeliverySeq, ownerA)
	}
	h.checkDeliveries("a timer of a leased run", "run-1", 1, []wf.Delivery{store.TimerDelivery(tm, now)})
}

func testFireDueTimersTwoOfOneRun(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	t1, t2 := timer("run-1", "a", at(time.Second)), timer("run-1", "b", at(2*time.Second))
	h.pause("run-1", ownerA, base, t1, t2)
	now := at(time.Minute)
	got := h.fire(10, leaseAt(ownerB, now))
	want := []store.FiredTimer{{Timer: t1, Delivery: store.Delivered, Claimed: true}, {Timer: t2, Delivery: store.Delivered, Claimed: true}}
	diff(t, "FireDueTimers of two timers of one run", want, got)
	h.checkDeliveries("two timers of one run", "run-1", 2, []wf.Delivery{store.TimerDelivery(t1, now), store.TimerDelivery(t2, now)})
}

// testFireDueTimersExecutions fires the timers of a run with a log and a
// stored signal, of a run whose log is longer than store.FiredLogMax and
// of a run another owner holds: the first carries its execution with the
// timer's delivery, the last none (fireWithExecutions checks each against
// LoadExecution).
func testFireDueTimersExecutions(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	h.appendEvents("run-1", ownerA, 0, steps(0, 3))
	t1 := timer("run-1", "sleep", at(time.Second))
	h.pause("run-1", ownerA, base, t1)
	sig := signal("other", "sig-1")
	if got := h.deliverWith("run-1", sig, store.DeliverOptions{Check: store.NoWaitCheck}); got.Status != store.Delivered {
		t.Fatalf("Deliver to run-1: %q, want %q", got.Status, store.Delivered)
	}
	h.createLeased("run-2", ownerA, base)
	h.appendEvents("run-2", ownerA, 0, steps(0, store.FiredLogMax+1))
	h.pause("run-2", ownerA, base, timer("run-2", "sleep", at(2*time.Second)))
	h.pausedOnTimer("run-3", at(3*time.Second))
	h.mustClaim("run-3", leaseAt(ownerA, at(50*time.Second)))

	now := at(time.Minute)
	got := h.fireWithExecutions(10, leaseAt(ownerB, now))
	if len(got) != 3 {
		t.Fatalf("FireDueTimers = %v, want the timers of run-1, run-2 and run-3", got)
	}
	ex := got[0].Execution
	if got[0].RunID != "run-1" || ex == nil {
		t.Fatalf("FireDueTimers' first timer = %+v, want run-1's with its run's execution", got[0])
	}
	if ex.Run.LeaseOwner != ownerB || ex.Run.Status != wf.StatusRunning || ex.Run.DeliverySeq != 2 {
		t.Errorf("run-1's execution: lease %q, status %q, DeliverySeq %d; want %q, running, 2", ex.Run.LeaseOwner, ex.Run.Status, ex.Run.DeliverySeq, ownerB)
	}
	diff(t, "run-1's log", steps(0, 3), ex.Events)
	diff(t, "run-1's deliveries (sorted by SignalID)", sortedDeliveries([]wf.Delivery{sig, store.TimerDelivery(t1, now)}), sortedDeliveries(ex.Deliveries))
	if got[1].RunID != "run-2" || !got[1].Claimed {
		t.Errorf("FireDueTimers' second timer = %+v, want run-2's claimed", got[1])
	}
	if got[2].RunID != "run-3" || got[2].Claimed || got[2].Execution != nil {
		t.Errorf("FireDueTimers' third timer = %+v, want run-3's not claimed, without an execution", got[2])
	}
}
