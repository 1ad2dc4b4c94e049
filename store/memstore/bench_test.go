package memstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
	"github.com/wfgo/wf/store/memstore"
)

// BenchmarkClaimDueTimers measures one sweep-sized claim (25 timers, the
// runtime's default) over 10,000 due timers. Each sweep comes after the
// previous one's leases expired, so every claim chooses among all 10,000.
func BenchmarkClaimDueTimers(b *testing.B) {
	const timers, sweep = 10_000, 25
	ctx := b.Context()
	s := memstore.New()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range timers {
		id := fmt.Sprintf("run-%05d", i)
		lease := store.Lease{Owner: "driver", Now: start, Until: start.Add(time.Minute)}
		if _, _, err := s.CreateRun(ctx, store.NewRun{ID: id, WorkflowID: "bench", Status: wf.StatusRunning, Lease: lease}); err != nil {
			b.Fatal(err)
		}
		// Timers wake in an order unrelated to their runs' IDs.
		wake := start.Add(time.Duration(i*7919%timers) * time.Millisecond)
		err := s.Commit(ctx, store.Commit{
			RunID: id, Owner: "driver", Status: wf.StatusPaused,
			Timers: []store.Timer{{RunID: id, StepID: "sleep", WakeAt: wake}},
			Now:    start,
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	now := start.Add(time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Minute)
		got, err := s.ClaimDueTimers(ctx, sweep, store.Lease{Owner: "sweeper", Now: now, Until: now.Add(30 * time.Second)})
		if err != nil || len(got) != sweep {
			b.Fatalf("ClaimDueTimers = %d timers, %v; want %d", len(got), err, sweep)
		}
	}
}
