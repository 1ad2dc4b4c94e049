package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// racers is how many goroutines contend in each race.
const racers = 16

var raceCases = []testCase{
	{"CreateRunCreatesOnce", testRaceCreate},
	{"ClaimRunHasOneWinner", testRaceClaim},
	{"AppendAtOneIndexHasOneWinner", testRaceAppend},
	{"CommitAtOneIndexHasOneWinner", testRaceCommit},
	{"SameSignalIDDeliveredOnce", testRaceSameSignal},
	{"SameWaitResolvedOnce", testRaceSameWait},
	{"SweepersClaimEachTimerOnce", testRaceTimers},
	{"SweepersClaimEachBucketOnce", testRaceBuckets},
	{"SweepersClaimEachStaleRunOnce", testRaceStale},
	{"EnsureBucketInsertsOnce", testRaceEnsureBucket},
	{"ExclusiveStartsOfOneScheduleCreateOneRun", testRaceExclusiveStarts},
}

// concurrently calls fn(0), …, fn(n-1) in n goroutines released at once,
// and waits for them.
func concurrently(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}

// oneWinner checks that exactly one of errs is nil and the others match one
// of losers; it returns the winner's index, or -1.
func oneWinner(t *testing.T, what string, errs []error, losers ...error) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("%s: callers %d and %d both succeeded, want exactly one", what, winner, i)
		case err == nil:
			winner = i
		default:
			wantErr(t, fmt.Sprintf("%s: caller %d", what, i), err, losers...)
		}
	}
	if winner < 0 {
		t.Errorf("%s: no caller succeeded, want exactly one", what)
	}
	return winner
}

func testRaceCreate(t *testing.T, h *harness) {
	runs := make([]store.Run, racers)
	created := make([]bool, racers)
	errs := make([]error, racers)
	concurrently(racers, func(i int) {
		nr := newRun("run-1")
		nr.WorkflowID = fmt.Sprintf("workflow-%d", i)
		runs[i], created[i], errs[i] = h.s.CreateRun(h.ctx, nr)
	})
	stored := h.get("run-1")
	n := 0
	for i := range racers {
		if errs[i] != nil {
			t.Errorf("CreateRun caller %d: %v", i, errs[i])
			continue
		}
		if created[i] {
			n++
		}
		diff(t, fmt.Sprintf("CreateRun caller %d result (the stored run)", i), stored, runs[i])
	}
	if n != 1 {
		t.Errorf("%d concurrent CreateRun calls created %d runs, want 1", racers, n)
	}
}

func testRaceClaim(t *testing.T, h *harness) {
	h.create(newRun("run-1"))
	results := make([]store.ClaimResult, racers)
	errs := make([]error, racers)
	concurrently(racers, func(i int) {
		results[i], errs[i] = h.s.ClaimRun(h.ctx, "run-1", leaseAt(fmt.Sprintf("owner-%d", i), at(time.Second)))
	})
	winner := ""
	for i, res := range results {
		switch {
		case errs[i] != nil:
			t.Errorf("ClaimRun caller %d: %v", i, errs[i])
		case res.Status == store.Claimed && winner != "":
			t.Errorf("ClaimRun: owners %s and owner-%d both claimed the run", winner, i)
		case res.Status == store.Claimed:
			winner = fmt.Sprintf("owner-%d", i)
		case res.Status != store.NotClaimable:
			t.Errorf("ClaimRun caller %d: status %q, want %q or %q", i, res.Status, store.Claimed, store.NotClaimable)
		}
	}
	if got := h.get("run-1").LeaseOwner; winner == "" || got != winner {
		t.Errorf("%d concurrent ClaimRun calls: winner %q, stored lease owner %q; want one winner holding the lease", racers, winner, got)
	}
}

func testRaceAppend(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	h.appendEvents("run-1", ownerA, 0, steps(0, 1))
	errs := make([]error, racers)
	concurrently(racers, func(i int) {
		errs[i] = h.s.Append(h.ctx, "run-1", store.Append{Owner: ownerA, Next: 1, Events: steps(100*(i+1), 2)})
	})
	winner := oneWinner(t, "concurrent Appends at index 1", errs, store.ErrConflict)
	if winner >= 0 {
		diff(t, "log after concurrent Appends", append(steps(0, 1), steps(100*(winner+1), 2)...), h.events("run-1"))
	}
}

func testRaceCommit(t *testing.T, h *harness) {
	h.createLeased("run-1", ownerA, base)
	errs := make([]error, racers)
	concurrently(racers, func(i int) {
		errs[i] = h.s.Commit(h.ctx, store.Commit{
			RunID: "run-1", Owner: ownerA, Next: 0, Events: steps(100*(i+1), 2),
			Status: wf.StatusPaused, Timers: []store.Timer{timer("run-1", fmt.Sprintf("sleep-%d", i), at(time.Minute))},
			Now: at(time.Second),
		})
	})
	// A loser sees the winner's events (conflict) or its released lease.
	winner := oneWinner(t, "concurrent Commits at index 0", errs, store.ErrConflict, store.ErrLeaseLost)
	if winner >= 0 {
		diff(t, "log after concurrent Commits", steps(100*(winner+1), 2), h.events("run-1"))
		diff(t, "timers after concurrent Commits", []store.Timer{timer("run-1", fmt.Sprintf("sleep-%d", winner), at(time.Minute))}, h.allTimers())
	}
}

// deliverAll delivers ds to run-1 concurrently.
func (h *harness) deliverAll(ds []wf.Delivery) ([]store.DeliveryResult, []error) {
	results := make([]store.DeliveryResult, len(ds))
	errs := make([]error, len(ds))
	concurrently(len(ds), func(i int) {
		results[i], errs[i] = h.s.Deliver(h.ctx, "run-1", ds[i], store.DeliverOptions{})
	})
	return results, errs
}

// checkOneDelivered checks that one delivery won and every other got
// status loser with that winner.
func (h *harness) checkOneDelivered(ds []wf.Delivery, results []store.DeliveryResult, errs []error, loser store.DeliveryStatus) {
	h.t.Helper()
	winner := -1
	for i, res := range results {
		switch {
		case errs[i] != nil:
			h.t.Errorf("Deliver caller %d: %v", i, errs[i])
		case res.Status == store.Delivered && winner >= 0:
			h.t.Errorf("Deliver callers %d and %d both got %q", winner, i, store.Delivered)
		case res.Status == store.Delivered:
			winner = i
		case res.Status != loser:
			h.t.Errorf("Deliver caller %d: status %q, want %q or %q", i, res.Status, store.Delivered, loser)
		case res.Winner == nil:
			h.t.Errorf("Deliver caller %d: status %q without a Winner", i, res.Status)
		}
	}
	if winner < 0 {
		h.t.Fatalf("%d concurrent Deliver calls: none delivered, want one", len(ds))
	}
	for i, res := range results {
		if i != winner && res.Winner != nil {
			diff(h.t, fmt.Sprintf("Deliver caller %d Winner", i), ds[winner], *res.Winner)
		}
	}
	h.checkDeliveries("concurrent deliveries", "run-1", 1, ds[winner:winner+1])
}

func testRaceSameSignal(t *testing.T, h *harness) {
	h.create(newRun("run-1"))
	ds := make([]wf.Delivery, racers)
	for i := range ds {
		ds[i] = signal("wait-a", "sig-1")
	}
	results, errs := h.deliverAll(ds)
	h.checkOneDelivered(ds, results, errs, store.Duplicate)
}

func testRaceSameWait(t *testing.T, h *harness) {
	h.create(newRun("run-1"))
	ds := make([]wf.Delivery, racers)
	for i := range ds {
		ds[i] = signal("wait-a", fmt.Sprintf("sig-%d", i))
	}
	results, errs := h.deliverAll(ds)
	h.checkOneDelivered(ds, results, errs, store.Lost)
}

// sweepAll runs 8 sweepers, each calling claim (for up to 3 items) until
// it gets none, and checks that every key in want was claimed
// exactly once.
func sweepAll[T any](t *testing.T, what string, want []string, claim func(owner string) ([]T, error), key func(T) string) {
	t.Helper()
	const sweepers = 8
	claimed := make([][]string, sweepers)
	errs := make([]error, sweepers)
	concurrently(sweepers, func(i int) {
		for j := range len(want) + 1 {
			// Each claim is a sweep of its own, under its own owner.
			got, err := claim(fmt.Sprintf("sweeper-%d-%d", i, j))
			if err != nil || len(got) == 0 {
				errs[i] = err
				return
			}
			for _, item := range got {
				claimed[i] = append(claimed[i], key(item))
			}
		}
	})
	count := map[string]int{}
	for i := range sweepers {
		if errs[i] != nil {
			t.Errorf("%s: sweeper %d: %v", what, i, errs[i])
		}
		for _, k := range claimed[i] {
			count[k]++
		}
	}
	for _, k := range want {
		if count[k] != 1 {
			t.Errorf("%s: %s claimed %d times, want once", what, k, count[k])
		}
		delete(count, k)
	}
	for k, n := range count {
		t.Errorf("%s: unexpected %s claimed %d times", what, k, n)
	}
}

func testRaceTimers(t *testing.T, h *harness) {
	var want []string
	for i := range 40 {
		tm := h.pausedOnTimer(fmt.Sprintf("run-%02d", i), at(time.Duration(i%7)*time.Second))
		want = append(want, tm.RunID+"/"+tm.StepID)
	}
	sweepAll(t, "ClaimDueTimers", want,
		func(owner string) ([]store.Timer, error) {
			return h.s.ClaimDueTimers(h.ctx, 3, leaseAt(owner, at(time.Minute)))
		},
		func(tm store.Timer) string { return tm.RunID + "/" + tm.StepID })
}

func testRaceBuckets(t *testing.T, h *harness) {
	var want []string
	for i := range 40 {
		b := bucket(fmt.Sprintf("schedule-%d", i%4), at(time.Duration(i)*time.Second))
		h.ensure(b)
		want = append(want, b.ScheduleID+"/"+b.BucketID)
	}
	sweepAll(t, "ClaimDueBuckets", want,
		func(owner string) ([]store.Bucket, error) {
			return h.s.ClaimDueBuckets(h.ctx, 3, leaseAt(owner, at(time.Minute)))
		},
		func(b store.Bucket) string { return b.ScheduleID + "/" + b.BucketID })
}

func testRaceStale(t *testing.T, h *harness) {
	var want []string
	for i := range 40 {
		id := fmt.Sprintf("run-%02d", i)
		h.create(newRun(id))
		want = append(want, id)
	}
	sweepAll(t, "ClaimStaleRuns", want,
		func(owner string) ([]store.Run, error) {
			return h.s.ClaimStaleRuns(h.ctx, 3, leaseAt(owner, at(time.Minute)))
		},
		func(r store.Run) string { return r.ID })
}

func testRaceEnsureBucket(t *testing.T, h *harness) {
	inserted := make([]bool, racers)
	errs := make([]error, racers)
	concurrently(racers, func(i int) {
		b := bucket("digest", at(time.Minute))
		b.RunID = fmt.Sprintf("run-%d", i)
		inserted[i], errs[i] = h.s.EnsureBucket(h.ctx, b)
	})
	n := 0
	for i := range racers {
		if errs[i] != nil {
			t.Errorf("EnsureBucket caller %d: %v", i, errs[i])
		}
		if inserted[i] {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d concurrent EnsureBucket calls inserted %d times, want 1", racers, n)
	}
	if got := h.listBuckets("digest", 10); len(got) != 1 {
		t.Errorf("ListBuckets after concurrent EnsureBucket: %d buckets, want 1", len(got))
	}
}
