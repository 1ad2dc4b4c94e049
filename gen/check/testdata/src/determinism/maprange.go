package determinism

import (
	"fmt"
	"maps"
	"slices"

	"github.com/wfgo/wf"
)

func Fanout(ctx *wf.Context, amounts map[string]int) error {
	for k := range amounts { // want `range over a map in a workflow body reaches durable calls in a different order on each replay; range over sorted keys instead`
		if err := wf.Do(ctx, wf.StepID("charge-"+k), charge); err != nil {
			return err
		}
	}
	for k, v := range amounts { // want `range over a map in a workflow body`
		if v > 0 {
			_ = wf.Now(ctx)
		}
		_ = k
	}
	for k := range maps.Keys(amounts) { // want `range over a map in a workflow body`
		_, _ = wf.WaitForEvent[string](ctx, "paid-"+k)
	}
	for k, v := range maps.All(amounts) { // want `range over a map in a workflow body`
		notify(ctx, k, v)
	}

	// Sorted keys, and map loops without durable calls, are fine.
	for _, k := range slices.Sorted(maps.Keys(amounts)) {
		if err := wf.Do(ctx, wf.StepID(fmt.Sprintf("refund-%s", k)), charge); err != nil {
			return err
		}
	}
	total := 0
	for _, v := range amounts {
		total += v
	}
	for k := range amounts {
		wf.Emit(ctx, "seen", k)
	}
	return nil
}

// notify takes the *wf.Context, so calling it may reach durable calls.
func notify(ctx *wf.Context, k string, v int) {
	_, _ = wf.Approve(ctx, wf.ApprovalRequest{ID: "notify-" + k})
}

func charge(sc wf.StepContext) error { return nil }
