package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/internal/sqlitetest"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
	"github.com/wfgo/wf/store/postgres"
	"github.com/wfgo/wf/store/sqlite"
)

// limit is the payload limit of the stores in these tests.
const limit = 4096

// rawStore is a store with a size limit and, for the SQL stores, a way to
// write rows behind its back.
type rawStore struct {
	store.Store
	// exec runs SQL with {events} and {runs} naming the store's tables;
	// nil for memstore.
	exec func(t *testing.T, q string, args ...any)
}

var limitedStores = []struct {
	name string
	new  func(t *testing.T) rawStore
}{
	{"memstore", func(t *testing.T) rawStore {
		return rawStore{Store: memstore.New(memstore.WithMaxPayloadSize(limit))}
	}},
	{"sqlite", newLimitedSQLite},
	{"postgres", newLimitedPostgres},
}

func newLimitedSQLite(t *testing.T) rawStore {
	t.Helper()
	db := sqlitetest.Open(t, filepath.Join(t.TempDir(), "wf.db"))
	st := sqlitetest.Store(t, db, sqlite.WithMaxPayloadSize(limit))
	return rawStore{Store: st, exec: func(t *testing.T, q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(t.Context(), strings.NewReplacer("{events}", "wf_events", "{runs}", "wf_runs").Replace(q), args...); err != nil {
			t.Fatal(err)
		}
	}}
}

func newLimitedPostgres(t *testing.T) rawStore {
	t.Helper()
	pool := pgtest.NewPool(t, nil)
	schema := pgtest.NewSchema(t, pool)
	if err := postgres.Migrate(t.Context(), pool, postgres.WithSchema(schema)); err != nil {
		t.Fatal(err)
	}
	st, err := postgres.New(t.Context(), pool, postgres.WithSchema(schema), postgres.WithMaxPayload(limit))
	if err != nil {
		t.Fatal(err)
	}
	return rawStore{Store: st, exec: func(t *testing.T, q string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(t.Context(), strings.NewReplacer("{events}", schema+".wf_events", "{runs}", schema+".wf_runs").Replace(q), args...); err != nil {
			t.Fatal(err)
		}
	}}
}

// forEachLimitedStore runs fn once per limited store, in parallel subtests.
func forEachLimitedStore(t *testing.T, fn func(t *testing.T, st rawStore)) {
	for _, f := range limitedStores {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			fn(t, f.new(t))
		})
	}
}

// hiddenLimit hides the store's PayloadLimiter: the runtime cannot check
// sizes first and meets the store's refusal.
type hiddenLimit struct{ store.Store }

// poison is a workflow whose step "fetch" returns a result over the limit,
// with a retry policy; it counts the step's executions and those of the
// step after it.
type poison struct {
	fetches, afters atomic.Int32
	// sawTooLarge records that the step's error unwrapped to a
	// *wf.PayloadTooLargeError inside the workflow.
	sawTooLarge atomic.Bool
	// last makes "fetch" the workflow's last step.
	last bool
}

func (p *poison) definition() *wf.Definition {
	return wf.New("poison", func(ctx *wf.Context, _ struct{}) (string, error) {
		big, err := wf.Step(ctx, "fetch", func(wf.StepContext) (string, error) {
			p.fetches.Add(1)
			return strings.Repeat("x", limit), nil
		}, wf.WithRetry(wf.RetryPolicy{MaxAttempts: 3}))
		var tooLarge *wf.PayloadTooLargeError
		if errors.As(err, &tooLarge) {
			p.sawTooLarge.Store(true)
		}
		if err != nil || p.last {
			return strconv.Itoa(len(big)), err
		}
		err = wf.Do(ctx, "after", func(wf.StepContext) error { p.afters.Add(1); return nil })
		return "done", err
	})
}

// sweepTimes sweeps n times; every sweep must find nothing to recover.
func sweepTimes(t *testing.T, rt *runtime.Runtime, n int) {
	t.Helper()
	for range n {
		res, err := rt.Sweep(context.Background(), runtime.SweepOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Summary.Recovered.Total(); got != 0 {
			t.Fatalf("sweep recovered %d runs (%v), want none: the run must not be re-driven", got, res.Summary.Recovered)
		}
	}
}

// wantEnded checks that the run ended errored with code, and that its error
// mentions each of words.
func wantEnded(t *testing.T, st store.Store, runID string, code wf.ErrorCode, words ...string) store.Run {
	t.Helper()
	run, err := st.GetRun(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != wf.StatusErrored || run.Error == nil || run.Error.Code != code {
		t.Fatalf("run %s: status %s, error %+v; want errored with code %s", runID, run.Status, run.Error, code)
	}
	for _, w := range words {
		if !strings.Contains(run.Error.Message, w) {
			t.Errorf("run %s: error %q does not mention %q", runID, run.Error.Message, w)
		}
	}
	return run
}

// TestOversizedStepResultFailsStep: a step whose result is over the store's
// limit fails once, without retries, with a *wf.PayloadTooLargeError the
// workflow sees; returned, it ends the run with code payload_too_large,
// and no sweep runs the step again.
func TestOversizedStepResultFailsStep(t *testing.T) {
	t.Parallel()
	forEachLimitedStore(t, func(t *testing.T, st rawStore) {
		p := &poison{}
		rt := newLimitRuntime(t, st.Store, p.definition())
		res, err := rt.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "poison", RunID: "p"})
		if err != nil || res.Kind != runtime.KindErrored {
			t.Fatalf("start: %s %v, want errored", res.Kind, err)
		}
		wantEnded(t, st, "p", wf.CodePayloadTooLarge, `"fetch"`, "STEP_FINISHED", strconv.Itoa(limit)+" bytes")
		sweepTimes(t, rt, 3)
		if n := p.fetches.Load(); n != 1 {
			t.Errorf("the oversized step ran %d times, want once (no retry: it would return the same value)", n)
		}
		if p.afters.Load() != 0 || !p.sawTooLarge.Load() {
			t.Errorf("after: %d runs, saw PayloadTooLargeError: %v; want 0, true", p.afters.Load(), p.sawTooLarge.Load())
		}
		ex, err := st.LoadExecution(context.Background(), "p")
		if err != nil {
			t.Fatal(err)
		}
		failed := ex.Events[0]
		if failed.Type != wf.StepFailed || failed.Error.Code != wf.CodePayloadTooLarge {
			t.Errorf("first event: %s %+v, want STEP_FAILED with code payload_too_large", failed.Type, failed.Error)
		}
	})
}

// TestStoreRefusalEndsRun: when the runtime cannot check sizes first, the
// store's ErrTooLarge (on the append before the next step, or on the final
// commit) ends the run with code payload_too_large instead of leaving it
// to be re-driven: the step's side effect ran once, however often the
// sweep runs.
func TestStoreRefusalEndsRun(t *testing.T) {
	t.Parallel()
	for _, last := range []bool{false, true} {
		name := "refused append"
		if last {
			name = "refused commit"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			forEachLimitedStore(t, func(t *testing.T, st rawStore) {
				p := &poison{last: last}
				rt := newLimitRuntime(t, hiddenLimit{st.Store}, p.definition())
				res, err := rt.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "poison", RunID: "p"})
				if err != nil || res.Kind != runtime.KindErrored {
					t.Fatalf("start: %s %v, want errored", res.Kind, err)
				}
				wantEnded(t, st, "p", wf.CodePayloadTooLarge, `STEP_FINISHED event of "fetch"`, strconv.Itoa(limit)+"-byte limit")
				sweepTimes(t, rt, 3)
				if p.fetches.Load() != 1 || p.afters.Load() != 0 {
					t.Errorf("fetch ran %d times, after %d; want 1 and 0", p.fetches.Load(), p.afters.Load())
				}
			})
		})
	}
}

// TestOversizedOutputEndsRun: an output whose RUN_FINISHED event is over
// the limit ends the run with code payload_too_large; its steps ran once.
func TestOversizedOutputEndsRun(t *testing.T) {
	t.Parallel()
	forEachLimitedStore(t, func(t *testing.T, st rawStore) {
		var steps atomic.Int32
		def := wf.New("big-output", func(ctx *wf.Context, _ struct{}) (string, error) {
			err := wf.Do(ctx, "work", func(wf.StepContext) error { steps.Add(1); return nil })
			return strings.Repeat("y", limit), err
		})
		rt := newLimitRuntime(t, st.Store, def)
		res, err := rt.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "big-output", RunID: "o"})
		if err != nil || res.Kind != runtime.KindErrored {
			t.Fatalf("start: %s %v, want errored", res.Kind, err)
		}
		wantEnded(t, st, "o", wf.CodePayloadTooLarge, "RUN_FINISHED", strconv.Itoa(limit)+" bytes")
		sweepTimes(t, rt, 3)
		if steps.Load() != 1 {
			t.Errorf("the step ran %d times, want once", steps.Load())
		}
	})
}

// TestOversizedDeliveryRefused: a signal payload or approval feedback that
// is under the limit itself but whose stored form (with meta and the
// delivery's fields) is over it is refused with an error that is
// errors.Is store.ErrTooLarge, and nothing is written; a delivery that fits
// is then accepted.
func TestOversizedDeliveryRefused(t *testing.T) {
	t.Parallel()
	forEachLimitedStore(t, func(t *testing.T, st rawStore) {
		def := wf.New("waits", func(ctx *wf.Context, _ struct{}) (string, error) {
			if _, err := wf.WaitForEvent[string](ctx, "go", wf.ID("wait-go")); err != nil {
				return "", err
			}
			a, err := wf.Approve(ctx, wf.ApprovalRequest{ID: "ok"})
			return a.Feedback, err
		})
		rt := newLimitRuntime(t, st.Store, def)
		ctx := context.Background()
		if res, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "waits", RunID: "w"}); err != nil || res.Kind != runtime.KindPaused {
			t.Fatalf("start: %s %v", res.Kind, err)
		}
		nearly := strings.Repeat("z", limit-40)
		payload, _ := json.Marshal(nearly)
		_, err := rt.DeliverSignal(ctx, runtime.SignalRequest{RunID: "w", SignalID: "s-big", Name: "go", Payload: payload,
			Meta: map[string]string{"source": "webhook"}})
		wantRefused(t, st, "signal", err, "", wf.SignalResolved) // sent by name: its wait is not known before it is stored

		res, err := rt.DeliverSignal(ctx, runtime.SignalRequest{RunID: "w", SignalID: "s-1", Name: "go", Payload: json.RawMessage(`"small"`)})
		if err != nil || res.Kind != runtime.KindPaused {
			t.Fatalf("small signal: %s %v, want paused on the approval", res.Kind, err)
		}
		_, err = rt.DeliverApproval(ctx, runtime.ApprovalDecision{RunID: "w", ApprovalID: "ok", Approved: true, Feedback: nearly})
		wantRefused(t, st, "approval", err, "ok", wf.ApprovalResolved)

		res, err = rt.DeliverApproval(ctx, runtime.ApprovalDecision{RunID: "w", ApprovalID: "ok", Approved: true, Feedback: "fine"})
		if err != nil || res.Kind != runtime.KindCompleted {
			t.Fatalf("small approval: %s %v, want completed", res.Kind, err)
		}
	})
}

// wantRefused checks a refused delivery's error and that nothing was
// stored: the run is still paused and has no new delivery.
func wantRefused(t *testing.T, st store.Store, what string, err error, stepID string, kind wf.EventType) {
	t.Helper()
	var tooLarge *wf.PayloadTooLargeError
	if !errors.Is(err, store.ErrTooLarge) || !errors.As(err, &tooLarge) {
		t.Fatalf("oversized %s: error %v, want a *wf.PayloadTooLargeError wrapping store.ErrTooLarge", what, err)
	}
	if tooLarge.StepID != stepID || tooLarge.Event != kind || tooLarge.Size <= limit || tooLarge.Limit != limit {
		t.Errorf("oversized %s: %+v, want step %s, event %s, size over %d", what, tooLarge, stepID, kind, limit)
	}
	ex, err := st.LoadExecution(context.Background(), "w")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ex.Deliveries {
		if d.StepID == stepID {
			t.Errorf("oversized %s: a delivery for %s was stored", what, stepID)
		}
	}
	if ex.Run.Status != wf.StatusPaused {
		t.Errorf("oversized %s: run is %s, want still paused", what, ex.Run.Status)
	}
}

// TestCorruptRunEndsRun: a run whose stored log or run columns do not
// decode is ended by recovery with code corrupt (its state records the
// error, the rows are kept), so that later sweeps do not claim it again;
// a healthy run claimed with it is recovered in the same sweep.
func TestCorruptRunEndsRun(t *testing.T) {
	t.Parallel()
	corruptions := map[string]struct{ sql, mention string }{
		"event":    {`UPDATE {events} SET data = '{"type": "NOT_AN_EVENT", "stepId": "a"}' WHERE run_id = 'c'`, "NOT_AN_EVENT"},
		"awaiting": {`UPDATE {runs} SET awaiting = '{"not": "a list"}' WHERE id = 'c'`, "awaiting"},
	}
	for name, corruption := range corruptions {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			forEachLimitedStore(t, func(t *testing.T, st rawStore) {
				if st.exec == nil {
					t.Skip("memstore keeps values, not encodings: nothing to corrupt")
				}
				var steps atomic.Int32
				def := wf.New("w", func(ctx *wf.Context, _ struct{}) (int, error) {
					err := wf.Do(ctx, "a", func(wf.StepContext) error { steps.Add(1); return nil })
					return 1, err
				})
				rt := newLimitRuntime(t, st.Store, def)
				ctx := context.Background()
				for _, id := range []string{"c", "healthy"} {
					nr := store.NewRun{ID: id, WorkflowID: "w", Version: "v1", Status: wf.StatusRunning, Input: json.RawMessage(`{}`),
						Lease: store.Lease{Owner: "crashed", Now: t0, Until: t0}}
					if _, _, err := st.CreateRun(ctx, nr); err != nil {
						t.Fatal(err)
					}
				}
				ev := wf.Event{Type: wf.StepFinished, Time: t0, StepID: "a"}
				if err := st.Append(ctx, "c", store.Append{Owner: "crashed", Events: []wf.Event{ev}}); err != nil {
					t.Fatal(err)
				}
				st.exec(t, corruption.sql)

				res, err := rt.Sweep(ctx, runtime.SweepOptions{})
				if err != nil || res.Summary.Recovered[runtime.KindErrored] != 1 || res.Summary.Recovered[runtime.KindCompleted] != 1 {
					t.Fatalf("sweep: %v %v, want the corrupt run errored and the healthy one completed", res.Summary.Recovered, err)
				}
				wantEnded(t, st, "c", wf.CodeCorrupt, corruption.mention)
				sweepTimes(t, rt, 2)
				if steps.Load() != 1 {
					t.Errorf("steps ran %d times, want once (the healthy run's)", steps.Load())
				}
			})
		})
	}
}

func newLimitRuntime(t *testing.T, st store.Store, def *wf.Definition) *runtime.Runtime {
	t.Helper()
	rt, err := runtime.New(runtime.Config{Store: st, Workflows: []runtime.Workflow{{Definition: def}}})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}
