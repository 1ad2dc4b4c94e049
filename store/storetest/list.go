package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

var listRunsCases = []testCase{
	{"OrdersAndFilters", testListFilters},
	{"CursorPagesEveryRunOnce", testListPaging},
	{"DefaultLimitIs50", testListDefaultLimit},
}

// seedList creates seven runs and returns their IDs in ListRuns order,
// (CreatedAt, ID) descending: g, f, e, d, c, b, a (c and d share CreatedAt).
func (h *harness) seedList() {
	h.t.Helper()
	seed := []struct {
		id, workflow string
		created      time.Duration
		status       wf.RunStatus
	}{
		{"run-a", "orders", 1 * time.Minute, wf.StatusQueued},
		{"run-b", "billing", 2 * time.Minute, wf.StatusFinished},
		{"run-c", "orders", 3 * time.Minute, wf.StatusFinished},
		{"run-d", "orders", 3 * time.Minute, wf.StatusQueued},
		{"run-e", "billing", 4 * time.Minute, wf.StatusQueued},
		{"run-f", "orders", 5 * time.Minute, wf.StatusRunning},
		{"run-g", "orders", 6 * time.Minute, wf.StatusFinished},
	}
	for _, s := range seed {
		nr := newRun(s.id)
		nr.WorkflowID = s.workflow
		nr.Status = s.status
		nr.Lease.Now = at(s.created)
		if s.status == wf.StatusFinished {
			nr.Status = wf.StatusRunning
			nr.Lease = leaseAt(ownerA, at(s.created))
		}
		h.create(nr)
		if s.status == wf.StatusFinished {
			h.end(s.id, ownerA, wf.StatusFinished, at(s.created+time.Second))
		}
	}
}

// listAll follows ListRuns cursors from the first page and returns the
// pages' run IDs.
func (h *harness) listAll(q store.ListQuery) [][]string {
	h.t.Helper()
	var pages [][]string
	for range 100 {
		page, err := h.s.ListRuns(h.ctx, q)
		if err != nil {
			h.t.Fatalf("ListRuns(%+v): %v", q, err)
		}
		if q.Limit > 0 && len(page.Runs) > q.Limit {
			h.t.Errorf("ListRuns(%+v) returned %d runs, more than the limit", q, len(page.Runs))
		}
		pages = append(pages, runIDs(page.Runs))
		if page.Next == "" {
			return pages
		}
		q.Cursor = page.Next
	}
	h.t.Fatalf("ListRuns(%+v): still a next page after 100 pages", q)
	return nil
}

func testListFilters(t *testing.T, h *harness) {
	h.seedList()
	tests := []struct {
		q    store.ListQuery
		want []string
	}{
		{store.ListQuery{}, []string{"run-g", "run-f", "run-e", "run-d", "run-c", "run-b", "run-a"}},
		{store.ListQuery{WorkflowID: "orders"}, []string{"run-g", "run-f", "run-d", "run-c", "run-a"}},
		{store.ListQuery{Status: wf.StatusFinished}, []string{"run-g", "run-c", "run-b"}},
		{store.ListQuery{WorkflowID: "orders", Status: wf.StatusFinished}, []string{"run-g", "run-c"}},
		{store.ListQuery{WorkflowID: "billing", Status: wf.StatusQueued}, []string{"run-e"}},
		{store.ListQuery{WorkflowID: "none"}, []string{}},
		// Since is inclusive: run-c and run-d were created at exactly 3m.
		{store.ListQuery{Since: at(3 * time.Minute)}, []string{"run-g", "run-f", "run-e", "run-d", "run-c"}},
		{store.ListQuery{Status: wf.StatusQueued, Since: at(3 * time.Minute)}, []string{"run-e", "run-d"}},
		{store.ListQuery{WorkflowID: "orders", Since: at(4 * time.Minute)}, []string{"run-g", "run-f"}},
		{store.ListQuery{WorkflowID: "orders", Status: wf.StatusFinished, Since: at(3*time.Minute + time.Second)}, []string{"run-g"}},
		{store.ListQuery{Since: at(7 * time.Minute)}, []string{}},
	}
	for _, tt := range tests {
		page, err := h.s.ListRuns(h.ctx, tt.q)
		if err != nil {
			t.Errorf("ListRuns(%+v): %v", tt.q, err)
			continue
		}
		diff(t, fmt.Sprintf("ListRuns(%+v) run IDs", tt.q), tt.want, runIDs(page.Runs))
		if page.Next != "" {
			t.Errorf("ListRuns(%+v) of a single page: Next = %q, want empty", tt.q, page.Next)
		}
	}
	page, err := h.s.ListRuns(h.ctx, store.ListQuery{WorkflowID: "billing", Status: wf.StatusFinished})
	if err != nil || len(page.Runs) != 1 {
		t.Fatalf("ListRuns(billing, finished): %d runs, error %v; want 1 run", len(page.Runs), err)
	}
	if r := page.Runs[0]; r.ID != "run-b" || r.WorkflowID != "billing" || r.Status != wf.StatusFinished || !sameInstant(r.CreatedAt, at(2*time.Minute)) {
		t.Errorf("ListRuns summary = {ID %q, WorkflowID %q, Status %q, CreatedAt %v}, want {run-b, billing, finished, %v}",
			r.ID, r.WorkflowID, r.Status, r.CreatedAt, at(2*time.Minute))
	}
}

func testListPaging(t *testing.T, h *harness) {
	h.seedList()
	tests := []struct {
		q    store.ListQuery
		want [][]string
	}{
		{store.ListQuery{Limit: 3}, [][]string{{"run-g", "run-f", "run-e"}, {"run-d", "run-c", "run-b"}, {"run-a"}}},
		{store.ListQuery{Limit: 2, WorkflowID: "orders"}, [][]string{{"run-g", "run-f"}, {"run-d", "run-c"}, {"run-a"}}},
		{store.ListQuery{Limit: 1, Status: wf.StatusFinished}, [][]string{{"run-g"}, {"run-c"}, {"run-b"}}},
		{store.ListQuery{Limit: 2, Since: at(3 * time.Minute)}, [][]string{{"run-g", "run-f"}, {"run-e", "run-d"}, {"run-c"}}},
	}
	for _, tt := range tests {
		got := h.listAll(tt.q)
		// A store may end on a full page followed by an empty one.
		if n := len(got); n > 0 && len(got[n-1]) == 0 {
			got = got[:n-1]
		}
		diff(t, fmt.Sprintf("ListRuns(%+v) pages", tt.q), tt.want, got)
	}
}

func testListDefaultLimit(t *testing.T, h *harness) {
	var want []string
	for i := range 55 {
		nr := newRun(fmt.Sprintf("run-%02d", i))
		nr.Lease.Now = at(time.Duration(i) * time.Second)
		h.create(nr)
		want = append([]string{nr.ID}, want...)
	}
	page, err := h.s.ListRuns(h.ctx, store.ListQuery{})
	if err != nil {
		t.Fatalf("ListRuns({}): %v", err)
	}
	diff(t, "ListRuns({}) first page (default limit 50)", want[:50], runIDs(page.Runs))
	if page.Next == "" {
		t.Fatalf("ListRuns({}) of 55 runs: Next is empty, want a cursor")
	}
	rest, err := h.s.ListRuns(h.ctx, store.ListQuery{Cursor: page.Next})
	if err != nil {
		t.Fatalf("ListRuns(second page): %v", err)
	}
	diff(t, "ListRuns second page", want[50:], runIDs(rest.Runs))
	if rest.Next != "" {
		t.Errorf("ListRuns last page: Next = %q, want empty", rest.Next)
	}
}
