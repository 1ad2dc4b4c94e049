package batch_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/examples/batch"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

// service is the tenants' storage and the rate-limited API: every file
// has rows rows; loads of a tenant in gated wait until the gate opens.
type service struct {
	rows  int
	gate  chan struct{}
	gated string

	mu      sync.Mutex
	loaded  map[string]int // idempotency key -> loads
	running map[string]int // tenant -> loads in flight
	most    map[string]int // tenant -> most loads in flight at once
}

func newService(rows int) *service {
	return &service{rows: rows, gate: make(chan struct{}), loaded: map[string]int{}, running: map[string]int{}, most: map[string]int{}}
}

func (s *service) Rows(_ context.Context, tenant, file string) ([]string, error) {
	out := make([]string, s.rows)
	for i := range out {
		out[i] = fmt.Sprintf("%s/%s#%d", tenant, file, i)
	}
	return out, nil
}

func (s *service) Load(_ context.Context, tenant string, rows []string, key string) error {
	s.mu.Lock()
	s.loaded[key]++
	s.running[tenant]++
	s.most[tenant] = max(s.most[tenant], s.running[tenant])
	s.mu.Unlock()
	if tenant == s.gated {
		<-s.gate
	}
	s.mu.Lock()
	s.running[tenant]--
	s.mu.Unlock()
	return nil
}

// sweepUntil sweeps until done or 50 sweeps.
func sweepUntil(t *testing.T, rt *runtime.Runtime, done func() bool) {
	t.Helper()
	for range 50 {
		if done() {
			return
		}
		if _, err := rt.Sweep(context.Background(), runtime.SweepOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("still not done after 50 sweeps")
}

func newRuntime(t *testing.T, svc *service) *runtime.Runtime {
	t.Helper()
	rt, err := runtime.New(runtime.Config{Store: memstore.New(),
		Workflows: batch.Registrations(batch.Workflows{Import: &batch.Import{Storage: svc, API: svc, ChunkSize: 4}})})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

func TestImportLoadsChunks(t *testing.T) {
	t.Parallel()
	svc := newService(10)
	rt := newRuntime(t, svc)
	res, err := batch.StartImport(context.Background(), rt, "acme-1", batch.Job{Tenant: "acme", File: "customers.csv"})
	if err != nil || res.Kind != runtime.KindCompleted {
		t.Fatalf("StartImport = %s, %v; want completed at once (the queue is empty)", res.Kind, err)
	}
	if string(res.Run.Output) != `{"rows":10,"chunks":3}` {
		t.Errorf("output %s, want 10 rows in 3 chunks", res.Run.Output)
	}
	want := map[string]int{"acme-1/load-chunk-0": 1, "acme-1/load-chunk-1": 1, "acme-1/load-chunk-2": 1}
	if fmt.Sprint(svc.loaded) != fmt.Sprint(want) {
		t.Errorf("loads %v, want each chunk once: %v", svc.loaded, want)
	}
}

// TestQueuePerTenant keeps acme's first two imports loading, starts three
// more acme imports (they wait on the queue, in priority order) and one of
// bolt (its own partition: it runs at once), then lets acme's loads
// finish and sweeps until every import is done.
func TestQueuePerTenant(t *testing.T) {
	t.Parallel()
	svc := newService(4)
	svc.gated = "acme"
	rt := newRuntime(t, svc)
	ctx := context.Background()

	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			if _, err := batch.StartImport(ctx, rt, fmt.Sprint("acme-", i), batch.Job{Tenant: "acme", File: "a.csv"}); err != nil {
				t.Error(err)
			}
		})
	}
	waitFor(t, func() bool { svc.mu.Lock(); defer svc.mu.Unlock(); return svc.running["acme"] == 2 })
	for _, p := range []int{0, 5, 1} {
		res, err := batch.StartImport(ctx, rt, fmt.Sprint("acme-p", p), batch.Job{Tenant: "acme", File: "b.csv", Priority: p})
		if err != nil || res.Kind != runtime.KindQueued {
			t.Fatalf("StartImport(acme-p%d) with acme's slots taken = %s, %v; want queued", p, res.Kind, err)
		}
	}
	if res, err := batch.StartImport(ctx, rt, "bolt-1", batch.Job{Tenant: "bolt", File: "c.csv"}); err != nil || res.Kind != runtime.KindCompleted {
		t.Fatalf("StartImport(bolt-1) = %s, %v; want completed: bolt has its own slots", res.Kind, err)
	}
	close(svc.gate)
	wg.Wait()
	sweepUntil(t, rt, func() bool {
		page, err := rt.ListRuns(ctx, store.ListQuery{Queue: "imports", Status: wf.StatusFinished})
		if err != nil {
			t.Fatal(err)
		}
		return len(page.Runs) == 6
	})
	admitted := map[string]time.Time{}
	for _, id := range []string{"acme-0", "acme-1", "acme-p0", "acme-p1", "acme-p5", "bolt-1"} {
		run, err := rt.GetRun(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if run.Status != wf.StatusFinished || run.AdmittedAt == nil {
			t.Fatalf("run %s: status %s admitted %v, want finished", id, run.Status, run.AdmittedAt)
		}
		admitted[id] = *run.AdmittedAt
	}
	if admitted["acme-p5"].After(admitted["acme-p1"]) || !admitted["acme-p0"].After(admitted["acme-p1"]) {
		t.Errorf("admissions %v: want priority 5, then 1, then 0", admitted)
	}
	if svc.most["acme"] != 2 {
		t.Errorf("acme had %d loads in flight at most, want 2 (its queue share)", svc.most["acme"])
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k, n := range svc.loaded {
			if n != 1 {
				t.Errorf("chunk %s loaded %d times", k, n)
			}
			if !yield(k) {
				return
			}
		}
	})
	if len(keys) != 6 {
		t.Errorf("loaded chunks %v, want one per import", keys)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestBatchFansOut imports five files of one tenant and one of another in
// two batches: each file is a child import on the queue, at most two of a
// tenant load at once, and each batch collects every report.
func TestBatchFansOut(t *testing.T) {
	t.Parallel()
	svc := newService(10)
	rt := newRuntime(t, svc)
	ctx := context.Background()
	files := []string{"a.csv", "b.csv", "c.csv", "d.csv", "e.csv"}
	res, err := batch.StartBatch(ctx, rt, "acme-monday", batch.Files{Tenant: "acme", Files: files})
	if err != nil || res.Kind != runtime.KindPaused {
		t.Fatalf("StartBatch = %s, %v; want paused on its children", res.Kind, err)
	}
	if _, err := batch.StartBatch(ctx, rt, "bolt-monday", batch.Files{Tenant: "bolt", Files: []string{"x.csv"}}); err != nil {
		t.Fatal(err)
	}
	sweepUntil(t, rt, func() bool {
		page, err := rt.ListRuns(ctx, store.ListQuery{WorkflowID: "batch", Status: wf.StatusFinished})
		if err != nil {
			t.Fatal(err)
		}
		return len(page.Runs) == 2
	})
	run, err := rt.GetRun(ctx, "acme-monday")
	if err != nil || string(run.Output) != `{"imported":5,"rows":50}` {
		t.Fatalf("acme's batch: %s, %v; want 5 files, 50 rows", run.Output, err)
	}
	page, err := rt.ListRuns(ctx, store.ListQuery{Queue: "imports"})
	if err != nil || len(page.Runs) != 6 {
		t.Fatalf("imports on the queue: %d, %v; want 6", len(page.Runs), err)
	}
	svc.mu.Lock()
	defer svc.mu.Unlock()
	if len(svc.loaded) != 6*3 {
		t.Errorf("loaded %d chunks, want 18 (3 per file)", len(svc.loaded))
	}
	for key, n := range svc.loaded {
		if n != 1 {
			t.Errorf("chunk %s loaded %d times", key, n)
		}
	}
}
