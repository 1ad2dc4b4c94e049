package runtime_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// TestScheduledRunsWaitOnTheirQueue starts a queued workflow's runs from a
// sweep's tick, a trigger and a backfill: each is created on the queue,
// with its partition and priority read from the input, and only the run
// the queue's rate has room for is admitted and driven; a later sweep with
// room admits the rest.
func TestScheduledRunsWaitOnTheirQueue(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		ctx := context.Background()
		st := newStore(t)
		c := testclock.New(t0)
		keys := runtime.QueueKeysOf(func(in importJob) string { return in.Tenant }, func(in importJob) int { return in.Rank })
		newRT := func(q runtime.Queue) *runtime.Runtime {
			w := &queueWorld{}
			rt, err := runtime.New(runtime.Config{Store: st, Clock: c.Now, Workflows: []runtime.Workflow{{
				Definition: w.definition(func() time.Duration { return 0 }), Queue: &q, QueueKeys: keys,
				Schedules: []runtime.Schedule{{ID: "nightly", Spec: runtime.Every(time.Hour), Overlap: runtime.OverlapAllow,
					Input: json.RawMessage(`{"tenant": "acme", "rank": 4}`)}},
			}}})
			if err != nil {
				t.Fatal(err)
			}
			return rt
		}
		rt := newRT(runtime.Queue{Name: "imports", Rate: 1, Per: 24 * time.Hour, Partitioned: true})
		sw, err := rt.Sweep(ctx, runtime.SweepOptions{})
		if err != nil || sw.Summary.Scheduled[runtime.KindCompleted] != 1 {
			t.Fatalf("first sweep: %+v, %v; want one scheduled run completed", sw.Summary, err)
		}
		c.Advance(time.Hour)
		sw, err = rt.Sweep(ctx, runtime.SweepOptions{})
		if err != nil || sw.Summary.Scheduled[runtime.KindQueued] != 1 {
			t.Fatalf("second sweep: %+v, %v; want one scheduled run queued", sw.Summary, err)
		}
		c.Advance(time.Minute)
		trig, err := rt.TriggerSchedule(ctx, "nightly")
		if err != nil || trig.Kind != runtime.KindQueued {
			t.Fatalf("TriggerSchedule = %s, %v; want queued", trig.Kind, err)
		}
		back, err := rt.BackfillSchedule(ctx, "nightly", t0.Add(-3*time.Hour), t0.Add(-2*time.Hour))
		if err != nil || len(back.Ticks) != 2 || back.Ticks[0].Kind != runtime.KindQueued {
			t.Fatalf("BackfillSchedule = %+v, %v; want two queued ticks", back, err)
		}
		page, err := rt.ListRuns(ctx, store.ListQuery{Queue: "imports", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		waiting := 0
		for _, r := range page.Runs {
			if r.Queue != "imports" || r.PartitionKey != "acme" || r.Priority != 4 || r.ScheduleID != "nightly" {
				t.Errorf("scheduled run %s: queue %q partition %q priority %d schedule %q, want imports, acme, 4, nightly",
					r.ID, r.Queue, r.PartitionKey, r.Priority, r.ScheduleID)
			}
			if r.Waiting() {
				waiting++
			}
		}
		if len(page.Runs) != 5 || waiting != 4 {
			t.Fatalf("runs on the queue: %d, %d waiting; want 5, 4 waiting", len(page.Runs), waiting)
		}
		sw, err = newRT(runtime.Queue{Name: "imports", Concurrency: 10, Partitioned: true}).Sweep(ctx, runtime.SweepOptions{})
		if err != nil || sw.Summary.Admitted[runtime.KindCompleted] != 4 {
			t.Fatalf("sweep with room: admitted %v, %v; want 4 completed", sw.Summary.Admitted, err)
		}
		for _, r := range page.Runs {
			if got, _ := rt.GetRun(ctx, r.ID); got.Status != wf.StatusFinished {
				t.Errorf("run %s after the sweep with room: %s, want finished", r.ID, got.Status)
			}
		}
	})
}
