package runtime_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// appendCountingStore counts the store's mid-drive appends; the append
// numbered failAt (1-based) fails with a conflict, as when the drive is
// abandoned before its write lands.
type appendCountingStore struct {
	store.Store
	mu      sync.Mutex
	appends int
	failAt  int
}

func (s *appendCountingStore) Append(ctx context.Context, runID string, a store.Append) error {
	s.mu.Lock()
	s.appends++
	fail := s.appends == s.failAt
	s.mu.Unlock()
	if fail {
		return fmt.Errorf("append at %d: %w", a.Next, store.ErrConflict)
	}
	return s.Store.Append(ctx, runID, a)
}

// localSteps runs local steps a to e, then the durable step f; calls
// counts live step runs.
func localSteps(calls map[string]int, mu *sync.Mutex) *wf.Definition {
	return wf.New("local-steps", func(ctx *wf.Context, _ struct{}) (int, error) {
		for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
			var opts []wf.StepOption
			if id != "f" {
				opts = append(opts, wf.WithLocal())
			}
			if err := wf.Do(ctx, wf.StepID(id), func(wf.StepContext) error {
				mu.Lock()
				calls[id]++
				mu.Unlock()
				return nil
			}, opts...); err != nil {
				return 0, err
			}
		}
		return 6, nil
	})
}

func TestLocalStepsOnStores(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(*testing.T) store.Store) {
		ctx := context.Background()
		var mu sync.Mutex
		calls := map[string]int{}
		// The first write, a to e before f runs, is lost.
		st := &appendCountingStore{Store: newStore(t), failAt: 1}
		b := setupOn(t, st, runtime.Workflow{Definition: localSteps(calls, &mu)})
		res, err := b.rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "local-steps", RunID: "l-1"})
		if err != nil || res.Kind != runtime.KindNotClaimable {
			t.Fatalf("start: %s %v, want the drive abandoned", res.Kind, err)
		}
		tl, err := b.rt.Timeline(ctx, "l-1")
		if err != nil {
			t.Fatal(err)
		}
		if len(tl.Events) != 0 || fmt.Sprint(calls) != "map[a:1 b:1 c:1 d:1 e:1]" {
			t.Fatalf("after the lost write: log %v, calls %v", eventKinds(tl.Events), calls)
		}

		// The sweep drives the run again: the local steps run again.
		if _, err := b.rt.Sweep(ctx, runtime.SweepOptions{}); err != nil {
			t.Fatal(err)
		}
		run, err := b.rt.GetRun(ctx, "l-1")
		if err != nil || run.Status != wf.StatusFinished {
			t.Fatalf("after the sweep: %s %v", run.Status, err)
		}
		if fmt.Sprint(calls) != "map[a:2 b:2 c:2 d:2 e:2 f:1]" {
			t.Fatalf("calls %v, want the local steps twice and f once", calls)
		}
		// The second drive wrote a to e in one append; f rode on the finish.
		if st.appends != 2 {
			t.Fatalf("%d appends, want 2 (one lost, one landed)", st.appends)
		}
		tl, err = b.rt.Timeline(ctx, "l-1")
		if err != nil {
			t.Fatal(err)
		}
		want := "STEP_FINISHED:a STEP_FINISHED:b STEP_FINISHED:c STEP_FINISHED:d STEP_FINISHED:e STEP_FINISHED:f RUN_FINISHED"
		if got := strings.Join(eventKinds(tl.Events), " "); got != want {
			t.Fatalf("log %s, want %s", got, want)
		}
	})
}
