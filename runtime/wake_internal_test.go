package runtime

import "testing"

func TestHoldEndsAtDone(t *testing.T) {
	var h holders
	x := h.hold("r")
	if !h.wake("r") {
		t.Fatal("wake of a held run: not held")
	}
	if !x.done() {
		t.Fatal("done after a wake: not woken")
	}
	x.drop() // the caller's deferred drop after the drive's done
	if h.wake("r") {
		t.Fatal("wake after the drive's done: still held, so the sender would leave the run to no one")
	}
	if !x.done() {
		t.Fatal("done again reports another outcome")
	}
	if len(h.runs) != 0 {
		t.Fatalf("holds left: %v", h.runs)
	}
}

func TestDropLeavesWakeToTheDriver(t *testing.T) {
	var h holders
	driver := h.hold("r")
	refused := h.hold("r") // a claim that found the lease taken
	if !h.wake("r") {
		t.Fatal("wake of a held run: not held")
	}
	refused.drop()
	if !driver.done() {
		t.Fatal("a refused claim's drop took the driver's wake")
	}
	if len(h.runs) != 0 {
		t.Fatalf("holds left: %v", h.runs)
	}
}

func TestHoldSinceCountsWakesDuringTheClaim(t *testing.T) {
	var h holders
	h.wake("before") // before the claim: its load saw the delivery
	since, claimed := h.claiming()
	if h.wake("during") {
		t.Fatal("wake of a run no one holds reports a holder")
	}
	during, before, other := h.holdSince("during", since), h.holdSince("before", since), h.holdSince("other", since)
	claimed()
	if !during.done() {
		t.Error("a wake while the batch claim was in flight: not woken")
	}
	if before.done() || other.done() {
		t.Error("woken by a wake before the claim, or by none")
	}
	if h.woke != nil || len(h.runs) != 0 {
		t.Fatalf("state left after the claim: woke %v, runs %v", h.woke, h.runs)
	}
	h.wake("after") // no claim in flight: nothing is kept
	if h.woke != nil {
		t.Fatalf("wake kept with no claim in flight: %v", h.woke)
	}
}
