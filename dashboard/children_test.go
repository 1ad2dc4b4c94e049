package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/dashboard"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// TestParentAndChildren: a child run's page links to its parent, the
// parent's page lists its children, the runs page marks children, and
// ?parent= lists one run's children.
func TestParentAndChildren(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		e := setup(t, st, dashboard.Config{})
		e.startExpense(t, "claim-p", "a team offsite")
		e.startExpense(t, "claim-other", "a boat")
		ctx := context.Background()
		for _, c := range []struct {
			step     string
			detached bool
		}{{"book-venue", false}, {"tell-finance", true}} {
			nr := store.NewRun{ID: wf.ChildRunID("claim-p", c.step), WorkflowID: "tick", Status: wf.StatusQueued,
				Parent: &store.Parent{RunID: "claim-p", StepID: c.step, Detached: c.detached}, Lease: store.Lease{Now: e.clock.Now()}}
			if _, _, err := st.CreateRun(ctx, nr); err != nil {
				t.Fatal(err)
			}
		}
		e.login(t)

		status, body := e.get(t, "runs/claim-p.book-venue")
		if status != http.StatusOK || !strings.Contains(body, `<a href="/dashboard/runs/claim-p" id="run-parent">claim-p</a>, step <code>book-venue</code></dd>`) {
			t.Errorf("child's page: %d, no link to its parent\n%s", status, body)
		}
		if strings.Contains(body, `id="children"`) {
			t.Errorf("child's page lists children it does not have")
		}
		status, body = e.get(t, "runs/claim-p")
		for _, want := range []string{`id="children"`, `<a href="/dashboard/runs/claim-p.book-venue">claim-p.book-venue</a>`,
			`<code>tell-finance</code> <small>detached</small>`} {
			if status != http.StatusOK || !strings.Contains(body, want) {
				t.Errorf("parent's page: %d, lacks %q", status, want)
			}
		}
		if strings.Contains(body, `id="run-parent"`) {
			t.Errorf("parent's page shows a parent it does not have")
		}

		_, body = e.get(t, "")
		if !strings.Contains(body, `claim-p.tell-finance</a> <small class="parent">child of <a href="/dashboard/runs/claim-p">claim-p</a></small>`) {
			t.Errorf("runs page does not mark the children\n%s", body)
		}
		status, body = e.get(t, "?parent=claim-p&limit=1")
		if status != http.StatusOK || !strings.Contains(body, `id="children-of"`) || !strings.Contains(body, "claim-p.tell-finance") ||
			strings.Contains(body, "claim-p.book-venue") || strings.Contains(body, "claim-other") ||
			!strings.Contains(body, "&amp;parent=claim-p&amp;cursor=") {
			t.Errorf("runs page of claim-p's children, one per page: %d\n%s", status, body)
		}
	})
}

// TestManyChildren: a parent with more children than its page lists links
// to the list of them all.
func TestManyChildren(t *testing.T) {
	t.Parallel()
	st := newSQLite(t)
	e := setup(t, st, dashboard.Config{})
	e.startExpense(t, "claim-p", "a team offsite")
	ctx := context.Background()
	for i := range runtime.MaxTimelineChildren + 1 {
		step := fmt.Sprintf("leg-%03d", i)
		nr := store.NewRun{ID: wf.ChildRunID("claim-p", step), WorkflowID: "tick", Status: wf.StatusQueued,
			Parent: &store.Parent{RunID: "claim-p", StepID: step}, Lease: store.Lease{Now: e.clock.Now()}}
		if _, _, err := st.CreateRun(ctx, nr); err != nil {
			t.Fatal(err)
		}
	}
	e.login(t)
	_, body := e.get(t, "runs/claim-p")
	if n := strings.Count(body, `<td><a href="/dashboard/runs/claim-p.leg-`); n != runtime.MaxTimelineChildren || !strings.Contains(body, `href="/dashboard/?parent=claim-p">All children`) {
		t.Errorf("parent's page lists %d children, want %d and a link to all", n, runtime.MaxTimelineChildren)
	}
}
