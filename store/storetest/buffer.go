package storetest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// Deliveries checked against the run (BufferEarly, StrictWait): a signal by
// name resolves the awaited wait of that name or is buffered, a delivery
// for a wait the run has not reached is kept, an ended run refuses.
var bufferCases = []testCase{
	{"ByNameResolvesAwaitedWait", testBufferByNameAwaited},
	{"ByNameNotAwaitedIsBuffered", testBufferByNameNotAwaited},
	{"BufferedKeepsPausedRunPaused", testBufferKeepsPausedRun},
	{"DuplicateAcrossBuffer", testBufferDuplicate},
	{"SecondByNameForAwaitedWaitLost", testBufferSecondLost},
	{"ByNameAfterLogResolvedWaitIsBuffered", testBufferAfterResolved},
	{"ByNameQueuesBehindOlderBuffered", testBufferQueuesBehindOlder},
	{"NamedStepNotReachedIsBuffered", testBufferNamedStep},
	{"StrictRefusesNotAwaited", testBufferStrict},
	{"EndedRunRefuses", testBufferEnded},
	{"CountBound", testBufferCountBound},
	{"ByteBound", testBufferByteBound},
	{"CommitConsumedLeavesBuffered", testBufferCommitConsumed},
	{"ConcurrentByNameOneWins", testBufferConcurrent},
}

var buffer = store.DeliverOptions{Check: store.BufferEarly}

// byName is signal sig of "payment-received" sent without a step.
func byName(sig string) wf.Delivery { return signal("", sig) }

// pauseAwaiting commits owner's run as paused on awaits, without events.
func (h *harness) pauseAwaiting(id, owner string, loadedSeq int64, awaits ...wf.Await) {
	h.t.Helper()
	h.commit(store.Commit{RunID: id, Owner: owner, Status: wf.StatusPaused, LoadedSeq: loadedSeq, Awaiting: awaits, Now: at(time.Second)})
}

func waitFor(step string) wf.Await {
	return wf.Await{StepID: step, Kind: wf.AwaitSignal, Name: "payment-received"}
}

// pausedOnWait creates run-1 paused on wait-a for "payment-received".
func (h *harness) pausedOnWait() {
	h.t.Helper()
	h.createLeased("run-1", ownerA, base)
	h.pauseAwaiting("run-1", ownerA, 0, waitFor("wait-a"))
}

func (h *harness) wantStatus(what string, res store.DeliveryResult, want store.DeliveryStatus) {
	h.t.Helper()
	if res.Status != want {
		h.t.Errorf("%s: status %q, want %q", what, res.Status, want)
	}
}

func (h *harness) wantBuffered(what, id string, want ...string) {
	h.t.Helper()
	diff(h.t, "Run.Buffered after "+what, want, h.get(id).Buffered)
}

func testBufferByNameAwaited(t *testing.T, h *harness) {
	h.pausedOnWait()
	res := h.deliverWith("run-1", byName("sig-1"), buffer)
	h.wantStatus("a signal by name for the awaited wait", res, store.Delivered)
	if res.Run.Status != wf.StatusRunning || res.Run.DeliverySeq != 1 {
		t.Errorf("DeliveryResult.Run: status %q, DeliverySeq %d; want running, 1", res.Run.Status, res.Run.DeliverySeq)
	}
	h.checkDeliveries("a signal by name", "run-1", 1, []wf.Delivery{signal("wait-a", "sig-1")})
	h.wantBuffered("a delivered signal", "run-1")
}

func testBufferByNameNotAwaited(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	for _, sig := range []string{"sig-2", "sig-1"} {
		h.wantStatus("a signal by name for a running run", h.deliverWith("run-1", byName(sig), buffer), store.Buffered)
	}
	h.checkDeliveries("two buffered signals", "run-1", 2, []wf.Delivery{byName("sig-1"), byName("sig-2")})
	h.wantBuffered("two buffered signals", "run-1", "sig-2", "sig-1")
	if run := h.get("run-1"); run.Status != wf.StatusRunning || run.LeaseOwner != ownerA {
		t.Errorf("run after buffered deliveries: status %q, owner %q; want running, %q", run.Status, run.LeaseOwner, ownerA)
	}
}

// A buffered delivery does not make a paused run ready: it awaits
// something else, and driving it would change nothing.
func testBufferKeepsPausedRun(t *testing.T, h *harness) {
	h.pausedOnTimer("run-1", at(time.Hour))
	h.wantStatus("a signal for a sleeping run", h.deliverWith("run-1", byName("sig-1"), buffer), store.Buffered)
	if run := h.get("run-1"); run.Status != wf.StatusPaused || run.DeliverySeq != 1 {
		t.Errorf("sleeping run after a buffered signal: status %q, DeliverySeq %d; want paused, 1", run.Status, run.DeliverySeq)
	}
}

func testBufferDuplicate(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	h.deliverWith("run-1", byName("sig-1"), buffer)
	again := byName("sig-1")
	again.Payload = json.RawMessage(`{"changed": true}`)
	res := h.deliverWith("run-1", again, buffer)
	h.wantStatus("a buffered signal again", res, store.Duplicate)
	if res.Winner == nil {
		t.Errorf("duplicate's Winner = nil, want the stored sig-1")
	} else {
		diff(t, "duplicate's Winner", byName("sig-1"), *res.Winner)
	}
	h.checkDeliveries("a duplicate of a buffered signal", "run-1", 1, []wf.Delivery{byName("sig-1")})
	h.wantBuffered("a duplicate", "run-1", "sig-1")
}

func testBufferSecondLost(t *testing.T, h *harness) {
	h.pausedOnWait()
	h.deliverWith("run-1", byName("sig-1"), buffer)
	res := h.deliverWith("run-1", byName("sig-2"), buffer)
	h.wantStatus("a second signal for the same awaited wait", res, store.Lost)
	if res.Winner == nil || res.Winner.SignalID != "sig-1" {
		t.Errorf("lost delivery's Winner = %+v, want sig-1", res.Winner)
	}
	h.checkDeliveries("a lost signal", "run-1", 1, []wf.Delivery{signal("wait-a", "sig-1")})
}

// Once the log resolves the awaited wait, the run has moved on (its
// Awaiting is stale until it commits): a new signal is kept for the next
// wait of the name, not lost.
func testBufferAfterResolved(t *testing.T, h *harness) {
	h.pausedOnWait()
	h.deliverWith("run-1", byName("sig-1"), buffer)
	h.claim("run-1", leaseAt(ownerA, at(2*time.Second)))
	h.appendEvents("run-1", ownerA, 0, []wf.Event{
		{Type: wf.SignalAwaited, StepID: "wait-a", Name: "payment-received", Time: at(time.Second)},
		{Type: wf.SignalResolved, StepID: "wait-a", Name: "payment-received", SignalID: "sig-1", Time: at(2 * time.Second)},
	})
	h.wantStatus("a signal after the wait resolved", h.deliverWith("run-1", byName("sig-2"), buffer), store.Buffered)
	h.wantBuffered("a signal after the wait resolved", "run-1", "sig-2")
}

// A run that reached a wait after a signal was buffered for it (the pause
// is committed as running) takes the older one first: a newer signal by
// name queues behind it.
func testBufferQueuesBehindOlder(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	h.deliverWith("run-1", byName("sig-1"), buffer)
	h.pauseAwaiting("run-1", ownerA, 0, waitFor("wait-a"))
	h.wantStatus("a signal behind a buffered one", h.deliverWith("run-1", byName("sig-2"), buffer), store.Buffered)
	h.wantBuffered("two queued signals", "run-1", "sig-1", "sig-2")
}

func testBufferNamedStep(t *testing.T, h *harness) {
	h.pausedOnWait()
	res := h.deliverWith("run-1", signal("wait-b", "sig-1"), buffer)
	h.wantStatus("a signal for a step not reached", res, store.Buffered)
	if res.Run.Status != wf.StatusPaused {
		t.Errorf("run after a signal for a later step: status %q, want paused", res.Run.Status)
	}
	h.wantStatus("another signal for that step", h.deliverWith("run-1", signal("wait-b", "sig-2"), buffer), store.Lost)
	h.checkDeliveries("a signal for a later step", "run-1", 1, []wf.Delivery{signal("wait-b", "sig-1")})
	h.wantBuffered("a signal for a later step", "run-1", "sig-1")
}

func testBufferStrict(t *testing.T, h *harness) {
	strict := store.DeliverOptions{Check: store.StrictWait}
	h.pausedOnWait()
	h.wantStatus("strict, by name, not awaited", h.deliverWith("run-1", wf.Delivery{SignalID: "x", Name: "other", Time: base}, strict), store.NotWaiting)
	h.wantStatus("strict, named step not awaited", h.deliverWith("run-1", signal("wait-b", "sig-0"), strict), store.NotWaiting)
	h.checkDeliveries("refused strict deliveries", "run-1", 0, nil)
	h.wantStatus("strict, by name, awaited", h.deliverWith("run-1", byName("sig-1"), strict), store.Delivered)
	h.checkDeliveries("a strict delivery", "run-1", 1, []wf.Delivery{signal("wait-a", "sig-1")})
}

func testBufferEnded(t *testing.T, h *harness) {
	h.pausedOnWait()
	h.deliverWith("run-1", byName("sig-1"), buffer)
	h.claim("run-1", leaseAt(ownerA, at(2*time.Second)))
	h.end("run-1", ownerA, wf.StatusFinished, at(3*time.Second))
	h.wantStatus("a repeat to an ended run", h.deliverWith("run-1", byName("sig-1"), buffer), store.Duplicate)
	res := h.deliverWith("run-1", byName("sig-2"), buffer)
	h.wantStatus("a signal to an ended run", res, store.Ended)
	if res.Winner == nil || res.Winner.SignalID != "sig-1" {
		t.Errorf("Ended's Winner = %+v, want sig-1 (it resolved a wait of that name)", res.Winner)
	}
	res = h.deliverWith("run-1", wf.Delivery{StepID: "approve", SignalID: "approval:approve", Name: "approval", ApprovalID: "approve", Time: base}, buffer)
	h.wantStatus("an approval to an ended run", res, store.Ended)
	if res.Winner != nil {
		t.Errorf("Ended approval's Winner = %+v, want none", res.Winner)
	}
	h.checkDeliveries("deliveries to an ended run", "run-1", 1, []wf.Delivery{signal("wait-a", "sig-1")})
}

func testBufferCountBound(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	opts := store.DeliverOptions{Check: store.BufferEarly, MaxBuffered: 2}
	for _, sig := range []string{"sig-1", "sig-2"} {
		h.wantStatus("a signal within the bound", h.deliverWith("run-1", byName(sig), opts), store.Buffered)
	}
	h.wantStatus("a signal over the count bound", h.deliverWith("run-1", byName("sig-3"), opts), store.BufferFull)
	h.wantStatus("a signal for an awaited wait", h.deliverWith("run-1", signal("wait-x", "sig-4"), store.DeliverOptions{}), store.Delivered)
	h.checkDeliveries("a refused signal", "run-1", 3, []wf.Delivery{byName("sig-1"), byName("sig-2"), signal("wait-x", "sig-4")})
	h.wantBuffered("a refused signal", "run-1", "sig-1", "sig-2")
}

func testBufferByteBound(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	big := func(sig string) wf.Delivery {
		d := byName(sig)
		d.Payload = json.RawMessage(`"` + strings.Repeat("x", 600) + `"`)
		return d
	}
	opts := store.DeliverOptions{Check: store.BufferEarly, MaxBufferedBytes: 1000}
	h.wantStatus("a signal within the byte bound", h.deliverWith("run-1", big("sig-1"), opts), store.Buffered)
	h.wantStatus("a signal over the byte bound", h.deliverWith("run-1", big("sig-2"), opts), store.BufferFull)
	h.wantStatus("a small signal within the bound", h.deliverWith("run-1", byName("sig-3"), opts), store.Buffered)
	h.wantBuffered("a refused large signal", "run-1", "sig-1", "sig-3")
}

func testBufferCommitConsumed(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	for _, sig := range []string{"sig-1", "sig-2", "sig-3"} {
		h.deliverWith("run-1", byName(sig), buffer)
	}
	h.commit(store.Commit{RunID: "run-1", Owner: ownerA, Status: wf.StatusRunning, Consumed: []string{"sig-2", "unknown"}, Now: at(time.Second)})
	h.wantBuffered("a commit consuming sig-2", "run-1", "sig-1", "sig-3")
	h.claim("run-1", leaseAt(ownerA, at(2*time.Second)))
	h.commit(store.Commit{RunID: "run-1", Owner: ownerA, Status: wf.StatusRunning, Consumed: []string{"sig-1", "sig-3"}, Now: at(time.Second)})
	h.wantBuffered("a commit consuming the rest", "run-1")
}

func testBufferConcurrent(t *testing.T, h *harness) {
	h.pausedOnWait()
	const racers = 8
	results := make([]store.DeliveryResult, racers)
	errs := make([]error, racers)
	concurrently(racers, func(i int) {
		results[i], errs[i] = h.s.Deliver(h.ctx, "run-1", byName("sig-"+string(rune('a'+i))), buffer)
	})
	delivered := 0
	for i, res := range results {
		switch {
		case errs[i] != nil:
			t.Errorf("racer %d: %v", i, errs[i])
		case res.Status == store.Delivered:
			delivered++
		case res.Status != store.Lost:
			t.Errorf("racer %d: status %q, want delivered or lost", i, res.Status)
		}
	}
	if delivered != 1 {
		t.Errorf("%d racers delivered to one wait, want 1", delivered)
	}
	if got := h.get("run-1").DeliverySeq; got != 1 {
		t.Errorf("DeliverySeq after the race = %d, want 1", got)
	}
}
