package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/wfgo/wf"
	"github.com/wfgo/wf/runtime"
	"github.com/wfgo/wf/store"
)

// TestUndecodableInputIsRefused: a hand-written definition without a
// validator refuses input that is valid JSON but does not decode into its
// input type with a validation_error, and nothing is stored.
func TestUndecodableInputIsRefused(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, newStore func(t *testing.T) store.Store) {
		type input struct {
			Count int `json:"count"`
		}
		var ran bool
		def := wf.New("count", func(*wf.Context, input) (int, error) { ran = true; return 0, nil })
		st := newStore(t)
		rt, err := runtime.New(runtime.Config{Store: st, Workflows: []runtime.Workflow{{Definition: def}}})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		for _, in := range []string{`{"count": 1.0}`, `{"count": 1e30}`, `{"count": 9223372036854775808}`} {
			_, err := rt.StartRun(ctx, runtime.StartRequest{WorkflowID: "count", RunID: "r", Input: json.RawMessage(in)})
			var ve *wf.ValidationError
			if !errors.As(err, &ve) || ve.Code() != string(wf.CodeValidation) || ve.Issues[0].Path != "/count" {
				t.Errorf("StartRun(%s): %v, want a validation_error at /count", in, err)
			}
			if _, err := st.GetRun(ctx, "r"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("StartRun(%s) stored the run (GetRun: %v)", in, err)
			}
		}
		if ran {
			t.Error("the handler ran on refused input")
		}
	})
}
