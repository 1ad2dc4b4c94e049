package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/internal/testclock"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
	"github.com/wfgo/wf/store/postgres"
)

// storePairs make two stores over one fresh database, for two runtimes
// that share it: on PostgreSQL each with its own connection pool.
var storePairs = []struct {
	name string
	new  func(t *testing.T) (store.Store, store.Store)
}{
	{"memstore", func(t *testing.T) (store.Store, store.Store) { s := memstore.New(); return s, s }},
	{"sqlite", func(t *testing.T) (store.Store, store.Store) { s := newSQLite(t); return s, s }},
	{"postgres", func(t *testing.T) (store.Store, store.Store) {
		admin := pgtest.NewPool(t, nil)
		schema := pgtest.NewSchema(t, admin)
		ctx := context.Background()
		if err := postgres.Migrate(ctx, admin, postgres.WithSchema(schema)); err != nil {
			t.Fatal(err)
		}
		var pair [2]store.Store
		for i := range pair {
			st, err := postgres.New(ctx, pgtest.NewPool(t, nil), postgres.WithSchema(schema))
			if err != nil {
				t.Fatal(err)
			}
			pair[i] = st
		}
		return pair[0], pair[1]
	}},
}

// twoRuntimes is two runtimes over one database, on one clock.
type twoRuntimes struct {
	first, second *runtime.Runtime
	store         store.Store
	clock         *testclock.Clock
}

func forEachPair(t *testing.T, wrap func(store.Store) store.Store, w runtime.Workflow, fn func(t *testing.T, rts twoRuntimes)) {
	for _, p := range storePairs {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			a, b := p.new(t)
			if wrap != nil {
				a = wrap(a)
			}
			c := testclock.New(t0)
			rts := twoRuntimes{store: b, clock: c}
			for i, st := range []store.Store{a, b} {
				rt, err := runtime.New(runtime.Config{Store: st, Workflows: []runtime.Workflow{w}, Clock: c.Now, Owner: fmt.Sprint("host-", i)})
				if err != nil {
					t.Fatal(err)
				}
				if i == 0 {
					rts.first = rt
				} else {
					rts.second = rt
				}
			}
			fn(t, rts)
		})
	}
}

// tick is the schedule "tick" firing every 10 seconds from t0.
func tick(policy runtime.OverlapPolicy) runtime.Schedule {
	return runtime.Schedule{ID: "tick", Spec: runtime.Every(10 * time.Second), Overlap: policy, Input: []byte(`{"batchSize":1}`)}
}

// tickRun is the ID of the run of the tick firing at t0+d.
func tickRun(d time.Duration) string { return "tick@" + t0.Add(d).Format(time.RFC3339) }

// tickState lists the tick schedule's runs and buckets as
// "runs: 00=paused …; buckets: 00=started …", by second after t0.
func tickState(t *testing.T, st store.Store) string {
	t.Helper()
	ctx := context.Background()
	sec := func(at time.Time) string { return fmt.Sprintf("%02d", int(at.Sub(t0)/time.Second)) }
	page, err := st.ListRuns(ctx, store.ListQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var runs []string
	for _, r := range page.Runs {
		if at, ok := strings.CutPrefix(r.ID, "tick@"); ok {
			runs = append(runs, sec(utc(at))+"="+string(r.Status))
		}
	}
	sort.Strings(runs)
	buckets, err := st.ListBuckets(ctx, "tick", 100)
	if err != nil {
		t.Fatal(err)
	}
	var bs []string
	for _, b := range buckets {
		bs = append(bs, sec(b.FireAt)+"="+string(b.Status))
	}
	sort.Strings(bs)
	return "runs: " + strings.Join(runs, " ") + "; buckets: " + strings.Join(bs, " ")
}

func sweepAt(t *testing.T, rt *runtime.Runtime, c *testclock.Clock, d time.Duration) runtime.SweepResult {
	t.Helper()
	c.Set(t0.Add(d))
	res, err := rt.Sweep(context.Background(), runtime.SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// crashAfterCreate plays a starter that claimed the tick at t0, created
// its run (which pauses for 20 minutes) and died before marking the
// bucket: the bucket stays pending under the dead starter's lease.
func crashAfterCreate(t *testing.T, rt *runtime.Runtime, st store.Store, c *testclock.Clock) {
	t.Helper()
	ctx := context.Background()
	if _, err := rt.MaterializeSchedules(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := st.ClaimDueBuckets(ctx, 10, store.Lease{Owner: "dead-starter", Now: c.Now(), Until: c.Now().Add(30 * time.Second)})
	if err != nil || len(got) != 1 {
		t.Fatalf("dead starter's claim: %v %v", got, err)
	}
	if _, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "digest", RunID: got[0].RunID, Input: []byte(`{"batchSize":1}`)}); err != nil {
		t.Fatal(err)
	}
}

// TestOverlapAfterStarterDied: the tick at t0 was claimed by a starter
// that created its run and died before marking the bucket. Every policy
// treats that run as the previous tick's live run, and the bucket, once
// its lease expires, is marked started: never skipped, never re-created.
func TestOverlapAfterStarterDied(t *testing.T) {
	t.Parallel()
	type step struct {
		at   time.Duration
		want string
	}
	tests := []struct {
		policy runtime.OverlapPolicy
		steps  []step
	}{
		{runtime.OverlapSkip, []step{
			{10 * time.Second, "runs: 00=paused; buckets: 00=pending 10=skipped"},
			{40 * time.Second, "runs: 00=paused; buckets: 00=started 10=skipped 40=skipped"},
		}},
		{runtime.OverlapAllow, []step{
			{10 * time.Second, "runs: 00=paused 10=paused; buckets: 00=pending 10=started"},
			{40 * time.Second, "runs: 00=paused 10=paused 40=paused; buckets: 00=started 10=started 40=started"},
		}},
		{runtime.OverlapBufferOne, []step{
			{10 * time.Second, "runs: 00=paused; buckets: 00=pending 10=pending"},
			{20 * time.Second, "runs: 00=paused; buckets: 00=pending 10=pending 20=skipped"},
			{40 * time.Second, "runs: 00=paused; buckets: 00=started 10=pending 20=skipped 40=skipped"},
		}},
		{runtime.OverlapCancelPrevious, []step{
			{10 * time.Second, "runs: 00=canceled 10=paused; buckets: 00=pending 10=started"},
			{40 * time.Second, "runs: 00=canceled 10=canceled 40=paused; buckets: 00=started 10=started 40=started"},
		}},
		{runtime.OverlapTerminatePrevious, []step{
			{10 * time.Second, "runs: 00=canceled 10=paused; buckets: 00=pending 10=started"},
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.policy), func(t *testing.T) {
			t.Parallel()
			w := runtime.Workflow{Definition: digest(), Schedules: []runtime.Schedule{tick(tt.policy)}}
			forEachPair(t, nil, w, func(t *testing.T, rts twoRuntimes) {
				crashAfterCreate(t, rts.first, rts.store, rts.clock)
				first, err := rts.store.GetRun(context.Background(), tickRun(0))
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range tt.steps {
					sweepAt(t, rts.second, rts.clock, s.at)
					if got := tickState(t, rts.store); got != s.want {
						t.Fatalf("after the sweep at +%v:\n%s\nwant\n%s", s.at, got, s.want)
					}
				}
				again, err := rts.store.GetRun(context.Background(), tickRun(0))
				if err != nil || !again.CreatedAt.Equal(first.CreatedAt) {
					t.Errorf("the dead starter's run: %+v %v, want it created once, at %v", again, err, first.CreatedAt)
				}
			})
		})
	}
}

// TestOverlapSkipAfterStarterDiedEarly: a starter that died before
// creating its tick's run leaves nothing live; the next tick starts, and
// the dead starter's tick, reclaimed later, is skipped as superseded.
func TestOverlapSkipAfterStarterDiedEarly(t *testing.T) {
	t.Parallel()
	w := runtime.Workflow{Definition: digest(), Schedules: []runtime.Schedule{tick(runtime.OverlapSkip)}}
	forEachPair(t, nil, w, func(t *testing.T, rts twoRuntimes) {
		ctx := context.Background()
		if _, err := rts.first.MaterializeSchedules(ctx); err != nil {
			t.Fatal(err)
		}
		if got, err := rts.store.ClaimDueBuckets(ctx, 10, store.Lease{Owner: "dead-starter", Now: t0, Until: t0.Add(30 * time.Second)}); err != nil || len(got) != 1 {
			t.Fatalf("dead starter's claim: %v %v", got, err)
		}
		sweepAt(t, rts.second, rts.clock, 10*time.Second)
		sweepAt(t, rts.second, rts.clock, 40*time.Second)
		if got, want := tickState(t, rts.store), "runs: 10=paused; buckets: 00=skipped 10=started 40=skipped"; got != want {
			t.Fatalf("got\n%s\nwant\n%s", got, want)
		}
	})
}

// flakyCommits fails the first n commits as a lost connection would.
type flakyCommits struct {
	store.Store
	n atomic.Int32
}

var errConnectionLost = errors.New("connection lost")

func (f *flakyCommits) Commit(ctx context.Context, c store.Commit) error {
	if f.n.Add(-1) >= 0 {
		return errConnectionLost
	}
	return f.Store.Commit(ctx, c)
}

// TestOverlapSkipAfterStartError: the first runtime creates the tick's
// run and then fails to commit its first pause. The bucket is started
// (its run exists), and the next tick, swept by the second runtime while
// that run is live, is skipped.
func TestOverlapSkipAfterStartError(t *testing.T) {
	t.Parallel()
	wrap := func(s store.Store) store.Store {
		f := &flakyCommits{Store: s}
		f.n.Store(1)
		return f
	}
	w := runtime.Workflow{Definition: digest(), Schedules: []runtime.Schedule{tick(runtime.OverlapSkip)}}
	forEachPair(t, wrap, w, func(t *testing.T, rts twoRuntimes) {
		if res := sweepAt(t, rts.first, rts.clock, 0); res.Summary.Scheduled["error"] != 1 {
			t.Fatalf("first sweep: %+v, want the start's error", res.Summary.Scheduled)
		}
		// The second sweep recovers the run (the failed drive released
		// it) before it looks at schedules; ticks stay skipped while it is
		// paused.
		sweepAt(t, rts.second, rts.clock, 10*time.Second)
		if got, want := tickState(t, rts.store), "runs: 00=paused; buckets: 00=started 10=skipped"; got != want {
			t.Fatalf("got\n%s\nwant\n%s", got, want)
		}
		sweepAt(t, rts.second, rts.clock, 40*time.Second)
		if got, want := tickState(t, rts.store), "runs: 00=paused; buckets: 00=started 10=skipped 40=skipped"; got != want {
			t.Fatalf("got\n%s\nwant\n%s", got, want)
		}
	})
}

// TestOverlapSkipLongFirstStep: no fault at all. The first runtime starts
// the tick at t0 and its first step outlasts the interval; the second
// runtime, sweeping meanwhile, skips the ticks that fall due.
func TestOverlapSkipLongFirstStep(t *testing.T) {
	t.Parallel()
	for _, p := range storePairs {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			entered, release := make(chan struct{}), make(chan struct{})
			report := wf.New("report", func(ctx *wf.Context, _ struct{}) (int, error) {
				return wf.Step(ctx, "gather", func(sc wf.StepContext) (int, error) {
					if ctx.RunID() == tickRun(0) {
						close(entered)
						<-release
					}
					return 1, nil
				})
			})
			a, b := p.new(t)
			c := testclock.New(t0)
			var rts [2]*runtime.Runtime
			for i, st := range []store.Store{a, b} {
				var err error
				rts[i], err = runtime.New(runtime.Config{Store: st, Clock: c.Now, Owner: fmt.Sprint("host-", i),
					Workflows: []runtime.Workflow{{Definition: report, Schedules: []runtime.Schedule{
						{ID: "tick", Spec: runtime.Every(10 * time.Second), Overlap: runtime.OverlapSkip},
					}}}})
				if err != nil {
					t.Fatal(err)
				}
			}
			done := make(chan error, 1)
			go func() {
				_, err := rts[0].Sweep(context.Background(), runtime.SweepOptions{})
				done <- err
			}()
			<-entered
			for _, d := range []time.Duration{10 * time.Second, 20 * time.Second} {
				if res := sweepAt(t, rts[1], c, d); res.Summary.Scheduled[runtime.KindSkipped] != 1 {
					t.Errorf("second runtime's sweep at +%v while the first run's step runs: %+v, want its tick skipped", d, res.Summary.Scheduled)
				}
			}
			close(release)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			sweepAt(t, rts[1], c, 30*time.Second)
			if got, want := tickState(t, b), "runs: 00=finished 30=finished; buckets: 00=started 10=skipped 20=skipped 30=started"; got != want {
				t.Fatalf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestOverlapSkipConcurrentSweepers: two runtimes, two sweepers each,
// sweep at once every round while the shared clock moves ten seconds a
// round; the second runtime's clock runs one tick ahead, so the two
// materialise and start different ticks at the same moment. Each tick's
// run pauses for 20 minutes: at no point may two of them be live.
func TestOverlapSkipConcurrentSweepers(t *testing.T) {
	t.Parallel()
	for _, p := range storePairs {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			a, b := p.new(t)
			c := testclock.New(t0)
			var rts [2]*runtime.Runtime
			for i, st := range []store.Store{a, b} {
				skew := time.Duration(i) * 10 * time.Second
				var err error
				rts[i], err = runtime.New(runtime.Config{Store: st, Owner: fmt.Sprint("host-", i),
					Clock:     func() time.Time { return c.Now().Add(skew) },
					Workflows: []runtime.Workflow{{Definition: digest(), Schedules: []runtime.Schedule{tick(runtime.OverlapSkip)}}}})
				if err != nil {
					t.Fatal(err)
				}
			}
			ctx := context.Background()
			for round := range 130 {
				c.Set(t0.Add(time.Duration(round) * 10 * time.Second))
				errs := make(chan error, 4)
				for i := range 4 {
					go func() {
						_, err := rts[i%2].Sweep(ctx, runtime.SweepOptions{})
						errs <- err
					}()
				}
				for range 4 {
					if err := <-errs; err != nil {
						t.Fatal(err)
					}
				}
				page, err := b.ListRuns(ctx, store.ListQuery{WorkflowID: "digest", Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				var live []string
				for _, r := range page.Runs {
					if !r.Status.Terminal() {
						live = append(live, r.ID)
					}
				}
				if len(live) > 1 {
					t.Fatalf("round %d: %d live runs of an overlap=skip schedule: %v", round, len(live), live)
				}
			}
			page, err := b.ListRuns(ctx, store.ListQuery{WorkflowID: "digest", Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Runs) != 2 {
				t.Errorf("%d runs in 21 minutes of a 20-minute run every 10s under skip, want 2", len(page.Runs))
			}
		})
	}
}

// TestDisabledTickWithRunIsStarted: a tick whose run exists is marked
// started even when its schedule has since been disabled; a tick without
// a run is skipped.
func TestDisabledTickWithRunIsStarted(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		st := newStore(t)
		c := testclock.New(t0)
		newRuntime := func(disabled bool) *runtime.Runtime {
			s := tick(runtime.OverlapSkip)
			s.Disabled = disabled
			rt, err := runtime.New(runtime.Config{Store: st, Clock: c.Now, Owner: "host",
				Workflows: []runtime.Workflow{{Definition: digest(), Schedules: []runtime.Schedule{s}}}})
			if err != nil {
				t.Fatal(err)
			}
			return rt
		}
		enabled := newRuntime(false)
		crashAfterCreate(t, enabled, st, c)
		// A tick that nobody started: its bucket exists, its run does not.
		c.Set(t0.Add(10 * time.Second))
		if _, err := enabled.MaterializeSchedules(context.Background()); err != nil {
			t.Fatal(err)
		}
		sweepAt(t, newRuntime(true), c, 40*time.Second)
		if got, want := tickState(t, st), "runs: 00=paused; buckets: 00=started 10=skipped"; got != want {
			t.Fatalf("got\n%s\nwant\n%s", got, want)
		}
	})
}
