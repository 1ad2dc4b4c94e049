package sqlite_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/sqlite"
)

// TestPayloadTooLarge checks that every write with a value over the limit
// fails with ErrTooLarge naming the run, and writes nothing.
func TestPayloadTooLarge(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t, sqlite.WithMaxPayloadSize(256))
	big := json.RawMessage(`{"blob": "` + strings.Repeat("x", 300) + `"}`)
	tooLarge := func(what string, err error, runID string) {
		t.Helper()
		if !errors.Is(err, store.ErrTooLarge) {
			t.Errorf("%s: error = %v, want ErrTooLarge", what, err)
		} else if !strings.Contains(err.Error(), runID) {
			t.Errorf("%s: error %q does not name %q", what, err, runID)
		}
	}

	nr := newRun("big-input")
	nr.Input = big
	_, _, err := s.CreateRun(ctx, nr)
	tooLarge("CreateRun with a large input", err, "big-input")
	if _, err := s.GetRun(ctx, "big-input"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetRun after a refused CreateRun: %v, want ErrNotFound", err)
	}

	if _, _, err := s.CreateRun(ctx, leasedRun("run-1", "owner-a")); err != nil {
		t.Fatal(err)
	}
	err = s.Append(ctx, "run-1", store.Append{Owner: "owner-a", Next: 0, Events: []wf.Event{step("a", `1`), step("b", string(big))}})
	tooLarge("Append with a large event", err, "run-1")
	if evs, _ := s.Events(ctx, "run-1", 0, 0); len(evs) != 0 {
		t.Errorf("log after a refused Append: %d events, want 0", len(evs))
	}

	err = s.Commit(ctx, store.Commit{RunID: "run-1", Owner: "owner-a", Status: wf.StatusFinished, Output: big, Now: base})
	tooLarge("Commit with a large output", err, "run-1")
	if run, _ := s.GetRun(ctx, "run-1"); run.Status != wf.StatusRunning || run.LeaseOwner != "owner-a" {
		t.Errorf("run after a refused Commit: status %s, lease %q; want running, owner-a", run.Status, run.LeaseOwner)
	}

	_, err = s.Deliver(ctx, "run-1", wf.Delivery{StepID: "wait", SignalID: "sig-1", Name: "go", Payload: big}, store.DeliverOptions{})
	tooLarge("Deliver with a large payload", err, "run-1")
	if exec, _ := s.LoadExecution(ctx, "run-1"); len(exec.Deliveries) != 0 || exec.Run.DeliverySeq != 0 {
		t.Errorf("after a refused Deliver: %d deliveries, DeliverySeq %d; want none, 0", len(exec.Deliveries), exec.Run.DeliverySeq)
	}

	err = s.UpsertSchedule(ctx, store.Schedule{ID: "nightly", WorkflowID: "orders", Spec: "@every 1h", Input: big, Enabled: true})
	tooLarge("UpsertSchedule with a large input", err, "nightly")
	if scheds, _ := s.ListSchedules(ctx); len(scheds) != 0 {
		t.Errorf("schedules after a refused UpsertSchedule: %d, want 0", len(scheds))
	}
}
