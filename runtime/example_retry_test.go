package runtime_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store/memstore"
)

// invoice charges a card that the first time is declined.
func invoice(charges *int) *wf.Definition {
	return wf.New("invoice", func(ctx *wf.Context, _ struct{}) (string, error) {
		return wf.Step(ctx, "charge", func(wf.StepContext) (string, error) {
			if *charges++; *charges == 1 {
				return "", errors.New("card declined")
			}
			return "paid", nil
		})
	})
}

func ExampleRuntime_Retry() {
	ctx := context.Background()
	charges := 0
	rt, _ := runtime.New(runtime.Config{Store: memstore.New(), Workflows: []runtime.Workflow{{Definition: invoice(&charges)}}})
	res, _ := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "invoice", RunID: "inv-1", Input: []byte(`{}`)})
	fmt.Println(res.Kind, res.Run.Error.Message)

	res, _ = rt.Retry(ctx, "inv-1", runtime.RequestedBy("ops"), runtime.Because("card updated"))
	fmt.Println(res.Kind, string(res.Run.Output))
	// Output:
	// errored step "charge" failed after 1 attempt(s): card declined
	// completed "paid"
}

func ExampleRuntime_Fork() {
	ctx := context.Background()
	charges := 1 // the card works
	rt, _ := runtime.New(runtime.Config{Store: memstore.New(), Workflows: []runtime.Workflow{{Definition: invoice(&charges)}}})
	_, _ = rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "invoice", RunID: "inv-1", Input: []byte(`{}`)})

	res, err := rt.Fork(ctx, "inv-1", "charge", "inv-1-again")
	fmt.Println(res.Kind, res.Run.ID, charges, err)
	// Output:
	// completed inv-1-again 3 <nil>
}

func ExampleRuntime_Export() {
	ctx := context.Background()
	charges := 1
	rt, _ := runtime.New(runtime.Config{Store: memstore.New(), Workflows: []runtime.Workflow{{Definition: invoice(&charges)}}})
	_, _ = rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "invoice", RunID: "inv-1", Input: []byte(`{}`)})

	h, _ := rt.Export(ctx, "inv-1")
	fmt.Println(h.Format, h.FormatVersion, h.Status, len(h.Events))
	for _, ev := range h.Events {
		fmt.Println(ev.Type, ev.StepID)
	}
	// Output:
	// wf.history 1 finished 2
	// STEP_FINISHED charge
	// RUN_FINISHED
}
