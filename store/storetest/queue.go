package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

var queueCases = []testCase{
	{"QueuedRunWaitsUntilAdmitted", testQueueWaits},
	{"ConcurrencyCapsRunsInProgress", testQueueConcurrency},
	{"TerminalRunsFreeSlots", testQueueTerminalFrees},
	{"PriorityThenAge", testQueueOrder},
	{"PartitionsHaveTheirOwnCap", testQueuePartitions},
	{"RateCapsAdmissionsPerWindow", testQueueRate},
	{"LimitAndOtherQueues", testQueueLimit},
	{"RefusesBadRequests", testQueueBad},
	{"ForkWithLogWaitsLeased", testQueueFork},
	{"ConcurrentAdmittersNeverPassTheCap", testQueueRace},
	{"ConcurrentAdmittersPerPartition", testQueueRacePartitions},
}

// queued is a run of queue q created at base+age, with a partition key and
// a priority.
func queued(id, q string, age time.Duration, partition string, priority int) store.NewRun {
	nr := newRun(id)
	nr.Queue, nr.PartitionKey, nr.Priority = q, partition, priority
	nr.Lease = store.Lease{Now: at(age)}
	return nr
}

// admit calls AdmitQueued and fails the case on an error.
func (h *harness) admit(a store.Admit) []string {
	h.t.Helper()
	got, err := h.s.AdmitQueued(h.ctx, a)
	if err != nil {
		h.t.Fatalf("AdmitQueued(%+v): %v", a, err)
	}
	return got
}

// finishAdmitted claims an admitted run and ends it finished at now.
func (h *harness) finishAdmitted(id string, now time.Time) {
	h.t.Helper()
	h.mustClaim(id, leaseAt(ownerC, now))
	h.end(id, ownerC, wf.StatusFinished, now)
}

func testQueueWaits(t *testing.T, h *harness) {
	created := h.create(queued("q-1", "imports", 0, "acme", 7))
	if created.Status != wf.StatusQueued || created.Queue != "imports" || created.PartitionKey != "acme" ||
		created.Priority != 7 || created.AdmittedAt != nil || !created.Waiting() {
		t.Errorf("CreateRun on a queue = status %q queue %q partition %q priority %d admitted %v, want queued, imports, acme, 7, not admitted",
			created.Status, created.Queue, created.PartitionKey, created.Priority, created.AdmittedAt)
	}
	h.create(newRun("plain"))
	if got := h.claimStale(10, leaseAt(ownerA, at(time.Minute))); len(got) != 1 || got[0].ID != "plain" {
		t.Errorf("ClaimStaleRuns with a run waiting on a queue claimed %v, want only [plain]", runIDs(got))
	}
	now := at(2 * time.Minute)
	diff(t, "AdmitQueued", []string{"q-1"}, h.admit(store.Admit{Queue: "imports", Concurrency: 1, Now: now, Limit: 10}))
	run := h.get("q-1")
	if run.Status != wf.StatusRunning || !sameInstantPtr(run.AdmittedAt, now) || run.LeaseOwner != "" || run.Waiting() {
		t.Errorf("admitted run: status %q admitted %v lease %q, want running, admitted at %v, no lease", run.Status, run.AdmittedAt, run.LeaseOwner, now)
	}
	if got := h.claimStale(10, leaseAt(ownerB, at(time.Minute+10*time.Second))); len(got) != 1 || got[0].ID != "q-1" {
		t.Errorf("ClaimStaleRuns after admission claimed %v, want [q-1]", runIDs(got))
	}
	page, err := h.s.ListRuns(h.ctx, store.ListQuery{Queue: "imports"})
	if err != nil {
		t.Fatalf("ListRuns(queue imports): %v", err)
	}
	diff(t, "ListRuns(queue imports)", []string{"q-1"}, runIDs(page.Runs))
}

func testQueueConcurrency(t *testing.T, h *harness) {
	for i := range 5 {
		h.create(queued(fmt.Sprintf("q-%d", i), "imports", time.Duration(i)*time.Second, "", 0))
	}
	a := store.Admit{Queue: "imports", Concurrency: 2, Now: at(time.Minute), Limit: 10}
	diff(t, "first AdmitQueued", []string{"q-0", "q-1"}, h.admit(a))
	if got := h.admit(a); len(got) != 0 {
		t.Errorf("AdmitQueued with the queue full admitted %v, want none", got)
	}
	// A paused run keeps its slot.
	h.mustClaim("q-0", leaseAt(ownerA, at(time.Minute)))
	h.pause("q-0", ownerA, at(time.Minute), timer("q-0", "sleep", at(time.Hour)))
	a.Now = at(2 * time.Minute)
	if got := h.admit(a); len(got) != 0 {
		t.Errorf("AdmitQueued with one run paused and one ready admitted %v, want none", got)
	}
	a.Concurrency = 3
	diff(t, "AdmitQueued with a larger cap", []string{"q-2"}, h.admit(a))
}

func testQueueTerminalFrees(t *testing.T, h *harness) {
	for i := range 4 {
		h.create(queued(fmt.Sprintf("q-%d", i), "imports", time.Duration(i)*time.Second, "", 0))
	}
	a := store.Admit{Queue: "imports", Concurrency: 1, Now: at(time.Minute), Limit: 10}
	diff(t, "AdmitQueued", []string{"q-0"}, h.admit(a))
	h.finishAdmitted("q-0", at(time.Minute))
	// A waiting run that ends (a cancellation) takes no slot.
	h.mustClaim("q-1", leaseAt(ownerA, at(time.Minute)))
	h.end("q-1", ownerA, wf.StatusCanceled, at(time.Minute))
	a.Now = at(2 * time.Minute)
	diff(t, "AdmitQueued after the admitted run finished", []string{"q-2"}, h.admit(a))
	if got := h.get("q-1"); got.AdmittedAt != nil || got.Status != wf.StatusCanceled {
		t.Errorf("canceled waiting run: status %q admitted %v, want canceled and never admitted", got.Status, got.AdmittedAt)
	}
}

func testQueueOrder(t *testing.T, h *harness) {
	h.create(queued("old-low", "imports", 0, "", 0))
	h.create(queued("new-high", "imports", 3*time.Second, "", 5))
	h.create(queued("old-high", "imports", time.Second, "", 5))
	h.create(queued("mid-neg", "imports", 2*time.Second, "", -1))
	h.create(queued("other-queue", "exports", 0, "", 9))
	a := store.Admit{Queue: "imports", Concurrency: 10, Now: at(time.Minute), Limit: 3}
	diff(t, "AdmitQueued order", []string{"old-high", "new-high", "old-low"}, h.admit(a))
	diff(t, "AdmitQueued rest", []string{"mid-neg"}, h.admit(a))
}

func testQueuePartitions(t *testing.T, h *harness) {
	for i, p := range []string{"acme", "acme", "acme", "bolt", "bolt", ""} {
		h.create(queued(fmt.Sprintf("q-%d-%s", i, p), "imports", time.Duration(i)*time.Second, p, 0))
	}
	a := store.Admit{Queue: "imports", Concurrency: 1, PerPartition: true, Now: at(time.Minute), Limit: 10}
	diff(t, "AdmitQueued per partition", []string{"q-0-acme", "q-3-bolt", "q-5-"}, h.admit(a))
	h.finishAdmitted("q-3-bolt", at(time.Minute))
	a.Now = at(2 * time.Minute)
	diff(t, "AdmitQueued after one partition's run finished", []string{"q-4-bolt"}, h.admit(a))
	// acme has 2 in progress against a cap of 1 lowered from 2; the new
	// partition cobalt still has room.
	a.Concurrency = 2
	diff(t, "AdmitQueued with a cap of 2", []string{"q-1-acme"}, h.admit(a))
	h.create(queued("q-6-cobalt", "imports", 6*time.Second, "cobalt", 0))
	a.Concurrency = 1
	diff(t, "AdmitQueued with a partition over its cap", []string{"q-6-cobalt"}, h.admit(a))
	a.PerPartition, a.Concurrency = false, 6
	diff(t, "AdmitQueued unpartitioned, cap 6 with 5 in progress", []string{"q-2-acme"}, h.admit(a))
}

func testQueueRate(t *testing.T, h *harness) {
	for i := range 6 {
		h.create(queued(fmt.Sprintf("q-%d", i), "imports", time.Duration(i)*time.Second, "", 0))
	}
	a := store.Admit{Queue: "imports", Rate: 2, Per: time.Minute, Now: at(time.Minute), Limit: 10}
	diff(t, "AdmitQueued within the rate", []string{"q-0", "q-1"}, h.admit(a))
	h.finishAdmitted("q-0", at(time.Minute))
	h.finishAdmitted("q-1", at(time.Minute))
	a.Now = at(time.Minute + 30*time.Second)
	if got := h.admit(a); len(got) != 0 {
		t.Errorf("AdmitQueued within the same window admitted %v, want none (finished runs still count against the rate)", got)
	}
	a.Now = at(2*time.Minute + time.Millisecond)
	diff(t, "AdmitQueued in the next window", []string{"q-2", "q-3"}, h.admit(a))
	// Both caps: concurrency 3 leaves one slot whatever the rate allows.
	a.Now, a.Rate, a.Concurrency = at(10*time.Minute), 5, 3
	diff(t, "AdmitQueued under both caps", []string{"q-4"}, h.admit(a))
}

func testQueueLimit(t *testing.T, h *harness) {
	for i := range 4 {
		h.create(queued(fmt.Sprintf("q-%d", i), "imports", time.Duration(i)*time.Second, "", 0))
	}
	h.create(queued("e-0", "exports", 0, "", 0))
	a := store.Admit{Queue: "imports", Now: at(time.Minute), Limit: 3}
	diff(t, "AdmitQueued with no caps, limit 3", []string{"q-0", "q-1", "q-2"}, h.admit(a))
	if got := h.get("e-0"); !got.Waiting() {
		t.Errorf("a run of another queue: status %q admitted %v, want still waiting", got.Status, got.AdmittedAt)
	}
	if got := h.admit(store.Admit{Queue: "none", Concurrency: 1, Now: at(time.Minute), Limit: 3}); len(got) != 0 {
		t.Errorf("AdmitQueued of an empty queue admitted %v", got)
	}
}

func testQueueBad(t *testing.T, h *harness) {
	now := at(time.Minute)
	for _, a := range []store.Admit{
		{Concurrency: 1, Now: now, Limit: 1},
		{Queue: "q", Concurrency: -1, Now: now, Limit: 1},
		{Queue: "q", Rate: 3, Now: now, Limit: 1},
		{Queue: "q", Concurrency: 1, Now: now},
	} {
		if _, err := h.s.AdmitQueued(h.ctx, a); err == nil {
			t.Errorf("AdmitQueued(%+v) = nil error, want one", a)
		}
	}
	leased := queued("leased", "imports", 0, "", 0)
	leased.Lease = leaseAt(ownerA, base)
	nonQueued := newRun("partition-only")
	nonQueued.PartitionKey = "acme"
	unleasedLog := queued("unleased-log", "imports", 0, "", 0)
	unleasedLog.Log = steps(0, 1)
	for _, nr := range []store.NewRun{leased, nonQueued, unleasedLog} {
		if _, _, err := h.s.CreateRun(h.ctx, nr); err == nil {
			t.Errorf("CreateRun(%s: queue %q, partition %q, lease %q) = nil error, want one", nr.ID, nr.Queue, nr.PartitionKey, nr.Lease.Owner)
		}
	}
}

// testQueueFork creates a run of a queue with a copied log, as a fork
// does: it waits, leased to its creator, with its log; the lease does not
// make it claimable as stale, and admission admits it.
func testQueueFork(t *testing.T, h *harness) {
	nr := queued("fork-1", "imports", 0, "acme", 1)
	nr.Lease = leaseAt(ownerA, base)
	nr.Log = steps(0, 3)
	run := h.create(nr)
	if !run.Waiting() || run.LeaseOwner != ownerA || run.PartitionKey != "acme" || run.Priority != 1 {
		t.Errorf("CreateRun of a fork on a queue: status %q admitted %v lease %q partition %q priority %d; want waiting, leased to %s, acme, 1",
			run.Status, run.AdmittedAt, run.LeaseOwner, run.PartitionKey, run.Priority, ownerA)
	}
	diff(t, "log of the fork on a queue", steps(0, 3), h.events("fork-1"))
	if got := h.claimStale(10, leaseAt(ownerB, at(time.Hour))); len(got) != 0 {
		t.Errorf("ClaimStaleRuns with the waiting fork's lease expired claimed %v, want none", runIDs(got))
	}
	diff(t, "AdmitQueued", []string{"fork-1"}, h.admit(store.Admit{Queue: "imports", Concurrency: 1, Now: at(time.Minute), Limit: 10}))
}

// admitRace runs racers admitters at once, round after round, each
// admitted run finishing between rounds, until every run is admitted. Each
// round must fill every partition (runs maps run ID to partition key) up to
// the cap, or with what it has left, never more; no run is admitted twice.
func admitRace(t *testing.T, h *harness, runs map[string]string, a store.Admit) {
	seen := map[string]bool{}
	for round := 0; len(seen) < len(runs); round++ {
		left := map[string]int{}
		for id, p := range runs {
			if !seen[id] {
				left[p]++
			}
		}
		a.Now = at(time.Duration(round+1) * time.Minute)
		var mu sync.Mutex
		var got []string
		concurrently(racers, func(int) {
			ids, err := h.s.AdmitQueued(h.ctx, a)
			if err != nil {
				t.Errorf("AdmitQueued: %v", err)
			}
			mu.Lock()
			got = append(got, ids...)
			mu.Unlock()
		})
		admitted := map[string]int{}
		for _, id := range got {
			if seen[id] {
				t.Errorf("round %d: run %s admitted twice", round, id)
			}
			seen[id] = true
			admitted[runs[id]]++
		}
		for p, n := range left {
			if want := min(n, a.Concurrency); admitted[p] != want {
				t.Fatalf("round %d: %d concurrent admitters admitted %d runs of partition %q, want %d (cap %d, %d waiting)",
					round, racers, admitted[p], p, want, a.Concurrency, n)
			}
		}
		for _, id := range got {
			h.finishAdmitted(id, a.Now)
		}
	}
}

func testQueueRace(t *testing.T, h *harness) {
	runs := map[string]string{}
	for i := range 10 {
		id := fmt.Sprintf("q-%02d", i)
		runs[id] = ""
		h.create(queued(id, "imports", time.Duration(i)*time.Millisecond, "", 0))
	}
	admitRace(t, h, runs, store.Admit{Queue: "imports", Concurrency: 3, Limit: 10})
}

func testQueueRacePartitions(t *testing.T, h *harness) {
	runs := map[string]string{}
	for i := range 9 {
		id, p := fmt.Sprintf("q-%02d", i), fmt.Sprintf("p%d", i%2)
		runs[id] = p
		h.create(queued(id, "imports", time.Duration(i)*time.Millisecond, p, 0))
	}
	admitRace(t, h, runs, store.Admit{Queue: "imports", Concurrency: 2, PerPartition: true, Limit: 10})
}
