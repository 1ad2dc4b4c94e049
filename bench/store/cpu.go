package main

import (
	"context"
	"fmt"
	"time"

	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store/memstore"
)

// cpuFigureName names the machine's CPU reference: a serial 10-step
// workflow on the in-memory store, which waits for no disk nor network.
const cpuFigureName = "cpu-workflow-10-steps-memstore"

// cpuFigure measures the CPU reference for d. The ratios of the other
// figures are to fsync-bound baselines, while part of each workflow's
// cost is CPU (the engine's, the client's and the server's), so a
// machine whose CPU is slower at the same fsync rate shows lower ratios
// for the same code; this figure, in the same report, tells the two
// apart.
func cpuFigure(ctx context.Context, d time.Duration) (Figure, error) {
	rt, err := runtime.New(runtime.Config{Store: memstore.New(), Workflows: []runtime.Workflow{{Definition: tenSteps("ten-steps")}}})
	if err != nil {
		return Figure{}, err
	}
	var s sample
	err = s.measure(ctx, 1, d, func(ctx context.Context, id string) error {
		res, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "ten-steps", RunID: id})
		if err == nil && res.Kind != runtime.KindCompleted {
			err = fmt.Errorf("run %s ended %s", id, res.Kind)
		}
		return err
	})
	if err != nil || s.rate() == 0 {
		return Figure{}, fmt.Errorf("cpu reference: %v (%v workflows)", err, s.n)
	}
	return Figure{Name: cpuFigureName, Concurrency: 1, Value: 1e6 / s.rate(), Unit: "µs/workflow",
		Note: "CPU reference: in-memory store, no I/O"}, nil
}
