package sqlite_test

import (
	"encoding/json"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// base is the tests' epoch.
var base = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// lease is owner's one-minute lease taken at now.
func lease(owner string, now time.Time) store.Lease {
	return store.Lease{Owner: owner, Now: now, Until: now.Add(time.Minute)}
}

// newRun is an unleased queued run created at base.
func newRun(id string) store.NewRun {
	return store.NewRun{ID: id, WorkflowID: "orders", Version: "v1", Status: wf.StatusQueued,
		Input: json.RawMessage(`{"orderId": 1}`), Lease: store.Lease{Now: base}}
}

// leasedRun is a running run leased to owner at base.
func leasedRun(id, owner string) store.NewRun {
	nr := newRun(id)
	nr.Status = wf.StatusRunning
	nr.Lease = lease(owner, base)
	return nr
}

// step is a STEP_FINISHED event for step id with result.
func step(id, result string) wf.Event {
	return wf.Event{Type: wf.StepFinished, Time: base, StepID: id, Result: json.RawMessage(result)}
}
