package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// Writes of different runs made at the same moment, which a store may send
// together (group commit), each meet their own outcome: a neighbour's lost
// lease, taken log index, gap or missing run fails only the neighbour.
var groupedCases = []testCase{
	{"AppendsOfDifferentRunsFailAlone", testGroupedAppends},
	{"CommitsOfDifferentRunsFailAlone", testGroupedCommits},
	{"MixedWritesOfDifferentRunsFailAlone", testGroupedMixed},
}

// groupedRuns is how many runs write at once in each grouped case: enough
// that concurrent writes queue behind each other.
const groupedRuns = 32

// groupedRounds is how many times the grouped writes are made at once.
const groupedRounds = 3

// failure is how a grouped write is made to fail, by its run's position.
type failure int

const (
	succeeds  failure = iota
	takenIdx          // writes at an index the log already holds
	notOwner          // written by an owner that does not hold the lease
	leavesGap         // writes past the log's end
)

func failureOf(i int) failure { return failure(i % 4) }

// groupedRun is the run at position i of round r.
func groupedRun(r, i int) string { return fmt.Sprintf("run-%d-%02d", r, i) }

// setupGrouped makes the round's runs, each leased to ownerA with a
// one-event log.
func (h *harness) setupGrouped(r int) {
	h.t.Helper()
	for i := range groupedRuns {
		id := groupedRun(r, i)
		h.createLeased(id, ownerA, base)
		h.appendEvents(id, ownerA, 0, steps(0, 1))
	}
}

// groupedWrite is the owner and log index of the write of the run at
// position i.
func groupedWrite(i int) (owner string, next int) {
	switch failureOf(i) {
	case takenIdx:
		return ownerA, 0
	case notOwner:
		return ownerB, 1
	case leavesGap:
		return ownerA, 5
	}
	return ownerA, 1
}

// wantGrouped checks the outcome of the write of the run at position i.
func wantGrouped(t *testing.T, what string, i int, err error) {
	t.Helper()
	switch failureOf(i) {
	case succeeds:
		if err != nil {
			t.Errorf("%s: %v, want success beside failing neighbours", what, err)
		}
	case notOwner:
		wantErr(t, what, err, store.ErrLeaseLost)
	case leavesGap:
		// The contract names no error for a gap; it must fail all the same.
		if err == nil {
			t.Errorf("%s past the log's end: succeeded, want an error", what)
		}
	default:
		wantErr(t, what, err, store.ErrConflict)
	}
}

func testGroupedAppends(t *testing.T, h *harness) {
	for r := range groupedRounds {
		h.setupGrouped(r)
		errs := make([]error, groupedRuns)
		concurrently(groupedRuns, func(i int) {
			owner, next := groupedWrite(i)
			errs[i] = h.s.Append(h.ctx, groupedRun(r, i), store.Append{Owner: owner, Next: next, Events: steps(next, 2)})
		})
		for i, err := range errs {
			id := groupedRun(r, i)
			wantGrouped(t, fmt.Sprintf("Append to %s", id), i, err)
			want := steps(0, 1)
			if failureOf(i) == succeeds {
				want = steps(0, 3)
			}
			diff(t, "log of "+id, want, h.events(id))
		}
	}
}

func testGroupedCommits(t *testing.T, h *harness) {
	output := json.RawMessage(`{"ok": true}`)
	for r := range groupedRounds {
		h.setupGrouped(r)
		errs := make([]error, groupedRuns)
		concurrently(groupedRuns, func(i int) {
			id := groupedRun(r, i)
			owner, next := groupedWrite(i)
			errs[i] = h.s.Commit(h.ctx, store.Commit{
				RunID: id, Owner: owner, Next: next,
				Events: append(steps(next, 1), finished(id, output)),
				Status: wf.StatusFinished, Output: output, Now: at(time.Minute),
			})
		})
		for i, err := range errs {
			id := groupedRun(r, i)
			wantGrouped(t, fmt.Sprintf("Commit of %s", id), i, err)
			run, evs := h.get(id), h.events(id)
			if failureOf(i) == succeeds {
				if run.Status != wf.StatusFinished || len(evs) != 3 {
					t.Errorf("%s after its Commit: status %s with %d events, want %s with 3", id, run.Status, len(evs), wf.StatusFinished)
				}
				continue
			}
			if run.Status != wf.StatusRunning || run.LeaseOwner != ownerA {
				t.Errorf("%s after a failed Commit: status %s leased to %q, want %s leased to %q", id, run.Status, run.LeaseOwner, wf.StatusRunning, ownerA)
			}
			diff(t, "log of "+id+" after a failed Commit", steps(0, 1), h.events(id))
		}
	}
}

// testGroupedMixed makes appends, commits, deliveries, claims and creations
// at once, some of each failing or refused, and checks that each call saw
// its own outcome.
func testGroupedMixed(t *testing.T, h *harness) {
	for r := range groupedRounds {
		h.setupGrouped(r)
		errs := make([]error, groupedRuns)
		concurrently(groupedRuns, func(i int) {
			id := groupedRun(r, i)
			owner, next := groupedWrite(i)
			if i%8 < 4 { // half append, half commit
				errs[i] = h.s.Append(h.ctx, id, store.Append{Owner: owner, Next: next, Events: steps(next, 1)})
			} else {
				errs[i] = h.s.Commit(h.ctx, store.Commit{RunID: id, Owner: owner, Next: next,
					Events: steps(next, 1), Status: wf.StatusRunning, Now: at(time.Minute)})
			}
		})
		others := make([]error, groupedRuns)
		results := make([]any, groupedRuns)
		concurrently(groupedRuns, func(i int) {
			id := groupedRun(r, i)
			switch i % 4 {
			case 0: // a delivery to a missing run
				results[i], others[i] = h.s.Deliver(h.ctx, id+"-missing", signal("wait", "sig"), store.DeliverOptions{})
			case 1: // a delivery to an existing run
				results[i], others[i] = h.s.Deliver(h.ctx, id, signal("wait", "sig"), store.DeliverOptions{})
			case 2: // a claim of a run another owner holds
				results[i], others[i] = h.s.ClaimRun(h.ctx, id, leaseAt(ownerC, at(time.Second)))
			case 3: // a new run
				var created bool
				_, created, others[i] = h.s.CreateRun(h.ctx, newRun(id+"-new"))
				results[i] = created
			}
		})
		for i, err := range errs {
			id := groupedRun(r, i)
			wantGrouped(t, fmt.Sprintf("write to %s", id), i, err)
			want := 1
			if failureOf(i) == succeeds {
				want = 2
			}
			if got := len(h.events(id)); got != want {
				t.Errorf("log of %s: %d events, want %d", id, got, want)
			}
		}
		for i, err := range others {
			what := fmt.Sprintf("call %d of round %d", i, r)
			if err != nil {
				t.Errorf("%s: %v", what, err)
				continue
			}
			checkGroupedOther(t, what, i, results[i])
		}
	}
}

// checkGroupedOther checks the result of the i-th call of the second part
// of testGroupedMixed.
func checkGroupedOther(t *testing.T, what string, i int, res any) {
	t.Helper()
	switch i % 4 {
	case 0:
		if got := res.(store.DeliveryResult).Status; got != store.RunNotFound {
			t.Errorf("%s: delivery to a missing run: %s, want %s", what, got, store.RunNotFound)
		}
	case 1:
		if got := res.(store.DeliveryResult).Status; got != store.Delivered {
			t.Errorf("%s: delivery: %s, want %s", what, got, store.Delivered)
		}
	case 2:
		// Position 2's write was by a non-owner: ownerA still holds it.
		if got := res.(store.ClaimResult).Status; got != store.NotClaimable {
			t.Errorf("%s: claim of a leased run: %s, want %s", what, got, store.NotClaimable)
		}
	case 3:
		if !res.(bool) {
			t.Errorf("%s: CreateRun of a new ID: created = false", what)
		}
	}
}
