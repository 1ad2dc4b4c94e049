package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// historyWorkflow replays n recorded steps, then waits for "go": resuming it
// costs loading and replaying a log of n+1 events.
func historyWorkflow() *wf.Definition {
	return wf.New("history", func(ctx *wf.Context, in struct {
		N int `json:"n"`
	}) (int, error) {
		for i := range in.N {
			if _, err := wf.Step(ctx, wf.StepID(fmt.Sprint("step-", i)), func(wf.StepContext) (int, error) { return 1, nil }); err != nil {
				return 0, err
			}
		}
		if _, err := wf.WaitForEvent[struct{}](ctx, "go", wf.ID("go")); err != nil {
			return 0, err
		}
		return in.N, nil
	})
}

// napWorkflow sleeps once (wakes on the sweep) and finishes.
func napWorkflow() *wf.Definition {
	return wf.New("nap", func(ctx *wf.Context, _ struct{}) (int, error) {
		wf.Sleep(ctx, time.Minute, wf.ID("nap"))
		return 1, nil
	})
}

// seedHistory writes a run of workflow "history" paused on "go" after n
// recorded steps, straight through the store (in batches of 1,000 events),
// as if it had run.
func seedHistory(ctx context.Context, st store.Store, runID string, n int, now time.Time) error {
	lease := store.Lease{Owner: "seed", Now: now, Until: now.Add(time.Hour)}
	input, _ := json.Marshal(map[string]int{"n": n})
	if _, _, err := st.CreateRun(ctx, store.NewRun{ID: runID, WorkflowID: "history", Version: "v1", Status: wf.StatusRunning, Input: input, Lease: lease}); err != nil {
		return err
	}
	for from := 0; from < n; from += 1000 {
		var evs []wf.Event
		for i := from; i < min(n, from+1000); i++ {
			evs = append(evs, wf.Event{Type: wf.StepFinished, Time: now, StepID: fmt.Sprint("step-", i), Result: json.RawMessage("1")})
		}
		if err := st.Append(ctx, runID, store.Append{Owner: "seed", Next: from, Events: evs}); err != nil {
			return err
		}
	}
	awaited := wf.Event{Type: wf.SignalAwaited, Time: now, StepID: "go", Name: "go"}
	return st.Commit(ctx, store.Commit{RunID: runID, Owner: "seed", Next: n, Events: []wf.Event{awaited},
		Status: wf.StatusPaused, Awaiting: []wf.Await{{StepID: "go", Kind: wf.AwaitSignal, Name: "go"}}, Now: now})
}

// seedNap writes a run of workflow "nap" paused on its due timer.
func seedNap(ctx context.Context, st store.Store, runID string, now time.Time) error {
	lease := store.Lease{Owner: "seed", Now: now, Until: now.Add(time.Hour)}
	if _, _, err := st.CreateRun(ctx, store.NewRun{ID: runID, WorkflowID: "nap", Version: "v1", Status: wf.StatusRunning, Input: json.RawMessage("null"), Lease: lease}); err != nil {
		return err
	}
	wake := now.Add(-time.Second)
	awaited := wf.Event{Type: wf.SignalAwaited, Time: now, StepID: "nap", Name: wf.TimerSignal, Deadline: &wake}
	return st.Commit(ctx, store.Commit{RunID: runID, Owner: "seed", Next: 0, Events: []wf.Event{awaited}, Status: wf.StatusPaused,
		Awaiting: []wf.Await{{StepID: "nap", Kind: wf.AwaitTimer, Name: wf.TimerSignal, Deadline: &wake}},
		Timers:   []store.Timer{{RunID: runID, StepID: "nap", WakeAt: wake}}, Now: now})
}

// resumeFigures measures the time to resume (deliver a signal, load, replay
// and finish) a run whose log holds n+1 events, for each n: the median of
// several runs.
func resumeFigures(ctx context.Context, rt *runtime.Runtime, st store.Store, lengths []int) ([]Figure, error) {
	var out []Figure
	now := time.Now()
	for _, n := range lengths {
		samples := max(3, min(20, 20_000/max(n, 1)))
		var times []time.Duration
		for i := range samples {
			id := fmt.Sprintf("history-%d-%d-%d", n, now.UnixNano(), i)
			if err := seedHistory(ctx, st, id, n, now); err != nil {
				return nil, fmt.Errorf("seed %d-event history: %w", n, err)
			}
			start := time.Now()
			res, err := rt.DeliverSignal(ctx, runtime.SignalRequest{RunID: id, SignalID: "go-1", Name: "go"})
			if err != nil {
				return nil, err
			}
			if res.Kind != runtime.KindCompleted {
				return nil, fmt.Errorf("resume of %s: %s", id, res.Kind)
			}
			times = append(times, time.Since(start))
		}
		slices.Sort(times)
		median := times[len(times)/2]
		out = append(out, Figure{Name: fmt.Sprintf("resume-%d-events", n+1), Concurrency: 1,
			Value: float64(median.Microseconds()) / 1000, Unit: "ms"})
	}
	return out, nil
}

// sweepFigure seeds n runs paused on due timers and measures one sweep
// that delivers them all, against the raw insert rate at the sweep's
// concurrency measured right before and right after it: a delivery costs
// a claim and a commit, so the limit is half the raw rate.
func sweepFigure(ctx context.Context, rt *runtime.Runtime, st store.Store, n, concurrency int, raw func(context.Context, string) error) (Figure, error) {
	now := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	var next sync.Mutex
	i := 0
	for range 8 {
		g.Go(func() error {
			for {
				next.Lock()
				k := i
				i++
				next.Unlock()
				if k >= n {
					return nil
				}
				if err := seedNap(gctx, st, fmt.Sprintf("nap-%d-%d", now.UnixNano(), k), now); err != nil {
					return err
				}
			}
		})
	}
	if err := g.Wait(); err != nil {
		return Figure{}, fmt.Errorf("seed timers: %w", err)
	}
	var rawRate sample
	if err := rawRate.measure(ctx, concurrency, time.Second, raw); err != nil {
		return Figure{}, err
	}
	start := time.Now()
	res, err := rt.Sweep(ctx, runtime.SweepOptions{MaxTimers: n, MaxDuration: 10 * time.Minute, Concurrency: concurrency})
	if err != nil {
		return Figure{}, err
	}
	elapsed := time.Since(start)
	if got := res.Summary.Timers[runtime.KindCompleted]; got != n {
		return Figure{}, fmt.Errorf("sweep finished %d of %d timers: %+v", got, n, res.Summary)
	}
	if err := rawRate.measure(ctx, concurrency, time.Second, raw); err != nil {
		return Figure{}, err
	}
	rate, limit := float64(n)/elapsed.Seconds(), rawRate.rate()/2
	return Figure{Name: fmt.Sprintf("sweep-%d-timers", n), Concurrency: concurrency, Value: rate, Unit: "timers/s", Limit: limit, Ratio: rate / limit}, nil
}
