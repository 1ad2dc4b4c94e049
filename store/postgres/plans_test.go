package postgres

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/store"
)

// TestStatementsKeepGenericPlans drives runs through the store's hot
// paths on one connection, with arguments that vary as a drive's do (a
// commit with events or without, paused or ended, with timers or not,
// consuming buffered signals or not), and checks in pg_prepared_statements
// that each statement run often is served by its cached generic plan
// rather than planned anew on every execution: PostgreSQL keeps a custom
// plan only while its estimated cost, planning included, stays below the
// generic plan's, so a statement whose generic plan looks costlier than
// the custom ones (a guard repeated in every write, a branch that a known
// argument folds away) pays planning on every call.
func TestStatementsKeepGenericPlans(t *testing.T) {
	t.Parallel()
	// Each workload runs on a connection of its own: the first executions
	// of a statement decide whether its connection keeps a generic plan.
	workloads := []struct {
		name string
		run  func(t *testing.T, s *testStore)
	}{
		// A run that sleeps before any step: its first commit sets a
		// timer and writes the log from index 0.
		{"SleepFirst", func(t *testing.T, s *testStore) {
			for i := range 12 {
				s.pauseOnTimer(t, fmt.Sprint("run-", i), 0, 2)
			}
		}},
		// Sleeps after steps, with and without events of their own.
		{"SleepAfterSteps", func(t *testing.T, s *testStore) {
			for i := range 12 {
				id := fmt.Sprint("run-", i)
				if _, _, err := s.CreateRun(t.Context(), newRun(id)); err != nil {
					t.Fatal(err)
				}
				if err := s.Append(t.Context(), id, store.Append{Owner: owner, Next: 0, Events: stepEvents(0, 2)}); err != nil {
					t.Fatal(err)
				}
				s.pauseOnTimer(t, id, 2, i%2)
			}
		}},
		// Runs woken by signals and by due timers, claimed, checkpointed,
		// then finished (consuming a buffered signal or not) or paused on
		// a new timer.
		{"WakeAndFinish", func(t *testing.T, s *testStore) { s.wakeAndFinish(t, 24) }},
	}
	for _, w := range workloads {
		t.Run(w.name, func(t *testing.T) {
			t.Parallel()
			pool := pgtest.NewPool(t, func(c *pgxpool.Config) { c.MaxConns = 1 })
			var version int
			if err := pool.QueryRow(t.Context(), "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
				t.Fatal(err)
			}
			if version < 140000 {
				t.Skipf("pg_prepared_statements counts plans from PostgreSQL 14 (server %d)", version)
			}
			s := setupOn(t, pool, pgtest.NewSchema(t, pool))
			w.run(t, s)
			checkGenericPlans(t, pool)
		})
	}
}

// pauseOnTimer creates run id unless next > 0 (it exists, its log ends at
// next-1) and commits it paused on a timer, with events new events.
func (s *testStore) pauseOnTimer(t *testing.T, id string, next, events int) {
	t.Helper()
	if next == 0 {
		if _, _, err := s.CreateRun(t.Context(), newRun(id)); err != nil {
			t.Fatal(err)
		}
	}
	wake := epoch.Add(time.Minute)
	c := store.Commit{RunID: id, Owner: owner, Next: next, Events: stepEvents(next, events), Status: wf.StatusPaused, Now: epoch,
		Awaiting: []wf.Await{{StepID: "nap", Kind: wf.AwaitTimer, Name: wf.TimerSignal, Deadline: &wake}},
		Timers:   []store.Timer{{RunID: id, StepID: "nap", WakeAt: wake}}}
	if err := s.Commit(t.Context(), c); err != nil {
		t.Fatalf("pause %s: %v", id, err)
	}
}

// wakeAndFinish pauses runs runs on timers or signals, wakes them and
// drives each to its end or to a new timer.
func (s *testStore) wakeAndFinish(t *testing.T, runs int) {
	ctx := t.Context()
	lease := func(owner string, now time.Time) store.Lease {
		return store.Lease{Owner: owner, Now: now, Until: now.Add(time.Minute)}
	}
	for i := range runs {
		id := fmt.Sprint("run-", i)
		if _, _, err := s.CreateRun(ctx, newRun(id)); err != nil {
			t.Fatal(err)
		}
		if err := s.Append(ctx, id, store.Append{Owner: owner, Next: 0, Events: stepEvents(0, 1+i%3)}); err != nil {
			t.Fatal(err)
		}
		next := 1 + i%3
		if i%3 != 0 {
			s.pauseOnTimer(t, id, next, 1)
			continue
		}
		c := store.Commit{RunID: id, Owner: owner, Next: next, Events: stepEvents(next, 1), Status: wf.StatusPaused, Now: epoch,
			Awaiting: []wf.Await{{StepID: "go", Kind: wf.AwaitSignal, Name: "go"}}}
		if err := s.Commit(ctx, c); err != nil {
			t.Fatalf("pause %s: %v", id, err)
		}
		if _, err := s.Deliver(ctx, id, wf.Delivery{SignalID: fmt.Sprint("early-", i), Name: "later", Time: epoch}, store.DeliverOptions{Check: store.BufferEarly}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.DeliverClaim(ctx, id, wf.Delivery{StepID: "go", SignalID: fmt.Sprint("go-", i), Name: "go", Time: epoch}, store.DeliverOptions{Check: store.StrictWait}, lease("sweeper", epoch)); err != nil {
			t.Fatal(err)
		}
	}
	now := epoch.Add(time.Hour)
	for {
		fired, err := s.FireDueTimers(ctx, 5, lease("sweeper", now))
		if err != nil {
			t.Fatal(err)
		}
		if len(fired) == 0 {
			break
		}
	}
	for i := range runs {
		id := fmt.Sprint("run-", i)
		cr, err := s.ClaimRun(ctx, id, lease("sweeper", now))
		if err != nil || cr.Status != store.Claimed {
			t.Fatalf("claim %s: %s %v", id, cr.Status, err)
		}
		if err := s.Heartbeat(ctx, id, lease("sweeper", now)); err != nil {
			t.Fatal(err)
		}
		next := len(cr.Execution.Events)
		if err := s.Append(ctx, id, store.Append{Owner: "sweeper", Next: next, Events: stepEvents(next, 1)}); err != nil {
			t.Fatal(err)
		}
		next++
		c := store.Commit{RunID: id, Owner: "sweeper", Next: next, Events: stepEvents(next, 1), Status: wf.StatusFinished,
			Output: []byte(`1`), LoadedSeq: cr.Execution.Run.DeliverySeq, Now: now}
		if i%3 == 0 {
			c.Consumed = []string{fmt.Sprint("early-", i)}
		}
		if i%5 == 0 {
			wake := now.Add(time.Hour)
			c.Status, c.Output = wf.StatusPaused, nil
			c.Awaiting = []wf.Await{{StepID: "nap-2", Kind: wf.AwaitTimer, Name: wf.TimerSignal, Deadline: &wake}}
			c.Timers = []store.Timer{{RunID: id, StepID: "nap-2", WakeAt: wake}}
		}
		if err := s.Commit(ctx, c); err != nil {
			t.Fatalf("finish %s: %v", id, err)
		}
		if _, err := s.LoadExecution(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetRun(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
}

// checkGenericPlans fails t for each statement prepared on pool's one
// connection that ran at least ten times and was planned for its
// arguments more than the first five times.
func checkGenericPlans(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	rows, err := pool.Query(t.Context(), "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE NOT from_sql")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	checked := 0
	for rows.Next() {
		var (
			stmt            string
			generic, custom int64
		)
		if err := rows.Scan(&stmt, &generic, &custom); err != nil {
			t.Fatal(err)
		}
		// The first five executions are always planned for their
		// arguments; a statement run fewer than ten times proves nothing.
		if generic+custom < 10 {
			continue
		}
		checked++
		if custom > 5 {
			t.Errorf("statement planned for its arguments %d times in %d executions (no cached generic plan):\n%s",
				custom, generic+custom, strings.TrimSpace(stmt))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Error("no statement ran ten times")
	}
}
