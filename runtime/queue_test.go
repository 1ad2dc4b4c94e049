package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
	"github.com/wfgo/wf/store/postgres"
)

// importJob is the input of the queued test workflow.
type importJob struct {
	Tenant string `json:"tenant"`
	Rank   int    `json:"rank"`
}

// queueWorld is a queued "import" workflow whose one step sleeps a little
// and counts how many steps run at once, in every runtime of a test.
type queueWorld struct {
	running, maxRunning atomic.Int64
	executed            sync.Map // run ID -> *atomic.Int64
}

func (w *queueWorld) definition(work func() time.Duration) *wf.Definition {
	return wf.New("import", func(ctx *wf.Context, in importJob) (string, error) {
		return wf.Step(ctx, "fetch", func(sc wf.StepContext) (string, error) {
			n := w.running.Add(1)
			defer w.running.Add(-1)
			for m := w.maxRunning.Load(); n > m && !w.maxRunning.CompareAndSwap(m, n); m = w.maxRunning.Load() {
			}
			c, _ := w.executed.LoadOrStore(sc.IdempotencyKey(), new(atomic.Int64))
			c.(*atomic.Int64).Add(1)
			time.Sleep(work())
			return in.Tenant, nil
		})
	})
}

// inProgress counts the queue's admitted runs that have not ended, as the
// store lists them.
func inProgress(ctx context.Context, st store.Store, queue string) (int, error) {
	n := 0
	q := store.ListQuery{Queue: queue, Limit: 500}
	for {
		page, err := st.ListRuns(ctx, q)
		if err != nil {
			return 0, err
		}
		for _, r := range page.Runs {
			if r.AdmittedAt != nil && !r.Status.Terminal() {
				n++
			}
		}
		if page.Next == "" {
			return n, nil
		}
		q.Cursor = page.Next
	}
}

// runQueueSweepers starts runs runs of a queue with concurrency 2 from one
// runtime per store in sts (all on one database), sweeps with all of them
// at once until every run finished, and samples the store throughout:
// never more than 2 runs of the queue are in progress.
func runQueueSweepers(t *testing.T, sts []store.Store, runs int) {
	t.Helper()
	const limit = 2
	w := &queueWorld{}
	def := w.definition(func() time.Duration { return time.Duration(20+rand.IntN(31)) * time.Millisecond })
	queue := runtime.Queue{Name: "imports", Concurrency: limit}
	rts := make([]*runtime.Runtime, len(sts))
	for i, st := range sts {
		var err error
		rts[i], err = runtime.New(runtime.Config{Store: st, Workflows: []runtime.Workflow{{Definition: def, Queue: &queue}},
			Owner: fmt.Sprintf("sweeper-%d", i)})
		if err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Sample the store until every run ended.
	done := make(chan struct{})
	var samples, maxSeen atomic.Int64
	sampler := make(chan error, 1)
	go func() {
		defer close(sampler)
		for {
			select {
			case <-done:
				return
			default:
			}
			n, err := inProgress(ctx, sts[0], queue.Name)
			if err != nil {
				sampler <- err
				return
			}
			samples.Add(1)
			if int64(n) > maxSeen.Load() {
				maxSeen.Store(int64(n))
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()

	g, gctx := errgroup.WithContext(ctx)
	for i, rt := range rts {
		g.Go(func() error {
			for k := i; k < runs; k += len(rts) {
				res, err := rt.StartRun(gctx, runtime.StartRequest{WorkflowID: "import", RunID: fmt.Sprintf("run-%02d", k),
					Input: json.RawMessage(fmt.Sprintf(`{"tenant": "t%d", "rank": %d}`, k%3, k))})
				if err != nil {
					return err
				}
				if res.Kind != runtime.KindQueued && res.Kind != runtime.KindCompleted && res.Kind != runtime.KindRunning {
					return fmt.Errorf("StartRun(run-%02d) = %s, want queued, completed or running", k, res.Kind)
				}
			}
			for {
				if _, err := rt.Sweep(gctx, runtime.SweepOptions{}); err != nil {
					return err
				}
				page, err := rt.ListRuns(gctx, store.ListQuery{Queue: queue.Name, Status: wf.StatusFinished, Limit: runs + 1})
				if err != nil {
					return err
				}
				if len(page.Runs) == runs {
					return nil
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	err := g.Wait()
	close(done)
	if serr := <-sampler; serr != nil {
		t.Fatalf("sampling the store: %v", serr)
	}
	if err != nil {
		t.Fatal(err)
	}
	if maxSeen.Load() > limit {
		t.Errorf("the store showed %d runs of the queue in progress at once, want at most %d", maxSeen.Load(), limit)
	}
	if w.maxRunning.Load() > limit {
		t.Errorf("%d steps ran at once, want at most %d", w.maxRunning.Load(), limit)
	}
	if samples.Load() < 10 {
		t.Errorf("only %d samples of the store; the check saw too little", samples.Load())
	}
	for k := range runs {
		id := fmt.Sprintf("run-%02d", k)
		c, ok := w.executed.Load(id + "/fetch")
		if !ok || c.(*atomic.Int64).Load() != 1 {
			t.Errorf("run %s: step executed %v times, want once", id, c)
		}
	}
	t.Logf("%d runs, %d sweepers: %d samples, at most %d in progress, %d steps at once", runs, len(sts), samples.Load(), maxSeen.Load(), w.maxRunning.Load())
}

// TestQueueFourSweepersOnPostgres: 20 runs of a queue with concurrency 2,
// four runtimes with their own connection pools sweeping one database at
// once; the store never shows more than 2 runs in progress.
func TestQueueFourSweepersOnPostgres(t *testing.T) {
	t.Parallel()
	admin := pgtest.NewPool(t, nil)
	schema := pgtest.NewSchema(t, admin)
	ctx := context.Background()
	if err := postgres.Migrate(ctx, admin, postgres.WithSchema(schema)); err != nil {
		t.Fatal(err)
	}
	sts := make([]store.Store, 4)
	for i := range sts {
		st, err := postgres.New(ctx, pgtest.NewPool(t, nil), postgres.WithSchema(schema))
		if err != nil {
			t.Fatal(err)
		}
		sts[i] = st
	}
	runQueueSweepers(t, sts, 20)
}

func TestQueueSweepersOnMemstoreAndSQLite(t *testing.T) {
	t.Parallel()
	t.Run("memstore", func(t *testing.T) {
		t.Parallel()
		st := memstore.New()
		runQueueSweepers(t, []store.Store{st, st, st}, 10)
	})
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		st := newSQLite(t)
		runQueueSweepers(t, []store.Store{st, st, st}, 10)
	})
}

// queueRuntime is a runtime over a fresh store with the "import" workflow
// on queue q, whose step blocks until release is closed (nil: never
// blocks).
func queueRuntime(t *testing.T, st store.Store, q runtime.Queue, keys func(json.RawMessage) (string, int, error)) *runtime.Runtime {
	t.Helper()
	w := &queueWorld{}
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: []runtime.Workflow{{
		Definition: w.definition(func() time.Duration { return 0 }), Queue: &q, QueueKeys: keys}}})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

func start(t *testing.T, rt *runtime.Runtime, req runtime.StartRequest) runtime.Result {
	t.Helper()
	if req.WorkflowID == "" {
		req.WorkflowID = "import"
	}
	if req.Input == nil {
		req.Input = json.RawMessage(`{"tenant": "acme"}`)
	}
	res, err := rt.StartRun(context.Background(), req)
	if err != nil {
		t.Fatalf("StartRun(%s): %v", req.RunID, err)
	}
	return res
}

func TestQueueLifecycle(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		ctx := context.Background()
		st := newStore(t)
		// A rate of 1 per hour: the first run starts at once, the others wait.
		rt := queueRuntime(t, st, runtime.Queue{Name: "imports", Concurrency: 5, Rate: 1, Per: time.Hour}, nil)
		if res := start(t, rt, runtime.StartRequest{RunID: "first"}); res.Kind != runtime.KindCompleted {
			t.Fatalf("first StartRun on an empty queue = %s, want completed", res.Kind)
		}
		res := start(t, rt, runtime.StartRequest{RunID: "second"})
		if res.Kind != runtime.KindQueued || res.Run.Status != wf.StatusQueued || res.Run.Queue != "imports" || res.Run.AdmittedAt != nil {
			t.Fatalf("second StartRun = %s (status %s, queue %q, admitted %v), want queued, not admitted", res.Kind, res.Run.Status, res.Run.Queue, res.Run.AdmittedAt)
		}
		if again := start(t, rt, runtime.StartRequest{RunID: "second"}); again.Kind != runtime.KindQueued || !again.Existing {
			t.Errorf("StartRun of a waiting run again = %s (existing %v), want queued, existing", again.Kind, again.Existing)
		}
		start(t, rt, runtime.StartRequest{RunID: "third"})
		// A signal to a waiting run is kept, and does not start it.
		sig, err := rt.DeliverSignal(ctx, runtime.SignalRequest{RunID: "second", SignalID: "s-1", Name: "poke"})
		if err != nil || sig.Kind != runtime.KindAccepted {
			t.Errorf("DeliverSignal to a waiting run = %s, %v; want accepted", sig.Kind, err)
		}
		sw, err := rt.Sweep(ctx, runtime.SweepOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if sw.Summary.Admitted.Total() != 0 || sw.Summary.Recovered.Total() != 0 {
			t.Errorf("sweep within the rate window: admitted %v, recovered %v; want nothing", sw.Summary.Admitted, sw.Summary.Recovered)
		}
		if got, _ := rt.GetRun(ctx, "second"); !got.Waiting() {
			t.Errorf("run second after a sweep: status %s admitted %v, want still waiting", got.Status, got.AdmittedAt)
		}
		// Cancel a waiting run: it ends without being admitted.
		c, err := rt.Cancel(ctx, "third", "not needed")
		if err != nil || c.Kind != runtime.KindCanceled {
			t.Fatalf("Cancel(waiting run) = %s, %v; want canceled", c.Kind, err)
		}
		if got, _ := rt.GetRun(ctx, "third"); got.Status != wf.StatusCanceled || got.AdmittedAt != nil {
			t.Errorf("canceled waiting run: status %s admitted %v", got.Status, got.AdmittedAt)
		}
		// A runtime whose queue allows more admits the waiting run on its
		// next sweep and drives it.
		rt2 := queueRuntime(t, st, runtime.Queue{Name: "imports", Concurrency: 5}, nil)
		sw, err = rt2.Sweep(ctx, runtime.SweepOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if sw.Summary.Admitted[runtime.KindCompleted] != 1 {
			t.Errorf("sweep with room: admitted %v, want 1 completed", sw.Summary.Admitted)
		}
		if got, _ := rt.GetRun(ctx, "second"); got.Status != wf.StatusFinished || got.AdmittedAt == nil {
			t.Errorf("run second after the sweep: status %s admitted %v, want finished, admitted", got.Status, got.AdmittedAt)
		}
	})
}

func TestQueueKeysAndRequests(t *testing.T) {
	t.Parallel()
	st := memstore.New()
	keys := runtime.QueueKeysOf(func(in importJob) string { return in.Tenant }, func(in importJob) int { return in.Rank })
	rt := queueRuntime(t, st, runtime.Queue{Name: "imports", Rate: 1, Per: time.Hour, Partitioned: true}, keys)
	start(t, rt, runtime.StartRequest{RunID: "a-1", Input: json.RawMessage(`{"tenant": "acme", "rank": 3}`)})
	res := start(t, rt, runtime.StartRequest{RunID: "a-2", Input: json.RawMessage(`{"tenant": "acme", "rank": 3}`)})
	if res.Run.PartitionKey != "acme" || res.Run.Priority != 3 || res.Kind != runtime.KindQueued {
		t.Errorf("a-2: kind %s partition %q priority %d, want queued, acme, 3", res.Kind, res.Run.PartitionKey, res.Run.Priority)
	}
	// Another partition has its own rate.
	if res := start(t, rt, runtime.StartRequest{RunID: "b-1", Input: json.RawMessage(`{"tenant": "bolt"}`)}); res.Kind != runtime.KindCompleted {
		t.Errorf("first run of partition bolt = %s, want completed", res.Kind)
	}
	// The request's keys take precedence.
	res = start(t, rt, runtime.StartRequest{RunID: "c-1", Partition: "cobalt", Priority: 9})
	if res.Run.PartitionKey != "cobalt" || res.Run.Priority != 9 {
		t.Errorf("c-1: partition %q priority %d, want cobalt, 9", res.Run.PartitionKey, res.Run.Priority)
	}
	if _, err := rt.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "import", Queue: "nope", Input: json.RawMessage(`{}`)}); !errors.Is(err, runtime.ErrUnknownQueue) {
		t.Errorf("StartRun on an undeclared queue: %v, want ErrUnknownQueue", err)
	}
	if _, err := rt.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "import", Input: json.RawMessage(`{"tenant": 5}`)}); err == nil {
		t.Errorf("StartRun whose input QueueKeys cannot read: nil error")
	}
}

func TestQueueDeclarations(t *testing.T) {
	t.Parallel()
	def := (&queueWorld{}).definition(func() time.Duration { return 0 })
	for _, c := range []struct {
		name string
		cfg  runtime.Config
	}{
		{"no caps", runtime.Config{Queues: []runtime.Queue{{Name: "q"}}}},
		{"rate without period", runtime.Config{Queues: []runtime.Queue{{Name: "q", Rate: 3}}}},
		{"bad name", runtime.Config{Queues: []runtime.Queue{{Name: "a/b", Concurrency: 1}}}},
		{"negative", runtime.Config{Queues: []runtime.Queue{{Name: "q", Concurrency: -1}}}},
		{"declared twice differently", runtime.Config{Queues: []runtime.Queue{{Name: "q", Concurrency: 1}},
			Workflows: []runtime.Workflow{{Definition: def, Queue: &runtime.Queue{Name: "q", Concurrency: 2}}}}},
	} {
		c.cfg.Store = memstore.New()
		if _, err := runtime.New(c.cfg); err == nil {
			t.Errorf("%s: runtime.New accepted %+v", c.name, c.cfg.Queues)
		}
	}
	rt, err := runtime.New(runtime.Config{Store: memstore.New(), Queues: []runtime.Queue{{Name: "b", Concurrency: 1}, {Name: "a", Rate: 2, Per: time.Second}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := rt.Queues(); len(got) != 2 || got[0].Name != "a" || got[1].Name != "b" {
		t.Errorf("Queues() = %+v, want a then b", got)
	}
}

// TestQueueChildren: a parent fans out six children of a workflow on a
// queue of concurrency 2; the children wait on the queue like any run,
// never more than 2 run at once, and the parent collects all six.
func TestQueueChildren(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		ctx := context.Background()
		w := &queueWorld{}
		child := w.definition(func() time.Duration { return 5 * time.Millisecond })
		parent := wf.New("batch", func(ctx *wf.Context, tenants []string) ([]string, error) {
			var fs []wf.Awaitable
			var results []*wf.Future[string]
			for i, tenant := range tenants {
				f := wf.StartChild[string](ctx, wf.StepID(fmt.Sprint("import-", i)), "import", importJob{Tenant: tenant})
				fs, results = append(fs, f), append(results, f)
			}
			if err := wf.All(ctx, fs...); err != nil {
				return nil, err
			}
			var out []string
			for _, f := range results {
				v, err := f.Get()
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			return out, nil
		})
		rt, err := runtime.New(runtime.Config{Store: newStore(t), Workflows: []runtime.Workflow{
			{Definition: parent}, {Definition: child, Queue: &runtime.Queue{Name: "imports", Concurrency: 2}}}})
		if err != nil {
			t.Fatal(err)
		}
		tenants := []string{"a", "b", "c", "d", "e", "f"}
		in, _ := json.Marshal(tenants)
		if _, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "batch", RunID: "batch-1", Input: in}); err != nil {
			t.Fatal(err)
		}
		for range 20 {
			if run, err := rt.GetRun(ctx, "batch-1"); err != nil || run.Status.Terminal() {
				break
			}
			if _, err := rt.Sweep(ctx, runtime.SweepOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		run, err := rt.GetRun(ctx, "batch-1")
		if err != nil || run.Status != wf.StatusFinished || string(run.Output) != `["a","b","c","d","e","f"]` {
			t.Fatalf("parent: %s %s %v, %v; want finished with every child's output in order", run.Status, run.Output, run.Error, err)
		}
		page, err := rt.ListRuns(ctx, store.ListQuery{Queue: "imports"})
		if err != nil || len(page.Runs) != len(tenants) {
			t.Fatalf("ListRuns(queue imports) = %d runs, %v; want the %d children", len(page.Runs), err, len(tenants))
		}
		for _, r := range page.Runs {
			if r.Parent == nil || r.Parent.RunID != "batch-1" || r.AdmittedAt == nil {
				t.Errorf("child %s: parent %+v admitted %v, want a child of batch-1 that its queue admitted", r.ID, r.Parent, r.AdmittedAt)
			}
		}
		if got := w.maxRunning.Load(); got > 2 {
			t.Errorf("%d children ran at once, want at most 2", got)
		}
	})
}
