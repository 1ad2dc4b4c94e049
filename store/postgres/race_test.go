package postgres

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/store"
)

// TestCommitRacesTakeover races a Commit by an owner whose lease has
// expired against another owner's ClaimRun, many times. Either the commit
// lands whole before the claim, and the claimant loads it, or the claim
// lands first and the commit fails with ErrLeaseLost having written
// nothing: never events without the run's update, nor timers without
// events.
func TestCommitRacesTakeover(t *testing.T) {
	t.Parallel()
	ts := setup(t)
	ctx := t.Context()
	const trials = 40
	committed := 0
	for i := range trials {
		id := fmt.Sprintf("run-%d", i)
		nr := newRun(id)
		nr.Lease.Until = epoch.Add(time.Second)
		if _, _, err := ts.CreateRun(ctx, nr); err != nil {
			t.Fatal(err)
		}
		if err := ts.Append(ctx, id, store.Append{Owner: owner, Events: stepEvents(0, 1)}); err != nil {
			t.Fatal(err)
		}
		wake := epoch.Add(time.Hour)
		var (
			commitErr error
			claim     store.ClaimResult
			claimErr  error
			wg        sync.WaitGroup
		)
		start := make(chan struct{})
		wg.Go(func() {
			<-start
			commitErr = ts.Commit(ctx, store.Commit{
				RunID: id, Owner: owner, Next: 1, Events: stepEvents(1, 2),
				Status:   wf.StatusPaused,
				Awaiting: []wf.Await{{StepID: "sleep", Kind: wf.AwaitTimer, Name: wf.TimerSignal, Deadline: &wake}},
				Timers:   []store.Timer{{RunID: id, StepID: "sleep", WakeAt: wake}},
				Now:      epoch.Add(2 * time.Second),
			})
		})
		wg.Go(func() {
			<-start
			now := epoch.Add(2 * time.Second)
			claim, claimErr = ts.ClaimRun(ctx, id, store.Lease{Owner: "owner-b", Now: now, Until: now.Add(time.Minute)})
		})
		close(start)
		wg.Wait()
		if claimErr != nil || claim.Status != store.Claimed {
			t.Fatalf("%s: ClaimRun = %v, %v; want claimed either way", id, claim.Status, claimErr)
		}
		evs, err := ts.Events(ctx, id, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		timers := ts.count(t, "wf_timers WHERE run_id = '"+id+"'")
		switch {
		case commitErr == nil:
			committed++
			if len(evs) != 3 || timers != 1 || len(claim.Execution.Events) != 3 {
				t.Errorf("%s: commit won: %d events, %d timers, claimant loaded %d events; want 3, 1, 3",
					id, len(evs), timers, len(claim.Execution.Events))
			}
		case errors.Is(commitErr, store.ErrLeaseLost):
			if len(evs) != 1 || timers != 0 || len(claim.Execution.Events) != 1 {
				t.Errorf("%s: claim won: %d events, %d timers, claimant loaded %d events; want 1, 0, 1",
					id, len(evs), timers, len(claim.Execution.Events))
			}
		default:
			t.Errorf("%s: Commit: %v, want nil or ErrLeaseLost", id, commitErr)
		}
	}
	t.Logf("commit won %d of %d races", committed, trials)
}
