package wf_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/wfgo/wf"
)

func stepsWorkflow(n int) *wf.Definition {
	ids := make([]wf.StepID, n)
	for i := range ids {
		ids[i] = wf.StepID(fmt.Sprintf("step-%d", i))
	}
	return wf.New("steps", func(ctx *wf.Context, _ struct{}) (int, error) {
		sum := 0
		for _, id := range ids {
			v, err := wf.Step(ctx, id, func(wf.StepContext) (int, error) { return 1, nil })
			if err != nil {
				return 0, err
			}
			sum += v
		}
		return sum, nil
	})
}

// BenchmarkFreshRun10Steps runs a 10-step workflow from an empty log to the
// end: ten checkpoints and a final commit on an in-memory log.
func BenchmarkFreshRun10Steps(b *testing.B) {
	def := stepsWorkflow(10)
	b.ReportAllocs()
	for b.Loop() {
		h := newHarness(b, def, struct{}{})
		if out := h.drive(); out.Status != wf.OutcomeFinished {
			b.Fatal(out.Status)
		}
	}
}

// BenchmarkReplay1000Steps replays a finished 1,000-step log up to its end
// (the log's terminal event is dropped so the handler really runs).
func BenchmarkReplay1000Steps(b *testing.B) {
	def := stepsWorkflow(1000)
	h := newHarness(b, def, struct{}{})
	h.drive()
	log := h.events()
	log = log[:len(log)-1]
	b.ReportAllocs()
	for b.Loop() {
		inv := h.invocation()
		inv.Log = log
		out, err := def.Execute(context.Background(), inv)
		if err != nil || out.Status != wf.OutcomeFinished {
			b.Fatal(out.Status, err)
		}
	}
}
