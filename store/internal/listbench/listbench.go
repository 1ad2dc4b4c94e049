// Package listbench is the ListRuns benchmark at a million runs, shared by
// the SQL stores: the runs each store loads and the pages it times.
package listbench

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// Runs is how many runs Bench expects the store to hold.
const Runs = 1_000_000

// listBenchEpoch is the creation time of the first loaded run.
var listBenchEpoch = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// Skip skips b unless WF_BENCH_1M=1: loading Runs runs
// takes a while.
func Skip(b *testing.B) {
	b.Helper()
	if os.Getenv("WF_BENCH_1M") != "1" {
		b.Skip("set WF_BENCH_1M=1 to load 1,000,000 runs and time ListRuns pages")
	}
}

// Run is the shape of the i-th run a store loads for Bench:
// one of ten workflows, one second apart, mostly finished; one in a
// thousand canceled, one in two thousand parked, one in ten thousand
// aborted; one in ten thousand is of a rare workflow. Each store loads the
// runs its own fastest way, straight into its tables.
func Run(i int) (workflow string, status wf.RunStatus, parked string, created time.Time) {
	workflow = fmt.Sprintf("workflow-%d", i%10)
	if i%10000 == 9 {
		workflow = "rare"
	}
	// Ten runs in a row share a status, so that statuses and workflows
	// are independent: every workflow has its share of each status.
	switch j := i / 10; {
	case j%10000 == 13:
		status = wf.StatusAborted
	case j%1000 == 7:
		status = wf.StatusCanceled
	case j%2000 == 11:
		status, parked = wf.StatusPaused, "version_missing"
	case j%50 == 3:
		status = wf.StatusErrored
	case j%100 == 5:
		status = wf.StatusRunning
	default:
		status = wf.StatusFinished
	}
	return workflow, status, parked, listBenchEpoch.Add(time.Duration(i) * time.Second)
}

// Bench times one ListRuns page per filter the CLI and the
// dashboard offer, in a sub-benchmark each, on st holding the Runs
// runs Run shapes. After each filter's repetitions it logs
// explain's account of the query plan for that filter.
func Bench(b *testing.B, st store.Store, explain func(b *testing.B, q store.ListQuery) string) {
	for _, f := range listBenchFilters() {
		b.Run(f.name, func(b *testing.B) {
			var page store.RunPage
			for b.Loop() {
				var err error
				if page, err = st.ListRuns(b.Context(), f.q); err != nil {
					b.Fatal(err)
				}
			}
			if len(page.Runs) == 0 {
				b.Fatalf("ListRuns(%+v): no runs", f.q)
			}
			b.Log(explain(b, f.q))
		})
	}
}

type listBenchFilter struct {
	name string
	q    store.ListQuery
}

// listBenchFilters are the filters measured, each on a first page and,
// for the few-match ones, a later page through the cursor.
func listBenchFilters() []listBenchFilter {
	last := listBenchEpoch.Add(Runs * time.Second)
	mid := store.RunCursor(listBenchEpoch.Add(Runs/2*time.Second), "")
	return []listBenchFilter{
		{"all", store.ListQuery{}},
		{"status=canceled", store.ListQuery{Status: wf.StatusCanceled}},
		{"status=canceled/mid", store.ListQuery{Status: wf.StatusCanceled, Cursor: mid}},
		{"status=running", store.ListQuery{Status: wf.StatusRunning}},
		{"status=aborted", store.ListQuery{Status: wf.StatusAborted}},
		{"workflow", store.ListQuery{WorkflowID: "workflow-3"}},
		{"workflow+status=errored", store.ListQuery{WorkflowID: "workflow-3", Status: wf.StatusErrored}},
		{"workflow+status=aborted", store.ListQuery{WorkflowID: "workflow-3", Status: wf.StatusAborted}},
		{"workflow+status=canceled/mid", store.ListQuery{WorkflowID: "workflow-7", Status: wf.StatusCanceled, Cursor: mid}},
		{"workflow=rare+status=finished", store.ListQuery{WorkflowID: "rare", Status: wf.StatusFinished}},
		{"parked", store.ListQuery{Parked: true}},
		{"workflow+parked", store.ListQuery{WorkflowID: "workflow-1", Parked: true}},
		{"since=1h", store.ListQuery{Since: last.Add(-time.Hour)}},
		{"status=canceled+since=1d", store.ListQuery{Status: wf.StatusCanceled, Since: last.Add(-24 * time.Hour)}},
	}
}
