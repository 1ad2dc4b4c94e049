package runtime_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store/memstore"
)

// TestUnknownWorkflowListsRegistered: a misspelt workflow ID is answered
// with the registered IDs, and the error stays errors.Is-able.
func TestUnknownWorkflowListsRegistered(t *testing.T) {
	t.Parallel()
	noop := func(*wf.Context, struct{}) (struct{}, error) { return struct{}{}, nil }
	rt, err := runtime.New(runtime.Config{Store: memstore.New(), Workflows: []runtime.Workflow{
		{Definition: wf.New("fulfillment", noop)},
		{Definition: wf.New("expense", noop)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = rt.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "fulfilment"})
	if !errors.Is(err, runtime.ErrUnknownWorkflow) {
		t.Fatalf("StartRun of an unknown workflow: %v, want ErrUnknownWorkflow", err)
	}
	if want := `unknown workflow "fulfilment" (registered: expense, fulfillment)`; !strings.Contains(err.Error(), want) {
		t.Errorf("error = %q, want it to contain %q", err, want)
	}

	empty, err := runtime.New(runtime.Config{Store: memstore.New()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = empty.StartRun(context.Background(), runtime.StartRequest{WorkflowID: "expense"})
	if !errors.Is(err, runtime.ErrUnknownWorkflow) || !strings.Contains(err.Error(), "none registered") {
		t.Errorf("StartRun with no workflows registered: %v, want ErrUnknownWorkflow saying none are registered", err)
	}
}
