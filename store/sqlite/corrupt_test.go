package sqlite_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/sqlite"
)

// corruptStore returns a store and its database with run-1 holding two
// events and a delivery; its lease is released.
func corruptStore(t *testing.T) (*sqlite.Store, func(q string)) {
	t.Helper()
	ctx := t.Context()
	db := openDB(t)
	if err := sqlite.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.New(db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, _, err := s.CreateRun(ctx, leasedRun("run-1", "owner-a")); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, "run-1", store.Append{Owner: "owner-a", Events: []wf.Event{step("a", `1`), step("b", `2`)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Deliver(ctx, "run-1", wf.Delivery{StepID: "wait", SignalID: "sig-1", Name: "go", Time: base}, store.DeliverOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseRun(ctx, "run-1", "owner-a"); err != nil {
		t.Fatal(err)
	}
	exec := func(q string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return s, exec
}

// wantCorrupt fails t unless err wraps ErrCorrupt and mentions each of
// names.
func wantCorrupt(t *testing.T, what string, err error, names ...string) {
	t.Helper()
	if !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("%s: error = %v, want ErrCorrupt", what, err)
		return
	}
	for _, n := range names {
		if !strings.Contains(err.Error(), n) {
			t.Errorf("%s: error %q does not mention %q", what, err, n)
		}
	}
}

func TestCorruptEvent(t *testing.T) {
	t.Parallel()
	for name, data := range map[string]string{
		"not JSON":        `{"type": "STEP_FINISHED", `,
		"unknown type":    `{"type": "NOT_AN_EVENT", "stepId": "b"}`,
		"missing stepId":  `{"type": "STEP_FINISHED", "result": 2}`,
		"live-only event": `{"type": "CUSTOM", "name": "x"}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s, exec := corruptStore(t)
			exec(`UPDATE wf_events SET data = '` + data + `' WHERE run_id = 'run-1' AND idx = 1`)
			_, err := s.LoadExecution(ctx, "run-1")
			wantCorrupt(t, "LoadExecution", err, `"run-1"`, "event 1")
			_, err = s.Events(ctx, "run-1", 0, 0)
			wantCorrupt(t, "Events", err, `"run-1"`, "event 1")
			_, err = s.ClaimRun(ctx, "run-1", lease("owner-b", base))
			wantCorrupt(t, "ClaimRun", err, `"run-1"`, "event 1")
			if evs, err := s.Events(ctx, "run-1", 0, 1); err != nil || len(evs) != 1 {
				t.Errorf("Events before the corrupt index: %d events, %v; want 1, nil", len(evs), err)
			}
		})
	}
}

func TestCorruptLogGap(t *testing.T) {
	t.Parallel()
	s, exec := corruptStore(t)
	exec(`UPDATE wf_events SET idx = 5 WHERE run_id = 'run-1' AND idx = 1`)
	_, err := s.LoadExecution(t.Context(), "run-1")
	wantCorrupt(t, "LoadExecution of a log with a gap", err, `"run-1"`, "index 5")
}

func TestCorruptDelivery(t *testing.T) {
	t.Parallel()
	s, exec := corruptStore(t)
	exec(`UPDATE wf_deliveries SET data = 'nope' WHERE run_id = 'run-1'`)
	_, err := s.LoadExecution(t.Context(), "run-1")
	wantCorrupt(t, "LoadExecution", err, `"run-1"`, "sig-1")
}

func TestCorruptRunColumns(t *testing.T) {
	t.Parallel()
	s, exec := corruptStore(t)
	exec(`UPDATE wf_runs SET awaiting = '[{' WHERE id = 'run-1'`)
	_, err := s.GetRun(t.Context(), "run-1")
	wantCorrupt(t, "GetRun with bad awaiting", err, `"run-1"`, "awaiting")
	exec(`UPDATE wf_runs SET awaiting = NULL, error = '{"name": 1}' WHERE id = 'run-1'`)
	_, err = s.ListRuns(t.Context(), store.ListQuery{})
	wantCorrupt(t, "ListRuns with a bad error column", err, `"run-1"`, "error")
}

// TestCorruptRunIsStillClaimed: a stale run whose run columns do not
// decode is claimed with those fields empty, so that the runs claimed with
// it still reach recovery; LoadExecution reports the corruption.
func TestCorruptRunIsStillClaimed(t *testing.T) {
	t.Parallel()
	s, exec := corruptStore(t)
	ctx := t.Context()
	if _, _, err := s.CreateRun(ctx, newRun("run-2")); err != nil {
		t.Fatal(err)
	}
	exec(`UPDATE wf_runs SET awaiting = '[{', error = '{"name": 1}' WHERE id = 'run-1'`)
	runs, err := s.ClaimStaleRuns(ctx, 10, lease("sweeper", base.Add(time.Hour)))
	if err != nil || len(runs) != 2 {
		t.Fatalf("ClaimStaleRuns: %d runs, %v; want both runs", len(runs), err)
	}
	for _, r := range runs {
		if r.LeaseOwner != "sweeper" || r.Error != nil || r.Awaiting != nil {
			t.Errorf("claimed run %s: lease %q, error %v, awaiting %v; want leased with no error or awaiting", r.ID, r.LeaseOwner, r.Error, r.Awaiting)
		}
	}
	_, err = s.LoadExecution(ctx, "run-1")
	wantCorrupt(t, "LoadExecution of the corrupt run", err, `"run-1"`)
}
