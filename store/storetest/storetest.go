// Package storetest is the conformance suite of the execution-store
// contract, like testing/fstest for file systems: every store.Store
// implementation runs the same cases, for real, against its own backend.
//
// The suite checks the rules written in the doc comments of package store:
// idempotent run creation, compare-and-swap appends and ordered replay,
// atomic commits, run, timer and bucket leases, idempotent deliveries,
// stale-run recovery, schedules and buckets, listing, deletion and
// retention, parked runs, reopening ended runs, child runs' links and
// the deliveries their ends store for their parents, queue admission,
// exactly-once outcomes
// under concurrent callers, and, for a store that declares a size limit
// (store.PayloadLimiter), that it measures what it stores.
//
// Conventions the suite relies on, beyond the doc comments of package store:
//
//   - CreateRun stamps CreatedAt and UpdatedAt with NewRun.Lease.Now, also
//     when Lease.Owner is empty; Commit stamps UpdatedAt with Commit.Now.
//   - Instants are compared at microsecond precision and regardless of
//     location; JSON values are compared by meaning (a jsonb column may
//     reorder keys), and nil equals empty for slices, maps and JSON.
//   - The suite never asserts the outcome of a boundary it leaves open: a
//     lease whose expiry equals the claimant's Now, or an owner acting on its
//     own lease after expiry when nobody took it over.
package storetest

import (
	"testing"

	"github.com/wfgo/wf/store"
)

// Run runs the conformance suite against the stores that newStore makes.
//
// Every case calls newStore for a store of its own, which must be empty and
// isolated from the stores of other cases: cases run in parallel (bound
// their number with go test -parallel). newStore registers any cleanup with
// t.Cleanup and fails t when it cannot make a store.
//
// Use it from a test of the store's package:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			return memstore.New()
//		})
//	}
//
// A store backed by a database typically creates a schema or database per
// call and drops it in t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Helper()
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			for _, c := range g.cases {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					c.run(t, setup(t, newStore))
				})
			}
		})
	}
}

// testCase is one conformance case; it gets a fresh store in h.
type testCase struct {
	name string
	run  func(t *testing.T, h *harness)
}

// groups are the suite's cases by area of the contract, in the order of
// store.Store's methods.
var groups = []struct {
	name  string
	cases []testCase
}{
	{"CreateRun", createRunCases},
	{"GetRun", getRunCases},
	{"LoadExecution", loadExecutionCases},
	{"ClaimRun", claimRunCases},
	{"Heartbeat", heartbeatCases},
	{"ReleaseRun", releaseRunCases},
	{"Append", appendCases},
	{"Events", eventsCases},
	{"Commit", commitCases},
	{"Deliver", deliverCases},
	{"DeliverClaim", deliverClaimCases},
	{"FireDueTimers", fireDueTimersCases},
	{"Buffer", bufferCases},
	{"ClaimDueTimers", claimDueTimersCases},
	{"ClaimStaleRuns", claimStaleRunsCases},
	{"BackOffRun", backOffRunCases},
	{"ReleaseTimer", releaseTimerCases},
	{"Schedules", scheduleCases},
	{"Buckets", bucketCases},
	{"StartBucket", startBucketCases},
	{"ListRuns", listRunsCases},
	{"DeleteRun", deleteRunCases},
	{"PurgeRuns", purgeRunsCases},
	{"Park", parkCases},
	{"ReopenRun", reopenCases},
	{"Children", childCases},
	{"Queues", queueCases},
	{"Races", raceCases},
	{"GroupedWrites", groupedCases},
	{"PayloadLimit", payloadLimitCases},
}
