package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/internal/pgtest"
	"github.com/wfgo/wf/store"
)

// blocker is a transaction on a connection of its own that holds rows the
// store is about to need, so that a store call waits inside its batch.
type blocker struct {
	t  *testing.T
	tx pgx.Tx
}

func (ts *testStore) block(t *testing.T, sql string, args ...any) *blocker {
	t.Helper()
	tx, err := ts.pool.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback(context.Background()) })
	if _, err := tx.Exec(t.Context(), strings.ReplaceAll(sql, "{{schema}}", ts.schema), args...); err != nil {
		t.Fatalf("blocker: %v", err)
	}
	return &blocker{t: t, tx: tx}
}

func (b *blocker) rollback() {
	if err := b.tx.Rollback(b.t.Context()); err != nil {
		b.t.Fatal(err)
	}
}

// killWaiting terminates the backend of the store's statement that waits
// for a lock on this test's schema, as a crash or a network cut would end
// it, and returns what the store call returned.
func (ts *testStore) killWaiting(t *testing.T, call func() error) error {
	t.Helper()
	// A connection of its own: the pool may be busy with the blocker and
	// the waiting call.
	killer, err := pgx.Connect(t.Context(), pgtest.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer killer.Close(context.Background())
	done := make(chan error, 1)
	go func() { done <- call() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var pid int
		err := killer.QueryRow(t.Context(), `
SELECT pid FROM pg_stat_activity
WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid() AND position($1 in query) > 0
LIMIT 1`, ts.schema).Scan(&pid)
		if err == nil {
			var ok bool
			if err := killer.QueryRow(t.Context(), "SELECT pg_terminate_backend($1)", pid).Scan(&ok); err != nil || !ok {
				t.Fatalf("pg_terminate_backend(%d) = %v, %v", pid, ok, err)
			}
			break
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			t.Fatalf("the store call returned before it could be killed: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the store call never waited for the blocker's lock")
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("the killed store call did not return")
		return nil
	}
}

// TestKilledCommitWritesNothing kills the connection of a Commit whose
// batch has inserted its events and waits on its timer insert: the batch's
// implicit transaction dies whole, and a retried Commit applies once.
func TestKilledCommitWritesNothing(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	ctx := t.Context()
	if _, _, err := ts.CreateRun(ctx, newRun("run-1")); err != nil {
		t.Fatal(err)
	}
	if err := ts.Append(ctx, "run-1", store.Append{Owner: owner, Next: 0, Events: stepEvents(0, 1)}); err != nil {
		t.Fatal(err)
	}
	before, err := ts.GetRun(ctx, "run-1")
	if err != nil {
		t.Fatal(err)
	}
	wake := epoch.Add(time.Hour)
	commit := store.Commit{
		RunID: "run-1", Owner: owner, Next: 1, Events: stepEvents(1, 2),
		Status: wf.StatusPaused, LoadedSeq: before.DeliverySeq,
		Awaiting: []wf.Await{{StepID: "sleep", Kind: wf.AwaitTimer, Name: wf.TimerSignal, Deadline: &wake}},
		Timers:   []store.Timer{{RunID: "run-1", StepID: "sleep", WakeAt: wake}},
		Now:      epoch.Add(time.Second),
	}
	b := ts.block(t, `INSERT INTO {{schema}}.wf_timers (run_id, step_id, wake_at) VALUES ('run-1', 'sleep', now())`)
	err = ts.killWaiting(t, func() error { return ts.Commit(ctx, commit) })
	if err == nil {
		t.Fatal("Commit on a killed connection returned nil")
	}
	b.rollback()

	evs, err := ts.Events(ctx, "run-1", 0, 0)
	if err != nil || len(evs) != 1 {
		t.Fatalf("after the killed Commit: %d events, %v; want the 1 from before", len(evs), err)
	}
	after, err := ts.GetRun(ctx, "run-1")
	if err != nil {
		t.Fatal(err)
	}
	if after.Status != wf.StatusRunning || after.LeaseOwner != owner || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("after the killed Commit: run is %s, leased to %q, updated %s; want it unchanged", after.Status, after.LeaseOwner, after.UpdatedAt)
	}
	if n := ts.count(t, "wf_timers"); n != 0 {
		t.Errorf("after the killed Commit: %d timers, want 0", n)
	}

	if err := ts.Commit(ctx, commit); err != nil {
		t.Fatalf("Commit again: %v", err)
	}
	if evs, _ := ts.Events(ctx, "run-1", 0, 0); len(evs) != 3 {
		t.Errorf("after the second Commit: %d events, want 3", len(evs))
	}
	if n := ts.count(t, "wf_timers"); n != 1 {
		t.Errorf("after the second Commit: %d timers, want 1", n)
	}
	if r, _ := ts.GetRun(ctx, "run-1"); r.Status != wf.StatusPaused || r.LeaseOwner != "" {
		t.Errorf("after the second Commit: run is %s leased to %q, want paused and released", r.Status, r.LeaseOwner)
	}
}

// TestKilledAppendWritesNothing kills an Append waiting on its index.
func TestKilledAppendWritesNothing(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	ctx := t.Context()
	if _, _, err := ts.CreateRun(ctx, newRun("run-1")); err != nil {
		t.Fatal(err)
	}
	if err := ts.Append(ctx, "run-1", store.Append{Owner: owner, Events: stepEvents(0, 1)}); err != nil {
		t.Fatal(err)
	}
	b := ts.block(t, `INSERT INTO {{schema}}.wf_events (run_id, idx, data) VALUES ('run-1', 2, '{}')`)
	err := ts.killWaiting(t, func() error {
		return ts.Append(ctx, "run-1", store.Append{Owner: owner, Next: 1, Events: stepEvents(1, 2)})
	})
	if err == nil {
		t.Fatal("Append on a killed connection returned nil")
	}
	b.rollback()
	if evs, err := ts.Events(ctx, "run-1", 0, 0); err != nil || len(evs) != 1 {
		t.Fatalf("after the killed Append: %d events, %v; want 1", len(evs), err)
	}
	if err := ts.Append(ctx, "run-1", store.Append{Owner: owner, Next: 1, Events: stepEvents(1, 2)}); err != nil {
		t.Fatalf("Append again: %v", err)
	}
	if evs, err := ts.Events(ctx, "run-1", 0, 0); err != nil || len(evs) != 3 {
		t.Fatalf("after the second Append: %d events, %v; want 3", len(evs), err)
	}
}

// TestKilledDeliverWritesNothing kills a Deliver that has stored its row
// and waits to bump the run's delivery sequence.
func TestKilledDeliverWritesNothing(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	ctx := t.Context()
	if _, _, err := ts.CreateRun(ctx, newRun("run-1")); err != nil {
		t.Fatal(err)
	}
	d := wf.Delivery{StepID: "wait", SignalID: "sig-1", Name: "paid", Payload: json.RawMessage(`{"ok":true}`), Time: epoch}
	b := ts.block(t, `SELECT 1 FROM {{schema}}.wf_runs WHERE id = 'run-1' FOR UPDATE`)
	err := ts.killWaiting(t, func() error { _, err := ts.Deliver(ctx, "run-1", d, store.DeliverOptions{}); return err })
	if err == nil {
		t.Fatal("Deliver on a killed connection returned nil")
	}
	b.rollback()
	if n := ts.count(t, "wf_deliveries"); n != 0 {
		t.Errorf("after the killed Deliver: %d deliveries, want 0", n)
	}
	if r, _ := ts.GetRun(ctx, "run-1"); r.DeliverySeq != 0 {
		t.Errorf("after the killed Deliver: delivery sequence %d, want 0", r.DeliverySeq)
	}
	res, err := ts.Deliver(ctx, "run-1", d, store.DeliverOptions{})
	if err != nil || res.Status != store.Delivered {
		t.Fatalf("Deliver again: %v, %v; want delivered", res.Status, err)
	}
	if r, _ := ts.GetRun(ctx, "run-1"); r.DeliverySeq != 1 {
		t.Errorf("after the second Deliver: delivery sequence %d, want 1", r.DeliverySeq)
	}
}

// count returns the number of rows in one of the test schema's tables.
func (ts *testStore) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := ts.pool.QueryRow(t.Context(), "SELECT count(*) FROM "+ts.schema+"."+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPayloadTooLarge(t *testing.T) {
	t.Parallel()
	const limit = 256
	ts := setup(t, WithMaxPayload(limit))
	ctx := t.Context()
	big := json.RawMessage(`"` + strings.Repeat("x", limit) + `"`)

	nr := newRun("too-big")
	nr.Input = big
	wantTooLarge(t, "CreateRun with a large input", "too-big", func() error { _, _, err := ts.CreateRun(ctx, nr); return err })
	if _, err := ts.GetRun(ctx, "too-big"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetRun after a refused CreateRun: %v, want ErrNotFound", err)
	}

	if _, _, err := ts.CreateRun(ctx, newRun("run-1")); err != nil {
		t.Fatal(err)
	}
	evs := stepEvents(0, 2)
	evs[1].Result = big
	wantTooLarge(t, "Append of a large result", "run-1", func() error {
		return ts.Append(ctx, "run-1", store.Append{Owner: owner, Events: evs})
	})
	wantTooLarge(t, "Commit of a large result", "run-1", func() error {
		return ts.Commit(ctx, store.Commit{RunID: "run-1", Owner: owner, Events: evs, Status: wf.StatusRunning, Now: epoch})
	})
	wantTooLarge(t, "Commit of a large output", "run-1", func() error {
		return ts.Commit(ctx, store.Commit{RunID: "run-1", Owner: owner, Status: wf.StatusFinished, Output: big, Now: epoch})
	})
	wantTooLarge(t, "Deliver of a large payload", "run-1", func() error {
		_, err := ts.Deliver(ctx, "run-1", wf.Delivery{StepID: "w", SignalID: "s", Name: "n", Payload: big}, store.DeliverOptions{})
		return err
	})
	x, err := ts.LoadExecution(ctx, "run-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Events) != 0 || len(x.Deliveries) != 0 || x.Run.Status != wf.StatusRunning || x.Run.LeaseOwner != owner {
		t.Errorf("after refused writes: %d events, %d deliveries, run %s leased to %q; want nothing written",
			len(x.Events), len(x.Deliveries), x.Run.Status, x.Run.LeaseOwner)
	}
	err = ts.UpsertSchedule(ctx, store.Schedule{ID: "sched", WorkflowID: "orders", Spec: "@every 1m", Input: big, Enabled: true, UpdatedAt: epoch})
	if !errors.Is(err, store.ErrTooLarge) {
		t.Errorf("UpsertSchedule with a large input: %v, want ErrTooLarge", err)
	}
}

func wantTooLarge(t *testing.T, what, runID string, call func() error) {
	t.Helper()
	err := call()
	if !errors.Is(err, store.ErrTooLarge) || !strings.Contains(err.Error(), runID) {
		t.Errorf("%s: error = %v, want ErrTooLarge naming run %q", what, err, runID)
	}
}

// TestCorruptRows stores rows that do not decode: every read names the run
// and the log index and wraps store.ErrCorrupt.
func TestCorruptRows(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	ctx := t.Context()
	for _, tc := range []struct{ id, data string }{
		{"bad-kind", `{"type":"NOT_A_KIND","stepId":"a"}`},
		{"missing-field", `{"type":"STEP_FINISHED"}`},
		{"not-an-object", `"just a string"`},
	} {
		if _, _, err := ts.CreateRun(ctx, newRun(tc.id)); err != nil {
			t.Fatal(err)
		}
		if err := ts.Append(ctx, tc.id, store.Append{Owner: owner, Events: stepEvents(0, 1)}); err != nil {
			t.Fatal(err)
		}
		if _, err := ts.pool.Exec(ctx, "INSERT INTO "+ts.schema+".wf_events (run_id, idx, data) VALUES ($1, 1, $2::json)", tc.id, tc.data); err != nil {
			t.Fatal(err)
		}
		if err := ts.ReleaseRun(ctx, tc.id, owner); err != nil {
			t.Fatal(err)
		}
		reads := map[string]func() error{
			"Events":        func() error { _, err := ts.Events(ctx, tc.id, 0, 0); return err },
			"LoadExecution": func() error { _, err := ts.LoadExecution(ctx, tc.id); return err },
			"ClaimRun": func() error {
				_, err := ts.ClaimRun(ctx, tc.id, store.Lease{Owner: "owner-b", Now: epoch, Until: epoch.Add(time.Minute)})
				return err
			},
		}
		for name, read := range reads {
			err := read()
			if !errors.Is(err, store.ErrCorrupt) || !strings.Contains(err.Error(), `"`+tc.id+`"`) || !strings.Contains(err.Error(), "event 1") {
				t.Errorf("%s of %s: error = %v, want ErrCorrupt naming the run and event 1", name, tc.id, err)
			}
		}
	}

	// A run column that does not decode.
	if _, _, err := ts.CreateRun(ctx, newRun("bad-awaiting")); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.pool.Exec(ctx, "UPDATE "+ts.schema+".wf_runs SET awaiting = '{\"not\":\"a list\"}' WHERE id = 'bad-awaiting'"); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.GetRun(ctx, "bad-awaiting"); !errors.Is(err, store.ErrCorrupt) || !strings.Contains(err.Error(), "bad-awaiting") {
		t.Errorf("GetRun of a run with a bad awaiting column: error = %v, want ErrCorrupt naming the run", err)
	}
}

// TestCorruptRunIsStillClaimed: a stale run whose run columns do not
// decode is claimed with those fields empty, so that the runs claimed with
// it still reach recovery; LoadExecution reports the corruption.
func TestCorruptRunIsStillClaimed(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	ctx := t.Context()
	for _, id := range []string{"bad", "good"} {
		if _, _, err := ts.CreateRun(ctx, newRun(id)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ts.pool.Exec(ctx, "UPDATE "+ts.schema+`.wf_runs SET awaiting = '{"not":"a list"}', error = '{"name": 1}' WHERE id = 'bad'`); err != nil {
		t.Fatal(err)
	}
	later := epoch.Add(time.Hour)
	runs, err := ts.ClaimStaleRuns(ctx, 10, store.Lease{Owner: "sweeper", Now: later, Until: later.Add(time.Minute)})
	if err != nil || len(runs) != 2 {
		t.Fatalf("ClaimStaleRuns: %d runs, %v; want both runs", len(runs), err)
	}
	for _, r := range runs {
		if r.LeaseOwner != "sweeper" || r.Error != nil || r.Awaiting != nil {
			t.Errorf("claimed run %s: lease %q, error %v, awaiting %v; want leased with no error or awaiting", r.ID, r.LeaseOwner, r.Error, r.Awaiting)
		}
	}
	if _, err := ts.LoadExecution(ctx, "bad"); !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("LoadExecution of the corrupt run: %v, want ErrCorrupt", err)
	}
}

// TestFireDueTimersLeavesCorruptRunsToTheCaller: a claimed run whose event
// or run column does not decode comes back claimed without an execution,
// so that the caller's LoadExecution reports the corruption; the other
// runs of the batch carry theirs.
func TestFireDueTimersLeavesCorruptRunsToTheCaller(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	ctx := t.Context()
	wake := epoch.Add(time.Second)
	for _, id := range []string{"bad-event", "bad-awaiting", "good"} {
		if _, _, err := ts.CreateRun(ctx, newRun(id)); err != nil {
			t.Fatal(err)
		}
		if err := ts.Commit(ctx, store.Commit{RunID: id, Owner: owner, Events: stepEvents(0, 1), Status: wf.StatusPaused, Now: epoch,
			Awaiting: []wf.Await{{StepID: "nap", Kind: wf.AwaitTimer, Name: wf.TimerSignal, Deadline: &wake}},
			Timers:   []store.Timer{{RunID: id, StepID: "nap", WakeAt: wake}}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, stmt := range []string{
		"UPDATE " + ts.schema + ".wf_events SET data = '{\"type\":\"NOT_A_KIND\"}' WHERE run_id = 'bad-event'",
		"UPDATE " + ts.schema + ".wf_runs SET awaiting = '{\"not\":\"a list\"}' WHERE id = 'bad-awaiting'",
	} {
		if _, err := ts.pool.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	fired, err := ts.FireDueTimers(ctx, 10, store.Lease{Owner: "sweeper", Now: epoch.Add(time.Minute), Until: epoch.Add(2 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if len(fired) != 3 {
		t.Fatalf("FireDueTimers = %+v, want the three runs' timers", fired)
	}
	for _, f := range fired {
		switch {
		case !f.Claimed:
			t.Errorf("%s: not claimed", f.RunID)
		case f.RunID == "good" && (f.Execution == nil || len(f.Execution.Events) != 1 || len(f.Execution.Deliveries) != 1):
			t.Errorf("good: execution %+v, want its event and its timer's delivery", f.Execution)
		case f.RunID != "good" && f.Execution != nil:
			t.Errorf("%s: execution %+v, want none (the caller's LoadExecution reports the corruption)", f.RunID, f.Execution)
		}
	}
}
