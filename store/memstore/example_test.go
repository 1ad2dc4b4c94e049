package memstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

// A run is created idempotently, driven under a lease, and paused on a
// timer that a later sweep claims.
func ExampleNew() {
	ctx := context.Background()
	s := memstore.New()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	lease := store.Lease{Owner: "host-1", Now: now, Until: now.Add(30 * time.Second)}

	run, created, _ := s.CreateRun(ctx, store.NewRun{
		ID: "order-42", WorkflowID: "fulfillment", Version: "v1",
		Status: wf.StatusRunning, Input: json.RawMessage(`{"orderId":"42"}`), Lease: lease,
	})
	fmt.Println(run.ID, created, run.LeaseOwner)

	wake := now.Add(time.Hour)
	_ = s.Commit(ctx, store.Commit{
		RunID: run.ID, Owner: "host-1", Next: 0,
		Events: []wf.Event{{Type: wf.SignalAwaited, Time: now, StepID: "sleep-1", Name: wf.TimerSignal, Deadline: &wake}},
		Status: wf.StatusPaused,
		Timers: []store.Timer{{RunID: run.ID, StepID: "sleep-1", WakeAt: wake}},
		Now:    now,
	})
	run, _ = s.GetRun(ctx, run.ID)
	fmt.Println(run.Status, run.WakeAt.Sub(now), run.LeaseOwner == "")

	sweep := store.Lease{Owner: "sweeper", Now: wake, Until: wake.Add(30 * time.Second)}
	due, _ := s.ClaimDueTimers(ctx, 25, sweep)
	fmt.Println(len(due), due[0].RunID, due[0].StepID)
	// Output:
	// order-42 true host-1
	// paused 1h0m0s true
	// 1 order-42 sleep-1
}

// A store with a small payload limit refuses a larger input, as a SQL
// store configured the same way would.
func ExampleWithMaxPayloadSize() {
	ctx := context.Background()
	s := memstore.New(memstore.WithMaxPayloadSize(16))
	_, _, err := s.CreateRun(ctx, store.NewRun{
		ID: "r", WorkflowID: "w", Version: "v1", Status: wf.StatusQueued,
		Input: json.RawMessage(`{"note":"more than sixteen bytes"}`),
	})
	fmt.Println(errors.Is(err, store.ErrTooLarge), s.MaxPayloadSize())
	// Output: true 16
}
